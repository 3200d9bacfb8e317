/* cg_tridiag with MPI: conjugate gradient for tridiag(-1, 4, -1) x = b of order n.
 * The vectors are block-distributed (remainder on the first ranks); each rank builds its
 * part of b from the formula. Before each matrix-vector product the direction vector p
 * exchanges one ghost value with each neighbour (MPI_Sendrecv, MPI_PROC_NULL at the ends);
 * each dot product is a local sum followed by MPI_Allreduce, so all ranks take identical
 * steps and stop at the same iteration. */
#include <mpi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double b_val(long i) { return 1.0 + 0.5 * (double)(i % 5) + 0.001 * (double)(i % 13); }

static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }

/* Global dot product of two distributed vectors. */
static double pdot(long m, const double *u, const double *v)
{
    double s = 0.0, g;
    for (long i = 0; i < m; i++)
        s += u[i] * v[i];
    MPI_Allreduce(&s, &g, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return g;
}

/* Fill the ghosts p[-1] and p[m] from the neighbours, then q = A p on my m rows.
 * Ghosts facing a global boundary stay 0 (MPI_PROC_NULL receives nothing). */
static void apply_a(long m, double *p, double *q, int left, int right)
{
    MPI_Sendrecv(&p[0], 1, MPI_DOUBLE, left, 0, &p[m], 1, MPI_DOUBLE, right, 0,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Sendrecv(&p[m - 1], 1, MPI_DOUBLE, right, 1, &p[-1], 1, MPI_DOUBLE, left, 1,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (long i = 0; i < m; i++)
        q[i] = 4.0 * p[i] - p[i - 1] - p[i + 1];
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    long maxit = argc > 2 ? strtol(argv[2], NULL, 10) : 500;
    if (n < 1 || maxit < 1) {
        if (rank == 0)
            fprintf(stderr, "cg_tridiag: n and maxit must be >= 1\n");
        MPI_Finalize();
        return 1;
    }
    const double tol = 1e-10;
    long lo = block_lo(n, size, rank), m = block_lo(n, size, rank + 1) - lo;
    /* Ranks that own nothing (n < size) sit at the end and talk to nobody. */
    int left = (m > 0 && rank > 0) ? rank - 1 : MPI_PROC_NULL;
    int right = (m > 0 && lo + m < n) ? rank + 1 : MPI_PROC_NULL;

    double *b = malloc((size_t)(m + 1) * sizeof *b);
    double *x = calloc((size_t)(m + 1), sizeof *x);
    double *r = malloc((size_t)(m + 1) * sizeof *r);
    double *pbuf = calloc((size_t)(m + 2), sizeof *pbuf);   /* p with one ghost each side */
    double *q = malloc((size_t)(m + 1) * sizeof *q);
    double *p = pbuf + 1;
    for (long i = 0; i < m; i++) {
        b[i] = b_val(lo + i);
        r[i] = b[i];
        p[i] = r[i];
    }

    double rr = pdot(m, r, r);
    const double bnorm = sqrt(rr);
    long it = 0;
    while (it < maxit && sqrt(rr) > tol * bnorm) {
        if (m > 0)
            apply_a(m, p, q, left, right);
        double alpha = rr / pdot(m, p, q);
        for (long i = 0; i < m; i++) {
            x[i] += alpha * p[i];
            r[i] -= alpha * q[i];
        }
        double rr_new = pdot(m, r, r);
        double beta = rr_new / rr;
        for (long i = 0; i < m; i++)
            p[i] = r[i] + beta * p[i];
        rr = rr_new;
        it++;
    }

    /* True residual ||b - A x|| and sum(x) in one reduction. */
    for (long i = 0; i < m; i++)
        p[i] = x[i];
    if (m > 0)
        apply_a(m, p, q, left, right);
    double loc[2] = {0.0, 0.0}, glob[2];
    for (long i = 0; i < m; i++) {
        loc[0] += (b[i] - q[i]) * (b[i] - q[i]);
        loc[1] += x[i];
    }
    MPI_Reduce(loc, glob, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

    /* Printed entries of x: all of them for small n, 33 samples otherwise. Each owner
     * contributes its entries to a zero-initialised buffer that is summed on rank 0. */
    long nprint = n <= 64 ? n : 33;
    double *xs = calloc((size_t)nprint, sizeof *xs);
    for (long t = 0; t < nprint; t++) {
        long i = n <= 64 ? t : t * (n - 1) / 32;
        if (i >= lo && i < lo + m)
            xs[t] = x[i - lo];
    }
    MPI_Reduce(rank == 0 ? MPI_IN_PLACE : xs, xs, (int)nprint, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("iterations %ld\n", it);
        printf("residual %.3e\n", sqrt(glob[0]));
        if (n > 64)
            printf("sum(x) = %.12e\n", glob[1]);
        for (long t = 0; t < nprint; t++)
            printf("x[%ld] = %.10e\n", n <= 64 ? t : t * (n - 1) / 32, xs[t]);
    }
    free(b);
    free(x);
    free(r);
    free(pbuf);
    free(q);
    free(xs);
    MPI_Finalize();
    return 0;
}
