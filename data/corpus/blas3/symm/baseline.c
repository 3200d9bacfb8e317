/* symm with MPI, baseline strategy: C = A * B, A symmetric M x M (lower triangle stored).
 * Rank 0 builds A and B, broadcasts the WHOLE of B to every rank, scatters rows of the
 * symmetric A, and gathers all of C back. Correct, but every input element is sent from
 * rank 0 and B is replicated through the network instead of being generated locally. */
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
    int *counts = malloc((size_t)size * sizeof *counts);
    int *displs = malloc((size_t)size * sizeof *displs);

    double *B = malloc((size_t)(M * N) * sizeof *B);
    double *Afull = NULL;
    if (rank == 0) {
        /* Rank 0 stores the lower triangle, then expands it to full rows for scattering. */
        Afull = calloc((size_t)(M * M), sizeof *Afull);
        for (long i = 0; i < M; i++)
            for (long k = 0; k <= i; k++)
                Afull[i * M + k] = a_low(i, k);
        for (long i = 0; i < M; i++)
            for (long k = i + 1; k < M; k++)
                Afull[i * M + k] = Afull[k * M + i];
        for (long k = 0; k < M; k++)
            for (long j = 0; j < N; j++)
                B[k * N + j] = b_val(k, j);
    }
    MPI_Bcast(B, (int)(M * N), MPI_DOUBLE, 0, MPI_COMM_WORLD);

    for (int r = 0; r < size; r++) {
        displs[r] = (int)(block_lo(M, size, r) * M);
        counts[r] = (int)(block_lo(M, size, r + 1) * M) - displs[r];
    }
    double *Arow = malloc((size_t)(rows * M + 1) * sizeof *Arow);
    MPI_Scatterv(Afull, counts, displs, MPI_DOUBLE, Arow, (int)(rows * M), MPI_DOUBLE, 0,
                 MPI_COMM_WORLD);

    double *C = calloc((size_t)(rows * N + 1), sizeof *C);
    for (long i = 0; i < rows; i++) {
        double *ci = C + i * N;
        for (long k = 0; k < M; k++) {
            double aik = Arow[i * M + k];
            const double *bk = B + k * N;
            for (long j = 0; j < N; j++)
                ci[j] += aik * bk[j];
        }
    }

    /* Gather the whole C to rank 0, which prints it or summarises it. */
    for (int r = 0; r < size; r++) {
        displs[r] = (int)(block_lo(M, size, r) * N);
        counts[r] = (int)(block_lo(M, size, r + 1) * N) - displs[r];
    }
    double *Cfull = rank == 0 ? malloc((size_t)(M * N) * sizeof *Cfull) : NULL;
    MPI_Gatherv(C, (int)(rows * N), MPI_DOUBLE, Cfull, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        if (M * N <= 4096) {
            for (long i = 0; i < M; i++)
                for (long j = 0; j < N; j++)
                    printf("%.10e%c", Cfull[i * N + j], j + 1 < N ? ' ' : '\n');
        } else {
            double sum = 0.0;
            for (long idx = 0; idx < M * N; idx++)
                sum += Cfull[idx];
            printf("checksum %.12e\n", sum);
            for (long t = 0; t < 64; t++) {
                long idx = t * (M * N - 1) / 63;
                printf("C[%ld][%ld] = %.10e\n", idx / N, idx % N, Cfull[idx]);
            }
        }
    }
    free(Afull);
    free(Arow);
    free(B);
    free(C);
    free(Cfull);
    free(counts);
    free(displs);
    MPI_Finalize();
    return 0;
}
