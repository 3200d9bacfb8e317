/* BASELINE (weaker strategy) MPI y = A x, CSR format, banded n x n matrix (half-bandwidth 4).
 * Rank 0 assembles the whole CSR matrix and x, scatters the CSR arrays of contiguous row blocks
 * (MPI_Scatterv with counts derived from row_ptr), broadcasts all of x and gathers all of y.
 * Correct, but serial assembly on rank 0 and O(nnz + p*n) data movement.
 * Usage: csr_banded [n] [reps]                                                                  */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define HALF_BW 4

static double a_entry(long i, long j)
{
    if (i == j)
        return 10.0 + (double)(i % 5) * 0.5;
    long d = i > j ? i - j : j - i;
    return -(1.0 + (double)((i + 2 * j) % 3) * 0.25) / (double)(d + 1);
}

static double x_entry(long j) { return 1.0 + (double)(j % 7) * 0.25; }

static void block_range(long n, int p, int r, long *lo, long *cnt)
{
    long q = n / p, rem = n % p;
    *lo = r * q + (r < rem ? r : rem);
    *cnt = q + (r < rem ? 1 : 0);
}

static void print_y(const double *y, long n)
{
    if (n <= 64) {
        for (long i = 0; i < n; i++)
            printf("%.12e\n", y[i]);
        return;
    }
    double sum = 0.0, wsum = 0.0;
    for (long i = 0; i < n; i++) {
        sum += y[i];
        wsum += (double)(1 + i % 7) * y[i];
    }
    printf("sum %.12e\nwsum %.12e\n", sum, wsum);
    long step = n / 32;
    for (long i = 0; i < n; i += step)
        printf("y[%ld] %.12e\n", i, y[i]);
    printf("y[%ld] %.12e\n", n - 1, y[n - 1]);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [n >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }

    long *row_ptr = NULL, *col_idx = NULL;
    double *val = NULL;
    double *x = malloc((size_t)n * sizeof *x);
    int *rcnt = NULL, *rdsp = NULL, *ecnt = NULL, *edsp = NULL;
    if (rank == 0) { /* rank 0 builds everything */
        row_ptr = malloc((size_t)(n + 1) * sizeof *row_ptr);
        row_ptr[0] = 0;
        for (long i = 0; i < n; i++) {
            long jlo = i - HALF_BW < 0 ? 0 : i - HALF_BW;
            long jhi = i + HALF_BW > n - 1 ? n - 1 : i + HALF_BW;
            row_ptr[i + 1] = row_ptr[i] + (jhi - jlo + 1);
        }
        col_idx = malloc((size_t)row_ptr[n] * sizeof *col_idx);
        val = malloc((size_t)row_ptr[n] * sizeof *val);
        for (long i = 0; i < n; i++) {
            long p = row_ptr[i];
            long jlo = i - HALF_BW < 0 ? 0 : i - HALF_BW;
            long jhi = i + HALF_BW > n - 1 ? n - 1 : i + HALF_BW;
            for (long j = jlo; j <= jhi; j++, p++) {
                col_idx[p] = j;
                val[p] = a_entry(i, j);
            }
        }
        for (long j = 0; j < n; j++)
            x[j] = x_entry(j);
        /* Row counts (for row_ptr and y) and entry counts (for col_idx and val) per rank. */
        rcnt = malloc((size_t)size * sizeof *rcnt);
        rdsp = malloc((size_t)size * sizeof *rdsp);
        ecnt = malloc((size_t)size * sizeof *ecnt);
        edsp = malloc((size_t)size * sizeof *edsp);
        for (int r = 0; r < size; r++) {
            long l, c;
            block_range(n, size, r, &l, &c);
            rcnt[r] = (int)c;
            rdsp[r] = (int)l;
            ecnt[r] = (int)(row_ptr[l + c] - row_ptr[l]);
            edsp[r] = (int)row_ptr[l];
        }
    }

    long lo, cnt;
    block_range(n, size, rank, &lo, &cnt);
    /* Receive the row_ptr entries of the own rows (+1 for the end) and rebase them to 0. */
    long *lptr = malloc((size_t)(cnt + 1) * sizeof *lptr);
    MPI_Scatterv(row_ptr, rcnt, rdsp, MPI_LONG, lptr, (int)cnt, MPI_LONG, 0, MPI_COMM_WORLD);
    long base = cnt > 0 ? lptr[0] : 0;
    int nl; /* number of own entries */
    MPI_Scatter(ecnt, 1, MPI_INT, &nl, 1, MPI_INT, 0, MPI_COMM_WORLD);
    long nloc = nl;
    for (long li = 0; li < cnt; li++)
        lptr[li] -= base;
    lptr[cnt] = nloc;

    long *lcol = malloc((size_t)(nloc > 0 ? nloc : 1) * sizeof *lcol);
    double *lval = malloc((size_t)(nloc > 0 ? nloc : 1) * sizeof *lval);
    MPI_Scatterv(col_idx, ecnt, edsp, MPI_LONG, lcol, nl, MPI_LONG, 0, MPI_COMM_WORLD);
    MPI_Scatterv(val, ecnt, edsp, MPI_DOUBLE, lval, nl, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    MPI_Bcast(x, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD);

    double *yl = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *yl);
    for (long r = 0; r < reps; r++)
        for (long li = 0; li < cnt; li++) {
            double s = 0.0;
            for (long p = lptr[li]; p < lptr[li + 1]; p++)
                s += lval[p] * x[lcol[p]];
            yl[li] = s;
        }

    double *y = rank == 0 ? malloc((size_t)n * sizeof *y) : NULL;
    MPI_Gatherv(yl, (int)cnt, MPI_DOUBLE, y, rcnt, rdsp, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0)
        print_y(y, n);

    free(row_ptr);
    free(col_idx);
    free(val);
    free(x);
    free(y);
    free(yl);
    free(rcnt);
    free(rdsp);
    free(ecnt);
    free(edsp);
    free(lptr);
    free(lcol);
    free(lval);
    MPI_Finalize();
    return 0;
}
