/* GEMV y := alpha*A*x + beta*y (BLAS dgemv, no transpose) for a row-major
 * M x N matrix, applied `reps` times (y relaxes towards alpha*A*x/(1-beta)).
 * Prints y (all of it when M <= 64, otherwise checksums and 16 evenly spaced
 * samples plus the last element).
 * Usage: gemv [M] [N] [reps]   (N defaults to M) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long m = argc > 1 ? strtol(argv[1], NULL, 10) : 400;
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : m;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (m < 1 || n < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [M >= 1] [N >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }

    double *a = malloc((size_t)(m * n) * sizeof *a);
    double *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)m * sizeof *y);
    if (!a || !x || !y) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++)
            a[i * n + j] = 1.0 / (1.0 + (double)((i + 2 * j) % 37));
    for (long j = 0; j < n; j++)
        x[j] = 1.0 - 0.01 * (double)(j % 50);
    for (long i = 0; i < m; i++)
        y[i] = 0.5 * (double)(i % 4);

    const double alpha = 1.5, beta = 0.5;
    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < m; i++) {
            double t = 0.0;
            for (long j = 0; j < n; j++)
                t += a[i * n + j] * x[j];
            y[i] = alpha * t + beta * y[i];
        }
    }

    if (m <= 64) {
        for (long i = 0; i < m; i++)
            printf("%.12e\n", y[i]);
    } else {
        double sum = 0.0, asum = 0.0;
        for (long i = 0; i < m; i++) {
            sum += y[i];
            asum += fabs(y[i]);
        }
        printf("sum %.12e abs_sum %.12e\n", sum, asum);
        long stride = (m + 15) / 16;
        for (long i = 0; i < m; i += stride)
            printf("y[%ld] %.12e\n", i, y[i]);
        printf("y[%ld] %.12e\n", m - 1, y[m - 1]);
    }

    free(a);
    free(x);
    free(y);
    return 0;
}
