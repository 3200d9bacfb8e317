/* signal_corr_mpi.c — MPI version of signal_corr.c: each rank samples its own block of the
 * two signals (the remainder spread over the first ranks), sums its part of the correlation,
 * and one MPI_Allreduce a repetition combines the parts; rank 0 prints. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long samples = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (samples < 1 || reps < 1) {
        if (rank == 0) fprintf(stderr, "usage: %s [samples >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    long lo = rank * (samples / size) + (rank < samples % size ? rank : samples % size);
    long cnt = samples / size + (rank < samples % size ? 1 : 0);

    double *wave = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *wave);
    double *saw = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *saw);
    if (!wave || !saw) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) {
        wave[k] = sin(0.05 * (double)(lo + k));
        saw[k] = (double)((lo + k) % 25) / 25.0 - 0.5;
    }

    double corr = 0.0;
    for (long r = 0; r < reps; r++) {
        double damp = 1.0 / (double)(r + 2), part = 0.0;
        for (long k = 0; k < cnt; k++)
            part += wave[k] * saw[k] * damp;
        MPI_Allreduce(&part, &corr, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    }
    if (rank == 0) printf("corr %.12e\n", corr);

    free(wave);
    free(saw);
    MPI_Finalize();
    return 0;
}
