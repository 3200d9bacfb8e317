/* scaled_norm.c -- Euclidean length of a vector whose entries span 600 orders of magnitude.
 *
 * Squaring 1e296 overflows and squaring 1e-300 underflows, so the length is accumulated the way
 * LAPACK's xLASSQ does it: keep a pair (scale, ssq) with  sum of squares so far = scale^2 * ssq,
 * where scale is the largest magnitude met so far; a bigger entry rescales ssq instead of being
 * squared.  The vector is made by a formula: out of every 11 entries two are huge (~1e296, one
 * of each sign), one is tiny (~1e-300), one is exactly zero and the rest are of order one.  The length is recomputed `repeat`
 * times (to time it); also printed: the largest magnitude with its first index, and the number
 * of non-zero entries.
 *
 * usage: scaled_norm [length (default 100000)] [repeat (default 1)] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define HUGE_ONE 2.5e296
#define TINY_ONE 3.3e-300
#define PI 3.14159265358979323846

/* entry i of a vector of length len; the huge entries swell towards the middle of the vector in
 * eighth steps, so the largest magnitude sits on a plateau of equal values (first index wins) */
static double element(long i, long len)
{
    double wobble = 1.0 + (double)(i % 5) / 8.0;
    double swell = 1.0 + floor(8.0 * sin(PI * ((double)i + 0.5) / (double)len)) / 8.0;
    switch (i % 11) {
    case 0: return -TINY_ONE * wobble;
    case 4: return HUGE_ONE * wobble * swell;
    case 7: return 0.0;
    case 9: return -HUGE_ONE / wobble;
    default: return sin(0.001 * (double)i) + 0.5;
    }
}

/* fold |x| into the running (scale, ssq) pair */
static void lassq_update(double x, double *scale, double *ssq)
{
    if (x == 0.0) return;
    double a = fabs(x);
    if (a > *scale) {
        double q = *scale / a;
        *ssq = 1.0 + *ssq * q * q;
        *scale = a;
    } else {
        double q = a / *scale;
        *ssq += q * q;
    }
}

int main(int argc, char **argv)
{
    long len = argc > 1 ? atol(argv[1]) : 100000;
    long repeat = argc > 2 ? atol(argv[2]) : 1;
    if (len < 1 || repeat < 1) {
        fprintf(stderr, "scaled_norm: length and repeat must be positive\n");
        return 1;
    }
    double *x = malloc((size_t)len * sizeof(double));
    if (x == NULL) {
        fprintf(stderr, "scaled_norm: no memory for %ld entries\n", len);
        return 1;
    }
    for (long i = 0; i < len; i++) x[i] = element(i, len);

    double norm = 0.0;
    for (long rep = 0; rep < repeat; rep++) {
        double scale = 0.0, ssq = 1.0;
        for (long i = 0; i < len; i++) lassq_update(x[i], &scale, &ssq);
        norm = scale * sqrt(ssq);
    }

    double peak = -1.0;
    long where = -1, nonzero = 0;
    for (long i = 0; i < len; i++) {
        if (fabs(x[i]) > peak) {
            peak = fabs(x[i]);
            where = i;
        }
        if (x[i] != 0.0) nonzero++;
    }

    printf("length %ld nonzero %ld\n", len, nonzero);
    printf("norm2 %.12e\n", norm);
    printf("maxabs %.12e at %ld\n", peak, where);
    free(x);
    return 0;
}
