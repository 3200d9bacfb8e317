/* Euclidean norm ||x||_2 (BLAS dnrm2) computed with the scaled sum of squares
 * of LAPACK dlassq: norm = scale*sqrt(ssq), which neither overflows nor
 * underflows. The data mix entries near 1e200 and 1e-200, where a naive
 * sum of squares would overflow. Repeated `reps` times.
 * Usage: nrm2 [n] [reps] */
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
    if (!x) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        double m = 1.0 + 0.5 * (double)(i % 5);
        x[i] = (i % 3 == 1) ? -1.0e-200 * m : 1.0e200 * m / (double)(1 + i % 11);
    }

    double norm = 0.0;
    for (long r = 0; r < reps; r++) {
        double scale = 0.0, ssq = 1.0;
        for (long i = 0; i < n; i++) {
            if (x[i] != 0.0) {
                double a = fabs(x[i]);
                if (scale < a) {
                    ssq = 1.0 + ssq * (scale / a) * (scale / a);
                    scale = a;
                } else {
                    ssq += (a / scale) * (a / scale);
                }
            }
        }
        norm = scale * sqrt(ssq);
    }

    printf("nrm2 %.12e\n", norm);

    free(x);
    return 0;
}
