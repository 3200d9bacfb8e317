/* MPI sparse matrix-vector product y = A x, BSR format with 3x3 blocks on a non-square block grid.
 * BLOCK rows are split in balanced blocks, so no 3x3 block is cut between ranks; each
 * rank generates the BSR arrays of its own block rows (the pattern is seeded per block row) and the
 * zero-padded x in full, since a block row can reach any block column. The product needs no
 * communication; a rank owns the real rows [3*I_lo, min(rows, 3*I_hi)) and drops padded rows.
 * Usage: bsr_blocks3 [rows] [cols] [reps]                                                      */
#include <mpi.h>
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

/* Balanced block of n items for rank r of p: the first n % p ranks get one extra item. */
static void block_range(long n, int p, int r, long *lo, long *cnt)
{
    long q = n / p, rem = n % p;
    *lo = r * q + (r < rem ? r : rem);
    *cnt = q + (r < rem ? 1 : 0);
}

/* Rank 0 prints what the sequential program prints; yl holds the own rows [lo, lo+cnt), where
 * the ranks' row ranges are contiguous and ordered by rank. Small n: gather y (row counts are
 * gathered first). Large n: checksums and samples are combined in one MPI_Reduce. */
static void print_y(const double *yl, long lo, long cnt, long n, int rank, int size)
{
    if (n <= 64) {
        int *counts = NULL, *displs = NULL, c = (int)cnt;
        double *y = NULL;
        if (rank == 0) {
            counts = malloc((size_t)size * sizeof *counts);
            displs = malloc((size_t)size * sizeof *displs);
            y = malloc((size_t)n * sizeof *y);
        }
        MPI_Gather(&c, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (rank == 0)
            for (int r = 0; r < size; r++)
                displs[r] = r == 0 ? 0 : displs[r - 1] + counts[r - 1];
        MPI_Gatherv(yl, c, MPI_DOUBLE, y, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0)
            for (long i = 0; i < n; i++)
                printf("%.12e\n", y[i]);
        free(counts);
        free(displs);
        free(y);
        return;
    }
    long step = n / 32, ns = (n - 1) / step + 1;
    double *buf = calloc((size_t)(ns + 3), sizeof *buf); /* sum, wsum, samples, last */
    for (long i = lo; i < lo + cnt; i++) {
        buf[0] += yl[i - lo];
        buf[1] += (double)(1 + i % 7) * yl[i - lo];
        if (i % step == 0)
            buf[2 + i / step] = yl[i - lo];
        if (i == n - 1)
            buf[2 + ns] = yl[i - lo];
    }
    MPI_Reduce(rank == 0 ? MPI_IN_PLACE : buf, buf, (int)(ns + 3), MPI_DOUBLE, MPI_SUM, 0,
               MPI_COMM_WORLD);
    if (rank == 0) {
        printf("sum %.12e\nwsum %.12e\n", buf[0], buf[1]);
        for (long k = 0; k < ns; k++)
            printf("y[%ld] %.12e\n", k * step, buf[2 + k]);
        printf("y[%ld] %.12e\n", n - 1, buf[2 + ns]);
    }
    free(buf);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long rows = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
    long cols = argc > 2 ? strtol(argv[2], NULL, 10) : 400;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (rows < 1 || cols < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [rows >= 1] [cols >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    long mb = (rows + B - 1) / B, nbc = (cols + B - 1) / B;
    long I0, nbl; /* own block rows [I0, I0+nbl) */
    block_range(mb, size, rank, &I0, &nbl);

    long *bptr = malloc((size_t)(nbl + 1) * sizeof *bptr);
    bptr[0] = 0;
    for (long lI = 0; lI < nbl; lI++)
        bptr[lI + 1] = bptr[lI] + blocks_in_row(I0 + lI, nbc);
    long nblk = bptr[nbl];
    long *bind = malloc((size_t)(nblk > 0 ? nblk : 1) * sizeof *bind);
    double *bdat = malloc((size_t)(nblk > 0 ? nblk * B * B : 1) * sizeof *bdat);
    for (long lI = 0; lI < nbl; lI++) {
        long I = I0 + lI;
        block_columns(I, nbc, bptr[lI + 1] - bptr[lI], bind + bptr[lI]);
        for (long p = bptr[lI]; p < bptr[lI + 1]; p++)
            for (int c = 0; c < B; c++)
                for (int r = 0; r < B; r++)
                    bdat[p * B * B + c * B + r] = blk_entry(I * B + r, bind[p] * B + c, rows, cols);
    }

    double *xb = malloc((size_t)(nbc * B) * sizeof *xb); /* zero-padded, in full */
    double *yb = malloc((size_t)(nbl > 0 ? nbl * B : 1) * sizeof *yb);
    for (long j = 0; j < nbc * B; j++)
        xb[j] = j < cols ? xb_entry(j) : 0.0;

    for (long rep = 0; rep < reps; rep++)
        for (long lI = 0; lI < nbl; lI++) {
            double acc[B] = {0.0, 0.0, 0.0};
            for (long p = bptr[lI]; p < bptr[lI + 1]; p++) {
                const double *blk = bdat + p * B * B;
                for (int c = 0; c < B; c++) {
                    double xc = xb[bind[p] * B + c];
                    for (int r = 0; r < B; r++)
                        acc[r] += blk[c * B + r] * xc;
                }
            }
            for (int r = 0; r < B; r++)
                yb[lI * B + r] = acc[r];
        }

    /* Real rows owned here: [I0*B, min(rows, (I0+nbl)*B)); the padded rows are dropped. */
    long rlo = I0 * B < rows ? I0 * B : rows;
    long rhi = (I0 + nbl) * B < rows ? (I0 + nbl) * B : rows;
    print_y(yb, rlo, rhi - rlo, rows, rank, size);
    free(bptr);
    free(bind);
    free(bdat);
    free(xb);
    free(yb);
    MPI_Finalize();
    return 0;
}
