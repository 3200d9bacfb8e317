/* Strided COPY (BLAS dcopy): y(1:n:incy) := x(1:n:incx). x and y are stored
 * with n*incx and n*incy slots; the gap slots of y keep their initial values.
 * The copy is repeated `reps` times. Prints the whole y storage when
 * n <= 32, otherwise checksums of the storage and samples of the copied part.
 * Usage: copy [n] [incx] [incy] [reps] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long incx = argc > 2 ? strtol(argv[2], NULL, 10) : 3;
    long incy = argc > 3 ? strtol(argv[3], NULL, 10) : 2;
    long reps = argc > 4 ? strtol(argv[4], NULL, 10) : 1;
    if (n < 1 || incx < 1 || incy < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [n >= 1] [incx >= 1] [incy >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }

    long nx = n * incx, ny = n * incy;
    double *x = malloc((size_t)nx * sizeof *x);
    double *y = malloc((size_t)ny * sizeof *y);
    if (!x || !y) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long k = 0; k < nx; k++)
        x[k] = 2.0 + 0.125 * (double)(k % 29);
    for (long k = 0; k < ny; k++)
        y[k] = -1.0 - 0.5 * (double)(k % 5);

    for (long r = 0; r < reps; r++)
        for (long i = 0; i < n; i++)
            y[i * incy] = x[i * incx];

    if (n <= 32) {
        for (long k = 0; k < ny; k++)
            printf("%.12e\n", y[k]);
    } else {
        double sum = 0.0, asum = 0.0;
        for (long k = 0; k < ny; k++) {
            sum += y[k];
            asum += fabs(y[k]);
        }
        printf("sum %.12e abs_sum %.12e\n", sum, asum);
        long stride = (n + 15) / 16;
        for (long i = 0; i < n; i += stride)
            printf("y[%ld] %.12e\n", i * incy, y[i * incy]);
        printf("y[%ld] %.12e\n", ny - 1, y[ny - 1]);
    }

    free(x);
    free(y);
    return 0;
}
