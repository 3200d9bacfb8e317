/* divisible_only: deliberately wrong MPI version of seq.c. Every rank takes n / size
 * elements and the remainder is silently dropped, so the output is right only when the rank
 * count divides n (n = 8: right at np = 1, 2, 4, wrong at np = 3, where the last two squares
 * come out as 0 and the sum is short). */
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

    int chunk = (int)(n / size); /* BUG: ignores n % size */
    double *part = malloc(sizeof(double) * (size_t)(chunk > 0 ? chunk : 1));
    for (int k = 0; k < chunk; k++) {
        long i = (long)rank * chunk + k;
        part[k] = (double)(i + 1) * (double)(i + 1);
    }
    double *all = rank == 0 ? calloc((size_t)n, sizeof(double)) : NULL;
    MPI_Gather(part, chunk, MPI_DOUBLE, all, chunk, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        double sum = 0.0;
        for (long i = 0; i < n; i++) {
            printf("%.1f\n", all[i]);
            sum += all[i];
        }
        printf("sum %.1f\n", sum);
    }
    free(all);
    free(part);
    MPI_Finalize();
    return 0;
}
