/* Banded matrix-vector product y := alpha*A*x + beta*y (BLAS dgbmv, no
 * transpose) for an M x N matrix with kl sub-diagonals and ku super-diagonals,
 * stored row-major by diagonals: ab[i*w + kl + (j - i)] = A[i][j] for
 * max(0, i-kl) <= j <= min(N-1, i+ku), with w = kl + ku + 1.
 * Applied `reps` times. Prints y (all when M <= 64, else checksums and samples).
 * Usage: gbmv [M] [N] [kl] [ku] [reps] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long m = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : m;
    long kl = argc > 3 ? strtol(argv[3], NULL, 10) : 2;
    long ku = argc > 4 ? strtol(argv[4], NULL, 10) : 3;
    long reps = argc > 5 ? strtol(argv[5], NULL, 10) : 1;
    if (m < 1 || n < 1 || kl < 0 || ku < 0 || reps < 1) {
        fprintf(stderr, "usage: %s [M >= 1] [N >= 1] [kl >= 0] [ku >= 0] [reps >= 1]\n", argv[0]);
        return 1;
    }
    long w = kl + ku + 1;

    double *ab = malloc((size_t)(m * w) * sizeof *ab);
    double *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)m * sizeof *y);
    if (!ab || !x || !y) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < m; i++) {
        for (long d = -kl; d <= ku; d++) {
            long j = i + d;
            ab[i * w + kl + d] = (j >= 0 && j < n)
                ? 1.0 / (double)(1 + (d < 0 ? -d : d)) + 0.01 * (double)(i % 7)
                : 0.0;                              /* outside the matrix */
        }
        y[i] = 0.25 * (double)(i % 4);
    }
    for (long j = 0; j < n; j++)
        x[j] = 1.0 + 0.1 * (double)(j % 10);

    const double alpha = 0.5, beta = 0.75;
    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < m; i++) {
            long j0 = i - kl > 0 ? i - kl : 0;
            long j1 = i + ku < n - 1 ? i + ku : n - 1;
            double t = 0.0;
            for (long j = j0; j <= j1; j++)
                t += ab[i * w + kl + (j - i)] * x[j];
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

    free(ab);
    free(x);
    free(y);
    return 0;
}
