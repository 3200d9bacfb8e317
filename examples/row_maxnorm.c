/* row_maxnorm.c — the infinity norm of an M x N matrix (the largest row sum of absolute
 * values) and the row where it occurs, for a matrix given by a formula.
 * usage: row_maxnorm [M rows (default 300)] [N columns (default 200)] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double entry(long i, long j) { return sin(0.37 * (double)i + 0.11 * (double)j) * (1.0 + (double)(i % 5)); }

int main(int argc, char **argv)
{
    long m = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 200;
    if (m < 1 || n < 1) {
        fprintf(stderr, "usage: %s [M >= 1] [N >= 1]\n", argv[0]);
        return 1;
    }
    double best = -1.0;
    long best_row = 0;
    for (long i = 0; i < m; i++) {
        double s = 0.0;
        for (long j = 0; j < n; j++) s += fabs(entry(i, j));
        if (s > best) best = s, best_row = i;
    }
    printf("norm_inf %.10e row %ld\n", best, best_row);
    return 0;
}
