/* syr2k with MPI: lower triangle of C = alpha*(A*B^T + B*A^T) + beta*C, A and B N x K.
 * Row i of the triangle costs (i+1)*K, so rows are dealt out CYCLICALLY (row i to rank
 * i % p): every rank gets a mix of short and long rows and the work is balanced without
 * any partition arithmetic. Rows of C are computed from all rows of A and B, which every
 * rank generates from the formulas; the only communication is for the printed output. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double a_val(long i, long k) { return 0.2 + (double)((2 * i + 5 * k) % 9) / 9.0; }
static double b_val(long i, long k) { return 1.0 / (double)(2 + (i + 3 * k) % 7); }
static double c_val(long i, long j) { return 1.0 + 0.01 * (double)((i * j) % 23); }

/* Number of packed lower-triangle entries in the rows r, r+p, r+2p, ... below N. */
static long cyclic_count(long N, int p, int r)
{
    long c = 0;
    for (long i = r; i < N; i += p)
        c += i + 1;
    return c;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long N = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
    long K = argc > 2 ? strtol(argv[2], NULL, 10) : N;
    if (N < 1 || K < 1) {
        if (rank == 0)
            fprintf(stderr, "syr2k: sizes N K must be >= 1\n");
        MPI_Finalize();
        return 1;
    }
    const double alpha = 0.5, beta = 1.5;
    double *A = malloc((size_t)(N * K) * sizeof *A);
    double *B = malloc((size_t)(N * K) * sizeof *B);
    for (long i = 0; i < N; i++)
        for (long k = 0; k < K; k++) {
            A[i * K + k] = a_val(i, k);
            B[i * K + k] = b_val(i, k);
        }

    /* My rows i = rank, rank+p, ..., each stored packed (its j <= i entries) in order. */
    long cnt = cyclic_count(N, size, rank);
    double *C = malloc((size_t)(cnt + 1) * sizeof *C);
    double local_sum = 0.0;
    long q = 0;
    for (long i = rank; i < N; i += size) {
        const double *ai = A + i * K, *bi = B + i * K;
        for (long j = 0; j <= i; j++) {
            const double *aj = A + j * K, *bj = B + j * K;
            double s = 0.0;
            for (long k = 0; k < K; k++)
                s += ai[k] * bj[k] + bi[k] * aj[k];
            C[q] = alpha * s + beta * c_val(i, j);
            local_sum += C[q++];
        }
    }

    if (N <= 40) {
        /* Gather every rank's packed rows, then rank 0 interleaves them back by row. */
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int r = 0, d = 0; r < size; r++) {
            counts[r] = (int)cyclic_count(N, size, r);
            displs[r] = d;
            d += counts[r];
        }
        double *all = rank == 0 ? malloc((size_t)(N * (N + 1) / 2) * sizeof *all) : NULL;
        MPI_Gatherv(C, (int)cnt, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            for (long i = 0; i < N; i++) {
                int owner = (int)(i % size);
                long pos = displs[owner];
                for (long r = owner; r < i; r += size)   /* skip owner's earlier rows */
                    pos += r + 1;
                for (long j = 0; j <= i; j++)
                    printf("%.10e%c", all[pos + j], j < i ? ' ' : '\n');
            }
        }
        free(all);
        free(counts);
        free(displs);
    } else {
        /* buf[0]: checksum; then 3 entries for each of 32 sampled rows, from their owner. */
        double buf[97] = {0.0};
        buf[0] = local_sum;
        for (long t = 0; t < 32; t++) {
            long i = t * (N - 1) / 31;
            if (i % size != rank)
                continue;
            long pos = 0;
            for (long r = rank; r < i; r += size)
                pos += r + 1;
            buf[1 + 3 * t] = C[pos];
            buf[2 + 3 * t] = C[pos + i / 2];
            buf[3 + 3 * t] = C[pos + i];
        }
        MPI_Reduce(rank == 0 ? MPI_IN_PLACE : buf, buf, 97, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("checksum %.12e\n", buf[0]);
            for (long t = 0; t < 32; t++)
                printf("row %ld: %.10e %.10e %.10e\n", t * (N - 1) / 31, buf[1 + 3 * t],
                       buf[2 + 3 * t], buf[3 + 3 * t]);
        }
    }
    free(A);
    free(B);
    free(C);
    MPI_Finalize();
    return 0;
}
