/* MPI sparse matrix-vector product y = A x, COO format, 5-point operator of an nx x ny grid.
 * The coordinate list is sorted by row, so the rows (grid points) are split in balanced blocks and
 * every rank assembles the contiguous part of the list that belongs to its rows. It generates only
 * the window of x its rows reach (own rows +- nx), so the repeated product needs no communication;
 * each y element is accumulated in the sequential order and is bit-identical.
 * Usage: coo_laplace2d [nx] [ny] [reps]                                                        */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double diag_coef(long g) { return 4.0 + (double)(g % 13) * 0.0625; }
static double off_coef(long g, long h) { return -1.0 - (double)((g + h) % 4) * 0.125; }
static double x_entry(long g) { return 1.0 + (double)(g % 9) * 0.1; }

/* Append the entries of grid row g (point (ix, iy)) in increasing column order; returns count. */
static long emit_row(long g, long nx, long ny, long *ri, long *ci, double *v)
{
    long ix = g % nx, iy = g / nx, k = 0;
    long nb[5] = {iy > 0 ? g - nx : -1, ix > 0 ? g - 1 : -1, g,
                  ix < nx - 1 ? g + 1 : -1, iy < ny - 1 ? g + nx : -1};
    for (int t = 0; t < 5; t++) {
        if (nb[t] < 0)
            continue;
        if (ri) {
            ri[k] = g;
            ci[k] = nb[t];
            v[k] = nb[t] == g ? diag_coef(g) : off_coef(g, nb[t]);
        }
        k++;
    }
    return k;
}

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

    long nx = argc > 1 ? strtol(argv[1], NULL, 10) : 30;
    long ny = argc > 2 ? strtol(argv[2], NULL, 10) : 30;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (nx < 1 || ny < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [nx >= 1] [ny >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    long n = nx * ny;
    long lo, cnt;
    block_range(n, size, rank, &lo, &cnt);

    /* Own part of the coordinate list: rows lo .. lo+cnt-1. Row indices are kept relative to lo,
     * column indices relative to the start xlo of the x window. */
    long nnz = 0;
    for (long g = lo; g < lo + cnt; g++)
        nnz += emit_row(g, nx, ny, NULL, NULL, NULL);
    size_t ne = (size_t)(nnz > 0 ? nnz : 1);
    long *row = malloc(ne * sizeof *row);
    long *col = malloc(ne * sizeof *col);
    double *val = malloc(ne * sizeof *val);
    for (long g = lo, k = 0; g < lo + cnt; g++)
        k += emit_row(g, nx, ny, row + k, col + k, val + k);

    long xlo = lo - nx < 0 ? 0 : lo - nx;
    long xhi = lo + cnt + nx > n ? n : lo + cnt + nx;
    if (cnt == 0)
        xhi = xlo;
    for (long k = 0; k < nnz; k++) {
        row[k] -= lo;
        col[k] -= xlo;
    }
    double *x = malloc((size_t)(xhi > xlo ? xhi - xlo : 1) * sizeof *x);
    double *y = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *y);
    for (long g = xlo; g < xhi; g++)
        x[g - xlo] = x_entry(g);

    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < cnt; i++)
            y[i] = 0.0;
        for (long k = 0; k < nnz; k++)
            y[row[k]] += val[k] * x[col[k]];
    }

    print_y(y, lo, cnt, n, rank, size);
    free(row);
    free(col);
    free(val);
    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
