/* Strided dot product as in BLAS ddot with increments: the logical vectors
 * have n elements, x stored at xs[i*incx] and y at ys[i*incy]; the gaps hold
 * a junk value that must never be touched. Repeated `reps` times.
 * Usage: dot_strided [n] [incx] [incy] [reps] */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long incx = argc > 2 ? strtol(argv[2], NULL, 10) : 2;
    long incy = argc > 3 ? strtol(argv[3], NULL, 10) : 3;
    long reps = argc > 4 ? strtol(argv[4], NULL, 10) : 1;
    if (n < 1 || incx < 1 || incy < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [n >= 1] [incx >= 1] [incy >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }

    double *xs = malloc((size_t)(n * incx) * sizeof *xs);
    double *ys = malloc((size_t)(n * incy) * sizeof *ys);
    if (!xs || !ys) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long k = 0; k < n * incx; k++)
        xs[k] = -1.0e6;                     /* junk in the gaps */
    for (long k = 0; k < n * incy; k++)
        ys[k] = -1.0e6;
    for (long i = 0; i < n; i++) {
        xs[i * incx] = 1.0 / (1.0 + (double)(i % 9));
        ys[i * incy] = 3.0 - 0.5 * (double)(i % 4);
    }

    double s = 0.0;
    for (long r = 0; r < reps; r++) {
        s = 0.0;
        for (long i = 0; i < n; i++)
            s += xs[i * incx] * ys[i * incy];
    }

    printf("n %ld incx %ld incy %ld\n", n, incx, incy);
    printf("ddot %.12e\n", s);

    free(xs);
    free(ys);
    return 0;
}
