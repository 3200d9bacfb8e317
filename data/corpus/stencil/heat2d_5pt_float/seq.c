/* 2D heat equation in single precision: explicit Euler, 5-point stencil on an n x m grid
 * (m rows, n columns) with grid spacing 1 and a diffusion number r = 0.22 (stable for
 * r <= 0.25). A Gaussian hot spot cools down inside a frame held at fixed (Dirichlet)
 * values: 0 on three sides and 1 on the left edge. Prints the final interior field
 * (all of it when small, a checksum plus 17 samples otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

/* Value at row j = 0..m+1, column i = 0..n+1 at t = 0 (the frame is the boundary). */
static float init_u(long j, long i, long m, long n)
{
    if (i == 0) return 1.0f;
    if (j == 0 || j == m + 1 || i == n + 1) return 0.0f;
    float dx = (float)(i - (n + 1) / 3), dy = (float)(j - (m + 1) / 2);
    float w = 0.1f * (float)(n > m ? n : m) + 1.0f;          /* blob width */
    return 2.0f * expf(-(dx * dx + dy * dy) / (w * w));
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
    long m = argc > 2 ? strtol(argv[2], NULL, 10) : 200;
    long steps = argc > 3 ? strtol(argv[3], NULL, 10) : 100;
    if (n < 1 || m < 1 || steps < 0) {
        fprintf(stderr, "usage: %s [n >= 1] [m >= 1] [steps >= 0]\n", argv[0]);
        return 1;
    }
    const long W = n + 2;
    const float r = 0.22f;
    float *u = malloc((size_t)(m + 2) * (size_t)W * sizeof *u);
    float *un = malloc((size_t)(m + 2) * (size_t)W * sizeof *un);
    if (!u || !un) { fprintf(stderr, "out of memory\n"); return 1; }
    for (long j = 0; j <= m + 1; j++)
        for (long i = 0; i <= n + 1; i++)
            u[j * W + i] = un[j * W + i] = init_u(j, i, m, n);

    for (long t = 0; t < steps; t++) {
        for (long j = 1; j <= m; j++)
            for (long i = 1; i <= n; i++) {
                long c = j * W + i;
                un[c] = u[c] + r * (u[c - 1] + u[c + 1] + u[c - W] + u[c + W] - 4.0f * u[c]);
            }
        float *tmp = u; u = un; un = tmp;
    }

    if (n * m <= 1024) {
        for (long j = 1; j <= m; j++)
            for (long i = 1; i <= n; i++)
                printf("%.6e%c", (double)u[j * W + i], i == n ? '\n' : ' ');
    } else {
        double sum = 0.0;                      /* accumulate the checksum in double */
        for (long j = 1; j <= m; j++)
            for (long i = 1; i <= n; i++) sum += u[j * W + i];
        printf("checksum %.10e\n", sum);
        for (int k = 0; k <= 16; k++) {
            long s = (long)k * (n * m - 1) / 16;
            long j = 1 + s / n, i = 1 + s % n;
            printf("u[%ld][%ld] %.6e\n", j, i, (double)u[j * W + i]);
        }
    }
    free(u); free(un);
    return 0;
}
