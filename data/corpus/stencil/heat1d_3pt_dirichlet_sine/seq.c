/* 1D heat equation u_t = u_xx on [0,1] with u(0) = u(1) = 0 and two sine modes as initial
 * data, explicit Euler with dt = 0.4 h^2 and the 3-point stencil. The exact solution is
 * known, u = e^{-pi^2 t} sin(pi x) + 0.4 e^{-9 pi^2 t} sin(3 pi x), so the program also
 * reports the maximum error of the numerical solution at the final time.
 * Prints "x u" pairs when n is small, a checksum plus 17 samples otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define PI 3.14159265358979323846

static double exact(double x, double t)
{
    return exp(-PI * PI * t) * sin(PI * x) + 0.4 * exp(-9.0 * PI * PI * t) * sin(3.0 * PI * x);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;   /* interior points */
    long steps = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
    if (n < 1 || steps < 0) {
        fprintf(stderr, "usage: %s [n >= 1] [steps >= 0]\n", argv[0]);
        return 1;
    }
    double h = 1.0 / (double)(n + 1), dt = 0.4 * h * h, r = dt / (h * h);
    double *u = malloc((size_t)(n + 2) * sizeof *u);
    double *un = malloc((size_t)(n + 2) * sizeof *un);
    if (!u || !un) { fprintf(stderr, "out of memory\n"); return 1; }
    for (long g = 0; g <= n + 1; g++) u[g] = un[g] = (g == 0 || g == n + 1) ? 0.0 : exact(g * h, 0.0);

    for (long t = 0; t < steps; t++) {
        for (long i = 1; i <= n; i++)
            un[i] = u[i] + r * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        double *tmp = u; u = un; un = tmp;
    }

    double tend = (double)steps * dt, err = 0.0, sum = 0.0;
    for (long i = 1; i <= n; i++) {
        double e = fabs(u[i] - exact(i * h, tend));
        if (e > err) err = e;
        sum += u[i];
    }
    printf("t_final %.12e\n", tend);
    printf("max_error %.6e\n", err);
    if (n <= 64) {
        for (long i = 1; i <= n; i++) printf("%.10f %.12e\n", i * h, u[i]);
    } else {
        printf("checksum %.12e\n", sum);
        for (int k = 0; k <= 16; k++) {
            long i = 1 + (long)k * (n - 1) / 16;
            printf("u[%ld] %.12e\n", i, u[i]);
        }
    }
    free(u); free(un);
    return 0;
}
