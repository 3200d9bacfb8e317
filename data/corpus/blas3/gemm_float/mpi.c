/* gemm_float with MPI: single-precision C = alpha*A*B + beta*C, row-major.
 * Rows of A and C are block-distributed; each rank builds its own rows and the full B
 * from the hash formula (no input communication), multiplies locally, and only the
 * printed results travel: a Gatherv for small C, Reduce of checksum and samples for big C. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static float hashval(long a, long b, long salt)
{
    unsigned long h = (unsigned long)(a * 73856093L) ^ (unsigned long)(b * 19349663L) ^ (unsigned long)salt;
    h = (h ^ (h >> 13)) * 0x5bd1e995UL;
    return 0.25f + (float)(h % 1000UL) / 1000.0f;
}

/* First row of rank r when n rows are split over p ranks, remainder to the first ranks. */
static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long M = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
    long N = argc > 2 ? strtol(argv[2], NULL, 10) : M;
    long K = argc > 3 ? strtol(argv[3], NULL, 10) : M;
    if (M < 1 || N < 1 || K < 1) {
        if (rank == 0)
            fprintf(stderr, "gemm_float: sizes M N K must be >= 1\n");
        MPI_Finalize();
        return 1;
    }
    const float alpha = 0.75f, beta = 2.0f;

    long lo = block_lo(M, size, rank), hi = block_lo(M, size, rank + 1), rows = hi - lo;
    float *A = malloc((size_t)(rows * K + 1) * sizeof *A);   /* my rows of A */
    float *B = malloc((size_t)(K * N) * sizeof *B);          /* all of B     */
    float *C = malloc((size_t)(rows * N + 1) * sizeof *C);   /* my rows of C */
    for (long i = lo; i < hi; i++)
        for (long k = 0; k < K; k++)
            A[(i - lo) * K + k] = hashval(i, k, 1);
    for (long k = 0; k < K; k++)
        for (long j = 0; j < N; j++)
            B[k * N + j] = hashval(k, j, 2);
    for (long i = lo; i < hi; i++)
        for (long j = 0; j < N; j++)
            C[(i - lo) * N + j] = beta * hashval(i, j, 3);

    for (long i = 0; i < rows; i++) {
        float *ci = C + i * N;
        for (long k = 0; k < K; k++) {
            float aik = alpha * A[i * K + k];
            const float *bk = B + k * N;
            for (long j = 0; j < N; j++)
                ci[j] += aik * bk[j];
        }
    }

    if (M * N <= 2500) {
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int r = 0; r < size; r++) {
            displs[r] = (int)(block_lo(M, size, r) * N);
            counts[r] = (int)(block_lo(M, size, r + 1) * N) - displs[r];
        }
        float *Cfull = rank == 0 ? malloc((size_t)(M * N) * sizeof *Cfull) : NULL;
        MPI_Gatherv(C, (int)(rows * N), MPI_FLOAT, Cfull, counts, displs, MPI_FLOAT, 0,
                    MPI_COMM_WORLD);
        if (rank == 0)
            for (long idx = 0; idx < M * N; idx++)
                printf("%.6e\n", Cfull[idx]);
        free(Cfull);
        free(counts);
        free(displs);
    } else {
        /* Slot 0 holds the checksum, slots 1..50 the samples (0 unless I own the element). */
        double buf[51] = {0.0};
        for (long idx = 0; idx < rows * N; idx++)
            buf[0] += C[idx];
        for (long t = 0; t < 50; t++) {
            long idx = t * (M * N - 1) / 49, i = idx / N;
            if (i >= lo && i < hi)
                buf[1 + t] = C[(i - lo) * N + idx % N];
        }
        MPI_Reduce(rank == 0 ? MPI_IN_PLACE : buf, buf, 51, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("checksum %.9e\n", buf[0]);
            for (long t = 0; t < 50; t++) {
                long idx = t * (M * N - 1) / 49;
                printf("%ld %ld %.6e\n", idx / N, idx % N, (float)buf[1 + t]);
            }
        }
    }
    free(A);
    free(B);
    free(C);
    MPI_Finalize();
    return 0;
}
