/* rod_heat.c — heat flowing along a thin rod.
 *
 * The rod is cut into `cells` pieces; its left end is held at temperature 1.0 and its right
 * end at 0.5. Each time step applies the explicit finite-difference update of the heat
 * equation (a 3-point stencil, diffusion number 0.45). At the end it prints the temperature
 * of every cell, or for a long rod a checksum and 17 probes along it.
 *
 * usage: rod_heat [cells (default 1000)] [time steps (default 100)] */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define HOT_END  1.0
#define WARM_END 0.5
#define PI 3.14159265358979323846

/* Starting temperature of piece p (0 and cells + 1 are the two ends). */
static double starting_temperature(long p, long cells)
{
    if (p == 0) return HOT_END;
    if (p == cells + 1) return WARM_END;
    double x = (double)p / (double)(cells + 1);
    return 1.0 - 0.5 * x + 0.3 * sin(5.0 * PI * x);
}

int main(int argc, char **argv)
{
    long cells = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long nsteps = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
    if (cells < 1 || nsteps < 0) {
        fprintf(stderr, "usage: %s [cells >= 1] [time steps >= 0]\n", argv[0]);
        return 1;
    }
    const double k = 0.45;  /* diffusion number dt * alpha / dx^2 */
    double *temp = malloc((size_t)(cells + 2) * sizeof *temp);
    double *next = malloc((size_t)(cells + 2) * sizeof *next);
    if (!temp || !next) { fprintf(stderr, "out of memory\n"); return 1; }
    for (long p = 0; p <= cells + 1; p++) temp[p] = next[p] = starting_temperature(p, cells);

    for (long step = 0; step < nsteps; step++) {
        for (long c = 1; c <= cells; c++)
            next[c] = temp[c] + k * (temp[c - 1] - 2.0 * temp[c] + temp[c + 1]);
        double *swap = temp; temp = next; next = swap;
    }

    if (cells <= 64) {
        for (long c = 1; c <= cells; c++) printf("%.12e\n", temp[c]);
    } else {
        double total = 0.0;
        for (long c = 1; c <= cells; c++) total += temp[c];
        printf("checksum %.12e\n", total);
        for (int probe = 0; probe <= 16; probe++) {
            long c = 1 + (long)probe * (cells - 1) / 16;
            printf("u[%ld] %.12e\n", c, temp[c]);
        }
    }
    free(temp); free(next);
    return 0;
}
