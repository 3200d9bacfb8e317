/* cg_poisson2d_csr with MPI: CG for the 2D Poisson 5-point matrix on an nx x ny grid in CSR.
 * Row-block distribution by whole grid rows: rank r owns grid rows [j0, j1), i.e. the
 * unknowns j0*nx .. j1*nx-1, and assembles only its own CSR rows. Its column indices point
 * into an extended vector [ghost row j0-1 | own rows | ghost row j1], so before each SpMV
 * the direction vector exchanges one grid row with each neighbour (MPI_Sendrecv). Dot
 * products are local sums combined with MPI_Allreduce. */
#include <mpi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double b_val(long i, long j) { return 1.0 + (double)((3 * i + 5 * j) % 7) / 7.0; }

static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }

static double pdot(long n, const double *u, const double *v)
{
    double s = 0.0, g;
    for (long i = 0; i < n; i++)
        s += u[i] * v[i];
    MPI_Allreduce(&s, &g, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return g;
}

/* xe is the extended vector: xe[0..nx-1] ghost below, xe[nx..nx+n-1] my unknowns,
 * xe[nx+n..] ghost above. Fill the ghosts from the neighbours, then y = A x locally. */
static void halo_spmv(long nx, long n, int down, int up, const long *rowptr, const long *col,
                      const double *val, double *xe, double *y)
{
    MPI_Sendrecv(xe + nx, (int)nx, MPI_DOUBLE, down, 0, xe + nx + n, (int)nx, MPI_DOUBLE, up, 0,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Sendrecv(xe + n, (int)nx, MPI_DOUBLE, up, 1, xe, (int)nx, MPI_DOUBLE, down, 1,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (long r = 0; r < n; r++) {
        double s = 0.0;
        for (long k = rowptr[r]; k < rowptr[r + 1]; k++)
            s += val[k] * xe[col[k]];
        y[r] = s;
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long nx = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    long ny = argc > 2 ? strtol(argv[2], NULL, 10) : nx;
    long maxit = argc > 3 ? strtol(argv[3], NULL, 10) : 10000;
    if (nx < 1 || ny < 1 || maxit < 1) {
        if (rank == 0)
            fprintf(stderr, "cg_poisson2d_csr: nx, ny and maxit must be >= 1\n");
        MPI_Finalize();
        return 1;
    }
    const double tol = 1e-8;
    long N = nx * ny;
    long j0 = block_lo(ny, size, rank), j1 = block_lo(ny, size, rank + 1);
    long n = (j1 - j0) * nx;                       /* my unknowns */
    /* Ranks without grid rows (ny < size) are the last ones and exchange nothing. */
    int down = (n > 0 && j0 > 0) ? rank - 1 : MPI_PROC_NULL;
    int up = (n > 0 && j1 < ny) ? rank + 1 : MPI_PROC_NULL;

    long *rowptr = malloc((size_t)(n + 1) * sizeof *rowptr);
    long *col = malloc((size_t)(5 * n + 1) * sizeof *col);
    double *val = malloc((size_t)(5 * n + 1) * sizeof *val);
    double *b = malloc((size_t)(n + 1) * sizeof *b), *x = calloc((size_t)(n + 1), sizeof *x);
    double *r = malloc((size_t)(n + 1) * sizeof *r), *q = malloc((size_t)(n + 1) * sizeof *q);
    double *pe = calloc((size_t)(n + 2 * nx), sizeof *pe);   /* extended p, ghosts zero */
    double *p = pe + nx;

    /* Local assembly: global column c maps to c - j0*nx + nx in the extended vector. */
    long nnz = 0, shift = nx - j0 * nx;
    for (long j = j0; j < j1; j++)
        for (long i = 0; i < nx; i++) {
            long row = j * nx + i, lr = row - j0 * nx;
            rowptr[lr] = nnz;
            if (j > 0)      { col[nnz] = row - nx + shift; val[nnz++] = -1.0; }
            if (i > 0)      { col[nnz] = row - 1 + shift;  val[nnz++] = -1.0; }
            col[nnz] = row + shift; val[nnz++] = 4.0;
            if (i < nx - 1) { col[nnz] = row + 1 + shift;  val[nnz++] = -1.0; }
            if (j < ny - 1) { col[nnz] = row + nx + shift; val[nnz++] = -1.0; }
            b[lr] = b_val(i, j);
        }
    rowptr[n] = nnz;

    for (long k = 0; k < n; k++)
        r[k] = p[k] = b[k];
    double rr = pdot(n, r, r);
    const double bnorm = sqrt(rr);
    long it = 0;
    while (it < maxit && sqrt(rr) > tol * bnorm) {
        halo_spmv(nx, n, down, up, rowptr, col, val, pe, q);
        double alpha = rr / pdot(n, p, q);
        for (long k = 0; k < n; k++) {
            x[k] += alpha * p[k];
            r[k] -= alpha * q[k];
        }
        double rr_new = pdot(n, r, r);
        double beta = rr_new / rr;
        for (long k = 0; k < n; k++)
            p[k] = r[k] + beta * p[k];
        rr = rr_new;
        it++;
    }

    /* True residual and sum(x) in one reduction; the extended p buffer carries x. */
    for (long k = 0; k < n; k++)
        p[k] = x[k];
    halo_spmv(nx, n, down, up, rowptr, col, val, pe, q);
    double loc[2] = {0.0, 0.0}, glob[2];
    for (long k = 0; k < n; k++) {
        loc[0] += (b[k] - q[k]) * (b[k] - q[k]);
        loc[1] += x[k];
    }
    MPI_Reduce(loc, glob, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

    /* Printed unknowns (all for small grids, 41 samples otherwise), contributed by owners. */
    long nprint = N <= 100 ? N : 41;
    double *xs = calloc((size_t)nprint, sizeof *xs);
    for (long t = 0; t < nprint; t++) {
        long k = N <= 100 ? t : t * (N - 1) / 40;
        if (k >= j0 * nx && k < j1 * nx)
            xs[t] = x[k - j0 * nx];
    }
    MPI_Reduce(rank == 0 ? MPI_IN_PLACE : xs, xs, (int)nprint, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("iterations %ld\n", it);
        printf("residual %.3e\n", sqrt(glob[0]));
        if (N > 100)
            printf("sum(x) = %.12e\n", glob[1]);
        for (long t = 0; t < nprint; t++) {
            long k = N <= 100 ? t : t * (N - 1) / 40;
            printf("x(%ld,%ld) = %.10e\n", k % nx, k / nx, xs[t]);
        }
    }
    free(rowptr); free(col); free(val);
    free(b); free(x); free(r); free(q); free(pe); free(xs);
    MPI_Finalize();
    return 0;
}
