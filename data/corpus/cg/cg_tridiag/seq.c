/* cg_tridiag: conjugate gradient for A x = b with the SPD tridiagonal matrix
 * A = tridiag(-1, 4, -1) of order n (zero boundary values outside 0..n-1).
 * Stops when ||r|| <= 1e-10 ||b|| or after maxit iterations.
 * Sizes: argv[1]=n, argv[2]=maxit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double b_val(long i) { return 1.0 + 0.5 * (double)(i % 5) + 0.001 * (double)(i % 13); }

/* q = A p; p has one zero ghost entry on each side: p[-1] = p[n] = 0. */
static void apply_a(long n, const double *p, double *q)
{
    for (long i = 0; i < n; i++)
        q[i] = 4.0 * p[i] - p[i - 1] - p[i + 1];
}

static double dot(long n, const double *u, const double *v)
{
    double s = 0.0;
    for (long i = 0; i < n; i++)
        s += u[i] * v[i];
    return s;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    long maxit = argc > 2 ? strtol(argv[2], NULL, 10) : 500;
    if (n < 1 || maxit < 1) {
        fprintf(stderr, "cg_tridiag: n and maxit must be >= 1\n");
        return 1;
    }
    const double tol = 1e-10;
    double *b = malloc((size_t)n * sizeof *b);
    double *x = calloc((size_t)n, sizeof *x);
    double *r = malloc((size_t)n * sizeof *r);
    double *pbuf = calloc((size_t)(n + 2), sizeof *pbuf);   /* p with ghosts */
    double *q = malloc((size_t)n * sizeof *q);
    if (!b || !x || !r || !pbuf || !q) {
        fprintf(stderr, "cg_tridiag: out of memory\n");
        return 1;
    }
    double *p = pbuf + 1;

    for (long i = 0; i < n; i++) {
        b[i] = b_val(i);
        r[i] = b[i];            /* x0 = 0, so r0 = b */
        p[i] = r[i];
    }
    double rr = dot(n, r, r);
    const double bnorm = sqrt(rr);
    long it = 0;
    while (it < maxit && sqrt(rr) > tol * bnorm) {
        apply_a(n, p, q);
        double alpha = rr / dot(n, p, q);
        for (long i = 0; i < n; i++) {
            x[i] += alpha * p[i];
            r[i] -= alpha * q[i];
        }
        double rr_new = dot(n, r, r);
        double beta = rr_new / rr;
        for (long i = 0; i < n; i++)
            p[i] = r[i] + beta * p[i];
        rr = rr_new;
        it++;
    }

    /* True residual b - A x (reuse p as the ghosted copy of x). */
    for (long i = 0; i < n; i++)
        p[i] = x[i];
    apply_a(n, p, q);
    double res2 = 0.0;
    for (long i = 0; i < n; i++)
        res2 += (b[i] - q[i]) * (b[i] - q[i]);

    printf("iterations %ld\n", it);
    printf("residual %.3e\n", sqrt(res2));
    if (n <= 64) {
        for (long i = 0; i < n; i++)
            printf("x[%ld] = %.10e\n", i, x[i]);
    } else {
        double sum = 0.0;
        for (long i = 0; i < n; i++)
            sum += x[i];
        printf("sum(x) = %.12e\n", sum);
        for (long t = 0; t < 33; t++) {
            long i = t * (n - 1) / 32;
            printf("x[%ld] = %.10e\n", i, x[i]);
        }
    }
    free(b);
    free(x);
    free(r);
    free(pbuf);
    free(q);
    return 0;
}
