/* Index of the element of largest absolute value (BLAS idamax), 1-based;
 * ties are resolved in favour of the lowest index, as BLAS does. The data
 * take only 101 distinct values, so ties are everywhere. Repeated `reps` times.
 * Usage: iamax [n] [reps] */
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
        x[i] = 0.5 * (double)((i * 37 + 11) % 101 - 50);

    long imax = 0;
    for (long r = 0; r < reps; r++) {
        double vmax = fabs(x[0]);
        imax = 0;
        for (long i = 1; i < n; i++) {
            double a = fabs(x[i]);
            if (a > vmax) {                 /* strict: the first occurrence wins */
                vmax = a;
                imax = i;
            }
        }
    }

    printf("idamax %ld\n", imax + 1);
    printf("value %.12e\n", x[imax]);

    free(x);
    return 0;
}
