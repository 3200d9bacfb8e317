/* Triangular matrix-vector product x := U*x (BLAS dtrmv, uplo = 'U',
 * no transpose, non-unit diagonal) for an N x N upper-triangular U stored
 * row-major in a full array (the strictly lower part is never referenced).
 * Applied `reps` times, each product using the previous result.
 * Prints x (all of it when N <= 64, otherwise checksums and samples).
 * Usage: trmv [N] [reps] */
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

    double *u = malloc((size_t)(n * n) * sizeof *u);
    double *x = malloc((size_t)n * sizeof *x);
    if (!u || !x) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        for (long j = 0; j < i; j++)
            u[i * n + j] = -999.0;                 /* not part of U */
        for (long j = i; j < n; j++) {
            double d = (double)(j - i + 1);
            u[i * n + j] = (0.5 + 0.1 * (double)((i + j) % 3)) / (d * d);
        }
        x[i] = 1.0 + 0.5 * (double)(i % 4);
    }

    /* Row i only reads x[j] for j >= i, which are still old values, so the
     * product can overwrite x in place going from the top row down. */
    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < n; i++) {
            double t = 0.0;
            for (long j = i; j < n; j++)
                t += u[i * n + j] * x[j];
            x[i] = t;
        }
    }

    if (n <= 64) {
        for (long i = 0; i < n; i++)
            printf("%.12e\n", x[i]);
    } else {
        double sum = 0.0, asum = 0.0;
        for (long i = 0; i < n; i++) {
            sum += x[i];
            asum += fabs(x[i]);
        }
        printf("sum %.12e abs_sum %.12e\n", sum, asum);
        long stride = (n + 15) / 16;
        for (long i = 0; i < n; i += stride)
            printf("x[%ld] %.12e\n", i, x[i]);
        printf("x[%ld] %.12e\n", n - 1, x[n - 1]);
    }

    free(u);
    free(x);
    return 0;
}
