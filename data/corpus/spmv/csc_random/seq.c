/* Sparse matrix-vector product y = A x with A stored in CSC (compressed sparse column) format.
 * A is n x n. Column j holds k_j = 8..24 entries (fewer if n is small): the rows are split into k_j
 * equal segments and one row is drawn in each segment from a small LCG seeded with hash(j); in the
 * segment containing j the diagonal is taken instead. Seeding per column lets any column be
 * generated on its own. The product is repeated `reps` times (for timing).
 * Usage: csc_random [n] [reps]                                                                 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* splitmix64 finalizer: turns a column index into a well-mixed LCG seed */
static uint64_t hash64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* 64-bit LCG, returns the top 31 bits */
static uint64_t lcg_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static long col_count(long j, long n)
{
    long k = 8 + (long)(hash64((uint64_t)j) % 17);
    return k < n ? k : n;
}

/* Fill rows/values of column j (k entries, rows increasing). */
static void gen_column(long j, long n, long k, long *rows, double *vals)
{
    uint64_t s = hash64((uint64_t)j ^ 0x5DEECE66DULL);
    for (long t = 0; t < k; t++) {
        long seg_lo = t * n / k, seg_hi = (t + 1) * n / k;
        uint64_t u = lcg_next(&s), v = lcg_next(&s);
        if (j >= seg_lo && j < seg_hi) {
            rows[t] = j;
            vals[t] = 4.0 + (double)(j % 3);
        } else {
            rows[t] = seg_lo + (long)(u % (uint64_t)(seg_hi - seg_lo));
            vals[t] = 0.1 + (double)(v % 1000) * 1.0e-3;
        }
    }
}

static double x_entry(long j) { return 0.5 + (double)(j % 11) * 0.125; }

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

    long *col_ptr = malloc((size_t)(n + 1) * sizeof *col_ptr);
    col_ptr[0] = 0;
    for (long j = 0; j < n; j++)
        col_ptr[j + 1] = col_ptr[j] + col_count(j, n);
    long nnz = col_ptr[n];
    long *row_idx = malloc((size_t)nnz * sizeof *row_idx);
    double *val = malloc((size_t)nnz * sizeof *val);
    for (long j = 0; j < n; j++)
        gen_column(j, n, col_ptr[j + 1] - col_ptr[j], row_idx + col_ptr[j], val + col_ptr[j]);

    double *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)n * sizeof *y);
    for (long j = 0; j < n; j++)
        x[j] = x_entry(j);

    /* CSC product: scatter column j, scaled by x[j], into y. */
    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < n; i++)
            y[i] = 0.0;
        for (long j = 0; j < n; j++) {
            double xj = x[j];
            for (long p = col_ptr[j]; p < col_ptr[j + 1]; p++)
                y[row_idx[p]] += val[p] * xj;
        }
    }

    print_y(y, n);
    free(col_ptr);
    free(row_idx);
    free(val);
    free(x);
    free(y);
    return 0;
}
