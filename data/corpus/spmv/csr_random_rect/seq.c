/* Sparse matrix-vector product y = A x, CSR format, rectangular nrows x ncols matrix with a random
 * pattern. Row i holds 1..12 entries (never more than ncols); the columns are split into that many
 * equal segments and one column per segment is drawn from an LCG seeded with mix(i), so the
 * columns of a row are distinct and increasing and any row can be generated on its own.
 * The product is repeated `reps` times (for timing). Usage: csr_random_rect [nrows] [ncols] [reps] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t mix(uint64_t z) /* splitmix64 finalizer */
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t lcg(uint64_t *st) /* 64-bit LCG, top 31 bits */
{
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return *st >> 33;
}

static long row_nnz(long i, long ncols)
{
    long k = 1 + (long)(mix((uint64_t)i * 3 + 1) % 12);
    return k < ncols ? k : ncols;
}

/* Columns and values of row i (k entries). */
static void make_row(long i, long ncols, long k, long *cols, double *vals)
{
    uint64_t st = mix((uint64_t)i);
    for (long t = 0; t < k; t++) {
        long a = t * ncols / k, b = (t + 1) * ncols / k;
        cols[t] = a + (long)(lcg(&st) % (uint64_t)(b - a));
        vals[t] = (double)((long)(lcg(&st) % 2001) - 1000) / 400.0;
    }
}

static double xin_entry(long j) { return 0.75 + 0.5 * (double)(j % 10) / (double)(1 + j % 3); }

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
    long nrows = argc > 1 ? strtol(argv[1], NULL, 10) : 800;
    long ncols = argc > 2 ? strtol(argv[2], NULL, 10) : 1200;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (nrows < 1 || ncols < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [nrows >= 1] [ncols >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }

    long *rowstart = malloc((size_t)(nrows + 1) * sizeof *rowstart);
    rowstart[0] = 0;
    for (long i = 0; i < nrows; i++)
        rowstart[i + 1] = rowstart[i] + row_nnz(i, ncols);
    long *colind = malloc((size_t)rowstart[nrows] * sizeof *colind);
    double *nzval = malloc((size_t)rowstart[nrows] * sizeof *nzval);
    for (long i = 0; i < nrows; i++)
        make_row(i, ncols, rowstart[i + 1] - rowstart[i], colind + rowstart[i],
                 nzval + rowstart[i]);

    double *xin = malloc((size_t)ncols * sizeof *xin);
    double *yout = malloc((size_t)nrows * sizeof *yout);
    for (long j = 0; j < ncols; j++)
        xin[j] = xin_entry(j);

    for (long r = 0; r < reps; r++)
        for (long i = 0; i < nrows; i++) {
            double acc = 0.0;
            for (long p = rowstart[i]; p < rowstart[i + 1]; p++)
                acc += nzval[p] * xin[colind[p]];
            yout[i] = acc;
        }

    print_y(yout, nrows);
    free(rowstart);
    free(colind);
    free(nzval);
    free(xin);
    free(yout);
    return 0;
}
