/* trsm with MPI: solve A * X = B, A lower-triangular M x M, B M x N (many columns).
 * Each column of X depends only on the same column of B, so the COLUMNS are block-
 * distributed: every rank generates all of A and its M x nloc slab of B from the formulas
 * and runs forward substitution on its slab. The solve is embarrassingly parallel; the
 * only communication is collecting what rank 0 prints. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double a_val(long i, long k)
{
    if (k == i)
        return 2.0 + 0.5 * (double)(i % 3);
    return -1.0 / (double)((i + 1) * (1 + (i + k) % 4));
}
static double b_val(long i, long j) { return 1.0 + 0.5 * (double)((i + 2 * j) % 7); }

static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long M = argc > 1 ? strtol(argv[1], NULL, 10) : 600;
    long N = argc > 2 ? strtol(argv[2], NULL, 10) : M;
    if (M < 1 || N < 1) {
        if (rank == 0)
            fprintf(stderr, "trsm: sizes M N must be >= 1\n");
        MPI_Finalize();
        return 1;
    }
    /* My columns [c0, c1); the slab X is M x nloc, row-major. */
    long c0 = block_lo(N, size, rank), c1 = block_lo(N, size, rank + 1), nloc = c1 - c0;
    double *A = calloc((size_t)(M * M), sizeof *A);
    double *X = malloc((size_t)(M * nloc + 1) * sizeof *X);
    for (long i = 0; i < M; i++)
        for (long k = 0; k <= i; k++)
            A[i * M + k] = a_val(i, k);
    for (long i = 0; i < M; i++)
        for (long j = c0; j < c1; j++)
            X[i * nloc + (j - c0)] = b_val(i, j);

    /* Forward substitution on my columns, same operation order as the sequential code. */
    for (long i = 0; i < M; i++) {
        double *xi = X + i * nloc;
        for (long k = 0; k < i; k++) {
            double aik = A[i * M + k];
            const double *xk = X + k * nloc;
            for (long j = 0; j < nloc; j++)
                xi[j] -= aik * xk[j];
        }
        double inv = 1.0 / A[i * M + i];
        for (long j = 0; j < nloc; j++)
            xi[j] *= inv;
    }

    if (M * N <= 4096) {
        /* Gather the slabs one after another; rank 0 prints row i by walking the
         * slabs in rank order, since the column blocks are in rank order too. */
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int r = 0; r < size; r++) {
            displs[r] = (int)(M * block_lo(N, size, r));
            counts[r] = (int)(M * block_lo(N, size, r + 1)) - displs[r];
        }
        double *slabs = rank == 0 ? malloc((size_t)(M * N) * sizeof *slabs) : NULL;
        MPI_Gatherv(X, (int)(M * nloc), MPI_DOUBLE, slabs, counts, displs, MPI_DOUBLE, 0,
                    MPI_COMM_WORLD);
        if (rank == 0) {
            for (long i = 0; i < M; i++)
                for (int r = 0; r < size; r++) {       /* rank r holds columns [lo, lo+w) */
                    long lo = block_lo(N, size, r), w = block_lo(N, size, r + 1) - lo;
                    for (long jj = 0; jj < w; jj++)
                        printf("%.10e%c", slabs[displs[r] + i * w + jj], lo + jj + 1 < N ? ' ' : '\n');
                }
        }
        free(slabs);
        free(counts);
        free(displs);
    } else {
        /* buf[0]: checksum; buf[1+t]: sample t, non-zero only on the owner of its column. */
        double buf[65] = {0.0};
        for (long idx = 0; idx < M * nloc; idx++)
            buf[0] += X[idx];
        for (long t = 0; t < 64; t++) {
            long idx = t * (M * N - 1) / 63, i = idx / N, j = idx % N;
            if (j >= c0 && j < c1)
                buf[1 + t] = X[i * nloc + (j - c0)];
        }
        MPI_Reduce(rank == 0 ? MPI_IN_PLACE : buf, buf, 65, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("checksum %.12e\n", buf[0]);
            for (long t = 0; t < 64; t++) {
                long idx = t * (M * N - 1) / 63;
                printf("X[%ld][%ld] = %.10e\n", idx / N, idx % N, buf[1 + t]);
            }
        }
    }
    free(A);
    free(X);
    MPI_Finalize();
    return 0;
}
