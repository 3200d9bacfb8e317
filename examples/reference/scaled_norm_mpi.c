/* scaled_norm_mpi.c -- hand-written MPI version of ../scaled_norm.c (overflow-safe 2-norm).
 *
 * Contiguous blocks of the vector (remainder on the first ranks; a rank may own nothing).  Each
 * rank makes its own entries from the formula and folds them into a local (scale, ssq) pair
 * exactly like the sequential loop.  The per-rank summaries -- scale, ssq, peak magnitude, its
 * index, the non-zero count -- travel to rank 0 in one MPI_Gather of five doubles (indices and
 * counts are exact as doubles below 2^53).  Rank 0 merges the pairs in rank order without ever
 * squaring a big number: the pair with the smaller scale is rescaled to the larger one.  The peak
 * keeps the lowest index on ties because blocks are merged in index order with a strict '>'. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define HUGE_ONE 2.5e296
#define TINY_ONE 3.3e-300
#define PI 3.14159265358979323846

enum { F_SCALE, F_SSQ, F_PEAK, F_WHERE, F_NONZERO, NFIELDS };

static double element(long i, long len)
{
    double wobble = 1.0 + (double)(i % 5) / 8.0;
    double swell = 1.0 + floor(8.0 * sin(PI * ((double)i + 0.5) / (double)len)) / 8.0;
    switch (i % 11) {
    case 0: return -TINY_ONE * wobble;
    case 4: return HUGE_ONE * wobble * swell;
    case 7: return 0.0;
    case 9: return -HUGE_ONE / wobble;
    default: return sin(0.001 * (double)i) + 0.5;
    }
}

static void lassq_update(double x, double *scale, double *ssq)
{
    if (x == 0.0) return;
    double a = fabs(x);
    if (a > *scale) {
        double q = *scale / a;
        *ssq = 1.0 + *ssq * q * q;
        *scale = a;
    } else {
        double q = a / *scale;
        *ssq += q * q;
    }
}

/* merge the pair (s2, q2) into (s1, q1): scale^2 * ssq is additive */
static void lassq_merge(double *s1, double *q1, double s2, double q2)
{
    if (s2 == 0.0) return;
    if (s2 > *s1) {
        double r = *s1 / s2;
        *q1 = q2 + *q1 * r * r;
        *s1 = s2;
    } else {
        double r = s2 / *s1;
        *q1 += q2 * r * r;
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, nranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);

    long len = argc > 1 ? atol(argv[1]) : 100000;
    long repeat = argc > 2 ? atol(argv[2]) : 1;
    if (len < 1 || repeat < 1) {
        if (rank == 0) fprintf(stderr, "scaled_norm: length and repeat must be positive\n");
        MPI_Finalize();
        return 1;
    }
    long per = len / nranks, left = len % nranks;
    long lo = rank * per + (rank < left ? rank : left);
    long cnt = per + (rank < left ? 1 : 0);
    double *x = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof(double));
    if (x == NULL) {
        fprintf(stderr, "scaled_norm: rank %d has no memory for %ld entries\n", rank, cnt);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) x[k] = element(lo + k, len);

    double scale = 0.0, ssq = 1.0;
    for (long rep = 0; rep < repeat; rep++) {
        scale = 0.0, ssq = 1.0;
        for (long k = 0; k < cnt; k++) lassq_update(x[k], &scale, &ssq);
    }

    double mine[NFIELDS] = { scale, ssq, -1.0, -1.0, 0.0 };
    for (long k = 0; k < cnt; k++) {
        if (fabs(x[k]) > mine[F_PEAK]) {
            mine[F_PEAK] = fabs(x[k]);
            mine[F_WHERE] = (double)(lo + k);
        }
        if (x[k] != 0.0) mine[F_NONZERO] += 1.0;
    }

    double *all = NULL;
    if (rank == 0) all = malloc((size_t)nranks * NFIELDS * sizeof(double));
    MPI_Gather(mine, NFIELDS, MPI_DOUBLE, all, NFIELDS, MPI_DOUBLE, 0, MPI_COMM_WORLD);

    if (rank == 0) {
        double s = 0.0, q = 1.0, peak = -1.0, where = -1.0, nonzero = 0.0;
        for (int r = 0; r < nranks; r++) {
            const double *f = all + (size_t)r * NFIELDS;
            lassq_merge(&s, &q, f[F_SCALE], f[F_SSQ]);
            if (f[F_PEAK] > peak) {
                peak = f[F_PEAK];
                where = f[F_WHERE];
            }
            nonzero += f[F_NONZERO];
        }
        printf("length %ld nonzero %ld\n", len, (long)nonzero);
        printf("norm2 %.12e\n", s * sqrt(q));
        printf("maxabs %.12e at %ld\n", peak, (long)where);
        free(all);
    }
    free(x);
    MPI_Finalize();
    return 0;
}
