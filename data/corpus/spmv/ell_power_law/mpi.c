/* MPI sparse matrix-vector product y = A x, ELLPACK format with power-law row lengths.
 * Rows are split in balanced blocks. Every row is generated from its own hash/LCG, so each rank
 * builds the row-major ELL slab of its own rows only, padded to the longest OWN row: the padding
 * only adds exact zeros, so no global width (no MPI_Allreduce) is needed and a rank whose block
 * happens to lack the longest rows stores and sweeps less. x is a formula, generated in full;
 * the product needs no communication and is bit-identical to the sequential one.
 * Usage: ell_power_law [n] [reps]                                                              */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LMAX 32

static uint64_t rowhash(uint64_t z) /* splitmix64 finalizer */
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static long length_of(long i, long n)
{
    long len = LMAX / (1 + (long)(rowhash((uint64_t)i) % LMAX));
    return len < n ? len : n;
}

/* Fill the len entries of row i (columns increasing) from an LCG seeded by the row. */
static void fill_row(long i, long n, long len, long *cj, double *aj)
{
    uint64_t st = rowhash(~(uint64_t)i);
    for (long t = 0; t < len; t++) {
        st = st * 2862933555777941757ULL + 3037000493ULL;
        long a = t * n / len, b = (t + 1) * n / len;
        cj[t] = a + (long)((st >> 33) % (uint64_t)(b - a));
        aj[t] = (t % 2 ? -1.0 : 1.0) * (0.5 + (double)((st >> 20) % 256) / 256.0) / (double)len;
    }
}

static double xp_entry(long j) { return 1.0 + 0.5 * (double)((j * 7) % 12) / 11.0; }

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

    long W = 0; /* local padded width */
    for (long i = lo; i < lo + cnt; i++) {
        long len = length_of(i, n);
        W = len > W ? len : W;
    }
    size_t ne = (size_t)(cnt * W > 0 ? cnt * W : 1);
    long *ecol = malloc(ne * sizeof *ecol);
    double *eval = malloc(ne * sizeof *eval);
    for (long li = 0; li < cnt; li++) {
        long len = length_of(lo + li, n);
        fill_row(lo + li, n, len, ecol + li * W, eval + li * W);
        for (long t = len; t < W; t++) { /* padding */
            ecol[li * W + t] = 0;
            eval[li * W + t] = 0.0;
        }
    }

    double *xp = malloc((size_t)n * sizeof *xp);
    double *yp = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *yp);
    for (long j = 0; j < n; j++)
        xp[j] = xp_entry(j);

    for (long r = 0; r < reps; r++)
        for (long li = 0; li < cnt; li++) {
            double acc = 0.0;
            for (long t = 0; t < W; t++)
                acc += eval[li * W + t] * xp[ecol[li * W + t]];
            yp[li] = acc;
        }

    print_y(yp, lo, cnt, n, rank, size);
    free(ecol);
    free(eval);
    free(xp);
    free(yp);
    MPI_Finalize();
    return 0;
}
