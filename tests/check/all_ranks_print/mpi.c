/* all_ranks_print: deliberately wrong MPI version of seq.c. The reduction is right, but
 * every rank prints the result, so the output holds np copies of it: right at np = 1 only. */
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
    if (n < 1) MPI_Abort(MPI_COMM_WORLD, 1);

    long sum = 0, max = 0;
    for (long i = rank; i < n; i += size) {
        long f = (7 * i) % 11;
        sum += f;
        if (f > max) max = f;
    }
    long gsum, gmax;
    MPI_Allreduce(&sum, &gsum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(&max, &gmax, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD);
    printf("sum %ld max %ld\n", gsum, gmax); /* BUG: not only on rank 0 */
    MPI_Finalize();
    return 0;
}
