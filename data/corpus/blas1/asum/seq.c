/* Sum of absolute values (BLAS dasum) of a vector filled by a 64-bit linear
 * congruential generator (values uniform in [-1, 1)), repeated `reps` times.
 * Usage: asum [n] [reps] [seed] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LCG_A 6364136223846793005ULL
#define LCG_C 1442695040888963407ULL

/* Map the top 53 bits of the state to a double in [-1, 1). */
static double lcg_value(uint64_t s)
{
    return (double)(s >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    long seed = argc > 3 ? strtol(argv[3], NULL, 10) : 12345;
    if (n < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [n >= 1] [reps >= 1] [seed]\n", argv[0]);
        return 1;
    }

    double *x = malloc((size_t)n * sizeof *x);
    if (!x) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    uint64_t state = (uint64_t)seed;
    for (long i = 0; i < n; i++) {
        state = LCG_A * state + LCG_C;      /* x[i] uses the (i+1)-th state */
        x[i] = lcg_value(state);
    }

    double s = 0.0;
    for (long r = 0; r < reps; r++) {
        s = 0.0;
        for (long i = 0; i < n; i++)
            s += fabs(x[i]);
    }

    printf("asum %.12e\n", s);
    printf("x[0] %.12e x[n-1] %.12e\n", x[0], x[n - 1]);

    free(x);
    return 0;
}
