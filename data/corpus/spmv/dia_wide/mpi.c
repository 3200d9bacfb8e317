/* MPI sparse matrix-vector product y = A x, DIA format, rectangular nr x nc matrix with 11
 * diagonals at offsets -40 .. +31. Rows are split in balanced blocks. Each rank keeps
 * the slice of every diagonal that meets its own rows, indexed by local row (for a row block this
 * is the natural layout; the sequential code indexes diagonals by column), and generates only the
 * window of x its rows reach: columns [lo - 40, hi + 31) clipped to the matrix. The product is
 * communication-free and sums every y element in the sequential (diagonal) order.
 * Usage: dia_wide [nr] [nc] [reps]                                                             */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define NOFF 11
static const long offs[NOFF] = {-40, -17, -8, -3, -1, 0, 1, 2, 5, 13, 31};

/* A[i][j] on diagonal j - i */
static double dia_coef(long i, long j)
{
    long o = j - i;
    if (o == 0)
        return 12.0 + (double)(i % 5) * 0.5;
    double mag = (1.0 + (double)((i + j) % 4) * 0.25) / (double)(1 + (o < 0 ? -o : o));
    return o < 0 ? -mag : 0.5 * mag;
}

static double xw_entry(long j) { return 1.5 + (double)((j * 5) % 17) / 17.0; }

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

    long nr = argc > 1 ? strtol(argv[1], NULL, 10) : 700;
    long nc = argc > 2 ? strtol(argv[2], NULL, 10) : 500;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (nr < 1 || nc < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [nr >= 1] [nc >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    long lo, cnt;
    block_range(nr, size, rank, &lo, &cnt);

    /* dloc[d*cnt + li] = A[lo+li][lo+li+offs[d]], zero where the column is outside the matrix */
    double *dloc = malloc((size_t)(NOFF * cnt > 0 ? NOFF * cnt : 1) * sizeof *dloc);
    for (int d = 0; d < NOFF; d++)
        for (long li = 0; li < cnt; li++) {
            long i = lo + li, j = i + offs[d];
            dloc[d * cnt + li] = (j >= 0 && j < nc) ? dia_coef(i, j) : 0.0;
        }

    /* x window [xlo, xhi) reached by the own rows (offsets are sorted). */
    long xlo = lo + offs[0] > 0 ? lo + offs[0] : 0;
    long xhi = lo + cnt + offs[NOFF - 1] < nc ? lo + cnt + offs[NOFF - 1] : nc;
    if (cnt == 0 || xhi < xlo)
        xhi = xlo;
    double *xw = malloc((size_t)(xhi > xlo ? xhi - xlo : 1) * sizeof *xw);
    double *yw = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *yw);
    for (long j = xlo; j < xhi; j++)
        xw[j - xlo] = xw_entry(j);

    for (long r = 0; r < reps; r++) {
        for (long li = 0; li < cnt; li++)
            yw[li] = 0.0;
        for (int d = 0; d < NOFF; d++) {
            long o = offs[d];
            /* local rows whose column lo+li+o lies in [0, nc) */
            long ilo = -o - lo > 0 ? -o - lo : 0;
            long ihi = nc - o - lo < cnt ? nc - o - lo : cnt;
            for (long li = ilo; li < ihi; li++)
                yw[li] += dloc[d * cnt + li] * xw[lo + li + o - xlo];
        }
    }

    print_y(yw, lo, cnt, nr, rank, size);
    free(dloc);
    free(xw);
    free(yw);
    MPI_Finalize();
    return 0;
}
