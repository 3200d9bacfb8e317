/* MPI sparse matrix-vector product y = A x, DIA format, n x n tridiagonal matrix.
 * Rows are split in balanced blocks; each rank stores the three diagonals for its own rows only
 * (data[d*cnt + li]) and generates the window x[lo-1 .. hi] its rows touch from the formula,
 * so the repeated product needs no communication and is bit-identical to the sequential one.
 * Usage: dia_tridiag [n] [reps]                                                                */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define NDIAG 3
static const long off[NDIAG] = {-1, 0, 1};

/* A[i][i+o] for o in {-1, 0, 1} */
static double a_entry(long i, long o)
{
    if (o == 0)
        return 2.5 + (double)(i % 7) * 0.05;
    if (o < 0)
        return -1.0 - (double)(i % 3) * 0.1;
    return -0.75 + (double)(i % 4) * 0.0625;
}

static double x_entry(long j) { return 2.0 - (double)(j % 6) * 0.125; }

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

    /* Own rows of every diagonal, zero where the column falls outside the matrix. */
    double *data = malloc((size_t)(NDIAG * cnt > 0 ? NDIAG * cnt : 1) * sizeof *data);
    for (int d = 0; d < NDIAG; d++)
        for (long li = 0; li < cnt; li++) {
            long i = lo + li, j = i + off[d];
            data[d * cnt + li] = (j >= 0 && j < n) ? a_entry(i, off[d]) : 0.0;
        }

    /* x window [xlo, xhi): the columns reached by the own rows, stored with offset xlo. */
    long xlo = lo - 1 < 0 ? 0 : lo - 1;
    long xhi = lo + cnt + 1 > n ? n : lo + cnt + 1;
    if (cnt == 0)
        xhi = xlo;
    double *x = malloc((size_t)(xhi > xlo ? xhi - xlo : 1) * sizeof *x);
    double *y = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *y);
    for (long j = xlo; j < xhi; j++)
        x[j - xlo] = x_entry(j);

    for (long r = 0; r < reps; r++) {
        for (long li = 0; li < cnt; li++)
            y[li] = 0.0;
        for (int d = 0; d < NDIAG; d++) {
            long o = off[d];
            /* local rows li whose column lo+li+o lies in [0, n) */
            long ilo = -o - lo > 0 ? -o - lo : 0;
            long ihi = n - o - lo < cnt ? n - o - lo : cnt;
            for (long li = ilo; li < ihi; li++)
                y[li] += data[d * cnt + li] * x[lo + li + o - xlo];
        }
    }

    print_y(y, lo, cnt, n, rank, size);
    free(data);
    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
