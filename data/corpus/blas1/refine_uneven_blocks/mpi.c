/* MPI elementwise transform plus reductions, written for sizes the rank count does NOT
 * divide. Rank r owns the contiguous block [lo, lo + cnt) with
 *     cnt = n / p + (r < n % p),   lo = r (n / p) + min(r, n % p),
 * so the n % p leftover elements go one each to the first ranks (block sizes differ by at
 * most one, and when p > n the last ranks own nothing). Each rank computes its own x and y
 * from the global index; sum and sum of squares travel in ONE MPI_Reduce on a 2-array.
 * For printing, rank 0 collects the uneven blocks with MPI_Gatherv, whose counts[] and
 * displs[] are computed with the same two formulas. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }
static long block_cnt(long n, int p, int r) { return n / p + (r < n % p ? 1 : 0); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, p;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &p);

    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000003;
    if (n < 1) {
        if (rank == 0) fprintf(stderr, "usage: %s [n >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    long lo = block_lo(n, p, rank), cnt = block_cnt(n, p, rank);
    double *y = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *y);   /* cnt may be 0 */

    double part[2] = {0.0, 0.0};                 /* local sum, local sum of squares */
    for (long l = 0; l < cnt; l++) {
        long i = lo + l;                         /* global index: same value as sequential */
        double x = 0.5 + 0.3 * (double)(i % 11) + (double)i / (double)n;
        y[l] = x * exp(-0.25 * x) + log1p(x);
        part[0] += y[l];
        part[1] += y[l] * y[l];
    }
    double tot[2];
    MPI_Reduce(part, tot, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("sum %.12e\n", tot[0]);
        printf("norm %.12e\n", sqrt(tot[1]));
    }

    if (n <= 64) {
        int *counts = NULL, *displs = NULL;
        double *all = NULL;
        if (rank == 0) {
            counts = malloc((size_t)p * sizeof *counts);
            displs = malloc((size_t)p * sizeof *displs);
            for (int q = 0; q < p; q++) {          /* uneven: counts differ by one, some 0 */
                counts[q] = (int)block_cnt(n, p, q);
                displs[q] = (int)block_lo(n, p, q);
            }
            all = malloc((size_t)n * sizeof *all);
        }
        MPI_Gatherv(y, (int)cnt, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            for (long i = 0; i < n; i++) printf("%.12e\n", all[i]);
            free(counts); free(displs); free(all);
        }
    } else {
        /* samples: the owner of each sampled index contributes it, all others add 0 */
        double samp[17], samp_all[17];
        for (int k = 0; k <= 16; k++) {
            long i = (long)k * (n - 1) / 16;
            samp[k] = (i >= lo && i < lo + cnt) ? y[i - lo] : 0.0;
        }
        MPI_Reduce(samp, samp_all, 17, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0)
            for (int k = 0; k <= 16; k++)
                printf("y[%ld] %.12e\n", (long)k * (n - 1) / 16, samp_all[k]);
    }
    free(y);
    MPI_Finalize();
    return 0;
}
