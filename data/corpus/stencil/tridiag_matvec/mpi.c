/* MPI power iteration with a tridiagonal matrix: x <- A x / ||A x||_2, T times.
 * Rows and vector entries are split into contiguous blocks (remainder spread over the first
 * ranks); each rank builds its own rows of A and its part of x from the formulas. Per
 * iteration a rank needs one neighbour value on each side (MPI_Sendrecv, MPI_PROC_NULL at
 * the ends, where the ghost stays 0) and the global sum of squares (MPI_Allreduce), which
 * every rank uses to normalize its block. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

static double sub_at(long i)  { return -1.0 - 0.1 * (double)(i % 3); }
static double diag_at(long i) { return 4.0 + 0.25 * (double)(i % 5); }
static double sup_at(long i)  { return -1.0 + 0.05 * (double)(i % 4); }

static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }
static long block_cnt(long n, int p, int r) { return n / p + (r < n % p ? 1 : 0); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, p;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &p);

    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long T = argc > 2 ? strtol(argv[2], NULL, 10) : 50;
    if (n < 1 || T < 1) {
        if (rank == 0) fprintf(stderr, "usage: %s [n >= 1] [iterations >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    long lo = block_lo(n, p, rank), cnt = block_cnt(n, p, rank);

    /* x[l + 1] holds global entry lo + l; x[0] and x[cnt+1] are ghosts (0 at the ends) */
    double *x = calloc((size_t)(cnt + 2), sizeof *x);
    double *y = malloc((size_t)(cnt + 1) * sizeof *y);
    double *a = malloc((size_t)(cnt + 1) * sizeof *a), *d = malloc((size_t)(cnt + 1) * sizeof *d);
    double *c = malloc((size_t)(cnt + 1) * sizeof *c);
    for (long l = 0; l < cnt; l++) {
        long i = lo + l;
        a[l] = sub_at(i); d[l] = diag_at(i); c[l] = sup_at(i);
        x[l + 1] = 1.0 + 0.125 * (double)(i % 7);
    }
    int left = (rank > 0 && cnt > 0) ? rank - 1 : MPI_PROC_NULL;
    int right = (rank + 1 < p && rank + 1 < n) ? rank + 1 : MPI_PROC_NULL;

    double norm = 0.0;
    for (long t = 0; t < T; t++) {
        if (cnt > 0) {
            MPI_Sendrecv(&x[1], 1, MPI_DOUBLE, left, 0, &x[cnt + 1], 1, MPI_DOUBLE, right, 0,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Sendrecv(&x[cnt], 1, MPI_DOUBLE, right, 1, &x[0], 1, MPI_DOUBLE, left, 1,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        double ss_local = 0.0, ss = 0.0;
        for (long l = 0; l < cnt; l++) {
            y[l] = a[l] * x[l] + d[l] * x[l + 1] + c[l] * x[l + 2];
            ss_local += y[l] * y[l];
        }
        /* every rank needs the norm, so Allreduce (empty ranks contribute 0) */
        MPI_Allreduce(&ss_local, &ss, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        norm = sqrt(ss);
        for (long l = 0; l < cnt; l++) x[l + 1] = y[l] / norm;
    }

    if (rank == 0) printf("norm %.12e\n", norm);
    if (n <= 64) {
        int *counts = NULL, *displs = NULL;
        double *all = NULL;
        if (rank == 0) {
            counts = malloc((size_t)p * sizeof *counts);
            displs = malloc((size_t)p * sizeof *displs);
            for (int q = 0; q < p; q++) {
                counts[q] = (int)block_cnt(n, p, q);
                displs[q] = (int)block_lo(n, p, q);
            }
            all = malloc((size_t)n * sizeof *all);
        }
        MPI_Gatherv(&x[1], (int)cnt, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            for (long i = 0; i < n; i++) printf("%.12e\n", all[i]);
            free(counts); free(displs); free(all);
        }
    } else {
        double local = 0.0, sum = 0.0, samp[17], samp_all[17];
        for (long l = 0; l < cnt; l++) local += fabs(x[l + 1]);
        for (int k = 0; k <= 16; k++) {
            long i = (long)k * (n - 1) / 16;
            samp[k] = (i >= lo && i < lo + cnt) ? x[i - lo + 1] : 0.0;
        }
        MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(samp, samp_all, 17, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("abs_checksum %.12e\n", sum);
            for (int k = 0; k <= 16; k++)
                printf("x[%ld] %.12e\n", (long)k * (n - 1) / 16, samp_all[k]);
        }
    }
    free(x); free(y); free(a); free(d); free(c);
    MPI_Finalize();
    return 0;
}
