/* 1D heat equation, explicit Euler, 3-point stencil with r = dt/h^2 = 0.3 (stable for
 * r <= 0.5). n interior points between fixed (Dirichlet) ends 0.2 and 0.8; the initial
 * data is the linear profile between them plus a triangular bump at x = 0.4.
 * Prints the final interior field (all of it when n is small, a checksum plus 17 samples otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

/* Value of grid point g = 0..n+1 at t = 0 (g = 0 and g = n+1 are the fixed ends). */
static double init_u(long g, long n)
{
    double x = (double)g / (double)(n + 1);
    double ramp = 0.2 + 0.6 * x;
    if (g == 0 || g == n + 1) return ramp;
    double bump = 1.0 - 5.0 * fabs(x - 0.4);
    return ramp + (bump > 0.0 ? bump : 0.0);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long steps = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
    if (n < 1 || steps < 0) {
        fprintf(stderr, "usage: %s [n >= 1] [steps >= 0]\n", argv[0]);
        return 1;
    }
    const double r = 0.3;
    double *u = malloc((size_t)(n + 2) * sizeof *u);
    double *un = malloc((size_t)(n + 2) * sizeof *un);
    if (!u || !un) { fprintf(stderr, "out of memory\n"); return 1; }
    for (long g = 0; g <= n + 1; g++) u[g] = un[g] = init_u(g, n);

    for (long t = 0; t < steps; t++) {
        for (long i = 1; i <= n; i++)
            un[i] = u[i] + r * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        double *tmp = u; u = un; un = tmp;
    }

    if (n <= 64) {
        for (long i = 1; i <= n; i++) printf("%.12e\n", u[i]);
    } else {
        double sum = 0.0;
        for (long i = 1; i <= n; i++) sum += u[i];
        printf("checksum %.12e\n", sum);
        for (int k = 0; k <= 16; k++) {
            long i = 1 + (long)k * (n - 1) / 16;
            printf("u[%ld] %.12e\n", i, u[i]);
        }
    }
    free(u); free(un);
    return 0;
}
