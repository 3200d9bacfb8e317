/* 3D diffusion with the fourth-order 13-point Laplacian: along each axis
 * (-u[-2] + 16 u[-1] - 30 u + 16 u[+1] - u[+2]) / 12, explicit Euler with r = dt/h^2 = 0.08
 * (stable for r <= 0.125). The interior grid nz x ny x nx sits inside a frame TWO cells wide
 * of fixed (Dirichlet) values. Prints the final interior field (all of it when small,
 * a checksum plus 17 samples otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define PI 3.14159265358979323846
#define G 2                                      /* frame / halo width */

/* Value at point (k, j, i), each 0..n+3 with interior 2..n+1, at t = 0. */
static double init_u(long k, long j, long i, long nz, long ny, long nx)
{
    double x = (double)(i - 1) / (double)(nx + 1), y = (double)(j - 1) / (double)(ny + 1);
    double z = (double)(k - 1) / (double)(nz + 1);
    if (k < G || k > nz + 1 || j < G || j > ny + 1 || i < G || i > nx + 1)
        return 0.5 + 0.5 * z - 0.25 * x * y;                       /* boundary layers */
    return 0.6 + 0.3 * cos(2.0 * PI * x) * sin(PI * y) * sin(PI * z);
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
    const long W = nx + 2 * G, P = (ny + 2 * G) * W;
    const double c12 = 0.08 / 12.0;
    size_t total = (size_t)(nz + 2 * G) * (size_t)P;
    double *u = malloc(total * sizeof *u), *un = malloc(total * sizeof *un);
    if (!u || !un) { fprintf(stderr, "out of memory\n"); return 1; }
    for (long k = 0; k < nz + 2 * G; k++)
        for (long j = 0; j < ny + 2 * G; j++)
            for (long i = 0; i < W; i++)
                u[k * P + j * W + i] = un[k * P + j * W + i] = init_u(k, j, i, nz, ny, nx);

    for (long t = 0; t < steps; t++) {
        for (long k = G; k < nz + G; k++)
            for (long j = G; j < ny + G; j++)
                for (long i = G; i < nx + G; i++) {
                    long c = k * P + j * W + i;
                    double near = u[c - 1] + u[c + 1] + u[c - W] + u[c + W] + u[c - P] + u[c + P];
                    double far = u[c - 2] + u[c + 2] + u[c - 2 * W] + u[c + 2 * W]
                               + u[c - 2 * P] + u[c + 2 * P];
                    un[c] = u[c] + c12 * (16.0 * near - far - 90.0 * u[c]);
                }
        double *tmp = u; u = un; un = tmp;
    }

    long N = nx * ny * nz;
    if (N <= 1000) {
        for (long k = G; k < nz + G; k++)
            for (long j = G; j < ny + G; j++)
                for (long i = G; i < nx + G; i++)
                    printf("%.12e%c", u[k * P + j * W + i], i == nx + G - 1 ? '\n' : ' ');
    } else {
        double sum = 0.0;
        for (long k = G; k < nz + G; k++)
            for (long j = G; j < ny + G; j++)
                for (long i = G; i < nx + G; i++) sum += u[k * P + j * W + i];
        printf("checksum %.12e\n", sum);
        for (int q = 0; q <= 16; q++) {
            long s = (long)q * (N - 1) / 16;            /* flat interior index */
            long k = s / (nx * ny), j = (s / nx) % ny, i = s % nx;
            printf("u[%ld][%ld][%ld] %.12e\n", k, j, i, u[(k + G) * P + (j + G) * W + i + G]);
        }
    }
    free(u); free(un);
    return 0;
}
