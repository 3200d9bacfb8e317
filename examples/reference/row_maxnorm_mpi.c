/* row_maxnorm_mpi.c — hand-written MPI version of ../row_maxnorm.c. Row blocks; each rank
 * computes its rows' sums from the formula and one MPI_MAXLOC reduction finds the largest
 * (ties go to the lowest row, as in the sequential loop). */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double entry(long i, long j) { return sin(0.37 * (double)i + 0.11 * (double)j) * (1.0 + (double)(i % 5)); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long m = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 200;
    if (m < 1 || n < 1) {
        if (rank == 0) fprintf(stderr, "usage: %s [M >= 1] [N >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    long base = m / size, extra = m % size;
    long lo = rank * base + (rank < extra ? rank : extra);
    long cnt = base + (rank < extra);
    struct {
        double value;
        int row;
    } mine = {-1.0, 0}, best;
    for (long i = lo; i < lo + cnt; i++) {
        double s = 0.0;
        for (long j = 0; j < n; j++) s += fabs(entry(i, j));
        if (s > mine.value) mine.value = s, mine.row = (int)i;
    }
    MPI_Reduce(&mine, &best, 1, MPI_DOUBLE_INT, MPI_MAXLOC, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("norm_inf %.10e row %d\n", best.value, best.row);
    MPI_Finalize();
    return 0;
}
