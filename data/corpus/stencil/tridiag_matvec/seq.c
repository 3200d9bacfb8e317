/* Repeated tridiagonal matrix-vector product with normalization (power iteration):
 * x <- A x / ||A x||_2, T times, for the n x n tridiagonal matrix with
 *   sub[i] = -1 - 0.1 (i % 3),  diag[i] = 4 + 0.25 (i % 5),  sup[i] = -1 + 0.05 (i % 4).
 * Prints the last norm ||A x|| (an estimate of the dominant eigenvalue magnitude) and the
 * final vector (all of it when n is small, a checksum plus 17 samples otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

static double sub_at(long i)  { return -1.0 - 0.1 * (double)(i % 3); }
static double diag_at(long i) { return 4.0 + 0.25 * (double)(i % 5); }
static double sup_at(long i)  { return -1.0 + 0.05 * (double)(i % 4); }

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long T = argc > 2 ? strtol(argv[2], NULL, 10) : 50;
    if (n < 1 || T < 1) {
        fprintf(stderr, "usage: %s [n >= 1] [iterations >= 1]\n", argv[0]);
        return 1;
    }
    /* x has a zero at each end (x[0] and x[n+1]) so row 0 and row n-1 need no special case */
    double *x = malloc((size_t)(n + 2) * sizeof *x);
    double *y = malloc((size_t)n * sizeof *y);
    double *a = malloc((size_t)n * sizeof *a), *d = malloc((size_t)n * sizeof *d);
    double *c = malloc((size_t)n * sizeof *c);
    if (!x || !y || !a || !d || !c) { fprintf(stderr, "out of memory\n"); return 1; }
    for (long i = 0; i < n; i++) {
        a[i] = sub_at(i); d[i] = diag_at(i); c[i] = sup_at(i);
        x[i + 1] = 1.0 + 0.125 * (double)(i % 7);
    }
    x[0] = x[n + 1] = 0.0;

    double norm = 0.0;
    for (long t = 0; t < T; t++) {
        double ss = 0.0;
        for (long i = 0; i < n; i++) {
            y[i] = a[i] * x[i] + d[i] * x[i + 1] + c[i] * x[i + 2];
            ss += y[i] * y[i];
        }
        norm = sqrt(ss);
        for (long i = 0; i < n; i++) x[i + 1] = y[i] / norm;
    }

    printf("norm %.12e\n", norm);
    if (n <= 64) {
        for (long i = 0; i < n; i++) printf("%.12e\n", x[i + 1]);
    } else {
        double sum = 0.0;
        for (long i = 0; i < n; i++) sum += fabs(x[i + 1]);   /* |x| so no cancellation */
        printf("abs_checksum %.12e\n", sum);
        for (int k = 0; k <= 16; k++) {
            long i = (long)k * (n - 1) / 16;
            printf("x[%ld] %.12e\n", i, x[i + 1]);
        }
    }
    free(x); free(y); free(a); free(d); free(c);
    return 0;
}
