/* Elementwise transform plus reductions: y[i] = x[i] e^{-x[i]/4} + log(1 + x[i]) for
 * x[i] = 0.5 + 0.3 (i % 11) + i / n, then the sum and the 2-norm of y.
 * Every element is independent (no prefix dependence), so the work splits freely.
 * Prints sum and norm, then y (all of it when n is small, 17 samples otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000003;
    if (n < 1) {
        fprintf(stderr, "usage: %s [n >= 1]\n", argv[0]);
        return 1;
    }
    double *y = malloc((size_t)n * sizeof *y);
    if (!y) { fprintf(stderr, "out of memory\n"); return 1; }

    double sum = 0.0, sumsq = 0.0;
    for (long i = 0; i < n; i++) {
        double x = 0.5 + 0.3 * (double)(i % 11) + (double)i / (double)n;
        y[i] = x * exp(-0.25 * x) + log1p(x);
        sum += y[i];
        sumsq += y[i] * y[i];
    }

    printf("sum %.12e\n", sum);
    printf("norm %.12e\n", sqrt(sumsq));
    if (n <= 64) {
        for (long i = 0; i < n; i++) printf("%.12e\n", y[i]);
    } else {
        for (int k = 0; k <= 16; k++) {
            long i = (long)k * (n - 1) / 16;
            printf("y[%ld] %.12e\n", i, y[i]);
        }
    }
    free(y);
    return 0;
}
