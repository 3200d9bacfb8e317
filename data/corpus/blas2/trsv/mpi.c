/* Triangular solve L*x = b (BLAS dtrsv, lower, non-unit), MPI version.
 * Rows are grouped in blocks of BS rows dealt out cyclically (block k belongs
 * to rank k % size), which balances the growing row lengths and keeps every
 * rank busy during the sweep. Each rank stores only its own rows (packed).
 * Forward substitution proceeds block by block: the owner of block k solves
 * its diagonal block and broadcasts the BS new unknowns; every rank then
 * subtracts their contribution from the right-hand sides of its later rows
 * (right-looking update). With a one-block lookahead, the owner of block k+1
 * updates and solves that block first, so its broadcast is ready early.
 * Every rank ends a solve with the full x, the right-hand side of the next.
 * Usage: trsv [N] [reps] */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define BS 64   /* rows per block */

/* Forward-substitute rows [b0, b1): x[i] already holds the right-hand side
 * minus the contributions of all earlier blocks. */
static void solve_block(const double *l, const long *off, double *x, long b0, long b1)
{
    for (long i = b0; i < b1; i++) {
        const double *row = l + off[i];            /* row[j] = L[i][j], j <= i */
        double t = x[i];
        for (long j = b0; j < i; j++)
            t -= row[j] * x[j];
        x[i] = t / row[i];
    }
}

/* Subtract the contribution of the solved unknowns x[b0..b1) from rows [r0, r1). */
static void update_rows(const double *l, const long *off, double *x,
                        long r0, long r1, long b0, long b1)
{
    for (long i = r0; i < r1; i++) {
        const double *row = l + off[i];
        double t = 0.0;
        for (long j = b0; j < b1; j++)
            t += row[j] * x[j];
        x[i] -= t;
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [N >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    long nb = (n + BS - 1) / BS;                   /* number of row blocks */

    /* off[i] = where row i (columns 0..i) starts in my packed storage; only
     * meaningful for the rows I own. */
    long *off = malloc((size_t)n * sizeof *off);
    long len = 0;
    for (long k = rank; k < nb; k += size)
        for (long i = k * BS; i < n && i < (k + 1) * BS; i++) {
            off[i] = len;
            len += i + 1;
        }
    double *l = malloc((size_t)(len > 0 ? len : 1) * sizeof *l);
    double *x = malloc((size_t)n * sizeof *x);
    if (!off || !l || !x) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = rank; k < nb; k += size)
        for (long i = k * BS; i < n && i < (k + 1) * BS; i++) {
            double *row = l + off[i];
            for (long j = 0; j < i; j++) {
                double d = (double)(i - j);
                row[j] = 0.5 * (1.0 + 0.1 * (double)((i + j) % 4)) / (d * d);
            }
            row[i] = 1.5 + 0.25 * (double)(i % 3);
        }
    for (long i = 0; i < n; i++)
        x[i] = 1.0 + 0.2 * (double)(i % 5);

    for (long r = 0; r < reps; r++) {
        if (rank == 0)                             /* block 0 is always rank 0's */
            solve_block(l, off, x, 0, BS < n ? BS : n);
        for (long k = 0; k < nb; k++) {
            long b0 = k * BS, b1 = b0 + BS < n ? b0 + BS : n;
            MPI_Bcast(x + b0, (int)(b1 - b0), MPI_DOUBLE, (int)(k % size), MPI_COMM_WORLD);

            /* Lookahead: the owner of block k+1 finishes and solves it first. */
            long next = k + 1;
            if (next < nb && next % size == rank) {
                long c0 = next * BS, c1 = c0 + BS < n ? c0 + BS : n;
                update_rows(l, off, x, c0, c1, b0, b1);
                solve_block(l, off, x, c0, c1);
            }
            /* Then the rest of my later blocks. */
            long first = next + ((rank - next % size) + size) % size;   /* my first block >= next */
            if (first == next)
                first += size;
            for (long kk = first; kk < nb; kk += size) {
                long c0 = kk * BS, c1 = c0 + BS < n ? c0 + BS : n;
                update_rows(l, off, x, c0, c1, b0, b1);
            }
        }
    }

    if (rank == 0) {
        if (n <= 64) {
            for (long i = 0; i < n; i++)
                printf("%.12e\n", x[i]);
        } else {
            double sum = 0.0, asum = 0.0;
            for (long i = 0; i < n; i++) {
                sum += x[i];
                asum += fabs(x[i]);
            }
            printf("sum %.12e abs_sum %.12e\n", sum, asum);
            long stride = (n + 15) / 16;
            for (long i = 0; i < n; i += stride)
                printf("x[%ld] %.12e\n", i, x[i]);
            printf("x[%ld] %.12e\n", n - 1, x[n - 1]);
        }
    }

    free(off);
    free(l);
    free(x);
    MPI_Finalize();
    return 0;
}
