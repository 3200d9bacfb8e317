/* Symmetric matrix-vector product y := alpha*A*x + beta*y (BLAS dsymv,
 * uplo = 'U'): only the upper triangle of the N x N row-major array is
 * referenced (the lower part holds junk). Each stored A[i][j], j > i, is used
 * twice: for y[i] (row i) and for y[j] (column j, by symmetry).
 * Applied `reps` times. Prints y (all when N <= 64, else checksums and samples).
 * Usage: symv [N] [reps] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [N >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }

    double *a = malloc((size_t)(n * n) * sizeof *a);
    double *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)n * sizeof *y);
    if (!a || !x || !y) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        for (long j = 0; j < i; j++)
            a[i * n + j] = 1.0e30;                 /* never referenced */
        for (long j = i; j < n; j++)
            a[i * n + j] = (1.0 + 0.1 * (double)((i * j) % 5)) / (double)(1 + j - i);
        x[i] = 0.5 + 0.5 * (double)(i % 3);
        y[i] = 1.0 - 0.1 * (double)(i % 6);
    }

    const double alpha = 0.25, beta = 0.5;
    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < n; i++)
            y[i] *= beta;
        for (long i = 0; i < n; i++) {
            double t1 = alpha * x[i], t2 = 0.0;
            y[i] += t1 * a[i * n + i];
            for (long j = i + 1; j < n; j++) {
                y[j] += t1 * a[i * n + j];          /* column part (symmetry) */
                t2 += a[i * n + j] * x[j];          /* row part */
            }
            y[i] += alpha * t2;
        }
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

    free(a);
    free(x);
    free(y);
    return 0;
}
