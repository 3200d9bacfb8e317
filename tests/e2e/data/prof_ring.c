/* prof_ring.c — an MPI program with a known amount of communication, for
 * tests/e2e/test_profiler.sh. Per rank (any number of ranks P >= 2):
 *   one MPI_Isend of 100 doubles to the next rank (+ MPI_Recv, MPI_Wait);
 *   one MPI_Send of 9 ints to MPI_PROC_NULL (a call, not a message);
 *   a persistent MPI_Send_init of 4 doubles to the previous rank, started twice
 *     (MPI_Start + MPI_Wait + MPI_Recv each time), then MPI_Request_free;
 *   one MPI_Allreduce of 7 doubles, one MPI_Bcast of 5 ints from rank 0,
 *   one MPI_Gather of 3 ints to rank 0, one MPI_Barrier.
 * Rank 0 prints the results; other ranks print nothing. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    double out[100], in[100], sums[7], part[7], pout[4], pin[4];
    int rank, size, i, b[5] = {0}, g[3], all[3 * 64], junk[9] = {0};
    MPI_Request req;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    for (i = 0; i < 100; i++) out[i] = rank * 1000.0 + i;
    MPI_Isend(out, 100, MPI_DOUBLE, next, 1, MPI_COMM_WORLD, &req);
    MPI_Recv(in, 100, MPI_DOUBLE, prev, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    MPI_Send(junk, 9, MPI_INT, MPI_PROC_NULL, 2, MPI_COMM_WORLD);
    MPI_Send_init(pout, 4, MPI_DOUBLE, prev, 3, MPI_COMM_WORLD, &req);
    double psum = 0;
    for (int round = 0; round < 2; round++) {
        for (i = 0; i < 4; i++) pout[i] = rank + round + i * 0.5;
        MPI_Start(&req);
        MPI_Recv(pin, 4, MPI_DOUBLE, next, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        for (i = 0; i < 4; i++) psum += pin[i];
    }
    MPI_Request_free(&req);
    for (i = 0; i < 7; i++) part[i] = in[i] + rank * i;
    MPI_Allreduce(part, sums, 7, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        for (i = 0; i < 5; i++) b[i] = 10 * i + 1;
    MPI_Bcast(b, 5, MPI_INT, 0, MPI_COMM_WORLD);
    for (i = 0; i < 3; i++) g[i] = rank * b[i + 1];
    MPI_Gather(g, 3, MPI_INT, all, 3, MPI_INT, 0, MPI_COMM_WORLD);
    double psum_all = 0;
    MPI_Reduce(&psum, &psum_all, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        for (i = 0; i < 7; i++) printf("%.1f\n", sums[i]);
        for (i = 0; i < 3 * size && i < 3 * 64; i++) printf("%d ", all[i]);
        printf("\npsum %.2f\n", psum_all);
    }
    MPI_Finalize();
    return 0;
}
