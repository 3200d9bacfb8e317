/* 1D heat equation u_t = u_xx on [0,1], explicit Euler in time, 3-point stencil in space.
 * n interior points, fixed (Dirichlet) end values, steps time steps with r = dt/h^2 = 0.45
 * (stable for r <= 0.5). Prints the final interior field (all of it when n is small,
 * a checksum plus 17 sampled points otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define U_LEFT  1.0
#define U_RIGHT 0.5
#define PI 3.14159265358979323846

/* Value of grid point g (0..n+1) at t = 0; g = 0 and g = n+1 are the fixed ends. */
static double init_u(long g, long n)
{
    if (g == 0) return U_LEFT;
    if (g == n + 1) return U_RIGHT;
    double x = (double)g / (double)(n + 1);
    return 1.0 - 0.5 * x + 0.3 * sin(5.0 * PI * x);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long steps = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
    if (n < 1 || steps < 0) {
        fprintf(stderr, "usage: %s [n >= 1] [steps >= 0]\n", argv[0]);
        return 1;
    }
    const double r = 0.45;
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
            long i = 1 + (long)k * (n - 1) / 16;   /* global interior index 1..n */
            printf("u[%ld] %.12e\n", i, u[i]);
        }
    }
    free(u); free(un);
    return 0;
}
