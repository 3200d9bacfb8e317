/* Sparse matrix-vector product y = A x, BSR format with 3x3 blocks, rectangular rows x cols matrix.
 * The block grid is mb x nbc = ceil(rows/3) x ceil(cols/3) (not square). Block row I holds 1..4
 * blocks (at most nbc) whose block columns are spread over equal segments of the block grid by
 * an LCG seeded per block row. Blocks are stored column-major (entry (r,c) at c*3 + r). Edge blocks
 * are padded: entries outside the matrix are stored as zeros, x and y are padded to 3*nbc, 3*mb.
 * The product is repeated `reps` times (for timing). Usage: bsr_blocks3 [rows] [cols] [reps]  */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define B 3

static uint64_t hmix(uint64_t z) /* splitmix64 finalizer */
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static long blocks_in_row(long I, long nbc)
{
    long k = 1 + (long)(hmix((uint64_t)I * 7 + 5) % 4);
    return k < nbc ? k : nbc;
}

/* Block columns of block row I (k of them, increasing), one per segment of [0, nbc). */
static void block_columns(long I, long nbc, long k, long *bj)
{
    uint64_t st = hmix((uint64_t)I);
    for (long t = 0; t < k; t++) {
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        long a = t * nbc / k, b = (t + 1) * nbc / k;
        bj[t] = a + (long)((st >> 33) % (uint64_t)(b - a));
    }
}

/* Scalar entry A[i][j] of a stored block, zero outside the rows x cols matrix. */
static double blk_entry(long i, long j, long rows, long cols)
{
    if (i >= rows || j >= cols)
        return 0.0;
    return (double)((i * 5 + j * 3) % 19 - 4) / 8.0 + (i == j ? 4.0 : 0.0);
}

static double xb_entry(long j) { return 0.25 + (double)(j % 6) * 0.3; }

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
    long rows = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
    long cols = argc > 2 ? strtol(argv[2], NULL, 10) : 400;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (rows < 1 || cols < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [rows >= 1] [cols >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }
    long mb = (rows + B - 1) / B, nbc = (cols + B - 1) / B;

    long *bptr = malloc((size_t)(mb + 1) * sizeof *bptr);
    bptr[0] = 0;
    for (long I = 0; I < mb; I++)
        bptr[I + 1] = bptr[I] + blocks_in_row(I, nbc);
    long *bind = malloc((size_t)bptr[mb] * sizeof *bind);
    double *bdat = malloc((size_t)(bptr[mb] * B * B) * sizeof *bdat);
    for (long I = 0; I < mb; I++) {
        block_columns(I, nbc, bptr[I + 1] - bptr[I], bind + bptr[I]);
        for (long p = bptr[I]; p < bptr[I + 1]; p++)
            for (int c = 0; c < B; c++)
                for (int r = 0; r < B; r++)
                    bdat[p * B * B + c * B + r] = blk_entry(I * B + r, bind[p] * B + c, rows, cols);
    }

    double *xb = malloc((size_t)(nbc * B) * sizeof *xb); /* zero-padded */
    double *yb = malloc((size_t)(mb * B) * sizeof *yb);
    for (long j = 0; j < nbc * B; j++)
        xb[j] = j < cols ? xb_entry(j) : 0.0;

    for (long rep = 0; rep < reps; rep++)
        for (long I = 0; I < mb; I++) {
            double acc[B] = {0.0, 0.0, 0.0};
            for (long p = bptr[I]; p < bptr[I + 1]; p++) {
                const double *blk = bdat + p * B * B;
                for (int c = 0; c < B; c++) {
                    double xc = xb[bind[p] * B + c];
                    for (int r = 0; r < B; r++)
                        acc[r] += blk[c * B + r] * xc;
                }
            }
            for (int r = 0; r < B; r++)
                yb[I * B + r] = acc[r];
        }

    print_y(yb, rows); /* the padded rows are dropped */
    free(bptr);
    free(bind);
    free(bdat);
    free(xb);
    free(yb);
    return 0;
}
