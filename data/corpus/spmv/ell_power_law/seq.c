/* Sparse matrix-vector product y = A x, ELLPACK format, n x n matrix with power-law row lengths.
 * Row i holds len_i = floor(LMAX / (1 + u_i)) entries, u_i = hash(i) mod LMAX, so most rows are
 * short and a few hold LMAX entries (capped at n). The columns of a row are spread over len_i
 * equal segments with a per-row LCG. ELL pads every row to the width W = max len_i; this variant
 * stores the slots row-major (slot t of row i at i*W + t), padding with column 0 and value 0.
 * The product is repeated `reps` times (for timing). Usage: ell_power_law [n] [reps]          */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LMAX 32

static uint64_t rowhash(uint64_t z) /* splitmix64 finalizer */
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static long length_of(long i, long n)
{
    long len = LMAX / (1 + (long)(rowhash((uint64_t)i) % LMAX));
    return len < n ? len : n;
}

/* Fill the len entries of row i (columns increasing) from an LCG seeded by the row. */
static void fill_row(long i, long n, long len, long *cj, double *aj)
{
    uint64_t st = rowhash(~(uint64_t)i);
    for (long t = 0; t < len; t++) {
        st = st * 2862933555777941757ULL + 3037000493ULL;
        long a = t * n / len, b = (t + 1) * n / len;
        cj[t] = a + (long)((st >> 33) % (uint64_t)(b - a));
        aj[t] = (t % 2 ? -1.0 : 1.0) * (0.5 + (double)((st >> 20) % 256) / 256.0) / (double)len;
    }
}

static double xp_entry(long j) { return 1.0 + 0.5 * (double)((j * 7) % 12) / 11.0; }

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

    long W = 0; /* padded width */
    for (long i = 0; i < n; i++) {
        long len = length_of(i, n);
        W = len > W ? len : W;
    }
    long *ecol = malloc((size_t)(n * W) * sizeof *ecol);
    double *eval = malloc((size_t)(n * W) * sizeof *eval);
    for (long i = 0; i < n; i++) {
        long len = length_of(i, n);
        fill_row(i, n, len, ecol + i * W, eval + i * W);
        for (long t = len; t < W; t++) { /* padding */
            ecol[i * W + t] = 0;
            eval[i * W + t] = 0.0;
        }
    }

    double *xp = malloc((size_t)n * sizeof *xp);
    double *yp = malloc((size_t)n * sizeof *yp);
    for (long j = 0; j < n; j++)
        xp[j] = xp_entry(j);

    for (long r = 0; r < reps; r++)
        for (long i = 0; i < n; i++) {
            double acc = 0.0;
            for (long t = 0; t < W; t++)
                acc += eval[i * W + t] * xp[ecol[i * W + t]];
            yp[i] = acc;
        }

    print_y(yp, n);
    free(ecol);
    free(eval);
    free(xp);
    free(yp);
    return 0;
}
