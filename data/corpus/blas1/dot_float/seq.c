/* Single-precision dot product (BLAS sdot): s = x . y with float data and a
 * float accumulator, repeated `reps` times; prints the dot and the sum of
 * the per-repetition results scaled by 1/reps.
 * Usage: dot_float [n] [reps] */
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

    float *x = malloc((size_t)n * sizeof *x);
    float *y = malloc((size_t)n * sizeof *y);
    if (!x || !y) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        x[i] = 0.5f + (float)(i % 13) * 0.0625f;
        y[i] = 2.0f - (float)(i % 5) * 0.25f;
    }

    float s = 0.0f;
    double mean = 0.0;
    for (long r = 0; r < reps; r++) {
        s = 0.0f;
        for (long i = 0; i < n; i++)
            s += x[i] * y[i];
        mean += (double)s / (double)reps;
    }

    printf("sdot %.6e\n", (double)s);
    printf("mean %.6e\n", mean);

    free(x);
    free(y);
    return 0;
}
