/* MPI sparse matrix-vector product y = A x, CSC format, n x n arrow-head matrix.
 * A plain column split would give the owner of the WIDTH dense head columns most of the entries,
 * and the partial y of every rank would span all n rows. Instead rows AND columns are split into the
 * same balanced blocks and every entry is stored by the rank that owns its BODY part:
 *   - entry (i, c) of a head column c < WIDTH: by the owner of row i (if i is a body row) or of
 *     column c (if i is a head row);   - entries of a body column c: by the owner of column c.
 * Each rank keeps them as a local CSC matrix whose local rows are the WIDTH head rows (partial
 * sums) followed by its own body rows. Body rows are then complete and bit-identical; the WIDTH
 * head partial sums are combined with one tiny MPI_Allreduce per product.
 * Usage: csc_arrow [n] [reps]                                                                  */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define WIDTH 3 /* width of the arrow head */

static double arrow_val(long i, long j)
{
    if (i == j)
        return 10.0 + (double)(i % 4);
    if (i < WIDTH && j < WIDTH)
        return 1.0 / (double)(1 + i + j);
    if (i < WIDTH)
        return 0.5 / (double)(1 + (j + i) % 17); /* head row, body column */
    return 0.25 + (double)((i + 2 * j) % 5) * 0.1; /* body row, head column */
}

static double xv_entry(long j) { return 1.0 + (double)((3 * j) % 10) * 0.05; }

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
    long w = n < WIDTH ? n : WIDTH;
    long lo, cnt;
    block_range(n, size, rank, &lo, &cnt);
    long hi = lo + cnt;
    long blo = lo > w ? lo : w;         /* own body rows/columns: [blo, hi) */
    long nbody = hi > blo ? hi - blo : 0;

    /* Local columns: k < w is global head column k, k >= w is body column blo + k - w.
     * Local rows:    r < w is head row r (partial sum), r >= w is body row blo + r - w. */
    long ncl = w + nbody;
    long *cptr = malloc((size_t)(ncl + 1) * sizeof *cptr);
    cptr[0] = 0;
    for (long k = 0; k < ncl; k++) {
        long c = k < w ? k : blo + k - w;
        int own_col = c >= lo && c < hi;
        cptr[k + 1] = cptr[k] + (own_col ? w : 0) + (k < w ? nbody : 1);
    }
    size_t ne = (size_t)(cptr[ncl] > 0 ? cptr[ncl] : 1);
    long *ridx = malloc(ne * sizeof *ridx); /* LOCAL row index */
    double *aval = malloc(ne * sizeof *aval);
    double *xv = malloc((size_t)(ncl > 0 ? ncl : 1) * sizeof *xv);
    for (long k = 0; k < ncl; k++) {
        long c = k < w ? k : blo + k - w, p = cptr[k];
        xv[k] = xv_entry(c);
        if (c >= lo && c < hi) /* own column: its head-row entries */
            for (long i = 0; i < w; i++, p++) {
                ridx[p] = i;
                aval[p] = arrow_val(i, c);
            }
        if (k < w) /* head column: all own body rows */
            for (long i = blo; i < hi; i++, p++) {
                ridx[p] = w + i - blo;
                aval[p] = arrow_val(i, c);
            }
        else { /* body column: its diagonal */
            ridx[p] = w + c - blo;
            aval[p] = arrow_val(c, c);
        }
    }

    double *z = malloc((size_t)(w + nbody) * sizeof *z);      /* local rows */
    double *yv = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *yv); /* own rows of y */
    for (long r = 0; r < reps; r++) {
        for (long q = 0; q < w + nbody; q++)
            z[q] = 0.0;
        for (long k = 0; k < ncl; k++)
            for (long p = cptr[k]; p < cptr[k + 1]; p++)
                z[ridx[p]] += aval[p] * xv[k];
        /* head rows: sum the partial sums of all ranks (w <= WIDTH doubles) */
        MPI_Allreduce(MPI_IN_PLACE, z, (int)w, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        for (long i = lo; i < hi; i++)
            yv[i - lo] = i < w ? z[i] : z[w + i - blo];
    }

    print_y(yv, lo, cnt, n, rank, size);
    free(cptr);
    free(ridx);
    free(aval);
    free(xv);
    free(z);
    free(yv);
    MPI_Finalize();
    return 0;
}
