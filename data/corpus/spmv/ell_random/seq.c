/* Sparse matrix-vector product y = A x with A stored in ELLPACK (ELL) format.
 * A is n x n; row i holds len_i = 3..7 entries (fewer if n is small): the columns are split into
 * len_i equal segments and one column is drawn per segment from a small LCG seeded with hash(i);
 * in the segment containing i the diagonal is taken. ELL stores every row with the same width
 * K = max len_i, column-major (slot k of row i at k*n + i); short rows are padded with value 0
 * and their own diagonal column. The product is repeated `reps` times (for timing).
 * Usage: ell_random [n] [reps]                                                                 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t hash64(uint64_t z) /* splitmix64 finalizer */
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t lcg_next(uint64_t *s) /* 64-bit LCG, top 31 bits */
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static long row_len(long i, long n)
{
    long len = 3 + (long)(hash64((uint64_t)i) % 5);
    return len < n ? len : n;
}

/* Slot t (0 <= t < len) of row i: column and value. Uses its own LCG stream per row. */
static void gen_row(long i, long n, long len, long *cols, double *vals)
{
    uint64_t s = hash64((uint64_t)i + 0x1234567ULL);
    for (long t = 0; t < len; t++) {
        long seg_lo = t * n / len, seg_hi = (t + 1) * n / len;
        uint64_t u = lcg_next(&s), v = lcg_next(&s);
        if (i >= seg_lo && i < seg_hi) {
            cols[t] = i;
            vals[t] = 8.0 + (double)(i % 4) * 0.5;
        } else {
            cols[t] = seg_lo + (long)(u % (uint64_t)(seg_hi - seg_lo));
            vals[t] = -0.25 - (double)(v % 512) / 512.0;
        }
    }
}

static double x_entry(long j) { return 1.0 + (double)(j % 5) * 0.2; }

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

    long width = 0; /* ELL width K: the longest row */
    for (long i = 0; i < n; i++) {
        long len = row_len(i, n);
        width = len > width ? len : width;
    }
    long *col = malloc((size_t)(width * n) * sizeof *col);
    double *val = malloc((size_t)(width * n) * sizeof *val);
    long rc[8];
    double rv[8];
    for (long i = 0; i < n; i++) {
        long len = row_len(i, n);
        gen_row(i, n, len, rc, rv);
        for (long t = 0; t < width; t++) {
            col[t * n + i] = t < len ? rc[t] : i;  /* padding: own column ... */
            val[t * n + i] = t < len ? rv[t] : 0.0; /* ... with a zero value */
        }
    }

    double *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)n * sizeof *y);
    for (long j = 0; j < n; j++)
        x[j] = x_entry(j);

    /* ELL product slot by slot: unit-stride sweeps over the column-major arrays. */
    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < n; i++)
            y[i] = 0.0;
        for (long t = 0; t < width; t++) {
            const long *ct = col + t * n;
            const double *vt = val + t * n;
            for (long i = 0; i < n; i++)
                y[i] += vt[i] * x[ct[i]];
        }
    }

    print_y(y, n);
    free(col);
    free(val);
    free(x);
    free(y);
    return 0;
}
