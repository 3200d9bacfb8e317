/* MPI sparse matrix-vector product y = A x, BSR format with 2x2 blocks.
 * BLOCK rows are split in balanced blocks, so a 2x2 block is never cut between ranks; each rank
 * assembles the BSR arrays of its own block rows from the formulas (local brow_ptr from 0) and
 * generates the padded x in full (the far coupling block can reach any block column). The
 * product is communication-free; rank r owns the real rows [I_lo*2, min(n, I_hi*2)).
 * Usage: bsr_blocks2 [n] [reps]                                                                */
#include <mpi.h>
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

    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [n >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    long nb = (n + BS - 1) / BS;
    long Ilo, cb; /* own block rows [Ilo, Ilo+cb) */
    block_range(nb, size, rank, &Ilo, &cb);

    long *brow_ptr = malloc((size_t)(cb + 1) * sizeof *brow_ptr);
    long jc[MAXBPR];
    brow_ptr[0] = 0;
    for (long lI = 0; lI < cb; lI++)
        brow_ptr[lI + 1] = brow_ptr[lI] + block_cols(Ilo + lI, nb, jc);
    long nblk = brow_ptr[cb];
    long *bcol = malloc((size_t)(nblk > 0 ? nblk : 1) * sizeof *bcol);
    double *bval = malloc((size_t)(nblk > 0 ? nblk * BS * BS : 1) * sizeof *bval);
    for (long lI = 0; lI < cb; lI++) {
        long I = Ilo + lI;
        int k = block_cols(I, nb, jc);
        for (int t = 0; t < k; t++) {
            long p = brow_ptr[lI] + t;
            bcol[p] = jc[t];
            for (int r = 0; r < BS; r++)
                for (int c = 0; c < BS; c++)
                    bval[(p * BS + r) * BS + c] = a_entry(I * BS + r, jc[t] * BS + c, n);
        }
    }

    double *x = malloc((size_t)(nb * BS) * sizeof *x); /* padded with zeros */
    double *y = malloc((size_t)(cb > 0 ? cb * BS : 1) * sizeof *y);
    for (long j = 0; j < nb * BS; j++)
        x[j] = j < n ? x_entry(j) : 0.0;

    for (long rep = 0; rep < reps; rep++)
        for (long lI = 0; lI < cb; lI++) {
            double acc[BS] = {0.0};
            for (long p = brow_ptr[lI]; p < brow_ptr[lI + 1]; p++) {
                const double *blk = bval + p * BS * BS, *xb = x + bcol[p] * BS;
                for (int r = 0; r < BS; r++)
                    for (int c = 0; c < BS; c++)
                        acc[r] += blk[r * BS + c] * xb[c];
            }
            for (int r = 0; r < BS; r++)
                y[lI * BS + r] = acc[r];
        }

    /* Real (unpadded) rows owned here: [Ilo*BS, min(n, (Ilo+cb)*BS)). */
    long lo = Ilo * BS < n ? Ilo * BS : n;
    long hi = (Ilo + cb) * BS < n ? (Ilo + cb) * BS : n;
    print_y(y, lo, hi - lo, n, rank, size);
    free(brow_ptr);
    free(bcol);
    free(bval);
    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
