/* cg_solve.c -- conjugate gradients on a plate, without ever storing the matrix.
 *
 * Unknowns u(r,c) live on a rows x cols grid.  The operator is the 5-point "minus Laplacian" plus
 * a mild position-dependent reaction term, with zero values assumed outside the grid:
 *     (K u)(r,c) = (4 + react(r,c)) u(r,c) - u(r-1,c) - u(r+1,c) - u(r,c-1) - u(r,c+1)
 * K is symmetric and strictly diagonally dominant, hence positive definite, so plain CG works.
 * The load f(r,c) is a formula.  CG runs a fixed number of iterations given on the command line
 * (no tolerance test: the stopping point must not depend on rounding); a step whose residual has
 * become exactly zero changes nothing instead of dividing by zero.  At the end it prints the
 * iterations done, the true residual ||f - K u|| and u (all of it up to 64 unknowns, otherwise
 * sums and 24 sample values).
 *
 * usage: cg_solve [rows (default 60)] [cols (default 80)] [iterations (default 100)] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static long R, C;                 /* grid size */
#define IDX(r, c) ((r) * C + (c))

static double react(long r, long c) { return 0.05 + 0.02 * (double)((3 * r + c) % 5); }
static double load(long r, long c) { return 1.0 + sin(0.21 * (double)r) * cos(0.13 * (double)c) + (double)((r * c) % 3) / 4.0; }

/* out = K in */
static void apply_k(const double *in, double *out)
{
    for (long r = 0; r < R; r++)
        for (long c = 0; c < C; c++) {
            double s = (4.0 + react(r, c)) * in[IDX(r, c)];
            if (r > 0) s -= in[IDX(r - 1, c)];
            if (r + 1 < R) s -= in[IDX(r + 1, c)];
            if (c > 0) s -= in[IDX(r, c - 1)];
            if (c + 1 < C) s -= in[IDX(r, c + 1)];
            out[IDX(r, c)] = s;
        }
}

static double inner(const double *a, const double *b, long len)
{
    double s = 0.0;
    for (long i = 0; i < len; i++) s += a[i] * b[i];
    return s;
}

int main(int argc, char **argv)
{
    R = argc > 1 ? atol(argv[1]) : 60;
    C = argc > 2 ? atol(argv[2]) : 80;
    long iters = argc > 3 ? atol(argv[3]) : 100;
    if (R < 1 || C < 1 || iters < 0) {
        fprintf(stderr, "cg_solve: rows, cols >= 1 and iterations >= 0 please\n");
        return 1;
    }
    long N = R * C;
    double *u = calloc((size_t)N, sizeof(double));
    double *f = malloc((size_t)N * sizeof(double));
    double *res = malloc((size_t)N * sizeof(double));
    double *dir = malloc((size_t)N * sizeof(double));
    double *kd = malloc((size_t)N * sizeof(double));
    if (!u || !f || !res || !dir || !kd) {
        fprintf(stderr, "cg_solve: out of memory (%ld unknowns)\n", N);
        return 1;
    }
    for (long r = 0; r < R; r++)
        for (long c = 0; c < C; c++) f[IDX(r, c)] = load(r, c);

    /* u = 0, so the first residual and search direction are f itself */
    for (long i = 0; i < N; i++) res[i] = dir[i] = f[i];
    double rho = inner(res, res, N);
    long it;
    for (it = 0; it < iters; it++) {
        apply_k(dir, kd);
        double curv = inner(dir, kd, N);
        double alpha = curv > 0.0 ? rho / curv : 0.0;
        for (long i = 0; i < N; i++) {
            u[i] += alpha * dir[i];
            res[i] -= alpha * kd[i];
        }
        double rho_next = inner(res, res, N);
        double beta = rho > 0.0 ? rho_next / rho : 0.0;
        for (long i = 0; i < N; i++) dir[i] = res[i] + beta * dir[i];
        rho = rho_next;
    }

    apply_k(u, kd);
    double miss = 0.0;
    for (long i = 0; i < N; i++) miss += (f[i] - kd[i]) * (f[i] - kd[i]);
    printf("iterations %ld\n", it);
    printf("true residual %.10e\n", sqrt(miss));
    if (N <= 64) {
        for (long r = 0; r < R; r++)
            for (long c = 0; c < C; c++) printf("u(%ld,%ld) %.10e\n", r, c, u[IDX(r, c)]);
    } else {
        double total = 0.0, weighted = 0.0;
        for (long i = 0; i < N; i++) {
            total += u[i];
            weighted += (double)(i % 7 + 1) * u[i];
        }
        printf("sum u %.10e  weighted %.10e\n", total, weighted);
        for (int k = 0; k < 24; k++) {
            long i = (long)k * (N - 1) / 23;
            printf("u(%ld,%ld) %.10e\n", i / C, i % C, u[i]);
        }
    }
    free(u);
    free(f);
    free(res);
    free(dir);
    free(kd);
    return 0;
}
