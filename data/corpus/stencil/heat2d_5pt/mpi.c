/* MPI version of the 2D explicit heat solver (5-point stencil, Dirichlet frame).
 * 1D row decomposition: the ny interior rows are split into contiguous blocks (remainder
 * spread over the first ranks). Each rank stores its rows plus one ghost row above and below,
 * initialized from the formula, and per step swaps its first/last owned row with its
 * neighbours (MPI_Sendrecv, MPI_PROC_NULL at the top/bottom and next to empty ranks). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define PI 3.14159265358979323846

static double init_u(long j, long i, long ny, long nx)
{
    double x = (double)i / (double)(nx + 1), y = (double)j / (double)(ny + 1);
    if (j == 0) return 1.0 + 0.5 * sin(PI * x);
    if (j == ny + 1) return 0.0;
    if (i == 0 || i == nx + 1) return 0.25;
    return 0.5 + 0.25 * cos(2.0 * PI * x) * sin(PI * y);
}

static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }
static long block_cnt(long n, int p, int r) { return n / p + (r < n % p ? 1 : 0); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, p;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &p);

    long nx = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    long ny = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
    long steps = argc > 3 ? strtol(argv[3], NULL, 10) : 50;
    if (nx < 1 || ny < 1 || steps < 0) {
        if (rank == 0) fprintf(stderr, "usage: %s [nx >= 1] [ny >= 1] [steps >= 0]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    const long W = nx + 2;
    double hx = 1.0 / (double)(nx + 1), hy = 1.0 / (double)(ny + 1);
    double dt = 0.4 / (1.0 / (hx * hx) + 1.0 / (hy * hy));
    double rx = dt / (hx * hx), ry = dt / (hy * hy);

    /* Local row l = 1..cnt is global row lo + l; rows 0 and cnt+1 are ghost rows. */
    long lo = block_lo(ny, p, rank), cnt = block_cnt(ny, p, rank);
    double *u = malloc((size_t)(cnt + 2) * (size_t)W * sizeof *u);
    double *un = malloc((size_t)(cnt + 2) * (size_t)W * sizeof *un);
    for (long l = 0; l <= cnt + 1; l++)
        for (long i = 0; i <= nx + 1; i++)
            u[l * W + i] = un[l * W + i] = init_u(lo + l, i, ny, nx);

    /* only ranks that own rows communicate; empty ranks (p > ny) sit at the end */
    int up = (rank > 0 && cnt > 0) ? rank - 1 : MPI_PROC_NULL;
    int down = (rank + 1 < p && rank + 1 < ny) ? rank + 1 : MPI_PROC_NULL;

    for (long t = 0; t < steps; t++) {
        if (cnt > 0) {
            /* interior part of the rows is enough: the 5-point stencil needs no corners */
            MPI_Sendrecv(&u[1 * W + 1], (int)nx, MPI_DOUBLE, up, 0,
                         &u[(cnt + 1) * W + 1], (int)nx, MPI_DOUBLE, down, 0,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Sendrecv(&u[cnt * W + 1], (int)nx, MPI_DOUBLE, down, 1,
                         &u[0 * W + 1], (int)nx, MPI_DOUBLE, up, 1,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        for (long l = 1; l <= cnt; l++)
            for (long i = 1; i <= nx; i++) {
                long c = l * W + i;
                un[c] = u[c] + rx * (u[c - 1] - 2.0 * u[c] + u[c + 1])
                             + ry * (u[c - W] - 2.0 * u[c] + u[c + W]);
            }
        double *tmp = u; u = un; un = tmp;
    }

    if (nx * ny <= 1024) {
        /* small: pack owned rows (without the frame columns) and gather them on rank 0 */
        double *mine = malloc((size_t)(cnt * nx + 1) * sizeof *mine);
        for (long l = 1; l <= cnt; l++)
            for (long i = 1; i <= nx; i++) mine[(l - 1) * nx + (i - 1)] = u[l * W + i];
        int *counts = NULL, *displs = NULL;
        double *all = NULL;
        if (rank == 0) {
            counts = malloc((size_t)p * sizeof *counts);
            displs = malloc((size_t)p * sizeof *displs);
            for (int q = 0; q < p; q++) {
                counts[q] = (int)(block_cnt(ny, p, q) * nx);
                displs[q] = (int)(block_lo(ny, p, q) * nx);
            }
            all = malloc((size_t)(nx * ny) * sizeof *all);
        }
        MPI_Gatherv(mine, (int)(cnt * nx), MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0,
                    MPI_COMM_WORLD);
        if (rank == 0) {
            for (long s = 0; s < nx * ny; s++)
                printf("%.12e%c", all[s], s % nx == nx - 1 ? '\n' : ' ');
            free(counts); free(displs); free(all);
        }
        free(mine);
    } else {
        /* big: checksum by reduction; each sample comes from its owner, zeros elsewhere */
        double local = 0.0, sum = 0.0, samp[17], samp_all[17];
        for (long l = 1; l <= cnt; l++)
            for (long i = 1; i <= nx; i++) local += u[l * W + i];
        for (int k = 0; k <= 16; k++) {
            long s = (long)k * (nx * ny - 1) / 16;
            long j = 1 + s / nx, i = 1 + s % nx;
            samp[k] = (j > lo && j <= lo + cnt) ? u[(j - lo) * W + i] : 0.0;
        }
        MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(samp, samp_all, 17, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("checksum %.12e\n", sum);
            for (int k = 0; k <= 16; k++) {
                long s = (long)k * (nx * ny - 1) / 16;
                printf("u[%ld][%ld] %.12e\n", 1 + s / nx, 1 + s % nx, samp_all[k]);
            }
        }
    }
    free(u); free(un);
    MPI_Finalize();
    return 0;
}
