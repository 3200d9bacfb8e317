/* MPI 1D heat solver that OVERLAPS the halo exchange with computation.
 * Contiguous blocks (remainder spread over the first ranks), each rank initializing its
 * block and ghosts from the formula. Per step: post MPI_Irecv for both ghosts and MPI_Isend
 * of both edge values, update the interior points l = 2..cnt-1 (they need no ghost), then
 * MPI_Waitall and update the two edge points l = 1 and l = cnt. Neighbours beyond the ends
 * or owning nothing are MPI_PROC_NULL, whose requests complete at once. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

static double init_u(long g, long n)
{
    double x = (double)g / (double)(n + 1);
    double ramp = 0.2 + 0.6 * x;
    if (g == 0 || g == n + 1) return ramp;
    double bump = 1.0 - 5.0 * fabs(x - 0.4);
    return ramp + (bump > 0.0 ? bump : 0.0);
}

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
    const double r = 0.3;
    long lo = block_lo(n, p, rank), cnt = block_cnt(n, p, rank);

    /* local l = 1..cnt is global point lo + l; u[0] and u[cnt+1] are ghosts */
    double *u = malloc((size_t)(cnt + 2) * sizeof *u);
    double *un = malloc((size_t)(cnt + 2) * sizeof *un);
    for (long l = 0; l <= cnt + 1; l++) u[l] = un[l] = init_u(lo + l, n);
    int left = (rank > 0 && cnt > 0) ? rank - 1 : MPI_PROC_NULL;
    int right = (rank + 1 < p && rank + 1 < n) ? rank + 1 : MPI_PROC_NULL;

    for (long t = 0; t < steps && cnt > 0; t++) {
        MPI_Request req[4];
        /* tag 0 travels rightwards, tag 1 leftwards */
        MPI_Irecv(&u[0], 1, MPI_DOUBLE, left, 0, MPI_COMM_WORLD, &req[0]);
        MPI_Irecv(&u[cnt + 1], 1, MPI_DOUBLE, right, 1, MPI_COMM_WORLD, &req[1]);
        MPI_Isend(&u[cnt], 1, MPI_DOUBLE, right, 0, MPI_COMM_WORLD, &req[2]);
        MPI_Isend(&u[1], 1, MPI_DOUBLE, left, 1, MPI_COMM_WORLD, &req[3]);

        /* interior: reads u[1..cnt] only, never the ghosts still in flight; the send
         * buffers u[1] and u[cnt] are only read, which is allowed while sends are pending */
        for (long l = 2; l <= cnt - 1; l++)
            un[l] = u[l] + r * (u[l - 1] - 2.0 * u[l] + u[l + 1]);

        MPI_Waitall(4, req, MPI_STATUSES_IGNORE);

        /* edge points need the ghosts; with cnt == 1 both edges are the same point */
        un[1] = u[1] + r * (u[0] - 2.0 * u[1] + u[2]);
        if (cnt > 1) un[cnt] = u[cnt] + r * (u[cnt - 1] - 2.0 * u[cnt] + u[cnt + 1]);
        double *tmp = u; u = un; un = tmp;
    }

    if (n <= 64) {
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
