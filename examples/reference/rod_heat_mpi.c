/* rod_heat_mpi.c — MPI version of rod_heat.c (1D explicit heat solver, 3-point stencil).
 * The cells interior points are split into contiguous blocks (remainder spread over the first
 * ranks); every rank initializes its own block plus one ghost cell on each side from the
 * formula, and exchanges one boundary value with each neighbour per step (MPI_Sendrecv,
 * MPI_PROC_NULL at the physical ends). Output: MPI_Gatherv when small, reductions otherwise. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define HOT_END  1.0
#define WARM_END 0.5
#define PI 3.14159265358979323846

static double starting_temperature(long p, long cells)
{
    if (p == 0) return HOT_END;
    if (p == cells + 1) return WARM_END;
    double x = (double)p / (double)(cells + 1);
    return 1.0 - 0.5 * x + 0.3 * sin(5.0 * PI * x);
}

/* Block decomposition of n items over p ranks: first index and count of rank r. */
static long block_lo(long cells, int p_1, int k) { return k * (cells / p_1) + (k < cells % p_1 ? k : cells % p_1); }
static long block_cnt(long cells, int p_1, int k) { return cells / p_1 + (k < cells % p_1 ? 1 : 0); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, p_1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &p_1);

    long cells = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long nsteps = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
    if (cells < 1 || nsteps < 0) {
        if (rank == 0) fprintf(stderr, "usage: %s [cells >= 1] [time steps >= 0]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    const double k = 0.45;
    long lo = block_lo(cells, p_1, rank), cnt = block_cnt(cells, p_1, rank);

    /* Local index l = 1..cnt holds global point g = lo + l; l = 0 and l = cnt+1 are ghosts
     * (at the physical ends they hold the fixed boundary values forever). */
    double *temp = malloc((size_t)(cnt + 2) * sizeof *temp);
    double *next = malloc((size_t)(cnt + 2) * sizeof *next);
    for (long l = 0; l <= cnt + 1; l++) temp[l] = next[l] = starting_temperature(lo + l, cells);

    /* Ranks >= n own nothing (only when p > n); they take no part in the exchange. */
    int left = (rank > 0 && cnt > 0) ? rank - 1 : MPI_PROC_NULL;
    int right = (rank + 1 < p_1 && rank + 1 < cells) ? rank + 1 : MPI_PROC_NULL;

    for (long step = 0; step < nsteps; step++) {
        if (cnt > 0) {
            /* send first owned value left, receive right ghost; then the mirror image */
            MPI_Sendrecv(&temp[1], 1, MPI_DOUBLE, left, 0, &temp[cnt + 1], 1, MPI_DOUBLE, right, 0,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Sendrecv(&temp[cnt], 1, MPI_DOUBLE, right, 1, &temp[0], 1, MPI_DOUBLE, left, 1,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        for (long l = 1; l <= cnt; l++)
            next[l] = temp[l] + k * (temp[l - 1] - 2.0 * temp[l] + temp[l + 1]);
        double *swap = temp; temp = next; next = swap;
    }

    if (cells <= 64) {
        /* small: gather the whole field to rank 0 for printing */
        int *counts = NULL, *displs = NULL;
        double *all = NULL;
        if (rank == 0) {
            counts = malloc((size_t)p_1 * sizeof *counts);
            displs = malloc((size_t)p_1 * sizeof *displs);
            for (int q = 0; q < p_1; q++) {
                counts[q] = (int)block_cnt(cells, p_1, q);
                displs[q] = (int)block_lo(cells, p_1, q);
            }
            all = malloc((size_t)cells * sizeof *all);
        }
        MPI_Gatherv(&temp[1], (int)cnt, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            for (long c = 0; c < cells; c++) printf("%.12e\n", all[c]);
            free(counts); free(displs); free(all);
        }
    } else {
        /* big: checksum by reduction; each sample is contributed by its owner, zeros elsewhere */
        double local = 0.0, total = 0.0, samp[17], samp_all[17];
        for (long l = 1; l <= cnt; l++) local += temp[l];
        for (int probe = 0; probe <= 16; probe++) {
            long p = 1 + (long)probe * (cells - 1) / 16;
            samp[probe] = (p > lo && p <= lo + cnt) ? temp[p - lo] : 0.0;
        }
        MPI_Reduce(&local, &total, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(samp, samp_all, 17, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("checksum %.12e\n", total);
            for (int probe = 0; probe <= 16; probe++)
                printf("u[%ld] %.12e\n", 1 + (long)probe * (cells - 1) / 16, samp_all[probe]);
        }
    }
    free(temp); free(next);
    MPI_Finalize();
    return 0;
}
