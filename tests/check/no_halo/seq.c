/* no_halo: a 1D three-point smoothing stencil, u'[i] = (u[i-1] + u[i] + u[i+1]) / 3 with zero
 * boundaries, run for a few steps; prints the final u. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long steps = argc > 2 ? strtol(argv[2], NULL, 10) : 3;
    if (n < 1 || steps < 0) return 1;
    double *u = calloc((size_t)n + 2, sizeof(double));
    double *v = calloc((size_t)n + 2, sizeof(double));
    if (!u || !v) return 1;
    for (long i = 0; i < n; i++) u[i + 1] = (double)((i + 1) * (i % 3 + 1));
    for (long t = 0; t < steps; t++) {
        for (long i = 1; i <= n; i++) v[i] = (u[i - 1] + u[i] + u[i + 1]) / 3.0;
        double *tmp = u;
        u = v;
        v = tmp;
    }
    for (long i = 1; i <= n; i++) printf("%.6f\n", u[i]);
    free(u);
    free(v);
    return 0;
}
