/* MPI version of the 3D explicit heat solver (7-point stencil, Dirichlet frame).
 * Slab decomposition along z: the nz interior planes are split into contiguous blocks
 * (remainder spread over the first ranks). Each rank stores its planes plus one ghost plane
 * on each side, initialized from the formula, and per step swaps whole boundary planes
 * (contiguous in memory) with its neighbours via MPI_Sendrecv, MPI_PROC_NULL at the ends. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define PI 3.14159265358979323846

static double init_u(long k, long j, long i, long nz, long ny, long nx)
{
    double x = (double)i / (double)(nx + 1), y = (double)j / (double)(ny + 1);
    double z = (double)k / (double)(nz + 1);
    if (k == 0) return 1.0 + 0.5 * x * y;
    if (k == nz + 1 || j == 0 || j == ny + 1 || i == 0 || i == nx + 1) return 0.1;
    return 0.3 + 0.2 * sin(PI * x) * sin(2.0 * PI * y) * cos(PI * z);
}

static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }
static long block_cnt(long n, int p, int r) { return n / p + (r < n % p ? 1 : 0); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, p;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &p);

    long nx = argc > 1 ? strtol(argv[1], NULL, 10) : 40;
    long ny = argc > 2 ? strtol(argv[2], NULL, 10) : 40;
    long nz = argc > 3 ? strtol(argv[3], NULL, 10) : 40;
    long steps = argc > 4 ? strtol(argv[4], NULL, 10) : 20;
    if (nx < 1 || ny < 1 || nz < 1 || steps < 0) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [nx >= 1] [ny >= 1] [nz >= 1] [steps >= 0]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    const long W = nx + 2, P = (ny + 2) * W;
    double hx = 1.0 / (double)(nx + 1), hy = 1.0 / (double)(ny + 1), hz = 1.0 / (double)(nz + 1);
    double dt = 0.45 / (1.0 / (hx * hx) + 1.0 / (hy * hy) + 1.0 / (hz * hz));
    double rx = dt / (hx * hx), ry = dt / (hy * hy), rz = dt / (hz * hz);

    /* local plane l = 1..cnt is global plane lo + l; planes 0 and cnt+1 are ghosts */
    long lo = block_lo(nz, p, rank), cnt = block_cnt(nz, p, rank);
    size_t total = (size_t)(cnt + 2) * (size_t)P;
    double *u = malloc(total * sizeof *u), *un = malloc(total * sizeof *un);
    for (long l = 0; l <= cnt + 1; l++)
        for (long j = 0; j <= ny + 1; j++)
            for (long i = 0; i <= nx + 1; i++)
                u[l * P + j * W + i] = un[l * P + j * W + i] = init_u(lo + l, j, i, nz, ny, nx);

    int below = (rank > 0 && cnt > 0) ? rank - 1 : MPI_PROC_NULL;
    int above = (rank + 1 < p && rank + 1 < nz) ? rank + 1 : MPI_PROC_NULL;

    for (long t = 0; t < steps; t++) {
        if (cnt > 0) {
            MPI_Sendrecv(&u[1 * P], (int)P, MPI_DOUBLE, below, 0,
                         &u[(cnt + 1) * P], (int)P, MPI_DOUBLE, above, 0,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Sendrecv(&u[cnt * P], (int)P, MPI_DOUBLE, above, 1,
                         &u[0], (int)P, MPI_DOUBLE, below, 1,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        for (long l = 1; l <= cnt; l++)
            for (long j = 1; j <= ny; j++)
                for (long i = 1; i <= nx; i++) {
                    long c = l * P + j * W + i;
                    un[c] = u[c] + rx * (u[c - 1] - 2.0 * u[c] + u[c + 1])
                                 + ry * (u[c - W] - 2.0 * u[c] + u[c + W])
                                 + rz * (u[c - P] - 2.0 * u[c] + u[c + P]);
                }
        double *tmp = u; u = un; un = tmp;
    }

    long N = nx * ny * nz, plane = nx * ny;
    if (N <= 1000) {
        /* small: pack the owned interior points and gather them plane block by plane block */
        double *mine = malloc((size_t)(cnt * plane + 1) * sizeof *mine);
        long m = 0;
        for (long l = 1; l <= cnt; l++)
            for (long j = 1; j <= ny; j++)
                for (long i = 1; i <= nx; i++) mine[m++] = u[l * P + j * W + i];
        int *counts = NULL, *displs = NULL;
        double *all = NULL;
        if (rank == 0) {
            counts = malloc((size_t)p * sizeof *counts);
            displs = malloc((size_t)p * sizeof *displs);
            for (int q = 0; q < p; q++) {
                counts[q] = (int)(block_cnt(nz, p, q) * plane);
                displs[q] = (int)(block_lo(nz, p, q) * plane);
            }
            all = malloc((size_t)N * sizeof *all);
        }
        MPI_Gatherv(mine, (int)m, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            for (long s = 0; s < N; s++) printf("%.12e%c", all[s], s % nx == nx - 1 ? '\n' : ' ');
            free(counts); free(displs); free(all);
        }
        free(mine);
    } else {
        double local = 0.0, sum = 0.0, samp[17], samp_all[17];
        for (long l = 1; l <= cnt; l++)
            for (long j = 1; j <= ny; j++)
                for (long i = 1; i <= nx; i++) local += u[l * P + j * W + i];
        for (int q = 0; q <= 16; q++) {
            long s = (long)q * (N - 1) / 16;
            long k = 1 + s / plane, j = 1 + (s / nx) % ny, i = 1 + s % nx;
            samp[q] = (k > lo && k <= lo + cnt) ? u[(k - lo) * P + j * W + i] : 0.0;
        }
        MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(samp, samp_all, 17, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("checksum %.12e\n", sum);
            for (int q = 0; q <= 16; q++) {
                long s = (long)q * (N - 1) / 16;
                printf("u[%ld][%ld][%ld] %.12e\n", 1 + s / plane, 1 + (s / nx) % ny, 1 + s % nx,
                       samp_all[q]);
            }
        }
    }
    free(u); free(un);
    MPI_Finalize();
    return 0;
}
