/* csr_formula_mpi.c -- hand-written MPI version of ../csr_formula.c (power steps with a CSR matrix).
 *
 * The rows are split into contiguous blocks (the remainder on the first ranks); each rank builds
 * the CSR arrays of its own rows only (global column numbers).  Row i touches columns i-stride ..
 * i+stride, so a rank whose rows are lo..hi needs the vector entries lo-stride .. hi+stride: its
 * "window".  Every rank knows the whole layout, so it knows which slice of its own block falls in
 * each other rank's window; one MPI_Alltoallv per step delivers exactly those slices into a
 * full-length vector at their global positions, and each rank copies its own block itself (a
 * large stride makes this an allgather, a small one a halo exchange with the neighbours).  The
 * growth factor is a maximum, reduced with MPI_Allreduce(MPI_MAX), so every rank divides by
 * exactly the sequential value and the vector entries are bit-for-bit the sequential ones; only
 * the printed sums are added in another order.  Entries outside a rank's window are never read.
 * Output: MPI_Gatherv of the vector when small; sums and samples by MPI_Reduce otherwise. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    long first, nrows;   /* global rows first .. first+nrows-1 */
    long *start;         /* local row r: entries start[r] .. start[r+1]-1 */
    long *col;           /* global column numbers */
    double *val;
} csr_block_t;

static double diag_value(long i) { return 3.0 + 0.25 * (double)(i % 4); }
static double near_value(long i, long j) { return -0.5 - 0.1 * (double)((i + j) % 3); }
static double far_value(long i, long j) { return 0.2 * cos(0.01 * (double)(i * 3 + j)); }

static long fill_row(long i, long n, long stride, long *col, double *val)
{
    long cand[5] = { i - stride, i - 1, i, i + 1, i + stride };
    long k = 0;
    for (int t = 0; t < 5; t++) {
        long j = cand[t];
        if (j < 0 || j >= n) continue;
        if (col) {
            col[k] = j;
            val[k] = (j == i) ? diag_value(i) : (t == 0 || t == 4) ? far_value(i, j) : near_value(i, j);
        }
        k++;
    }
    return k;
}

static int build_block(csr_block_t *B, long first, long nrows, long n, long stride)
{
    B->first = first;
    B->nrows = nrows;
    B->start = malloc((size_t)(nrows + 1) * sizeof(long));
    if (!B->start) return -1;
    B->start[0] = 0;
    for (long r = 0; r < nrows; r++) B->start[r + 1] = B->start[r] + fill_row(first + r, n, stride, NULL, NULL);
    B->col = malloc((size_t)(B->start[nrows] + 1) * sizeof(long));
    B->val = malloc((size_t)(B->start[nrows] + 1) * sizeof(double));
    if (!B->col || !B->val) return -1;
    for (long r = 0; r < nrows; r++)
        fill_row(first + r, n, stride, B->col + B->start[r], B->val + B->start[r]);
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int me, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &np);

    long n = argc > 1 ? atol(argv[1]) : 2000;
    long stride = argc > 2 ? atol(argv[2]) : 37;
    long reps = argc > 3 ? atol(argv[3]) : 10;
    if (n < 1 || stride < 2 || reps < 1) {
        if (me == 0) fprintf(stderr, "csr_formula: want n >= 1, stride >= 2, reps >= 1\n");
        MPI_Finalize();
        return 1;
    }

    int *counts = malloc((size_t)np * sizeof(int)), *offsets = malloc((size_t)np * sizeof(int));
    for (int k = 0; k < np; k++) {
        counts[k] = (int)(n / np + (k < n % np ? 1 : 0));
        offsets[k] = (int)(k * (n / np) + (k < n % np ? k : n % np));
    }
    long first = offsets[me], nrows = counts[me];

    /* window of rank k: the columns its rows touch (empty for a rank without rows) */
    long *win_lo = malloc((size_t)np * sizeof(long)), *win_hi = malloc((size_t)np * sizeof(long));
    for (int k = 0; k < np; k++) {
        win_lo[k] = offsets[k] - stride < 0 ? 0 : offsets[k] - stride;
        win_hi[k] = offsets[k] + counts[k] - 1 + stride > n - 1 ? n - 1 : offsets[k] + counts[k] - 1 + stride;
        if (counts[k] == 0) win_lo[k] = 1, win_hi[k] = 0;
    }
    /* what I send to rank k: my block cut to k's window; what I get from k: k's block cut to mine */
    int *scount = calloc((size_t)np, sizeof(int)), *sdispl = calloc((size_t)np, sizeof(int));
    int *rcount = calloc((size_t)np, sizeof(int)), *rdispl = calloc((size_t)np, sizeof(int));
    for (int k = 0; k < np; k++) {
        long a = first > win_lo[k] ? first : win_lo[k];
        long b = first + nrows - 1 < win_hi[k] ? first + nrows - 1 : win_hi[k];
        if (a <= b) scount[k] = (int)(b - a + 1), sdispl[k] = (int)(a - first);
        a = offsets[k] > win_lo[me] ? offsets[k] : win_lo[me];
        b = offsets[k] + counts[k] - 1 < win_hi[me] ? offsets[k] + counts[k] - 1 : win_hi[me];
        if (a <= b) rcount[k] = (int)(b - a + 1), rdispl[k] = (int)a;
    }
    scount[me] = rcount[me] = 0;   /* my own block is copied locally, not sent to myself */

    csr_block_t B = { 0, 0, NULL, NULL, NULL };
    double *v = malloc((size_t)n * sizeof(double));          /* full length; my window is kept current */
    double *w = malloc((size_t)(nrows + 1) * sizeof(double)); /* this rank's rows of A v */
    if (build_block(&B, first, nrows, n, stride) != 0 || !v || !w || !scount || !rcount) {
        fprintf(stderr, "csr_formula: rank %d out of memory\n", me);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long i = win_lo[me]; i <= win_hi[me]; i++) v[i] = 1.0 + 0.5 * sin(0.3 * (double)i);

    double growth = 0.0;
    for (long step = 0; step < reps; step++) {
        double big = 0.0;
        for (long r = 0; r < nrows; r++) {
            double acc = 0.0;
            for (long k = B.start[r]; k < B.start[r + 1]; k++) acc += B.val[k] * v[B.col[k]];
            w[r] = acc;
            if (fabs(acc) > big) big = fabs(acc);
        }
        MPI_Allreduce(&big, &growth, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        for (long r = 0; r < nrows; r++) {
            w[r] /= growth;
            v[first + r] = w[r];
        }
        MPI_Alltoallv(w, scount, sdispl, MPI_DOUBLE, v, rcount, rdispl, MPI_DOUBLE, MPI_COMM_WORLD);
    }
    double *mine = v + first;                                 /* my own rows of the result */

    long nnz_local = B.start[nrows], nnz = 0;
    MPI_Reduce(&nnz_local, &nnz, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (n > 40) {
        double part[2] = { 0.0, 0.0 }, sums[2], pick[20], got[20];
        for (long r = 0; r < nrows; r++) {
            part[0] += mine[r];
            part[1] += fabs(mine[r]);
        }
        for (int k = 0; k < 20; k++) {
            long i = (long)k * (n - 1) / 19;
            pick[k] = (i >= first && i < first + nrows) ? v[i] : 0.0;
        }
        MPI_Reduce(part, sums, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(pick, got, 20, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (me == 0) {
            printf("nonzeros %ld growth %.12e\n", nnz, growth);
            printf("sum %.12e abs-sum %.12e\n", sums[0], sums[1]);
            for (int k = 0; k < 20; k++) printf("v[%ld] = %.12e\n", (long)k * (n - 1) / 19, got[k]);
        }
    } else {
        double *whole = me == 0 ? malloc((size_t)n * sizeof(double)) : NULL;
        MPI_Gatherv(mine, (int)nrows, MPI_DOUBLE, whole, counts, offsets, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (me == 0) {
            printf("nonzeros %ld growth %.12e\n", nnz, growth);
            for (long i = 0; i < n; i++) printf("v[%ld] = %.12e\n", i, whole[i]);
            free(whole);
        }
    }
    free(win_lo);
    free(win_hi);
    free(scount);
    free(sdispl);
    free(rcount);
    free(rdispl);
    free(B.start);
    free(B.col);
    free(B.val);
    free(v);
    free(w);
    free(counts);
    free(offsets);
    MPI_Finalize();
    return 0;
}
