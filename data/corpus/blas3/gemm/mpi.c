/* gemm with MPI: C = alpha*A*B + beta*C, row-major, A is M x K, B is K x N.
 * Row-block decomposition of A and C; every rank generates its own rows of A and C
 * and the whole of B from the closed-form formulas, so no input data is communicated. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double a_val(long i, long k) { return 0.5 + (double)((i * 3 + k * 7) % 11) / 11.0; }
static double b_val(long k, long j) { return 1.0 / (double)(1 + (k + 2 * j) % 13); }
static double c_val(long i, long j) { return 0.25 * (double)((i + j) % 5); }

/* Balanced block of n items for rank r of p: the first n%p ranks get one extra. */
static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long M = argc > 1 ? strtol(argv[1], NULL, 10) : 400;
    long N = argc > 2 ? strtol(argv[2], NULL, 10) : M;
    long K = argc > 3 ? strtol(argv[3], NULL, 10) : M;
    if (M < 1 || N < 1 || K < 1) {
        if (rank == 0)
            fprintf(stderr, "gemm: sizes M N K must be >= 1\n");
        MPI_Finalize();
        return 1;
    }
    const double alpha = 1.5, beta = 0.5;

    /* My rows of A and C: [lo, hi). Ranks beyond M own nothing. */
    long lo = block_lo(M, size, rank), hi = block_lo(M, size, rank + 1);
    long rows = hi - lo;
    double *A = malloc((size_t)(rows * K + 1) * sizeof *A);
    double *B = malloc((size_t)(K * N) * sizeof *B);
    double *C = malloc((size_t)(rows * N + 1) * sizeof *C);
    for (long i = lo; i < hi; i++)
        for (long k = 0; k < K; k++)
            A[(i - lo) * K + k] = a_val(i, k);
    for (long k = 0; k < K; k++)
        for (long j = 0; j < N; j++)
            B[k * N + j] = b_val(k, j);
    for (long i = lo; i < hi; i++)
        for (long j = 0; j < N; j++)
            C[(i - lo) * N + j] = c_val(i, j);

    /* Local product: same i-k-j loop as the sequential code, on my rows only. */
    for (long i = 0; i < rows; i++) {
        double *ci = C + i * N;
        for (long j = 0; j < N; j++)
            ci[j] *= beta;
        for (long k = 0; k < K; k++) {
            double aik = alpha * A[i * K + k];
            const double *bk = B + k * N;
            for (long j = 0; j < N; j++)
                ci[j] += aik * bk[j];
        }
    }

    if (M * N <= 4096) {
        /* Small result: gather the row blocks to rank 0 for printing. */
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int r = 0; r < size; r++) {
            displs[r] = (int)(block_lo(M, size, r) * N);
            counts[r] = (int)(block_lo(M, size, r + 1) * N) - displs[r];
        }
        double *Cfull = rank == 0 ? malloc((size_t)(M * N) * sizeof *Cfull) : NULL;
        MPI_Gatherv(C, (int)(rows * N), MPI_DOUBLE, Cfull, counts, displs, MPI_DOUBLE, 0,
                    MPI_COMM_WORLD);
        if (rank == 0) {
            for (long i = 0; i < M; i++)
                for (long j = 0; j < N; j++)
                    printf("%.10e%c", Cfull[i * N + j], j + 1 < N ? ' ' : '\n');
        }
        free(Cfull);
        free(counts);
        free(displs);
    } else {
        /* Large result: the checksum is a sum reduction; each sampled element is
         * contributed by its owner (the others add 0), so one MPI_Reduce collects all. */
        double local = 0.0, sum = 0.0;
        for (long idx = 0; idx < rows * N; idx++)
            local += C[idx];
        double sample[64];
        for (long t = 0; t < 64; t++) {
            long idx = t * (M * N - 1) / 63, i = idx / N;
            sample[t] = (i >= lo && i < hi) ? C[(i - lo) * N + idx % N] : 0.0;
        }
        MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(rank == 0 ? MPI_IN_PLACE : sample, sample, 64, MPI_DOUBLE, MPI_SUM, 0,
                   MPI_COMM_WORLD);
        if (rank == 0) {
            printf("checksum %.12e\n", sum);
            for (long t = 0; t < 64; t++) {
                long idx = t * (M * N - 1) / 63;
                printf("C[%ld][%ld] = %.10e\n", idx / N, idx % N, sample[t]);
            }
        }
    }
    free(A);
    free(B);
    free(C);
    MPI_Finalize();
    return 0;
}
