/* 2D diffusion with the compact 9-point Laplacian (edge weight 4, corner weight 1,
 * centre -20, divided by 6), explicit Euler with r = dt/h^2 = 0.2 (stable for r <= 0.375).
 * Interior grid ny rows x nx columns inside a one-cell frame of fixed (Dirichlet) values
 * that vary along the boundary, so the frame corners matter for the diagonal neighbours.
 * Prints the final interior field (all of it when small, a checksum plus 17 samples otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define PI 3.14159265358979323846

/* Value at row j = 0..ny+1, column i = 0..nx+1 at t = 0 (the frame is the boundary). */
static double init_u(long j, long i, long ny, long nx)
{
    double x = (double)i / (double)(nx + 1), y = (double)j / (double)(ny + 1);
    if (j == 0 || j == ny + 1 || i == 0 || i == nx + 1)
        return 1.0 + x * (1.0 - y) + 0.5 * y * y;                 /* boundary profile */
    return 0.2 + 0.6 * fabs(sin(3.0 * PI * x * y));
}

int main(int argc, char **argv)
{
    long nx = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    long ny = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
    long steps = argc > 3 ? strtol(argv[3], NULL, 10) : 50;
    if (nx < 1 || ny < 1 || steps < 0) {
        fprintf(stderr, "usage: %s [nx >= 1] [ny >= 1] [steps >= 0]\n", argv[0]);
        return 1;
    }
    const long W = nx + 2;
    const double r6 = 0.2 / 6.0;
    double *u = malloc((size_t)(ny + 2) * (size_t)W * sizeof *u);
    double *un = malloc((size_t)(ny + 2) * (size_t)W * sizeof *un);
    if (!u || !un) { fprintf(stderr, "out of memory\n"); return 1; }
    for (long j = 0; j <= ny + 1; j++)
        for (long i = 0; i <= nx + 1; i++)
            u[j * W + i] = un[j * W + i] = init_u(j, i, ny, nx);

    for (long t = 0; t < steps; t++) {
        for (long j = 1; j <= ny; j++)
            for (long i = 1; i <= nx; i++) {
                long c = j * W + i;
                double edges = u[c - 1] + u[c + 1] + u[c - W] + u[c + W];
                double corners = u[c - W - 1] + u[c - W + 1] + u[c + W - 1] + u[c + W + 1];
                un[c] = u[c] + r6 * (4.0 * edges + corners - 20.0 * u[c]);
            }
        double *tmp = u; u = un; un = tmp;
    }

    if (nx * ny <= 1024) {
        for (long j = 1; j <= ny; j++)
            for (long i = 1; i <= nx; i++)
                printf("%.12e%c", u[j * W + i], i == nx ? '\n' : ' ');
    } else {
        double sum = 0.0;
        for (long j = 1; j <= ny; j++)
            for (long i = 1; i <= nx; i++) sum += u[j * W + i];
        printf("checksum %.12e\n", sum);
        for (int k = 0; k <= 16; k++) {
            long s = (long)k * (nx * ny - 1) / 16;
            long j = 1 + s / nx, i = 1 + s % nx;
            printf("u[%ld][%ld] %.12e\n", j, i, u[j * W + i]);
        }
    }
    free(u); free(un);
    return 0;
}
