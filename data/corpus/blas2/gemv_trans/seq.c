/* Transposed GEMV y := alpha*A^T*x + beta*y (BLAS dgemv with trans = 'T')
 * for a row-major M x N matrix: x has M entries, y has N. Applied `reps`
 * times. The loop runs over rows of A (unit stride), updating all of y.
 * Prints y (all of it when N <= 64, otherwise checksums and samples).
 * Usage: gemv_trans [M] [N] [reps] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long m = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 200;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (m < 1 || n < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [M >= 1] [N >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }

    double *a = malloc((size_t)(m * n) * sizeof *a);
    double *x = malloc((size_t)m * sizeof *x);
    double *y = malloc((size_t)n * sizeof *y);
    if (!a || !x || !y) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < m; i++) {
        for (long j = 0; j < n; j++)
            a[i * n + j] = 0.25 + (double)((3 * i + j) % 17) / 16.0;
        x[i] = 1.0 / (double)(1 + i % 9);
    }
    for (long j = 0; j < n; j++)
        y[j] = 1.0 - 0.125 * (double)(j % 8);

    const double alpha = 0.75, beta = 0.25;
    for (long r = 0; r < reps; r++) {
        for (long j = 0; j < n; j++)
            y[j] *= beta;
        for (long i = 0; i < m; i++) {
            double t = alpha * x[i];
            for (long j = 0; j < n; j++)
                y[j] += t * a[i * n + j];
        }
    }

    if (n <= 64) {
        for (long j = 0; j < n; j++)
            printf("%.12e\n", y[j]);
    } else {
        double sum = 0.0, asum = 0.0;
        for (long j = 0; j < n; j++) {
            sum += y[j];
            asum += fabs(y[j]);
        }
        printf("sum %.12e abs_sum %.12e\n", sum, asum);
        long stride = (n + 15) / 16;
        for (long j = 0; j < n; j += stride)
            printf("y[%ld] %.12e\n", j, y[j]);
        printf("y[%ld] %.12e\n", n - 1, y[n - 1]);
    }

    free(a);
    free(x);
    free(y);
    return 0;
}
