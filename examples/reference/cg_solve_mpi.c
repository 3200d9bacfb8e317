/* cg_solve_mpi.c -- hand-written MPI version of ../cg_solve.c (matrix-free CG on a rows x cols grid).
 *
 * Row-block decomposition of the grid (remainder rows on the first ranks; ranks beyond the row
 * count own nothing).  The two vectors the operator is applied to -- the search direction and,
 * at the end, u -- carry one halo row above and below; before each application the rank swaps
 * its first and last grid row with its neighbours (MPI_Sendrecv, MPI_PROC_NULL at the plate's
 * top and bottom, where the sequential code uses zero).  Each inner product is a local sum
 * completed by MPI_Allreduce, so every rank takes the same alpha and beta.  Only the summation
 * order differs from the sequential run, so results agree to rounding (the check uses the default
 * rtol 1e-6 / atol 1e-9; residuals at rounding level, ~1e-15, are covered by atol).  The final
 * residual and sums share one MPI_Reduce; u goes to rank 0 by MPI_Gatherv (small) or by an
 * MPI_Reduce of the samples in which only their owners contribute (large). */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double react(long r, long c) { return 0.05 + 0.02 * (double)((3 * r + c) % 5); }
static double load(long r, long c) { return 1.0 + sin(0.21 * (double)r) * cos(0.13 * (double)c) + (double)((r * c) % 3) / 4.0; }

typedef struct {
    long R, C;        /* global grid */
    long r0, nr;      /* my rows: r0 .. r0+nr-1 */
    int above, below; /* neighbour ranks or MPI_PROC_NULL */
} part_t;

/* halo'd vectors: local row l = 0..nr+1 is global row r0-1+l; interior vectors have no halos */
#define H(v, l, c) ((v)[(l) * P->C + (c)])

static void swap_halos(const part_t *P, double *v)
{
    if (P->nr == 0) return;
    int n = (int)P->C;
    MPI_Sendrecv(&H(v, 1, 0), n, MPI_DOUBLE, P->above, 1, &H(v, P->nr + 1, 0), n, MPI_DOUBLE, P->below, 1,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Sendrecv(&H(v, P->nr, 0), n, MPI_DOUBLE, P->below, 2, &H(v, 0, 0), n, MPI_DOUBLE, P->above, 2,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

/* out (no halos) = K in (halo'd, halos already swapped) */
static void apply_k(const part_t *P, const double *in, double *out)
{
    for (long l = 1; l <= P->nr; l++) {
        long r = P->r0 - 1 + l;
        for (long c = 0; c < P->C; c++) {
            double s = (4.0 + react(r, c)) * H(in, l, c);
            if (r > 0) s -= H(in, l - 1, c);
            if (r + 1 < P->R) s -= H(in, l + 1, c);
            if (c > 0) s -= H(in, l, c - 1);
            if (c + 1 < P->C) s -= H(in, l, c + 1);
            out[(l - 1) * P->C + c] = s;
        }
    }
}

static double global_dot(const double *a, const double *b, long len)
{
    double s = 0.0, g;
    for (long i = 0; i < len; i++) s += a[i] * b[i];
    MPI_Allreduce(&s, &g, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return g;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int me, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &np);

    long R = argc > 1 ? atol(argv[1]) : 60;
    long C = argc > 2 ? atol(argv[2]) : 80;
    long iters = argc > 3 ? atol(argv[3]) : 100;
    if (R < 1 || C < 1 || iters < 0) {
        if (me == 0) fprintf(stderr, "cg_solve: rows, cols >= 1 and iterations >= 0 please\n");
        MPI_Finalize();
        return 1;
    }
    part_t part = { R, C, 0, 0, MPI_PROC_NULL, MPI_PROC_NULL };
    const part_t *P = &part;
    part.nr = R / np + (me < R % np ? 1 : 0);
    part.r0 = me * (R / np) + (me < R % np ? me : R % np);
    if (me > 0 && part.nr > 0) part.above = me - 1;
    if (me + 1 < np && me + 1 < R) part.below = me + 1;

    long n = part.nr * C;                       /* my unknowns */
    size_t with_halo = (size_t)(part.nr + 2) * (size_t)C;
    double *u = calloc(with_halo, sizeof(double));
    double *dir = calloc(with_halo, sizeof(double));
    double *f = calloc((size_t)(n + 1), sizeof(double));
    double *res = calloc((size_t)(n + 1), sizeof(double));
    double *kd = calloc((size_t)(n + 1), sizeof(double));
    if (!u || !dir || !f || !res || !kd) {
        fprintf(stderr, "cg_solve: rank %d out of memory\n", me);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    double *u_in = u + C, *dir_in = dir + C;    /* the owned rows, without the top halo */
    for (long l = 0; l < part.nr; l++)
        for (long c = 0; c < C; c++) f[l * C + c] = load(part.r0 + l, c);

    for (long i = 0; i < n; i++) res[i] = dir_in[i] = f[i];
    double rho = global_dot(res, res, n);
    long it;
    for (it = 0; it < iters; it++) {
        swap_halos(P, dir);
        apply_k(P, dir, kd);
        double curv = global_dot(dir_in, kd, n);
        double alpha = curv > 0.0 ? rho / curv : 0.0;
        for (long i = 0; i < n; i++) {
            u_in[i] += alpha * dir_in[i];
            res[i] -= alpha * kd[i];
        }
        double rho_next = global_dot(res, res, n);
        double beta = rho > 0.0 ? rho_next / rho : 0.0;
        for (long i = 0; i < n; i++) dir_in[i] = res[i] + beta * dir_in[i];
        rho = rho_next;
    }

    swap_halos(P, u);
    apply_k(P, u, kd);
    double mine[3] = { 0.0, 0.0, 0.0 }, sums[3];
    for (long i = 0; i < n; i++) {
        mine[0] += (f[i] - kd[i]) * (f[i] - kd[i]);
        mine[1] += u_in[i];
        mine[2] += (double)((part.r0 * C + i) % 7 + 1) * u_in[i];
    }
    MPI_Reduce(mine, sums, 3, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (me == 0) {
        printf("iterations %ld\n", it);
        printf("true residual %.10e\n", sqrt(sums[0]));
    }

    long N = R * C;
    if (N <= 64) {
        int *cnt = NULL, *off = NULL;
        double *all = NULL;
        if (me == 0) {
            cnt = malloc((size_t)np * sizeof(int));
            off = malloc((size_t)np * sizeof(int));
            all = malloc((size_t)N * sizeof(double));
            for (int k = 0; k < np; k++) {
                cnt[k] = (int)((R / np + (k < R % np ? 1 : 0)) * C);
                off[k] = (int)((k * (R / np) + (k < R % np ? k : R % np)) * C);
            }
        }
        MPI_Gatherv(u_in, (int)n, MPI_DOUBLE, all, cnt, off, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (me == 0) {
            for (long i = 0; i < N; i++) printf("u(%ld,%ld) %.10e\n", i / C, i % C, all[i]);
            free(cnt);
            free(off);
            free(all);
        }
    } else {
        double pick[24], got[24];
        long first = part.r0 * C;
        for (int k = 0; k < 24; k++) {
            long i = (long)k * (N - 1) / 23;
            pick[k] = (i >= first && i < first + n) ? u_in[i - first] : 0.0;
        }
        MPI_Reduce(pick, got, 24, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (me == 0) {
            printf("sum u %.10e  weighted %.10e\n", sums[1], sums[2]);
            for (int k = 0; k < 24; k++) {
                long i = (long)k * (N - 1) / 23;
                printf("u(%ld,%ld) %.10e\n", i / C, i % C, got[k]);
            }
        }
    }
    free(u);
    free(dir);
    free(f);
    free(res);
    free(kd);
    MPI_Finalize();
    return 0;
}
