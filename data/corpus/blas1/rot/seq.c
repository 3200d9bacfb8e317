/* Plane (Givens) rotation (BLAS drot): for every i,
 *   x[i] := c*x[i] + s*y[i],   y[i] := c*y[i] - s*x[i],
 * with c = 0.6, s = 0.8 (c^2 + s^2 = 1), applied `reps` times. Prints x and
 * y side by side when n <= 64, otherwise checksums and 16 evenly spaced
 * sample pairs plus the last pair.
 * Usage: rot [n] [reps] */
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
        x[i] = 1.0 + 0.125 * (double)(i % 8);
        y[i] = 2.0 - 0.25 * (double)(i % 13);
    }

    const double c = 0.6, s = 0.8;
    for (long r = 0; r < reps; r++)
        for (long i = 0; i < n; i++) {
            double xi = x[i], yi = y[i];
            x[i] = c * xi + s * yi;
            y[i] = c * yi - s * xi;
        }

    if (n <= 64) {
        for (long i = 0; i < n; i++)
            printf("%.12e %.12e\n", x[i], y[i]);
    } else {
        double sums[4] = {0.0, 0.0, 0.0, 0.0};
        for (long i = 0; i < n; i++) {
            sums[0] += x[i];
            sums[1] += fabs(x[i]);
            sums[2] += y[i];
            sums[3] += fabs(y[i]);
        }
        printf("x: sum %.12e abs_sum %.12e\n", sums[0], sums[1]);
        printf("y: sum %.12e abs_sum %.12e\n", sums[2], sums[3]);
        long stride = (n + 15) / 16;
        for (long i = 0; i < n; i += stride)
            printf("[%ld] %.12e %.12e\n", i, x[i], y[i]);
        printf("[%ld] %.12e %.12e\n", n - 1, x[n - 1], y[n - 1]);
    }

    free(x);
    free(y);
    return 0;
}
