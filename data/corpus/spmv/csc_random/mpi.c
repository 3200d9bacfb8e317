/* MPI sparse matrix-vector product y = A x, CSC format, random n x n pattern.
 * CSC is column oriented, so the natural split is by COLUMNS: each rank generates its own block of
 * columns (every column is seeded on its own) and only its own block of x. Its columns scatter
 * into all of y, so every rank forms a partial y of length n; one MPI_Reduce_scatter per product
 * sums the partials and leaves each rank with its balanced block of rows of y.
 * Usage: csc_random [n] [reps]                                                                 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* splitmix64 finalizer: turns a column index into a well-mixed LCG seed */
static uint64_t hash64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* 64-bit LCG, returns the top 31 bits */
static uint64_t lcg_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static long col_count(long j, long n)
{
    long k = 8 + (long)(hash64((uint64_t)j) % 17);
    return k < n ? k : n;
}

/* Fill rows/values of column j (k entries, rows increasing). */
static void gen_column(long j, long n, long k, long *rows, double *vals)
{
    uint64_t s = hash64((uint64_t)j ^ 0x5DEECE66DULL);
    for (long t = 0; t < k; t++) {
        long seg_lo = t * n / k, seg_hi = (t + 1) * n / k;
        uint64_t u = lcg_next(&s), v = lcg_next(&s);
        if (j >= seg_lo && j < seg_hi) {
            rows[t] = j;
            vals[t] = 4.0 + (double)(j % 3);
        } else {
            rows[t] = seg_lo + (long)(u % (uint64_t)(seg_hi - seg_lo));
            vals[t] = 0.1 + (double)(v % 1000) * 1.0e-3;
        }
    }
}

static double x_entry(long j) { return 0.5 + (double)(j % 11) * 0.125; }

/* Balanced block of n items for rank r of p: the first n % p ranks get one extra item. */
static void block_range(long n, int p, int r, long *lo, long *cnt)
{
    long q = n / p, rem = n % p;
    *lo = r * q + (r < rem ? r : rem);
    *cnt = q + (r < rem ? 1 : 0);
}

/* Rank 0 prints what the sequential program prints; yl is the own row block [lo, lo+cnt). */
static void print_y(const double *yl, long lo, long cnt, long n, int rank, int size)
{
    if (n <= 64) {
        int *counts = NULL, *displs = NULL;
        double *y = NULL;
        if (rank == 0) {
            counts = malloc((size_t)size * sizeof *counts);
            displs = malloc((size_t)size * sizeof *displs);
            y = malloc((size_t)n * sizeof *y);
            for (int r = 0; r < size; r++) {
                long l, c;
                block_range(n, size, r, &l, &c);
                counts[r] = (int)c;
                displs[r] = (int)l;
            }
        }
        MPI_Gatherv(yl, (int)cnt, MPI_DOUBLE, y, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
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

    /* The same balanced blocks serve as column block (matrix, x) and row block (result y). */
    long lo, cnt;
    block_range(n, size, rank, &lo, &cnt);
    int *rcounts = malloc((size_t)size * sizeof *rcounts);
    for (int r = 0; r < size; r++) {
        long l, c;
        block_range(n, size, r, &l, &c);
        rcounts[r] = (int)c;
    }

    /* Local CSC of the own columns lo .. lo+cnt-1 (global row indices). */
    long *col_ptr = malloc((size_t)(cnt + 1) * sizeof *col_ptr);
    col_ptr[0] = 0;
    for (long lj = 0; lj < cnt; lj++)
        col_ptr[lj + 1] = col_ptr[lj] + col_count(lo + lj, n);
    long nnz = col_ptr[cnt];
    long *row_idx = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof *row_idx);
    double *val = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof *val);
    for (long lj = 0; lj < cnt; lj++)
        gen_column(lo + lj, n, col_ptr[lj + 1] - col_ptr[lj], row_idx + col_ptr[lj],
                   val + col_ptr[lj]);

    double *x = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *x); /* own part of x only */
    for (long lj = 0; lj < cnt; lj++)
        x[lj] = x_entry(lo + lj);
    double *ypart = malloc((size_t)n * sizeof *ypart);           /* partial y, all rows */
    double *y = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *y); /* reduced own rows */

    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < n; i++)
            ypart[i] = 0.0;
        for (long lj = 0; lj < cnt; lj++) {
            double xj = x[lj];
            for (long p = col_ptr[lj]; p < col_ptr[lj + 1]; p++)
                ypart[row_idx[p]] += val[p] * xj;
        }
        /* y(own rows) = sum over ranks of their partial y (only the summation order differs). */
        MPI_Reduce_scatter(ypart, y, rcounts, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    }

    print_y(y, lo, cnt, n, rank, size);
    free(rcounts);
    free(col_ptr);
    free(row_idx);
    free(val);
    free(x);
    free(ypart);
    free(y);
    MPI_Finalize();
    return 0;
}
