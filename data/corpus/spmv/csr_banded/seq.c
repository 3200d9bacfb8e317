/* Sparse matrix-vector product y = A x with A stored in CSR (compressed sparse row) format.
 * A is an n x n banded matrix (half-bandwidth 4, i.e. 9 diagonals) whose entries come from a
 * closed formula; x comes from a formula too. The product is repeated `reps` times (for timing).
 * Usage: csr_banded [n] [reps]                                                                  */
#include <stdio.h>
#include <stdlib.h>

#define HALF_BW 4 /* row i holds the columns i-4 .. i+4 that lie inside the matrix */

/* Entry A[i][j] of the band: dominant positive diagonal, negative decaying off-diagonals. */
static double a_entry(long i, long j)
{
    if (i == j)
        return 10.0 + (double)(i % 5) * 0.5;
    long d = i > j ? i - j : j - i;
    return -(1.0 + (double)((i + 2 * j) % 3) * 0.25) / (double)(d + 1);
}

static double x_entry(long j) { return 1.0 + (double)(j % 7) * 0.25; }

/* Print all of y for small n, otherwise two checksums and every (n/32)-th element plus the last. */
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
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [n >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }

    /* Count the entries of every row, then fill the CSR arrays row by row. */
    long *row_ptr = malloc((size_t)(n + 1) * sizeof *row_ptr);
    row_ptr[0] = 0;
    for (long i = 0; i < n; i++) {
        long jlo = i - HALF_BW < 0 ? 0 : i - HALF_BW;
        long jhi = i + HALF_BW > n - 1 ? n - 1 : i + HALF_BW;
        row_ptr[i + 1] = row_ptr[i] + (jhi - jlo + 1);
    }
    long nnz = row_ptr[n];
    long *col_idx = malloc((size_t)nnz * sizeof *col_idx);
    double *val = malloc((size_t)nnz * sizeof *val);
    for (long i = 0; i < n; i++) {
        long p = row_ptr[i];
        long jlo = i - HALF_BW < 0 ? 0 : i - HALF_BW;
        long jhi = i + HALF_BW > n - 1 ? n - 1 : i + HALF_BW;
        for (long j = jlo; j <= jhi; j++, p++) {
            col_idx[p] = j;
            val[p] = a_entry(i, j);
        }
    }

    double *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)n * sizeof *y);
    for (long j = 0; j < n; j++)
        x[j] = x_entry(j);

    for (long r = 0; r < reps; r++)
        for (long i = 0; i < n; i++) {
            double s = 0.0;
            for (long p = row_ptr[i]; p < row_ptr[i + 1]; p++)
                s += val[p] * x[col_idx[p]];
            y[i] = s;
        }

    print_y(y, n);
    free(row_ptr);
    free(col_idx);
    free(val);
    free(x);
    free(y);
    return 0;
}
