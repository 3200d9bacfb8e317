/* MPI 2D heat solver (5-point stencil) with a 2D BLOCK decomposition.
 * MPI_Dims_create picks a near-square process grid dims[0] x dims[1]; MPI_Cart_create gives
 * the communicator and MPI_Cart_shift the four neighbours. Rows are split over dims[0] and
 * columns over dims[1] (remainder spread over the first coordinates). Each step exchanges
 * the owned edge rows (contiguous) and edge columns (strided, described by an MPI_Type_vector
 * so no manual packing is needed) with MPI_Sendrecv. Less surface per rank than row strips. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define PI 3.14159265358979323846

static double init_u(long j, long i, long ny, long nx)
{
    double x = (double)i / (double)(nx + 1), y = (double)j / (double)(ny + 1);
    if (j == 0 || j == ny + 1 || i == 0 || i == nx + 1) return x + 0.5 * y;
    return 1.0 + 0.5 * cos(3.0 * PI * x) * cos(2.0 * PI * y);
}

static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }
static long block_cnt(long n, int p, int r) { return n / p + (r < n % p ? 1 : 0); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, p;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &p);

    long nx = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
    long ny = argc > 2 ? strtol(argv[2], NULL, 10) : 200;
    long steps = argc > 3 ? strtol(argv[3], NULL, 10) : 100;
    if (nx < 1 || ny < 1 || steps < 0) {
        if (rank == 0) fprintf(stderr, "usage: %s [nx >= 1] [ny >= 1] [steps >= 0]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    const double r = 0.2;

    /* process grid: dim 0 splits rows (y), dim 1 splits columns (x); reorder = 0 keeps
     * cart ranks equal to world ranks, so rank 0 is still the printing rank */
    int dims[2] = {0, 0}, periods[2] = {0, 0}, coords[2];
    MPI_Dims_create(p, 2, dims);
    MPI_Comm cart;
    MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &cart);
    MPI_Cart_coords(cart, rank, 2, coords);
    int up, down, left, right;
    MPI_Cart_shift(cart, 0, 1, &up, &down);
    MPI_Cart_shift(cart, 1, 1, &left, &right);

    long rlo = block_lo(ny, dims[0], coords[0]), rows = block_cnt(ny, dims[0], coords[0]);
    long clo = block_lo(nx, dims[1], coords[1]), cols = block_cnt(nx, dims[1], coords[1]);
    /* more process rows/cols than grid rows/cols: trailing blocks are empty and must not be
     * talked to; the last non-empty block then borders the physical boundary */
    if (coords[0] + 1 >= ny) down = MPI_PROC_NULL;
    if (coords[1] + 1 >= nx) right = MPI_PROC_NULL;
    int active = rows > 0 && cols > 0;

    /* local block with a one-cell halo: (rows+2) x (cols+2), row length LW;
     * local (l, m) is global (rlo + l, clo + m) in frame coordinates */
    const long LW = cols + 2;
    size_t sz = (size_t)(rows + 2) * (size_t)LW;
    double *u = malloc(sz * sizeof *u), *un = malloc(sz * sizeof *un);
    for (long l = 0; l <= rows + 1; l++)
        for (long m = 0; m <= cols + 1; m++)
            u[l * LW + m] = un[l * LW + m] = init_u(rlo + l, clo + m, ny, nx);

    /* one column of the interior: rows values, stride LW */
    MPI_Datatype coltype;
    MPI_Type_vector((int)rows, 1, (int)LW, MPI_DOUBLE, &coltype);
    MPI_Type_commit(&coltype);

    for (long t = 0; t < steps && active; t++) {
        MPI_Sendrecv(&u[1 * LW + 1], (int)cols, MPI_DOUBLE, up, 0,
                     &u[(rows + 1) * LW + 1], (int)cols, MPI_DOUBLE, down, 0, cart, MPI_STATUS_IGNORE);
        MPI_Sendrecv(&u[rows * LW + 1], (int)cols, MPI_DOUBLE, down, 1,
                     &u[0 * LW + 1], (int)cols, MPI_DOUBLE, up, 1, cart, MPI_STATUS_IGNORE);
        MPI_Sendrecv(&u[1 * LW + 1], 1, coltype, left, 2,
                     &u[1 * LW + cols + 1], 1, coltype, right, 2, cart, MPI_STATUS_IGNORE);
        MPI_Sendrecv(&u[1 * LW + cols], 1, coltype, right, 3,
                     &u[1 * LW + 0], 1, coltype, left, 3, cart, MPI_STATUS_IGNORE);
        for (long l = 1; l <= rows; l++)
            for (long m = 1; m <= cols; m++) {
                long c = l * LW + m;
                un[c] = u[c] + r * (u[c - 1] + u[c + 1] + u[c - LW] + u[c + LW] - 4.0 * u[c]);
            }
        double *tmp = u; u = un; un = tmp;
    }

    if (nx * ny <= 1024) {
        /* small: every rank packs its block; rank 0 gathers and places each block by coords */
        double *mine = malloc((size_t)(rows * cols + 1) * sizeof *mine);
        for (long l = 1; l <= rows; l++)
            for (long m = 1; m <= cols; m++) mine[(l - 1) * cols + (m - 1)] = u[l * LW + m];
        int *counts = NULL, *displs = NULL;
        double *buf = NULL;
        if (rank == 0) {
            counts = malloc((size_t)p * sizeof *counts);
            displs = malloc((size_t)p * sizeof *displs);
            for (int q = 0, off = 0; q < p; q++) {
                int cq[2];
                MPI_Cart_coords(cart, q, 2, cq);
                counts[q] = (int)(block_cnt(ny, dims[0], cq[0]) * block_cnt(nx, dims[1], cq[1]));
                displs[q] = off;
                off += counts[q];
            }
            buf = malloc((size_t)(nx * ny) * sizeof *buf);
        }
        MPI_Gatherv(mine, (int)(rows * cols), MPI_DOUBLE, buf, counts, displs, MPI_DOUBLE, 0, cart);
        if (rank == 0) {
            double *all = malloc((size_t)(nx * ny) * sizeof *all);
            for (int q = 0; q < p; q++) {
                int cq[2];
                MPI_Cart_coords(cart, q, 2, cq);
                long r0 = block_lo(ny, dims[0], cq[0]), nr = block_cnt(ny, dims[0], cq[0]);
                long c0 = block_lo(nx, dims[1], cq[1]), nc = block_cnt(nx, dims[1], cq[1]);
                for (long a = 0; a < nr; a++)
                    for (long b = 0; b < nc; b++)
                        all[(r0 + a) * nx + c0 + b] = buf[displs[q] + a * nc + b];
            }
            for (long s = 0; s < nx * ny; s++)
                printf("%.12e%c", all[s], s % nx == nx - 1 ? '\n' : ' ');
            free(all); free(counts); free(displs); free(buf);
        }
        free(mine);
    } else {
        double local = 0.0, sum = 0.0, samp[17], samp_all[17];
        for (long l = 1; l <= rows; l++)
            for (long m = 1; m <= cols; m++) local += u[l * LW + m];
        for (int k = 0; k <= 16; k++) {
            long s = (long)k * (nx * ny - 1) / 16;
            long j = 1 + s / nx, i = 1 + s % nx;
            int mine_pt = j > rlo && j <= rlo + rows && i > clo && i <= clo + cols;
            samp[k] = mine_pt ? u[(j - rlo) * LW + (i - clo)] : 0.0;
        }
        MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, cart);
        MPI_Reduce(samp, samp_all, 17, MPI_DOUBLE, MPI_SUM, 0, cart);
        if (rank == 0) {
            printf("checksum %.12e\n", sum);
            for (int k = 0; k <= 16; k++) {
                long s = (long)k * (nx * ny - 1) / 16;
                printf("u[%ld][%ld] %.12e\n", 1 + s / nx, 1 + s % nx, samp_all[k]);
            }
        }
    }
    MPI_Type_free(&coltype);
    MPI_Comm_free(&cart);
    free(u); free(un);
    MPI_Finalize();
    return 0;
}
