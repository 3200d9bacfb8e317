/* Dot product s = x . y of two double vectors, repeated `reps` times
 * (as an iterative solver would), accumulating the results.
 * Usage: dot [n] [reps] */
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
        x[i] = 1.0 + (i % 7) * 0.25;
        y[i] = 0.5 + (i % 11) * 0.125;
    }

    double s = 0.0, total = 0.0;
    for (long r = 0; r < reps; r++) {
        s = 0.0;
        for (long i = 0; i < n; i++)
            s += x[i] * y[i];
        total += s / (double)(r + 1);   /* harmonic-weighted accumulation */
    }

    printf("dot %.12e\n", s);
    printf("weighted_total %.12e\n", total);

    free(x);
    free(y);
    return 0;
}
