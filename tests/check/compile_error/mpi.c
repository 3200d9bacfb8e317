/* compile_error: an MPI version of seq.c that does not compile: it uses a variable it never
 * declared (local_summ, a typo of local_sum). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;

    long local_sum = 0, local_max = 0;
    for (long i = rank; i < n; i += size) {
        long f = (7 * i) % 11;
        local_sum += f;
        if (f > local_max) local_max = f;
    }
    long gsum, gmax;
    MPI_Reduce(&local_summ, &gsum, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(&local_max, &gmax, 1, MPI_LONG, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("sum %ld max %ld\n", gsum, gmax);
    MPI_Finalize();
    return 0;
}
