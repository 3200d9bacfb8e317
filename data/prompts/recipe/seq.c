/* Smooth a vector `steps` times with the weights 1/4, 1/2, 1/4 (zero outside),
 * then print how much the last step changed it and the two end values.
 * Usage: smooth [n] [steps] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long steps = argc > 2 ? strtol(argv[2], NULL, 10) : 10;
    if (n < 1 || steps < 0) {
        fprintf(stderr, "usage: %s [n >= 1] [steps >= 0]\n", argv[0]);
        return 1;
    }
    double *a = malloc((size_t)n * sizeof *a);
    double *b = malloc((size_t)n * sizeof *b);
    if (!a || !b) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++)
        a[i] = (double)(i % 7) - 3.0;

    double change = 0.0;
    for (long t = 0; t < steps; t++) {
        for (long i = 0; i < n; i++) {
            double left = i > 0 ? a[i - 1] : 0.0;
            double right = i < n - 1 ? a[i + 1] : 0.0;
            b[i] = 0.25 * left + 0.5 * a[i] + 0.25 * right;
        }
        change = 0.0;
        for (long i = 0; i < n; i++)
            change += fabs(b[i] - a[i]);
        double *tmp = a;
        a = b;
        b = tmp;
    }

    printf("change %.12e\n", change);
    printf("a[0] %.12e a[n-1] %.12e\n", a[0], a[n - 1]);

    free(a);
    free(b);
    return 0;
}
