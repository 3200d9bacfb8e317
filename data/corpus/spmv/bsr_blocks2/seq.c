/* Sparse matrix-vector product y = A x with A stored in BSR (block sparse row) format, 2x2 blocks.
 * A is n x n; the block grid has nb = ceil(n/2) block rows and columns. Block row I holds the
 * block-tridiagonal blocks I-1, I, I+1 plus one far coupling block at (7I+3) mod nb. When n is
 * odd the last block row/column is padded: entries outside the n x n matrix are stored as zeros and
 * x, y are padded to 2*nb. The product is repeated `reps` times (for timing).
 * Usage: bsr_blocks2 [n] [reps]                                                                */
#include <stdio.h>
#include <stdlib.h>

#define BS 2      /* block size */
#define MAXBPR 4  /* at most 4 blocks per block row */

/* Sorted, distinct block columns of block row I; returns their count. */
static int block_cols(long I, long nb, long *jc)
{
    long cand[MAXBPR] = {I - 1, I, I + 1, (7 * I + 3) % nb};
    int k = 0;
    for (int t = 0; t < MAXBPR; t++) {
        long J = cand[t];
        if (J < 0 || J >= nb)
            continue;
        int pos = k, dup = 0;
        for (int q = 0; q < k; q++)
            dup |= jc[q] == J;
        if (dup)
            continue;
        while (pos > 0 && jc[pos - 1] > J) { /* insertion sort */
            jc[pos] = jc[pos - 1];
            pos--;
        }
        jc[pos] = J;
        k++;
    }
    return k;
}

/* Scalar entry A[i][j] (only called for stored blocks); zero outside the n x n matrix. */
static double a_entry(long i, long j, long n)
{
    if (i >= n || j >= n)
        return 0.0;
    if (i == j)
        return 5.0 + (double)(i % 3) * 0.5;
    return ((i + j) % 2 ? -0.5 : 0.25) - (double)((i * 3 + j) % 5) * 0.05;
}

static double x_entry(long j) { return 1.0 + (double)(j % 8) * 0.125; }

static void print_y(const double *y, long n)
{
    if (n <= 64) {
        for (long i = 0; i < n; i++)
            printf("%.12e\n", y[i]);
        return;
    }
    double sum = 0.0, wsum = 0.0;
    for (long i = 0; i < n; i++) {
        sum += y[i];
        wsum += (double)(1 + i % 7) * y[i];
    }
    printf("sum %.12e\nwsum %.12e\n", sum, wsum);
    long step = n / 32;
    for (long i = 0; i < n; i += step)
        printf("y[%ld] %.12e\n", i, y[i]);
    printf("y[%ld] %.12e\n", n - 1, y[n - 1]);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [n >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }
    long nb = (n + BS - 1) / BS;

    /* BSR arrays: block row pointer, block column index, BS x BS row-major block values. */
    long *brow_ptr = malloc((size_t)(nb + 1) * sizeof *brow_ptr);
    long jc[MAXBPR];
    brow_ptr[0] = 0;
    for (long I = 0; I < nb; I++)
        brow_ptr[I + 1] = brow_ptr[I] + block_cols(I, nb, jc);
    long nblk = brow_ptr[nb];
    long *bcol = malloc((size_t)nblk * sizeof *bcol);
    double *bval = malloc((size_t)(nblk * BS * BS) * sizeof *bval);
    for (long I = 0; I < nb; I++) {
        int k = block_cols(I, nb, jc);
        for (int t = 0; t < k; t++) {
            long p = brow_ptr[I] + t;
            bcol[p] = jc[t];
            for (int r = 0; r < BS; r++)
                for (int c = 0; c < BS; c++)
                    bval[(p * BS + r) * BS + c] = a_entry(I * BS + r, jc[t] * BS + c, n);
        }
    }

    double *x = malloc((size_t)(nb * BS) * sizeof *x); /* padded with zeros */
    double *y = malloc((size_t)(nb * BS) * sizeof *y);
    for (long j = 0; j < nb * BS; j++)
        x[j] = j < n ? x_entry(j) : 0.0;

    for (long rep = 0; rep < reps; rep++)
        for (long I = 0; I < nb; I++) {
            double acc[BS] = {0.0};
            for (long p = brow_ptr[I]; p < brow_ptr[I + 1]; p++) {
                const double *blk = bval + p * BS * BS, *xb = x + bcol[p] * BS;
                for (int r = 0; r < BS; r++)
                    for (int c = 0; c < BS; c++)
                        acc[r] += blk[r * BS + c] * xb[c];
            }
            for (int r = 0; r < BS; r++)
                y[I * BS + r] = acc[r];
        }

    print_y(y, n); /* only the first n entries are real */
    free(brow_ptr);
    free(bcol);
    free(bval);
    free(x);
    free(y);
    return 0;
}
