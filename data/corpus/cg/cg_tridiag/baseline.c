/* cg_tridiag with MPI, baseline strategy: CG for tridiag(-1, 4, -1) x = b of order n.
 * Same block decomposition as the expert version, but the ghost exchange uses
 * Irecv/Isend/Waitall followed by an MPI_Barrier, values that could share one reduction
 * are reduced separately, and the whole solution is gathered to rank 0 for printing.
 * Correct, but it pays extra synchronisation and latency in every iteration. */
#include <mpi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double b_val(long i) { return 1.0 + 0.5 * (double)(i % 5) + 0.001 * (double)(i % 13); }

static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }

static double pdot(long m, const double *u, const double *v)
{
    double s = 0.0, g;
    for (long i = 0; i < m; i++)
        s += u[i] * v[i];
    MPI_Allreduce(&s, &g, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return g;
}

/* Nonblocking ghost exchange of p[-1] and p[m], a barrier, then q = A p.
 * Every rank calls it (also ranks with m == 0) because of the barrier. */
static void apply_a(long m, double *p, double *q, int left, int right)
{
    MPI_Request req[4];
    int nreq = 0;
    if (m > 0) {
        MPI_Irecv(&p[-1], 1, MPI_DOUBLE, left, 0, MPI_COMM_WORLD, &req[nreq++]);
        MPI_Irecv(&p[m], 1, MPI_DOUBLE, right, 1, MPI_COMM_WORLD, &req[nreq++]);
        MPI_Isend(&p[0], 1, MPI_DOUBLE, left, 1, MPI_COMM_WORLD, &req[nreq++]);
        MPI_Isend(&p[m - 1], 1, MPI_DOUBLE, right, 0, MPI_COMM_WORLD, &req[nreq++]);
    }
    MPI_Waitall(nreq, req, MPI_STATUSES_IGNORE);
    MPI_Barrier(MPI_COMM_WORLD);
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
    int left = (m > 0 && rank > 0) ? rank - 1 : MPI_PROC_NULL;
    int right = (m > 0 && lo + m < n) ? rank + 1 : MPI_PROC_NULL;

    double *b = malloc((size_t)(m + 1) * sizeof *b);
    double *x = calloc((size_t)(m + 1), sizeof *x);
    double *r = malloc((size_t)(m + 1) * sizeof *r);
    double *pbuf = calloc((size_t)(m + 2), sizeof *pbuf);
    double *q = malloc((size_t)(m + 1) * sizeof *q);
    double *p = pbuf + 1;
    for (long i = 0; i < m; i++) {
        b[i] = b_val(lo + i);
        r[i] = b[i];
        p[i] = r[i];
    }

    /* b.b and r.r are equal here, yet reduced separately. */
    const double bnorm = sqrt(pdot(m, b, b));
    double rr = pdot(m, r, r);
    long it = 0;
    while (it < maxit && sqrt(rr) > tol * bnorm) {
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

    /* True residual and sum(x) with two separate reductions. */
    for (long i = 0; i < m; i++)
        p[i] = x[i];
    apply_a(m, p, q, left, right);
    double loc = 0.0, res2, sum;
    for (long i = 0; i < m; i++)
        loc += (b[i] - q[i]) * (b[i] - q[i]);
    MPI_Allreduce(&loc, &res2, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    loc = 0.0;
    for (long i = 0; i < m; i++)
        loc += x[i];
    MPI_Allreduce(&loc, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);

    /* Gather the whole solution to rank 0, which then prints what it needs. */
    int *counts = malloc((size_t)size * sizeof *counts);
    int *displs = malloc((size_t)size * sizeof *displs);
    for (int rk = 0; rk < size; rk++) {
        displs[rk] = (int)block_lo(n, size, rk);
        counts[rk] = (int)block_lo(n, size, rk + 1) - displs[rk];
    }
    double *xall = rank == 0 ? malloc((size_t)n * sizeof *xall) : NULL;
    MPI_Gatherv(x, (int)m, MPI_DOUBLE, xall, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("iterations %ld\n", it);
        printf("residual %.3e\n", sqrt(res2));
        if (n <= 64) {
            for (long i = 0; i < n; i++)
                printf("x[%ld] = %.10e\n", i, xall[i]);
        } else {
            printf("sum(x) = %.12e\n", sum);
            for (long t = 0; t < 33; t++) {
                long i = t * (n - 1) / 32;
                printf("x[%ld] = %.10e\n", i, xall[i]);
            }
        }
    }
    free(b);
    free(x);
    free(r);
    free(pbuf);
    free(q);
    free(xall);
    free(counts);
    free(displs);
    MPI_Finalize();
    return 0;
}
