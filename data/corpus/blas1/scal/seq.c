/* SCAL x := alpha*x (BLAS dscal), applied `reps` times with alpha cycling
 * through 1.5, 0.5, 4/3 (so the net scaling of every full cycle is 1).
 * Prints x (all of it when n <= 64, otherwise checksums and 16 evenly
 * spaced samples plus the last element).
 * Usage: scal [n] [reps] */
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
    for (long i = 0; i < n; i++)
        x[i] = 0.37 * (double)(i % 19 - 9) + 0.01 * (double)(i % 4);

    const double alphas[3] = {1.5, 0.5, 4.0 / 3.0};
    for (long r = 0; r < reps; r++) {
        double alpha = alphas[r % 3];
        for (long i = 0; i < n; i++)
            x[i] *= alpha;
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

    free(x);
    return 0;
}
