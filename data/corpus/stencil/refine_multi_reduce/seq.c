/* 2D heat equation with run-time diagnostics: explicit Euler, 5-point stencil, grid spacing 1,
 * r = 0.2, zero (Dirichlet) frame and a hot spot as initial data. Every `every` steps it
 * reports total heat, L2 norm, minimum and maximum with their (row, column) positions
 * (first occurrence on ties), and stops early once the squared L2 norm falls below a
 * quarter of its initial value. Finally prints the field (all of it when small, a
 * checksum plus 17 samples otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

static double init_u(long j, long i, long ny, long nx)
{
    if (j == 0 || j == ny + 1 || i == 0 || i == nx + 1) return 0.0;
    double x = (double)i / (double)(nx + 1), y = (double)j / (double)(ny + 1);
    double dx = x - 0.3, dy = y - 0.6;
    return 0.05 + exp(-(dx * dx + dy * dy) / 0.02) + 0.2 * x * y;
}

int main(int argc, char **argv)
{
    long nx = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    long ny = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
    long maxsteps = argc > 3 ? strtol(argv[3], NULL, 10) : 200;
    long every = argc > 4 ? strtol(argv[4], NULL, 10) : 10;
    if (nx < 1 || ny < 1 || maxsteps < 0 || every < 1) {
        fprintf(stderr, "usage: %s [nx >= 1] [ny >= 1] [maxsteps >= 0] [every >= 1]\n", argv[0]);
        return 1;
    }
    const long W = nx + 2;
    const double r = 0.2;
    double *u = malloc((size_t)(ny + 2) * (size_t)W * sizeof *u);
    double *un = malloc((size_t)(ny + 2) * (size_t)W * sizeof *un);
    if (!u || !un) { fprintf(stderr, "out of memory\n"); return 1; }
    for (long j = 0; j <= ny + 1; j++)
        for (long i = 0; i <= nx + 1; i++)
            u[j * W + i] = un[j * W + i] = init_u(j, i, ny, nx);

    double e0 = 0.0;
    for (long step = 0;; step++) {
        if (step > 0) {
            for (long j = 1; j <= ny; j++)
                for (long i = 1; i <= nx; i++) {
                    long c = j * W + i;
                    un[c] = u[c] + r * (u[c - 1] + u[c + 1] + u[c - W] + u[c + W] - 4.0 * u[c]);
                }
            double *tmp = u; u = un; un = tmp;
        }
        if (step % every == 0 || step == maxsteps) {
            double sum = 0.0, sumsq = 0.0, vmin = HUGE_VAL, vmax = -HUGE_VAL;
            long smin = 0, smax = 0;                 /* flat interior index (j-1)*nx + (i-1) */
            for (long j = 1; j <= ny; j++)
                for (long i = 1; i <= nx; i++) {
                    double v = u[j * W + i];
                    long s = (j - 1) * nx + (i - 1);
                    sum += v;
                    sumsq += v * v;
                    if (v < vmin) { vmin = v; smin = s; }
                    if (v > vmax) { vmax = v; smax = s; }
                }
            printf("step %ld heat %.12e l2 %.12e min %.12e at %ld %ld max %.12e at %ld %ld\n",
                   step, sum, sqrt(sumsq), vmin, 1 + smin / nx, 1 + smin % nx,
                   vmax, 1 + smax / nx, 1 + smax % nx);
            if (step == 0) e0 = sumsq;
            else if (sumsq < 0.25 * e0) { printf("stopped early at step %ld\n", step); break; }
        }
        if (step == maxsteps) break;
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
            printf("u[%ld][%ld] %.12e\n", 1 + s / nx, 1 + s % nx, u[(1 + s / nx) * W + 1 + s % nx]);
        }
    }
    free(u); free(un);
    return 0;
}
