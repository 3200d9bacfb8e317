/* MPI sparse matrix-vector product y = A x, CSR format, banded n x n matrix (half-bandwidth 4).
 * Rows are split in balanced contiguous blocks. Every rank assembles the CSR arrays of ITS OWN rows
 * from the entry formula (local row_ptr starting at 0) and generates only the window of x its rows
 * touch (its rows +- HALF_BW), so the product itself needs no communication at all.
 * Usage: csr_banded [n] [reps]                                                                  */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define HALF_BW 4 /* row i holds the columns i-4 .. i+4 that lie inside the matrix */

static double a_entry(long i, long j)
{
    if (i == j)
        return 10.0 + (double)(i % 5) * 0.5;
    long d = i > j ? i - j : j - i;
    return -(1.0 + (double)((i + 2 * j) % 3) * 0.25) / (double)(d + 1);
}

static double x_entry(long j) { return 1.0 + (double)(j % 7) * 0.25; }

/* Balanced block of n items for rank r of p: the first n % p ranks get one extra item. */
static void block_range(long n, int p, int r, long *lo, long *cnt)
{
    long q = n / p, rem = n % p;
    *lo = r * q + (r < rem ? r : rem);
    *cnt = q + (r < rem ? 1 : 0);
}

/* Rank 0 prints what the sequential program prints. Small n: gather y. Large n: the checksums and
 * sampled elements are combined with one MPI_Reduce (each sample is non-zero on one rank only). */
static void print_y(const double *yl, long lo, long cnt, long n, int rank, int size)
{
    if (n <= 64) {
        int *counts = NULL, *displs = NULL;
        double *y = NULL;
        if (rank == 0) {
            counts = malloc((size_t)size * sizeof *counts);
            displs = malloc((size_t)size * sizeof *displs);
            y = malloc((size_t)n * sizeof *y);
            for (int r = 0; r < size; r++) {
                long l, c;
                block_range(n, size, r, &l, &c);
                counts[r] = (int)c;
                displs[r] = (int)l;
            }
        }
        MPI_Gatherv(yl, (int)cnt, MPI_DOUBLE, y, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0)
            for (long i = 0; i < n; i++)
                printf("%.12e\n", y[i]);
        free(counts);
        free(displs);
        free(y);
        return;
    }
    long step = n / 32, ns = (n - 1) / step + 1; /* samples at 0, step, 2*step, ... */
    double *buf = calloc((size_t)(ns + 3), sizeof *buf); /* sum, wsum, samples, last */
    for (long i = lo; i < lo + cnt; i++) {
        buf[0] += yl[i - lo];
        buf[1] += (double)(1 + i % 7) * yl[i - lo];
        if (i % step == 0)
            buf[2 + i / step] = yl[i - lo];
        if (i == n - 1)
            buf[2 + ns] = yl[i - lo];
    }
    MPI_Reduce(rank == 0 ? MPI_IN_PLACE : buf, buf, (int)(ns + 3), MPI_DOUBLE, MPI_SUM, 0,
               MPI_COMM_WORLD);
    if (rank == 0) {
        printf("sum %.12e\nwsum %.12e\n", buf[0], buf[1]);
        for (long k = 0; k < ns; k++)
            printf("y[%ld] %.12e\n", k * step, buf[2 + k]);
        printf("y[%ld] %.12e\n", n - 1, buf[2 + ns]);
    }
    free(buf);
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

    long lo, cnt;
    block_range(n, size, rank, &lo, &cnt);

    /* Window of x needed by rows [lo, lo+cnt): columns [xlo, xhi). Stored with offset xlo. */
    long xlo = lo - HALF_BW < 0 ? 0 : lo - HALF_BW;
    long xhi = lo + cnt + HALF_BW > n ? n : lo + cnt + HALF_BW;
    if (cnt == 0)
        xhi = xlo;

    /* Local CSR of the own rows; column indices are stored relative to xlo. */
    long *row_ptr = malloc((size_t)(cnt + 1) * sizeof *row_ptr);
    row_ptr[0] = 0;
    for (long li = 0; li < cnt; li++) {
        long i = lo + li;
        long jlo = i - HALF_BW < 0 ? 0 : i - HALF_BW;
        long jhi = i + HALF_BW > n - 1 ? n - 1 : i + HALF_BW;
        row_ptr[li + 1] = row_ptr[li] + (jhi - jlo + 1);
    }
    long nnz = row_ptr[cnt];
    long *col_idx = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof *col_idx);
    double *val = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof *val);
    for (long li = 0; li < cnt; li++) {
        long i = lo + li, p = row_ptr[li];
        long jlo = i - HALF_BW < 0 ? 0 : i - HALF_BW;
        long jhi = i + HALF_BW > n - 1 ? n - 1 : i + HALF_BW;
        for (long j = jlo; j <= jhi; j++, p++) {
            col_idx[p] = j - xlo;
            val[p] = a_entry(i, j);
        }
    }

    double *x = malloc((size_t)(xhi - xlo > 0 ? xhi - xlo : 1) * sizeof *x);
    double *y = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *y);
    for (long j = xlo; j < xhi; j++)
        x[j - xlo] = x_entry(j);

    /* Same per-row summation order as the sequential code, so y is bit-identical. */
    for (long r = 0; r < reps; r++)
        for (long li = 0; li < cnt; li++) {
            double s = 0.0;
            for (long p = row_ptr[li]; p < row_ptr[li + 1]; p++)
                s += val[p] * x[col_idx[p]];
            y[li] = s;
        }

    print_y(y, lo, cnt, n, rank, size);
    free(row_ptr);
    free(col_idx);
    free(val);
    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
