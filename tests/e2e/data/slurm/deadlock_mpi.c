/* Deadlocks at every rank count: each rank waits for a message from its right neighbour
 * (itself at np = 1) before sending its own. Renamed cmt_slurm_dl so that a test can look
 * for leftovers of it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <mpi.h>
#include <stdio.h>
#include <sys/prctl.h>

int main(int argc, char **argv)
{
    prctl(PR_SET_NAME, "cmt_slurm_dl", 0, 0, 0);
    MPI_Init(&argc, &argv);
    int rank, size;
    double mine, in = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    mine = rank;
    /* BUG: everyone receives first */
    MPI_Recv(&in, 1, MPI_DOUBLE, (rank + 1) % size, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Send(&mine, 1, MPI_DOUBLE, (rank + size - 1) % size, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("%.12e\n", in);
    MPI_Finalize();
    return 0;
}
