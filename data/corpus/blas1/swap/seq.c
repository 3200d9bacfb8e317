/* SWAP x <-> y (BLAS dswap), performed `reps` times (an odd count leaves the
 * vectors exchanged). Prints x and y side by side when n <= 64, otherwise
 * checksums of both and 16 evenly spaced sample pairs plus the last pair.
 * Usage: swap [n] [reps] */
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
        x[i] = 1.0 + 0.5 * (double)(i % 6);
        y[i] = -3.0 + 0.25 * (double)((i * 3) % 10);
    }

    for (long r = 0; r < reps; r++)
        for (long i = 0; i < n; i++) {
            double t = x[i];
            x[i] = y[i];
            y[i] = t;
        }

    if (n <= 64) {
        for (long i = 0; i < n; i++)
            printf("%.12e %.12e\n", x[i], y[i]);
    } else {
        double s[4] = {0.0, 0.0, 0.0, 0.0};
        for (long i = 0; i < n; i++) {
            s[0] += x[i];
            s[1] += fabs(x[i]);
            s[2] += y[i];
            s[3] += fabs(y[i]);
        }
        printf("x: sum %.12e abs_sum %.12e\n", s[0], s[1]);
        printf("y: sum %.12e abs_sum %.12e\n", s[2], s[3]);
        long stride = (n + 15) / 16;
        for (long i = 0; i < n; i += stride)
            printf("[%ld] %.12e %.12e\n", i, x[i], y[i]);
        printf("[%ld] %.12e %.12e\n", n - 1, x[n - 1], y[n - 1]);
    }

    free(x);
    free(y);
    return 0;
}
