/* MPI version of the 1D explicit heat solver (3-point stencil, Dirichlet ends).
 * The n interior points are split into contiguous blocks (remainder spread over the first
 * ranks); every rank initializes its own block plus one ghost cell on each side from the
 * formula, and exchanges one boundary value with each neighbour per step (MPI_Sendrecv,
 * MPI_PROC_NULL at the physical ends). Output: MPI_Gatherv when small, reductions otherwise. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define U_LEFT  1.0
#define U_RIGHT 0.5
#define PI 3.14159265358979323846

static double init_u(long g, long n)
{
    if (g == 0) return U_LEFT;
    if (g == n + 1) return U_RIGHT;
    double x = (double)g / (double)(n + 1);
    return 1.0 - 0.5 * x + 0.3 * sin(5.0 * PI * x);
}

/* Block decomposition of n items over p ranks: first index and count of rank r. */
static long block_lo(long n, int p, int r) { return r * (n / p) + (r < n % p ? r : n % p); }
static long block_cnt(long n, int p, int r) { return n / p + (r < n % p ? 1 : 0); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, p;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &p);

    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long steps = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
    if (n < 1 || steps < 0) {
        if (rank == 0) fprintf(stderr, "usage: %s [n >= 1] [steps >= 0]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    const double r = 0.45;
    long lo = block_lo(n, p, rank), cnt = block_cnt(n, p, rank);

    /* Local index l = 1..cnt holds global point g = lo + l; l = 0 and l = cnt+1 are ghosts
     * (at the physical ends they hold the fixed boundary values forever). */
    double *u = malloc((size_t)(cnt + 2) * sizeof *u);
    double *un = malloc((size_t)(cnt + 2) * sizeof *un);
    for (long l = 0; l <= cnt + 1; l++) u[l] = un[l] = init_u(lo + l, n);

    /* Ranks >= n own nothing (only when p > n); they take no part in the exchange. */
    int left = (rank > 0 && cnt > 0) ? rank - 1 : MPI_PROC_NULL;
    int right = (rank + 1 < p && rank + 1 < n) ? rank + 1 : MPI_PROC_NULL;

    for (long t = 0; t < steps; t++) {
        if (cnt > 0) {
            /* send first owned value left, receive right ghost; then the mirror image */
            MPI_Sendrecv(&u[1], 1, MPI_DOUBLE, left, 0, &u[cnt + 1], 1, MPI_DOUBLE, right, 0,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Sendrecv(&u[cnt], 1, MPI_DOUBLE, right, 1, &u[0], 1, MPI_DOUBLE, left, 1,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        for (long l = 1; l <= cnt; l++)
            un[l] = u[l] + r * (u[l - 1] - 2.0 * u[l] + u[l + 1]);
        double *tmp = u; u = un; un = tmp;
    }

    if (n <= 64) {
        /* small: gather the whole field to rank 0 for printing */
        int *counts = NULL, *displs = NULL;
        double *all = NULL;
        if (rank == 0) {
            counts = malloc((size_t)p * sizeof *counts);
            displs = malloc((size_t)p * sizeof *displs);
            for (int q = 0; q < p; q++) {
                counts[q] = (int)block_cnt(n, p, q);
                displs[q] = (int)block_lo(n, p, q);
            }
            all = malloc((size_t)n * sizeof *all);
        }
        MPI_Gatherv(&u[1], (int)cnt, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            for (long i = 0; i < n; i++) printf("%.12e\n", all[i]);
            free(counts); free(displs); free(all);
        }
    } else {
        /* big: checksum by reduction; each sample is contributed by its owner, zeros elsewhere */
        double local = 0.0, sum = 0.0, samp[17], samp_all[17];
        for (long l = 1; l <= cnt; l++) local += u[l];
        for (int k = 0; k <= 16; k++) {
            long g = 1 + (long)k * (n - 1) / 16;
            samp[k] = (g > lo && g <= lo + cnt) ? u[g - lo] : 0.0;
        }
        MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(samp, samp_all, 17, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("checksum %.12e\n", sum);
            for (int k = 0; k <= 16; k++)
                printf("u[%ld] %.12e\n", 1 + (long)k * (n - 1) / 16, samp_all[k]);
        }
    }
    free(u); free(un);
    MPI_Finalize();
    return 0;
}
