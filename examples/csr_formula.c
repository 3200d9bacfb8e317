/* csr_formula.c -- repeated sparse matrix-vector products with a matrix kept in CSR form.
 *
 * The n x n matrix has, in row i, the diagonal, the neighbours i-1 and i+1 and the two "far"
 * couplings i-stride and i+stride (whichever of them exist), with values given by formulas.
 * Starting from a fixed vector v, the program runs `reps` steps of the power method:
 *     w = A v,   growth = max_i |w_i|,   v = w / growth
 * Taking the largest magnitude (not a sum) as the scale keeps the vectors near 1 and makes every
 * step independent of any summation order.  It prints the last growth factor and v (all of it
 * when n <= 40, otherwise the sum of v, the sum of |v| and 20 sample entries).
 *
 * usage: csr_formula [n (default 2000)] [stride (default 37, >= 2)] [reps (default 10)] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    long n;          /* rows = columns */
    long *start;     /* start[i] .. start[i+1]-1: the entries of row i */
    long *col;
    double *val;
} csr_t;

static double diag_value(long i) { return 3.0 + 0.25 * (double)(i % 4); }
static double near_value(long i, long j) { return -0.5 - 0.1 * (double)((i + j) % 3); }
static double far_value(long i, long j) { return 0.2 * cos(0.01 * (double)(i * 3 + j)); }

/* Append one row's entries in increasing column order. */
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

static int build_matrix(csr_t *A, long n, long stride)
{
    A->n = n;
    A->start = malloc((size_t)(n + 1) * sizeof(long));
    if (!A->start) return -1;
    A->start[0] = 0;
    for (long i = 0; i < n; i++) A->start[i + 1] = A->start[i] + fill_row(i, n, stride, NULL, NULL);
    A->col = malloc((size_t)A->start[n] * sizeof(long));
    A->val = malloc((size_t)A->start[n] * sizeof(double));
    if (!A->col || !A->val) return -1;
    for (long i = 0; i < n; i++) fill_row(i, n, stride, A->col + A->start[i], A->val + A->start[i]);
    return 0;
}

static void multiply(const csr_t *A, const double *v, double *w)
{
    for (long i = 0; i < A->n; i++) {
        double acc = 0.0;
        for (long k = A->start[i]; k < A->start[i + 1]; k++) acc += A->val[k] * v[A->col[k]];
        w[i] = acc;
    }
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000;
    long stride = argc > 2 ? atol(argv[2]) : 37;
    long reps = argc > 3 ? atol(argv[3]) : 10;
    if (n < 1 || stride < 2 || reps < 1) {
        fprintf(stderr, "csr_formula: want n >= 1, stride >= 2, reps >= 1\n");
        return 1;
    }

    csr_t A;
    if (build_matrix(&A, n, stride) != 0) {
        fprintf(stderr, "csr_formula: out of memory building the matrix\n");
        return 1;
    }
    double *v = malloc((size_t)n * sizeof(double));
    double *w = malloc((size_t)n * sizeof(double));
    if (!v || !w) {
        fprintf(stderr, "csr_formula: out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++) v[i] = 1.0 + 0.5 * sin(0.3 * (double)i);

    double growth = 0.0;
    for (long step = 0; step < reps; step++) {
        multiply(&A, v, w);
        growth = 0.0;
        for (long i = 0; i < n; i++)
            if (fabs(w[i]) > growth) growth = fabs(w[i]);
        for (long i = 0; i < n; i++) v[i] = w[i] / growth;
    }

    printf("nonzeros %ld growth %.12e\n", A.start[n], growth);
    if (n <= 40) {
        for (long i = 0; i < n; i++) printf("v[%ld] = %.12e\n", i, v[i]);
    } else {
        double s = 0.0, sa = 0.0;
        for (long i = 0; i < n; i++) {
            s += v[i];
            sa += fabs(v[i]);
        }
        printf("sum %.12e abs-sum %.12e\n", s, sa);
        for (int k = 0; k < 20; k++) {
            long i = (long)k * (n - 1) / 19;
            printf("v[%ld] = %.12e\n", i, v[i]);
        }
    }
    free(A.start);
    free(A.col);
    free(A.val);
    free(v);
    free(w);
    return 0;
}
