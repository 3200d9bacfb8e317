/* symm with MPI: C = A * B, A symmetric M x M (lower triangle defines it), B and C M x N.
 * Rows of C are block-distributed. Row i of C needs row i of the FULL symmetric A, i.e.
 * A[i][k] for k <= i and A[k][i] for k > i; each rank generates exactly these entries from
 * the lower-triangle formula, plus the whole of B, so the product needs no communication. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double a_low(long i, long k) { return 2.0 / (double)(2 + i - k) + 0.05 * (double)((i + k) % 3); }
static double b_val(long k, long j) { return 0.5 + (double)((3 * k + j) % 10) * 0.1; }

static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long M = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
    long N = argc > 2 ? strtol(argv[2], NULL, 10) : M;
    if (M < 1 || N < 1) {
        if (rank == 0)
            fprintf(stderr, "symm: sizes M N must be >= 1\n");
        MPI_Finalize();
        return 1;
    }
    long lo = block_lo(M, size, rank), hi = block_lo(M, size, rank + 1), rows = hi - lo;

    /* My rows of the symmetric A, expanded to full length: Arow[i][k] = A(max, min). */
    double *Arow = malloc((size_t)(rows * M + 1) * sizeof *Arow);
    double *B = malloc((size_t)(M * N) * sizeof *B);
    double *C = calloc((size_t)(rows * N + 1), sizeof *C);
    for (long i = lo; i < hi; i++)
        for (long k = 0; k < M; k++)
            Arow[(i - lo) * M + k] = k <= i ? a_low(i, k) : a_low(k, i);
    for (long k = 0; k < M; k++)
        for (long j = 0; j < N; j++)
            B[k * N + j] = b_val(k, j);

    for (long i = 0; i < rows; i++) {
        double *ci = C + i * N;
        for (long k = 0; k < M; k++) {
            double aik = Arow[i * M + k];
            const double *bk = B + k * N;
            for (long j = 0; j < N; j++)
                ci[j] += aik * bk[j];
        }
    }

    if (M * N <= 4096) {
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int r = 0; r < size; r++) {
            displs[r] = (int)(block_lo(M, size, r) * N);
            counts[r] = (int)(block_lo(M, size, r + 1) * N) - displs[r];
        }
        double *Cfull = rank == 0 ? malloc((size_t)(M * N) * sizeof *Cfull) : NULL;
        MPI_Gatherv(C, (int)(rows * N), MPI_DOUBLE, Cfull, counts, displs, MPI_DOUBLE, 0,
                    MPI_COMM_WORLD);
        if (rank == 0)
            for (long i = 0; i < M; i++)
                for (long j = 0; j < N; j++)
                    printf("%.10e%c", Cfull[i * N + j], j + 1 < N ? ' ' : '\n');
        free(Cfull);
        free(counts);
        free(displs);
    } else {
        /* One reduction carries the checksum and the 64 samples (owner contributes). */
        double buf[65] = {0.0};
        for (long idx = 0; idx < rows * N; idx++)
            buf[0] += C[idx];
        for (long t = 0; t < 64; t++) {
            long idx = t * (M * N - 1) / 63, i = idx / N;
            if (i >= lo && i < hi)
                buf[1 + t] = C[(i - lo) * N + idx % N];
        }
        MPI_Reduce(rank == 0 ? MPI_IN_PLACE : buf, buf, 65, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("checksum %.12e\n", buf[0]);
            for (long t = 0; t < 64; t++) {
                long idx = t * (M * N - 1) / 63;
                printf("C[%ld][%ld] = %.10e\n", idx / N, idx % N, buf[1 + t]);
            }
        }
    }
    free(Arow);
    free(B);
    free(C);
    MPI_Finalize();
    return 0;
}
