/* syrk with MPI: lower triangle of C = A * A^T, A is N x K, C stored packed row by row.
 * Row i of C has i+1 entries, so rows are split into contiguous blocks of equal triangular
 * work. A rank owning rows [lo, hi) needs rows 0..hi-1 of A, which it generates from the
 * formula. Its rows form one contiguous slice of the packed triangle, which makes the
 * final MPI_Gatherv a plain concatenation. */
#include <mpi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double a_val(long i, long k) { return 0.1 + (double)((i * 7 + k * 11) % 17) / 16.0; }

/* Smallest b with b(b+1)/2 >= r/p of the N(N+1)/2 triangle entries: first row of rank r. */
static long tri_lo(long N, int p, int r)
{
    long target = (long)r * (N * (N + 1) / 2) / p;
    long b = (long)((sqrt(8.0 * (double)target + 1.0) - 1.0) / 2.0);
    while (b * (b + 1) / 2 < target)
        b++;
    while (b > 0 && (b - 1) * b / 2 >= target)
        b--;
    return b < N ? b : N;
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
            fprintf(stderr, "syrk: sizes N K must be >= 1\n");
        MPI_Finalize();
        return 1;
    }
    long T = N * (N + 1) / 2;
    long lo = tri_lo(N, size, rank), hi = tri_lo(N, size, rank + 1);
    long off = lo * (lo + 1) / 2;                  /* my first packed index */
    long cnt = hi * (hi + 1) / 2 - off;            /* my packed entries */

    double *A = malloc((size_t)(hi * K + 1) * sizeof *A);   /* rows 0..hi-1 of A */
    double *C = malloc((size_t)(cnt + 1) * sizeof *C);
    for (long i = 0; i < hi; i++)
        for (long k = 0; k < K; k++)
            A[i * K + k] = a_val(i, k);

    for (long i = lo; i < hi; i++) {
        const double *ai = A + i * K;
        for (long j = 0; j <= i; j++) {
            const double *aj = A + j * K;
            double s = 0.0;
            for (long k = 0; k < K; k++)
                s += ai[k] * aj[k];
            C[i * (i + 1) / 2 + j - off] = s;
        }
    }

    if (N <= 40) {
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int r = 0; r < size; r++) {
            long a = tri_lo(N, size, r), b = tri_lo(N, size, r + 1);
            displs[r] = (int)(a * (a + 1) / 2);
            counts[r] = (int)(b * (b + 1) / 2) - displs[r];
        }
        double *Cfull = rank == 0 ? malloc((size_t)T * sizeof *Cfull) : NULL;
        MPI_Gatherv(C, (int)cnt, MPI_DOUBLE, Cfull, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0)
            for (long i = 0; i < N; i++)
                for (long j = 0; j <= i; j++)
                    printf("%.10e%c", Cfull[i * (i + 1) / 2 + j], j < i ? ' ' : '\n');
        free(Cfull);
        free(counts);
        free(displs);
    } else {
        /* buf[0]: checksum; buf[1+t]: packed sample t, non-zero only on its owner. */
        double buf[65] = {0.0};
        for (long q = 0; q < cnt; q++)
            buf[0] += C[q];
        for (long t = 0; t < 64; t++) {
            long p = t * (T - 1) / 63;
            if (p >= off && p < off + cnt)
                buf[1 + t] = C[p - off];
        }
        MPI_Reduce(rank == 0 ? MPI_IN_PLACE : buf, buf, 65, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("checksum %.12e\n", buf[0]);
            for (long t = 0; t < 64; t++) {
                long p = t * (T - 1) / 63, i = 0;
                while ((i + 1) * (i + 2) / 2 <= p)
                    i++;
                printf("C[%ld][%ld] = %.10e\n", i, p - i * (i + 1) / 2, buf[1 + t]);
            }
        }
    }
    free(A);
    free(C);
    MPI_Finalize();
    return 0;
}
