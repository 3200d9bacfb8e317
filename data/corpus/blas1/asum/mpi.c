/* Sum of absolute values (BLAS dasum) of an LCG-filled vector, MPI version.
 * Each rank generates only its own block: it jumps the generator ahead to
 * its first global index in O(log n) steps (composition of affine maps),
 * then generates cnt values. Local sums are combined with MPI_Reduce.
 * Usage: asum [n] [reps] [seed] */
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LCG_A 6364136223846793005ULL
#define LCG_C 1442695040888963407ULL

static double lcg_value(uint64_t s)
{
    return (double)(s >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

/* Advance state s by k LCG steps: s_k = A^k s + C (A^(k-1) + ... + 1) mod 2^64,
 * by repeated squaring of the affine map (a, c): s -> a*s + c. */
static uint64_t lcg_skip(uint64_t s, uint64_t k)
{
    uint64_t a = LCG_A, c = LCG_C;          /* map for 2^j steps */
    uint64_t acc_a = 1, acc_c = 0;          /* accumulated map */
    while (k > 0) {
        if (k & 1) {
            acc_a = a * acc_a;
            acc_c = a * acc_c + c;
        }
        c = (a + 1) * c;                    /* compose the map with itself */
        a = a * a;
        k >>= 1;
    }
    return acc_a * s + acc_c;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    long seed = argc > 3 ? strtol(argv[3], NULL, 10) : 12345;
    if (n < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [n >= 1] [reps >= 1] [seed]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }

    long rem = n % size;
    long lo = rank * (n / size) + (rank < rem ? rank : rem);
    long cnt = n / size + (rank < rem ? 1 : 0);

    double *x = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *x);
    if (!x) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    /* Jump to the state just before global index lo, then generate my block;
     * the values are bit-identical to the sequential stream. */
    uint64_t state = lcg_skip((uint64_t)seed, (uint64_t)lo);
    for (long k = 0; k < cnt; k++) {
        state = LCG_A * state + LCG_C;
        x[k] = lcg_value(state);
    }

    double s = 0.0;
    for (long r = 0; r < reps; r++) {
        double local = 0.0;
        for (long k = 0; k < cnt; k++)
            local += fabs(x[k]);
        MPI_Reduce(&local, &s, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    }

    /* The first and last elements, for the printout: owner-only values summed. */
    double ends[2] = {0.0, 0.0}, allends[2];
    if (cnt > 0 && lo == 0)
        ends[0] = x[0];
    if (cnt > 0 && lo + cnt == n)
        ends[1] = x[cnt - 1];
    MPI_Reduce(ends, allends, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

    if (rank == 0) {
        printf("asum %.12e\n", s);
        printf("x[0] %.12e x[n-1] %.12e\n", allends[0], allends[1]);
    }

    free(x);
    MPI_Finalize();
    return 0;
}
