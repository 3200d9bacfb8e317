/* MPI version of the 1D heat solver with sine initial data and zero Dirichlet ends.
 * Contiguous blocks of the n interior points (remainder spread over the first ranks), each
 * rank filling its block and ghost cells from the exact solution at t = 0. One value is
 * swapped with each neighbour per step (MPI_Sendrecv, MPI_PROC_NULL at the ends). The
 * maximum error is combined with MPI_Reduce(MPI_MAX), which is exact in any order. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define PI 3.14159265358979323846

static double exact(double x, double t)
{
    return exp(-PI * PI * t) * sin(PI * x) + 0.4 * exp(-9.0 * PI * PI * t) * sin(3.0 * PI * x);
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
    double h = 1.0 / (double)(n + 1), dt = 0.4 * h * h, r = dt / (h * h);

    /* local l = 1..cnt is global point g = lo + l; l = 0 and l = cnt+1 are ghosts */
    long lo = block_lo(n, p, rank), cnt = block_cnt(n, p, rank);
    double *u = malloc((size_t)(cnt + 2) * sizeof *u);
    double *un = malloc((size_t)(cnt + 2) * sizeof *un);
    for (long l = 0; l <= cnt + 1; l++) {
        long g = lo + l;
        u[l] = un[l] = (g == 0 || g == n + 1) ? 0.0 : exact(g * h, 0.0);
    }
    int left = (rank > 0 && cnt > 0) ? rank - 1 : MPI_PROC_NULL;
    int right = (rank + 1 < p && rank + 1 < n) ? rank + 1 : MPI_PROC_NULL;

    for (long t = 0; t < steps; t++) {
        if (cnt > 0) {
            MPI_Sendrecv(&u[1], 1, MPI_DOUBLE, left, 0, &u[cnt + 1], 1, MPI_DOUBLE, right, 0,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Sendrecv(&u[cnt], 1, MPI_DOUBLE, right, 1, &u[0], 1, MPI_DOUBLE, left, 1,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        for (long l = 1; l <= cnt; l++)
            un[l] = u[l] + r * (u[l - 1] - 2.0 * u[l] + u[l + 1]);
        double *tmp = u; u = un; un = tmp;
    }

    /* local error maximum and local sum, then one reduction each */
    double tend = (double)steps * dt, lerr = 0.0, lsum = 0.0, err = 0.0, sum = 0.0;
    for (long l = 1; l <= cnt; l++) {
        double e = fabs(u[l] - exact((lo + l) * h, tend));
        if (e > lerr) lerr = e;
        lsum += u[l];
    }
    MPI_Reduce(&lerr, &err, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("t_final %.12e\n", tend);
        printf("max_error %.6e\n", err);
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
            for (long i = 1; i <= n; i++) printf("%.10f %.12e\n", i * h, all[i - 1]);
            free(counts); free(displs); free(all);
        }
    } else {
        double samp[17], samp_all[17];
        for (int k = 0; k <= 16; k++) {
            long g = 1 + (long)k * (n - 1) / 16;
            samp[k] = (g > lo && g <= lo + cnt) ? u[g - lo] : 0.0;
        }
        MPI_Reduce(&lsum, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
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
