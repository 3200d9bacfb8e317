/* Triangular solve L*x = b (BLAS dtrsv, uplo = 'L', no transpose, non-unit
 * diagonal) by forward substitution, for an N x N lower-triangular L stored
 * row-major in a full array (the strictly upper part is never referenced).
 * The solve is applied `reps` times, each time to the previous solution
 * (x := L^{-1} x). Prints x (all when N <= 64, else checksums and samples).
 * Usage: trsv [N] [reps] */
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

    double *l = malloc((size_t)(n * n) * sizeof *l);
    double *x = malloc((size_t)n * sizeof *x);
    if (!l || !x) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        for (long j = 0; j < i; j++) {
            double d = (double)(i - j);
            l[i * n + j] = 0.5 * (1.0 + 0.1 * (double)((i + j) % 4)) / (d * d);
        }
        l[i * n + i] = 1.5 + 0.25 * (double)(i % 3);
        for (long j = i + 1; j < n; j++)
            l[i * n + j] = -777.0;                 /* not part of L */
        x[i] = 1.0 + 0.2 * (double)(i % 5);
    }

    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < n; i++) {
            double t = x[i];
            for (long j = 0; j < i; j++)
                t -= l[i * n + j] * x[j];
            x[i] = t / l[i * n + i];
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

    free(l);
    free(x);
    return 0;
}
