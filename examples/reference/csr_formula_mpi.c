/* csr_formula_mpi.c -- hand-written MPI version of ../csr_formula.c (power steps with a CSR matrix).
 *
 * The rows are split into contiguous blocks (the remainder on the first ranks); each rank builds
 * the CSR arrays of its own rows only (global column numbers).  A row touches columns up to
 * `stride` away, which may lie on any rank, so every step re-assembles the whole vector on every
 * rank with MPI_Allgatherv -- simple and always correct.  The growth factor is a maximum, reduced
 * with MPI_Allreduce(MPI_MAX), so every rank divides by exactly the sequential value and the
 * vector entries come out bit-for-bit equal to the sequential ones.  The non-zero count and the
 * sums are MPI_Reduce'd to rank 0, which holds the whole vector for printing. */
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

    csr_block_t B = { 0, 0, NULL, NULL, NULL };
    double *v = malloc((size_t)n * sizeof(double));          /* whole vector, on every rank */
    double *w = malloc((size_t)(nrows + 1) * sizeof(double)); /* this rank's rows of A v */
    if (build_block(&B, first, nrows, n, stride) != 0 || !v || !w) {
        fprintf(stderr, "csr_formula: rank %d out of memory\n", me);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long i = 0; i < n; i++) v[i] = 1.0 + 0.5 * sin(0.3 * (double)i);

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
        for (long r = 0; r < nrows; r++) w[r] /= growth;
        MPI_Allgatherv(w, (int)nrows, MPI_DOUBLE, v, counts, offsets, MPI_DOUBLE, MPI_COMM_WORLD);
    }

    long nnz_local = B.start[nrows], nnz = 0;
    MPI_Reduce(&nnz_local, &nnz, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (n > 40) {
        double part[2] = { 0.0, 0.0 }, sums[2];
        for (long i = first; i < first + nrows; i++) {
            part[0] += v[i];
            part[1] += fabs(v[i]);
        }
        MPI_Reduce(part, sums, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (me == 0) {
            printf("nonzeros %ld growth %.12e\n", nnz, growth);
            printf("sum %.12e abs-sum %.12e\n", sums[0], sums[1]);
            for (int k = 0; k < 20; k++) {
                long i = (long)k * (n - 1) / 19;
                printf("v[%ld] = %.12e\n", i, v[i]);
            }
        }
    } else if (me == 0) {
        printf("nonzeros %ld growth %.12e\n", nnz, growth);
        for (long i = 0; i < n; i++) printf("v[%ld] = %.12e\n", i, v[i]);
    }
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
