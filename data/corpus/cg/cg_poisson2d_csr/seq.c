/* cg_poisson2d_csr: conjugate gradient for the 2D Poisson 5-point matrix on an nx x ny
 * grid (Dirichlet boundary), assembled in CSR. Unknown (i, j) has index j*nx + i, so grid
 * row j is a contiguous run of nx unknowns. Stops when ||r|| <= 1e-8 ||b|| or after maxit
 * iterations. Sizes: argv[1]=nx, argv[2]=ny, argv[3]=maxit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double b_val(long i, long j) { return 1.0 + (double)((3 * i + 5 * j) % 7) / 7.0; }

static void spmv(long n, const long *rowptr, const long *col, const double *val,
                 const double *x, double *y)
{
    for (long r = 0; r < n; r++) {
        double s = 0.0;
        for (long k = rowptr[r]; k < rowptr[r + 1]; k++)
            s += val[k] * x[col[k]];
        y[r] = s;
    }
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
    long nx = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    long ny = argc > 2 ? strtol(argv[2], NULL, 10) : nx;
    long maxit = argc > 3 ? strtol(argv[3], NULL, 10) : 10000;
    if (nx < 1 || ny < 1 || maxit < 1) {
        fprintf(stderr, "cg_poisson2d_csr: nx, ny and maxit must be >= 1\n");
        return 1;
    }
    const double tol = 1e-8;
    long n = nx * ny;
    long *rowptr = malloc((size_t)(n + 1) * sizeof *rowptr);
    long *col = malloc((size_t)(5 * n) * sizeof *col);
    double *val = malloc((size_t)(5 * n) * sizeof *val);
    double *b = malloc((size_t)n * sizeof *b), *x = calloc((size_t)n, sizeof *x);
    double *r = malloc((size_t)n * sizeof *r), *p = malloc((size_t)n * sizeof *p);
    double *q = malloc((size_t)n * sizeof *q);
    if (!rowptr || !col || !val || !b || !x || !r || !p || !q) {
        fprintf(stderr, "cg_poisson2d_csr: out of memory\n");
        return 1;
    }

    /* Assemble the 5-point matrix row by row, entries in increasing column order. */
    long nnz = 0;
    for (long j = 0; j < ny; j++)
        for (long i = 0; i < nx; i++) {
            long row = j * nx + i;
            rowptr[row] = nnz;
            if (j > 0)      { col[nnz] = row - nx; val[nnz++] = -1.0; }
            if (i > 0)      { col[nnz] = row - 1;  val[nnz++] = -1.0; }
            col[nnz] = row; val[nnz++] = 4.0;
            if (i < nx - 1) { col[nnz] = row + 1;  val[nnz++] = -1.0; }
            if (j < ny - 1) { col[nnz] = row + nx; val[nnz++] = -1.0; }
            b[row] = b_val(i, j);
        }
    rowptr[n] = nnz;

    for (long k = 0; k < n; k++)
        r[k] = p[k] = b[k];                 /* x0 = 0 */
    double rr = dot(n, r, r);
    const double bnorm = sqrt(rr);
    long it = 0;
    while (it < maxit && sqrt(rr) > tol * bnorm) {
        spmv(n, rowptr, col, val, p, q);
        double alpha = rr / dot(n, p, q);
        for (long k = 0; k < n; k++) {
            x[k] += alpha * p[k];
            r[k] -= alpha * q[k];
        }
        double rr_new = dot(n, r, r);
        double beta = rr_new / rr;
        for (long k = 0; k < n; k++)
            p[k] = r[k] + beta * p[k];
        rr = rr_new;
        it++;
    }

    /* True residual ||b - A x||. */
    spmv(n, rowptr, col, val, x, q);
    double res2 = 0.0;
    for (long k = 0; k < n; k++)
        res2 += (b[k] - q[k]) * (b[k] - q[k]);

    printf("iterations %ld\n", it);
    printf("residual %.3e\n", sqrt(res2));
    if (n <= 100) {
        for (long k = 0; k < n; k++)
            printf("x(%ld,%ld) = %.10e\n", k % nx, k / nx, x[k]);
    } else {
        double sum = 0.0;
        for (long k = 0; k < n; k++)
            sum += x[k];
        printf("sum(x) = %.12e\n", sum);
        for (long t = 0; t < 41; t++) {
            long k = t * (n - 1) / 40;
            printf("x(%ld,%ld) = %.10e\n", k % nx, k / nx, x[k]);
        }
    }
    free(rowptr); free(col); free(val);
    free(b); free(x); free(r); free(p); free(q);
    return 0;
}
