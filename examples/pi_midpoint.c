/* pi_midpoint.c — pi by the midpoint rule on 4/(1+x^2) over [0,1], repeated R times with a
 * shifted grid so the work can be made long enough to time.
 * usage: pi_midpoint [N intervals (default 1000000)] [R repetitions (default 1)] */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [N >= 1] [R >= 1]\n", argv[0]);
        return 1;
    }
    double h = 1.0 / (double)n;
    for (long r = 0; r < reps; r++) {
        double sum = 0.0;
        for (long i = 0; i < n; i++) {
            double x = h * ((double)i + 0.5);
            sum += 4.0 / (1.0 + x * x);
        }
        printf("rep %ld pi %.12f\n", r, sum * h);
    }
    return 0;
}
