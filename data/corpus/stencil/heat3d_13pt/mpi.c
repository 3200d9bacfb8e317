/* MPI version of the 3D 13-point (fourth-order) diffusion solver.
 * Slab decomposition along z with a halo TWO planes wide. A rank's two outgoing planes must
 * both be its own, so only pa = min(p, nz/2) ranks take part (at least one); each of them owns
 * >= 2 consecutive planes (remainder spread over the first ranks) and the others own nothing.
 * Each active rank initializes its planes and ghost planes from the formula and per step swaps
 * two contiguous planes with each neighbour (MPI_Sendrecv, MPI_PROC_NULL at the ends). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define PI 3.14159265358979323846
#define G 2

static double init_u(long k, long j, long i, long nz, long ny, long nx)
{
    double x = (double)(i - 1) / (double)(nx + 1), y = (double)(j - 1) / (double)(ny + 1);
    double z = (double)(k - 1) / (double)(nz + 1);
    if (k < G || k > nz + 1 || j < G || j > ny + 1 || i < G || i > nx + 1)
        return 0.5 + 0.5 * z - 0.25 * x * y;
    return 0.6 + 0.3 * cos(2.0 * PI * x) * sin(PI * y) * sin(PI * z);
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
    const long W = nx + 2 * G, P = (ny + 2 * G) * W;
    const double c12 = 0.08 / 12.0;

    /* active ranks: every one must own at least G planes */
    int pa = (int)(nz / G < p ? nz / G : p);
    if (pa < 1) pa = 1;
    long lo = rank < pa ? block_lo(nz, pa, rank) : 0;
    long cnt = rank < pa ? block_cnt(nz, pa, rank) : 0;

    /* local plane l (0..cnt+3) is global plane lo + l; l = G..cnt+G-1 are owned */
    size_t total = rank < pa ? (size_t)(cnt + 2 * G) * (size_t)P : 1;
    double *u = malloc(total * sizeof *u), *un = malloc(total * sizeof *un);
    for (long l = 0; l < cnt + 2 * G && rank < pa; l++)
        for (long j = 0; j < ny + 2 * G; j++)
            for (long i = 0; i < W; i++)
                u[l * P + j * W + i] = un[l * P + j * W + i] = init_u(lo + l, j, i, nz, ny, nx);

    int below = (rank > 0 && rank < pa) ? rank - 1 : MPI_PROC_NULL;
    int above = (rank + 1 < pa) ? rank + 1 : MPI_PROC_NULL;

    for (long t = 0; t < steps && rank < pa; t++) {
        /* G planes are contiguous: one message of G*P values in each direction */
        MPI_Sendrecv(&u[G * P], (int)(G * P), MPI_DOUBLE, below, 0,
                     &u[(cnt + G) * P], (int)(G * P), MPI_DOUBLE, above, 0,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Sendrecv(&u[cnt * P], (int)(G * P), MPI_DOUBLE, above, 1,
                     &u[0], (int)(G * P), MPI_DOUBLE, below, 1,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (long l = G; l < cnt + G; l++)
            for (long j = G; j < ny + G; j++)
                for (long i = G; i < nx + G; i++) {
                    long c = l * P + j * W + i;
                    double near = u[c - 1] + u[c + 1] + u[c - W] + u[c + W] + u[c - P] + u[c + P];
                    double far = u[c - 2] + u[c + 2] + u[c - 2 * W] + u[c + 2 * W]
                               + u[c - 2 * P] + u[c + 2 * P];
                    un[c] = u[c] + c12 * (16.0 * near - far - 90.0 * u[c]);
                }
        double *tmp = u; u = un; un = tmp;
    }

    long N = nx * ny * nz, plane = nx * ny;
    if (N <= 1000) {
        double *mine = malloc((size_t)(cnt * plane + 1) * sizeof *mine);
        long m = 0;
        for (long l = G; l < cnt + G; l++)
            for (long j = G; j < ny + G; j++)
                for (long i = G; i < nx + G; i++) mine[m++] = u[l * P + j * W + i];
        int *counts = NULL, *displs = NULL;
        double *all = NULL;
        if (rank == 0) {
            counts = malloc((size_t)p * sizeof *counts);
            displs = malloc((size_t)p * sizeof *displs);
            for (int q = 0; q < p; q++) {
                counts[q] = q < pa ? (int)(block_cnt(nz, pa, q) * plane) : 0;
                displs[q] = q < pa ? (int)(block_lo(nz, pa, q) * plane) : 0;
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
        for (long l = G; l < cnt + G; l++)
            for (long j = G; j < ny + G; j++)
                for (long i = G; i < nx + G; i++) local += u[l * P + j * W + i];
        for (int q = 0; q <= 16; q++) {
            long s = (long)q * (N - 1) / 16;
            long k = s / plane, j = (s / nx) % ny, i = s % nx;   /* 0-based interior */
            samp[q] = (k >= lo && k < lo + cnt) ? u[(k - lo + G) * P + (j + G) * W + i + G] : 0.0;
        }
        MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(samp, samp_all, 17, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("checksum %.12e\n", sum);
            for (int q = 0; q <= 16; q++) {
                long s = (long)q * (N - 1) / 16;
                printf("u[%ld][%ld][%ld] %.12e\n", s / plane, (s / nx) % ny, s % nx, samp_all[q]);
            }
        }
    }
    free(u); free(un);
    MPI_Finalize();
    return 0;
}
