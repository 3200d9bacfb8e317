/* AXPY y := alpha*x + y (BLAS daxpy), applied `reps` times with a
 * decreasing alpha_r = 1/(r+1). Prints y (all of it when n <= 64,
 * otherwise checksums and 16 evenly spaced samples plus the last element).
 * Usage: axpy [n] [reps] */
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

    double *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)n * sizeof *y);
    if (!x || !y) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        x[i] = 0.1 * (double)(i % 17) - 0.5;
        y[i] = 1.0 + (double)(i % 3);
    }

    for (long r = 0; r < reps; r++) {
        double alpha = 1.0 / (double)(r + 1);
        for (long i = 0; i < n; i++)
            y[i] += alpha * x[i];
    }

    if (n <= 64) {
        for (long i = 0; i < n; i++)
            printf("%.12e\n", y[i]);
    } else {
        double sum = 0.0, asum = 0.0;
        for (long i = 0; i < n; i++) {
            sum += y[i];
            asum += fabs(y[i]);
        }
        printf("sum %.12e abs_sum %.12e\n", sum, asum);
        long stride = (n + 15) / 16;
        for (long i = 0; i < n; i += stride)
            printf("y[%ld] %.12e\n", i, y[i]);
        printf("y[%ld] %.12e\n", n - 1, y[n - 1]);
    }

    free(x);
    free(y);
    return 0;
}
