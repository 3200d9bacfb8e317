/* ok: the correct MPI version of seq.c. Block distribution that also handles rank counts
 * that do not divide n (the first n % size ranks get one more element); rank 0 gathers and
 * prints, other ranks print nothing. */
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

    int *counts = malloc(sizeof(int) * (size_t)size);
    int *displs = malloc(sizeof(int) * (size_t)size);
    for (int r = 0, off = 0; r < size; r++) {
        counts[r] = (int)(n / size + (r < n % size ? 1 : 0));
        displs[r] = off;
        off += counts[r];
    }
    int lo = displs[rank], cnt = counts[rank];
    double *b = malloc(sizeof(double) * (size_t)(cnt > 0 ? cnt : 1));
    for (int k = 0; k < cnt; k++) {
        long i = lo + k;
        double a = 3.0 * (double)i + 1.0;
        b[k] = 0.5 * a + (double)i * (double)i;
    }
    double *all = rank == 0 ? malloc(sizeof(double) * (size_t)n) : NULL;
    MPI_Gatherv(b, cnt, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        double sum = 0.0;
        for (long i = 0; i < n; i++) {
            printf("%.6f\n", all[i]);
            sum += all[i];
        }
        printf("sum %.6f\n", sum);
    }
    free(all);
    free(b);
    free(displs);
    free(counts);
    MPI_Finalize();
    return 0;
}
