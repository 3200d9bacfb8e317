/* MPI sparse matrix-vector product y = A x, COO format with shuffled entries.
 * The list is in no particular order, so the natural split is by POSITION in the list: each rank
 * generates a balanced block of positions (each position is a closed formula) and accumulates
 * them into a partial y of length m; one MPI_Reduce_scatter per product sums the partials and
 * leaves each rank with its balanced block of rows of y. x is a formula, generated in full.
 * Usage: coo_unsorted [m] [n] [reps]                                                           */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PER_ROW 8

static uint64_t scramble(uint64_t z) /* splitmix64 finalizer */
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static long gcd(long a, long b)
{
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The permutation parameters: a multiplier near 0.618*nnz that is coprime to nnz. */
static long perm_mult(long nnz)
{
    long a = (long)(0.6180339887 * (double)nnz) | 1;
    while (gcd(a, nnz) != 1)
        a++;
    return a;
}

/* Entry stored at position q: row, column and value. */
static void coo_entry(long q, long nnz, long mult, long k, long n, long *ri, long *ci, double *v)
{
    long e = (long)(((unsigned long long)mult * (unsigned long long)q + 12345ULL) %
                    (unsigned long long)nnz);
    long i = e / k, slot = e % k;
    long a = slot * n / k, b = (slot + 1) * n / k;
    uint64_t h = scramble((uint64_t)e);
    *ri = i;
    *ci = a + (long)(h % (uint64_t)(b - a));
    *v = 0.05 + (double)((h >> 32) % 1000) * 1.0e-3;
}

static double xs_entry(long j) { return 0.5 + (double)(j % 13) / 13.0; }

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

    long m = argc > 1 ? strtol(argv[1], NULL, 10) : 600;
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 900;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (m < 1 || n < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [m >= 1] [n >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    long k = n < PER_ROW ? n : PER_ROW;
    long nnz = m * k, mult = perm_mult(nnz);

    /* Own positions of the list [qlo, qlo+nq), own rows of y [rlo, rlo+nr). */
    long qlo, nq, rlo, nr;
    block_range(nnz, size, rank, &qlo, &nq);
    block_range(m, size, rank, &rlo, &nr);
    int *rcounts = malloc((size_t)size * sizeof *rcounts);
    for (int r = 0; r < size; r++) {
        long l, c;
        block_range(m, size, r, &l, &c);
        rcounts[r] = (int)c;
    }

    size_t ne = (size_t)(nq > 0 ? nq : 1);
    long *ri = malloc(ne * sizeof *ri);
    long *ci = malloc(ne * sizeof *ci);
    double *vv = malloc(ne * sizeof *vv);
    for (long q = 0; q < nq; q++)
        coo_entry(qlo + q, nnz, mult, k, n, &ri[q], &ci[q], &vv[q]);

    double *xs = malloc((size_t)n * sizeof *xs);
    double *ypart = malloc((size_t)m * sizeof *ypart);            /* partial y, all rows */
    double *ys = malloc((size_t)(nr > 0 ? nr : 1) * sizeof *ys);  /* reduced own rows */
    for (long j = 0; j < n; j++)
        xs[j] = xs_entry(j);

    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < m; i++)
            ypart[i] = 0.0;
        for (long q = 0; q < nq; q++)
            ypart[ri[q]] += vv[q] * xs[ci[q]];
        MPI_Reduce_scatter(ypart, ys, rcounts, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    }

    print_y(ys, rlo, nr, m, rank, size);
    free(rcounts);
    free(ri);
    free(ci);
    free(vv);
    free(xs);
    free(ypart);
    free(ys);
    MPI_Finalize();
    return 0;
}
