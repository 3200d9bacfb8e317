/* 3D heat equation on the unit cube, explicit Euler, 7-point stencil.
 * Interior grid nz planes x ny rows x nx columns with a one-cell frame of fixed (Dirichlet)
 * boundary values; dt = 0.45 / (1/hx^2 + 1/hy^2 + 1/hz^2) keeps the scheme stable.
 * Prints the final interior field (all of it when small, a checksum plus 17 samples otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define PI 3.14159265358979323846

/* Value at point (plane k, row j, column i) at t = 0; frame points are the boundary:
 * a heated floor (k = 0) whose temperature varies with x and y, all other faces at 0.1. */
static double init_u(long k, long j, long i, long nz, long ny, long nx)
{
    double x = (double)i / (double)(nx + 1), y = (double)j / (double)(ny + 1);
    double z = (double)k / (double)(nz + 1);
    if (k == 0) return 1.0 + 0.5 * x * y;
    if (k == nz + 1 || j == 0 || j == ny + 1 || i == 0 || i == nx + 1) return 0.1;
    return 0.3 + 0.2 * sin(PI * x) * sin(2.0 * PI * y) * cos(PI * z);
}

int main(int argc, char **argv)
{
    long nx = argc > 1 ? strtol(argv[1], NULL, 10) : 40;
    long ny = argc > 2 ? strtol(argv[2], NULL, 10) : 40;
    long nz = argc > 3 ? strtol(argv[3], NULL, 10) : 40;
    long steps = argc > 4 ? strtol(argv[4], NULL, 10) : 20;
    if (nx < 1 || ny < 1 || nz < 1 || steps < 0) {
        fprintf(stderr, "usage: %s [nx >= 1] [ny >= 1] [nz >= 1] [steps >= 0]\n", argv[0]);
        return 1;
    }
    const long W = nx + 2, P = (ny + 2) * W;     /* row and plane strides with the frame */
    double hx = 1.0 / (double)(nx + 1), hy = 1.0 / (double)(ny + 1), hz = 1.0 / (double)(nz + 1);
    double dt = 0.45 / (1.0 / (hx * hx) + 1.0 / (hy * hy) + 1.0 / (hz * hz));
    double rx = dt / (hx * hx), ry = dt / (hy * hy), rz = dt / (hz * hz);

    size_t total = (size_t)(nz + 2) * (size_t)P;
    double *u = malloc(total * sizeof *u), *un = malloc(total * sizeof *un);
    if (!u || !un) { fprintf(stderr, "out of memory\n"); return 1; }
    for (long k = 0; k <= nz + 1; k++)
        for (long j = 0; j <= ny + 1; j++)
            for (long i = 0; i <= nx + 1; i++)
                u[k * P + j * W + i] = un[k * P + j * W + i] = init_u(k, j, i, nz, ny, nx);

    for (long t = 0; t < steps; t++) {
        for (long k = 1; k <= nz; k++)
            for (long j = 1; j <= ny; j++)
                for (long i = 1; i <= nx; i++) {
                    long c = k * P + j * W + i;
                    un[c] = u[c] + rx * (u[c - 1] - 2.0 * u[c] + u[c + 1])
                                 + ry * (u[c - W] - 2.0 * u[c] + u[c + W])
                                 + rz * (u[c - P] - 2.0 * u[c] + u[c + P]);
                }
        double *tmp = u; u = un; un = tmp;
    }

    long N = nx * ny * nz;
    if (N <= 1000) {
        for (long k = 1; k <= nz; k++)
            for (long j = 1; j <= ny; j++)
                for (long i = 1; i <= nx; i++)
                    printf("%.12e%c", u[k * P + j * W + i], i == nx ? '\n' : ' ');
    } else {
        double sum = 0.0;
        for (long k = 1; k <= nz; k++)
            for (long j = 1; j <= ny; j++)
                for (long i = 1; i <= nx; i++) sum += u[k * P + j * W + i];
        printf("checksum %.12e\n", sum);
        for (int q = 0; q <= 16; q++) {
            long s = (long)q * (N - 1) / 16;           /* flat interior index */
            long k = 1 + s / (nx * ny), j = 1 + (s / nx) % ny, i = 1 + s % nx;
            printf("u[%ld][%ld][%ld] %.12e\n", k, j, i, u[k * P + j * W + i]);
        }
    }
    free(u); free(un);
    return 0;
}
