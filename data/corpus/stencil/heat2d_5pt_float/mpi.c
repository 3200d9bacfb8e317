/* MPI version of the single-precision 2D heat solver (5-point stencil, Dirichlet frame).
 * 1D row decomposition with the remainder spread over the first ranks; each rank
 * initializes its rows and two ghost rows from the formula. Per step it swaps whole rows
 * (frame columns included, MPI_FLOAT) with its neighbours via MPI_Sendrecv, MPI_PROC_NULL
 * at the top/bottom and next to ranks that own no rows. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

static float init_u(long j, long i, long m, long n)
{
    if (i == 0) return 1.0f;
    if (j == 0 || j == m + 1 || i == n + 1) return 0.0f;
    float dx = (float)(i - (n + 1) / 3), dy = (float)(j - (m + 1) / 2);
    float w = 0.1f * (float)(n > m ? n : m) + 1.0f;
    return 2.0f * expf(-(dx * dx + dy * dy) / (w * w));
}

static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }
static long block_cnt(long n, int p, int r) { return n / p + (r < n % p ? 1 : 0); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, p;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &p);

    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
    long m = argc > 2 ? strtol(argv[2], NULL, 10) : 200;
    long steps = argc > 3 ? strtol(argv[3], NULL, 10) : 100;
    if (n < 1 || m < 1 || steps < 0) {
        if (rank == 0) fprintf(stderr, "usage: %s [n >= 1] [m >= 1] [steps >= 0]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    const long W = n + 2;
    const float r = 0.22f;

    /* local row l = 1..cnt is global row lo + l; rows 0 and cnt+1 are ghosts */
    long lo = block_lo(m, p, rank), cnt = block_cnt(m, p, rank);
    float *u = malloc((size_t)(cnt + 2) * (size_t)W * sizeof *u);
    float *un = malloc((size_t)(cnt + 2) * (size_t)W * sizeof *un);
    for (long l = 0; l <= cnt + 1; l++)
        for (long i = 0; i <= n + 1; i++)
            u[l * W + i] = un[l * W + i] = init_u(lo + l, i, m, n);

    int up = (rank > 0 && cnt > 0) ? rank - 1 : MPI_PROC_NULL;
    int down = (rank + 1 < p && rank + 1 < m) ? rank + 1 : MPI_PROC_NULL;

    for (long t = 0; t < steps; t++) {
        if (cnt > 0) {
            MPI_Sendrecv(&u[1 * W], (int)W, MPI_FLOAT, up, 0, &u[(cnt + 1) * W], (int)W, MPI_FLOAT,
                         down, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Sendrecv(&u[cnt * W], (int)W, MPI_FLOAT, down, 1, &u[0], (int)W, MPI_FLOAT,
                         up, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        for (long l = 1; l <= cnt; l++)
            for (long i = 1; i <= n; i++) {
                long c = l * W + i;
                un[c] = u[c] + r * (u[c - 1] + u[c + 1] + u[c - W] + u[c + W] - 4.0f * u[c]);
            }
        float *tmp = u; u = un; un = tmp;
    }

    if (n * m <= 1024) {
        /* small: pack owned interior points, gather on rank 0 with per-rank counts/offsets */
        float *mine = malloc((size_t)(cnt * n + 1) * sizeof *mine);
        for (long l = 1; l <= cnt; l++)
            for (long i = 1; i <= n; i++) mine[(l - 1) * n + (i - 1)] = u[l * W + i];
        int *counts = NULL, *displs = NULL;
        float *all = NULL;
        if (rank == 0) {
            counts = malloc((size_t)p * sizeof *counts);
            displs = malloc((size_t)p * sizeof *displs);
            for (int q = 0; q < p; q++) {
                counts[q] = (int)(block_cnt(m, p, q) * n);
                displs[q] = (int)(block_lo(m, p, q) * n);
            }
            all = malloc((size_t)(n * m) * sizeof *all);
        }
        MPI_Gatherv(mine, (int)(cnt * n), MPI_FLOAT, all, counts, displs, MPI_FLOAT, 0,
                    MPI_COMM_WORLD);
        if (rank == 0) {
            for (long s = 0; s < n * m; s++)
                printf("%.6e%c", (double)all[s], s % n == n - 1 ? '\n' : ' ');
            free(counts); free(displs); free(all);
        }
        free(mine);
    } else {
        /* big: double-precision checksum by reduction, samples contributed by their owners */
        double local = 0.0, sum = 0.0;
        float samp[17], samp_all[17];
        for (long l = 1; l <= cnt; l++)
            for (long i = 1; i <= n; i++) local += u[l * W + i];
        for (int k = 0; k <= 16; k++) {
            long s = (long)k * (n * m - 1) / 16;
            long j = 1 + s / n, i = 1 + s % n;
            samp[k] = (j > lo && j <= lo + cnt) ? u[(j - lo) * W + i] : 0.0f;
        }
        MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(samp, samp_all, 17, MPI_FLOAT, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("checksum %.10e\n", sum);
            for (int k = 0; k <= 16; k++) {
                long s = (long)k * (n * m - 1) / 16;
                printf("u[%ld][%ld] %.6e\n", 1 + s / n, 1 + s % n, (double)samp_all[k]);
            }
        }
    }
    free(u); free(un);
    MPI_Finalize();
    return 0;
}
