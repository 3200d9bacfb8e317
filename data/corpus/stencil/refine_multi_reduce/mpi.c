/* MPI 2D heat solver with run-time diagnostics computed by PACKED reductions.
 * 1D row decomposition (remainder spread over the first ranks), ghost rows swapped with
 * MPI_Sendrecv. At each diagnostic step every rank reduces its rows to a few numbers and the
 * ranks combine them with two collectives instead of one per quantity:
 *   - sum and sum of squares share ONE MPI_Allreduce(MPI_SUM) on a 2-element array;
 *   - min and max with their positions share ONE MPI_Allreduce(MPI_MINLOC) on two
 *     (value, index) pairs of type MPI_DOUBLE_INT: the max is sent negated, since
 *     max v = -min(-v), and MINLOC breaks ties by the lowest index exactly like the
 *     sequential "first occurrence" scan (indices are flat global ints: nx*ny < 2^31).
 * Allreduce, not Reduce: every rank needs the norm to take the same stop decision. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <limits.h>

static double init_u(long j, long i, long ny, long nx)
{
    if (j == 0 || j == ny + 1 || i == 0 || i == nx + 1) return 0.0;
    double x = (double)i / (double)(nx + 1), y = (double)j / (double)(ny + 1);
    double dx = x - 0.3, dy = y - 0.6;
    return 0.05 + exp(-(dx * dx + dy * dy) / 0.02) + 0.2 * x * y;
}

static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }
static long block_cnt(long n, int p, int r) { return n / p + (r < n % p ? 1 : 0); }

typedef struct { double val; int idx; } ValIdx;     /* layout of MPI_DOUBLE_INT */

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, p;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &p);

    long nx = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    long ny = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
    long maxsteps = argc > 3 ? strtol(argv[3], NULL, 10) : 200;
    long every = argc > 4 ? strtol(argv[4], NULL, 10) : 10;
    if (nx < 1 || ny < 1 || maxsteps < 0 || every < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [nx >= 1] [ny >= 1] [maxsteps >= 0] [every >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    const long W = nx + 2;
    const double r = 0.2;
    long lo = block_lo(ny, p, rank), cnt = block_cnt(ny, p, rank);
    double *u = malloc((size_t)(cnt + 2) * (size_t)W * sizeof *u);
    double *un = malloc((size_t)(cnt + 2) * (size_t)W * sizeof *un);
    for (long l = 0; l <= cnt + 1; l++)
        for (long i = 0; i <= nx + 1; i++)
            u[l * W + i] = un[l * W + i] = init_u(lo + l, i, ny, nx);
    int up = (rank > 0 && cnt > 0) ? rank - 1 : MPI_PROC_NULL;
    int down = (rank + 1 < p && rank + 1 < ny) ? rank + 1 : MPI_PROC_NULL;

    double e0 = 0.0;
    for (long step = 0;; step++) {
        if (step > 0) {
            if (cnt > 0) {
                MPI_Sendrecv(&u[1 * W + 1], (int)nx, MPI_DOUBLE, up, 0, &u[(cnt + 1) * W + 1],
                             (int)nx, MPI_DOUBLE, down, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Sendrecv(&u[cnt * W + 1], (int)nx, MPI_DOUBLE, down, 1, &u[0 * W + 1],
                             (int)nx, MPI_DOUBLE, up, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            }
            for (long l = 1; l <= cnt; l++)
                for (long i = 1; i <= nx; i++) {
                    long c = l * W + i;
                    un[c] = u[c] + r * (u[c - 1] + u[c + 1] + u[c - W] + u[c + W] - 4.0 * u[c]);
                }
            double *tmp = u; u = un; un = tmp;
        }
        if (step % every == 0 || step == maxsteps) {
            /* local part; an empty rank contributes neutral elements (0 sums, +inf extremes) */
            double sums[2] = {0.0, 0.0}, gsums[2];
            ValIdx ext[2] = {{HUGE_VAL, INT_MAX}, {HUGE_VAL, INT_MAX}}, gext[2];
            for (long l = 1; l <= cnt; l++)
                for (long i = 1; i <= nx; i++) {
                    double v = u[l * W + i];
                    int s = (int)((lo + l - 1) * nx + (i - 1));
                    sums[0] += v;
                    sums[1] += v * v;
                    if (v < ext[0].val) { ext[0].val = v; ext[0].idx = s; }
                    if (-v < ext[1].val) { ext[1].val = -v; ext[1].idx = s; }   /* max as -min */
                }
            MPI_Allreduce(sums, gsums, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
            MPI_Allreduce(ext, gext, 2, MPI_DOUBLE_INT, MPI_MINLOC, MPI_COMM_WORLD);
            if (rank == 0)
                printf("step %ld heat %.12e l2 %.12e min %.12e at %ld %ld max %.12e at %ld %ld\n",
                       step, gsums[0], sqrt(gsums[1]), gext[0].val,
                       1 + gext[0].idx / nx, 1 + gext[0].idx % nx,
                       -gext[1].val, 1 + gext[1].idx / nx, 1 + gext[1].idx % nx);
            if (step == 0) e0 = gsums[1];
            else if (gsums[1] < 0.25 * e0) {          /* same decision on every rank */
                if (rank == 0) printf("stopped early at step %ld\n", step);
                break;
            }
        }
        if (step == maxsteps) break;
    }

    if (nx * ny <= 1024) {
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
        double local = 0.0, sum = 0.0, samp[17], samp_all[17];
        for (long l = 1; l <= cnt; l++)
            for (long i = 1; i <= nx; i++) local += u[l * W + i];
        for (int k = 0; k <= 16; k++) {
            long s = (long)k * (nx * ny - 1) / 16, j = 1 + s / nx, i = 1 + s % nx;
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
