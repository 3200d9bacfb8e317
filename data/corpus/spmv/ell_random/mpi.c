/* MPI sparse matrix-vector product y = A x, ELL format, random n x n pattern.
 * Rows are split in balanced blocks; every row is seeded on its own, so each rank generates the ELL
 * arrays of its own rows only (column-major over its local rows). The ELL width is a local storage
 * choice: padding adds exact zeros, so each rank pads to the longest of ITS rows and needs no
 * global maximum. x comes from a formula and is generated in full; the product needs no messages.
 * Usage: ell_random [n] [reps]                                                                 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t hash64(uint64_t z) /* splitmix64 finalizer */
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t lcg_next(uint64_t *s) /* 64-bit LCG, top 31 bits */
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static long row_len(long i, long n)
{
    long len = 3 + (long)(hash64((uint64_t)i) % 5);
    return len < n ? len : n;
}

/* Slot t (0 <= t < len) of row i: column and value. Uses its own LCG stream per row. */
static void gen_row(long i, long n, long len, long *cols, double *vals)
{
    uint64_t s = hash64((uint64_t)i + 0x1234567ULL);
    for (long t = 0; t < len; t++) {
        long seg_lo = t * n / len, seg_hi = (t + 1) * n / len;
        uint64_t u = lcg_next(&s), v = lcg_next(&s);
        if (i >= seg_lo && i < seg_hi) {
            cols[t] = i;
            vals[t] = 8.0 + (double)(i % 4) * 0.5;
        } else {
            cols[t] = seg_lo + (long)(u % (uint64_t)(seg_hi - seg_lo));
            vals[t] = -0.25 - (double)(v % 512) / 512.0;
        }
    }
}

static double x_entry(long j) { return 1.0 + (double)(j % 5) * 0.2; }

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
    long lo, cnt;
    block_range(n, size, rank, &lo, &cnt);

    long width = 0; /* local ELL width: the longest own row */
    for (long i = lo; i < lo + cnt; i++) {
        long len = row_len(i, n);
        width = len > width ? len : width;
    }
    size_t ne = (size_t)(width * cnt > 0 ? width * cnt : 1);
    long *col = malloc(ne * sizeof *col);
    double *val = malloc(ne * sizeof *val);
    long rc[8];
    double rv[8];
    for (long li = 0; li < cnt; li++) {
        long i = lo + li, len = row_len(i, n);
        gen_row(i, n, len, rc, rv);
        for (long t = 0; t < width; t++) {
            col[t * cnt + li] = t < len ? rc[t] : i;  /* padding: own column ... */
            val[t * cnt + li] = t < len ? rv[t] : 0.0; /* ... with a zero value */
        }
    }

    double *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *y);
    for (long j = 0; j < n; j++)
        x[j] = x_entry(j);

    for (long r = 0; r < reps; r++) {
        for (long li = 0; li < cnt; li++)
            y[li] = 0.0;
        for (long t = 0; t < width; t++) {
            const long *ct = col + t * cnt;
            const double *vt = val + t * cnt;
            for (long li = 0; li < cnt; li++)
                y[li] += vt[li] * x[ct[li]];
        }
    }

    print_y(y, lo, cnt, n, rank, size);
    free(col);
    free(val);
    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
