/* MPI sparse matrix-vector product y = A x, CSR format, rectangular random matrix.
 * Rows have 1..12 entries, so equal row blocks can carry unequal work: the rows are split into
 * contiguous ranges holding about nnz/p entries each. The row lengths come from a hash of the row
 * index, so every rank computes the split itself (a cheap O(nrows) scan, no communication), then
 * generates the CSR arrays of its own rows. x is a formula and generated in full by every rank;
 * the product is communication-free and bit-identical to the sequential one.
 * Usage: csr_random_rect [nrows] [ncols] [reps]                                                */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t mix(uint64_t z) /* splitmix64 finalizer */
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t lcg(uint64_t *st) /* 64-bit LCG, top 31 bits */
{
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return *st >> 33;
}

static long row_nnz(long i, long ncols)
{
    long k = 1 + (long)(mix((uint64_t)i * 3 + 1) % 12);
    return k < ncols ? k : ncols;
}

/* Columns and values of row i (k entries). */
static void make_row(long i, long ncols, long k, long *cols, double *vals)
{
    uint64_t st = mix((uint64_t)i);
    for (long t = 0; t < k; t++) {
        long a = t * ncols / k, b = (t + 1) * ncols / k;
        cols[t] = a + (long)(lcg(&st) % (uint64_t)(b - a));
        vals[t] = (double)((long)(lcg(&st) % 2001) - 1000) / 400.0;
    }
}

static double xin_entry(long j) { return 0.75 + 0.5 * (double)(j % 10) / (double)(1 + j % 3); }

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

/* First row of the range of rank r: the first row whose preceding entries reach r*nnz/p. */
static long split_row(long r, int p, long nrows, long ncols, long nnz)
{
    long target = (long)((double)nnz * (double)r / (double)p), before = 0, i = 0;
    if (r >= p)
        return nrows;
    while (i < nrows && before < target)
        before += row_nnz(i++, ncols);
    return i;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long nrows = argc > 1 ? strtol(argv[1], NULL, 10) : 800;
    long ncols = argc > 2 ? strtol(argv[2], NULL, 10) : 1200;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (nrows < 1 || ncols < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [nrows >= 1] [ncols >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }

    /* nnz-balanced contiguous row range [rlo, rhi) of this rank. */
    long nnz = 0;
    for (long i = 0; i < nrows; i++)
        nnz += row_nnz(i, ncols);
    long rlo = split_row(rank, size, nrows, ncols, nnz);
    long rhi = split_row(rank + 1, size, nrows, ncols, nnz);
    long nloc = rhi - rlo;

    long *rowstart = malloc((size_t)(nloc + 1) * sizeof *rowstart);
    rowstart[0] = 0;
    for (long li = 0; li < nloc; li++)
        rowstart[li + 1] = rowstart[li] + row_nnz(rlo + li, ncols);
    size_t ne = (size_t)(rowstart[nloc] > 0 ? rowstart[nloc] : 1);
    long *colind = malloc(ne * sizeof *colind);
    double *nzval = malloc(ne * sizeof *nzval);
    for (long li = 0; li < nloc; li++)
        make_row(rlo + li, ncols, rowstart[li + 1] - rowstart[li], colind + rowstart[li],
                 nzval + rowstart[li]);

    double *xin = malloc((size_t)ncols * sizeof *xin);
    double *yout = malloc((size_t)(nloc > 0 ? nloc : 1) * sizeof *yout);
    for (long j = 0; j < ncols; j++)
        xin[j] = xin_entry(j);

    for (long r = 0; r < reps; r++)
        for (long li = 0; li < nloc; li++) {
            double acc = 0.0;
            for (long p = rowstart[li]; p < rowstart[li + 1]; p++)
                acc += nzval[p] * xin[colind[p]];
            yout[li] = acc;
        }

    print_y(yout, rlo, nloc, nrows, rank, size);
    free(rowstart);
    free(colind);
    free(nzval);
    free(xin);
    free(yout);
    MPI_Finalize();
    return 0;
}
