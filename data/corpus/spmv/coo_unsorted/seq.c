/* Sparse matrix-vector product y = A x, COO format with the entries stored in SHUFFLED order.
 * A is m x n; row i holds k = min(8, n) entries, one per column segment, at columns drawn from a
 * hash of (i, slot). Logical entry e = i*k + slot is stored at position q of the coordinate list
 * where e = (mult*q + shift) mod nnz; mult is coprime to nnz, so this is a permutation and every
 * position can be generated on its own. All values are positive.
 * The product is repeated `reps` times (for timing). Usage: coo_unsorted [m] [n] [reps]        */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PER_ROW 8

static uint64_t scramble(uint64_t z) /* splitmix64 finalizer */
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static long gcd(long a, long b)
{
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The permutation parameters: a multiplier near 0.618*nnz that is coprime to nnz. */
static long perm_mult(long nnz)
{
    long a = (long)(0.6180339887 * (double)nnz) | 1;
    while (gcd(a, nnz) != 1)
        a++;
    return a;
}

/* Entry stored at position q: row, column and value. */
static void coo_entry(long q, long nnz, long mult, long k, long n, long *ri, long *ci, double *v)
{
    long e = (long)(((unsigned long long)mult * (unsigned long long)q + 12345ULL) %
                    (unsigned long long)nnz);
    long i = e / k, slot = e % k;
    long a = slot * n / k, b = (slot + 1) * n / k;
    uint64_t h = scramble((uint64_t)e);
    *ri = i;
    *ci = a + (long)(h % (uint64_t)(b - a));
    *v = 0.05 + (double)((h >> 32) % 1000) * 1.0e-3;
}

static double xs_entry(long j) { return 0.5 + (double)(j % 13) / 13.0; }

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
    long m = argc > 1 ? strtol(argv[1], NULL, 10) : 600;
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 900;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (m < 1 || n < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [m >= 1] [n >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }
    long k = n < PER_ROW ? n : PER_ROW;
    long nnz = m * k, mult = perm_mult(nnz);

    long *ri = malloc((size_t)nnz * sizeof *ri);
    long *ci = malloc((size_t)nnz * sizeof *ci);
    double *vv = malloc((size_t)nnz * sizeof *vv);
    for (long q = 0; q < nnz; q++)
        coo_entry(q, nnz, mult, k, n, &ri[q], &ci[q], &vv[q]);

    double *xs = malloc((size_t)n * sizeof *xs);
    double *ys = malloc((size_t)m * sizeof *ys);
    for (long j = 0; j < n; j++)
        xs[j] = xs_entry(j);

    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < m; i++)
            ys[i] = 0.0;
        for (long q = 0; q < nnz; q++)
            ys[ri[q]] += vv[q] * xs[ci[q]];
    }

    print_y(ys, m);
    free(ri);
    free(ci);
    free(vv);
    free(xs);
    free(ys);
    return 0;
}
