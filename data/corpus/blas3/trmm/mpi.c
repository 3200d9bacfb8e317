/* trmm with MPI: B = alpha * A * B, A lower-triangular M x M, B M x N (row-major).
 * Row i of the result costs (i+1)*N multiply-adds, so the rows are split into contiguous
 * blocks of equal WORK rather than equal count. A rank owning rows [lo, hi) needs rows
 * 0..hi-1 of the original B; it generates them from the formula instead of receiving them. */
#include <mpi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double a_val(long i, long k) { return 1.0 / (double)(1 + i - k) + 0.01 * (double)(k % 4); }
static double b_val(long i, long j) { return 1.0 + (double)((i * 5 + j * 3) % 9) / 8.0; }

/* First row of rank r: the smallest b with b(b+1)/2 >= r/p of the total work M(M+1)/2.
 * Rows 0..b-1 then carry rank r's share of the cumulative triangular work. */
static long tri_lo(long M, int p, int r)
{
    long target = (long)r * (M * (M + 1) / 2) / p;
    long b = (long)((sqrt(8.0 * (double)target + 1.0) - 1.0) / 2.0);
    while (b * (b + 1) / 2 < target)
        b++;
    while (b > 0 && (b - 1) * b / 2 >= target)
        b--;
    return b < M ? b : M;
}

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
            fprintf(stderr, "trmm: sizes M N must be >= 1\n");
        MPI_Finalize();
        return 1;
    }
    const double alpha = 0.5;

    long lo = tri_lo(M, size, rank), hi = tri_lo(M, size, rank + 1), rows = hi - lo;
    /* Local rows of A (only their lower part k <= i is used), original B rows 0..hi-1,
     * and my rows of the result. */
    double *A = malloc((size_t)(rows * M + 1) * sizeof *A);
    double *B0 = malloc((size_t)(hi * N + 1) * sizeof *B0);
    double *Bout = malloc((size_t)(rows * N + 1) * sizeof *Bout);
    for (long i = lo; i < hi; i++)
        for (long k = 0; k <= i; k++)
            A[(i - lo) * M + k] = a_val(i, k);
    for (long i = 0; i < hi; i++)
        for (long j = 0; j < N; j++)
            B0[i * N + j] = b_val(i, j);

    /* Same accumulation order as the sequential code: k ascending into a row buffer. */
    for (long i = lo; i < hi; i++) {
        double *out = Bout + (i - lo) * N;
        for (long j = 0; j < N; j++)
            out[j] = 0.0;
        for (long k = 0; k <= i; k++) {
            double aik = A[(i - lo) * M + k];
            const double *bk = B0 + k * N;
            for (long j = 0; j < N; j++)
                out[j] += aik * bk[j];
        }
        for (long j = 0; j < N; j++)
            out[j] *= alpha;
    }

    if (M * N <= 4096) {
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int r = 0; r < size; r++) {
            displs[r] = (int)(tri_lo(M, size, r) * N);
            counts[r] = (int)(tri_lo(M, size, r + 1) * N) - displs[r];
        }
        double *Bfull = rank == 0 ? malloc((size_t)(M * N) * sizeof *Bfull) : NULL;
        MPI_Gatherv(Bout, (int)(rows * N), MPI_DOUBLE, Bfull, counts, displs, MPI_DOUBLE, 0,
                    MPI_COMM_WORLD);
        if (rank == 0)
            for (long i = 0; i < M; i++)
                for (long j = 0; j < N; j++)
                    printf("%.10e%c", Bfull[i * N + j], j + 1 < N ? ' ' : '\n');
        free(Bfull);
        free(counts);
        free(displs);
    } else {
        /* buf[0]: checksum; buf[1+t]: sample t, contributed only by the rank owning it. */
        double buf[61] = {0.0};
        for (long idx = 0; idx < rows * N; idx++)
            buf[0] += Bout[idx];
        for (long t = 0; t < 60; t++) {
            long idx = t * (M * N - 1) / 59, i = idx / N;
            if (i >= lo && i < hi)
                buf[1 + t] = Bout[(i - lo) * N + idx % N];
        }
        MPI_Reduce(rank == 0 ? MPI_IN_PLACE : buf, buf, 61, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("checksum %.12e\n", buf[0]);
            for (long t = 0; t < 60; t++) {
                long idx = t * (M * N - 1) / 59;
                printf("B[%ld][%ld] = %.10e\n", idx / N, idx % N, buf[1 + t]);
            }
        }
    }
    free(A);
    free(B0);
    free(Bout);
    MPI_Finalize();
    return 0;
}
