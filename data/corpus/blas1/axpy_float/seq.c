/* Single-precision AXPY y := alpha*x + y (BLAS saxpy), applied `reps` times
 * with alpha alternating between 1.25 and -0.75 (net drift 0.5*x per pair).
 * Prints y (all of it when n <= 64, otherwise double-precision checksums and
 * 16 evenly spaced samples plus the last element).
 * Usage: axpy_float [n] [reps] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [n >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }

    float *x = malloc((size_t)n * sizeof *x);
    float *y = malloc((size_t)n * sizeof *y);
    if (!x || !y) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        x[i] = (float)((i * 5) % 23) / 23.0f;
        y[i] = (i % 2 == 0) ? 1.0f : -2.0f;
    }

    for (long r = 0; r < reps; r++) {
        float alpha = (r % 2 == 0) ? 1.25f : -0.75f;
        for (long i = 0; i < n; i++)
            y[i] += alpha * x[i];
    }

    if (n <= 64) {
        for (long i = 0; i < n; i++)
            printf("%.6e\n", (double)y[i]);
    } else {
        double sum = 0.0, asum = 0.0;
        for (long i = 0; i < n; i++) {
            sum += (double)y[i];
            asum += fabs((double)y[i]);
        }
        printf("sum %.6e abs_sum %.6e\n", sum, asum);
        long stride = (n + 15) / 16;
        for (long i = 0; i < n; i += stride)
            printf("y[%ld] %.6e\n", i, (double)y[i]);
        printf("y[%ld] %.6e\n", n - 1, (double)y[n - 1]);
    }

    free(x);
    free(y);
    return 0;
}
