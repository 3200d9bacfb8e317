/* no_halo: deliberately wrong MPI version of seq.c. The block decomposition is right and
 * the gather is right, but the ghost cells are never exchanged between neighbours: they stay
 * 0 as if every block boundary were a domain boundary. Correct at np = 1, wrong at np >= 2. */
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
    long steps = argc > 2 ? strtol(argv[2], NULL, 10) : 3;
    if (n < 1 || steps < 0) MPI_Abort(MPI_COMM_WORLD, 1);

    int *counts = malloc(sizeof(int) * (size_t)size);
    int *displs = malloc(sizeof(int) * (size_t)size);
    for (int r = 0, off = 0; r < size; r++) {
        counts[r] = (int)(n / size + (r < n % size ? 1 : 0));
        displs[r] = off;
        off += counts[r];
    }
    int lo = displs[rank], cnt = counts[rank];
    double *u = calloc((size_t)cnt + 2, sizeof(double));
    double *v = calloc((size_t)cnt + 2, sizeof(double));
    for (int k = 0; k < cnt; k++) {
        long i = lo + k;
        u[k + 1] = (double)((i + 1) * (i % 3 + 1));
    }
    for (long t = 0; t < steps; t++) {
        /* BUG: no halo exchange here; u[0] and u[cnt + 1] stay 0. */
        for (int k = 1; k <= cnt; k++) v[k] = (u[k - 1] + u[k] + u[k + 1]) / 3.0;
        double *tmp = u;
        u = v;
        v = tmp;
    }
    double *all = rank == 0 ? malloc(sizeof(double) * (size_t)n) : NULL;
    MPI_Gatherv(u + 1, cnt, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0)
        for (long i = 0; i < n; i++) printf("%.6f\n", all[i]);
    free(all);
    free(u);
    free(v);
    free(displs);
    free(counts);
    MPI_Finalize();
    return 0;
}
