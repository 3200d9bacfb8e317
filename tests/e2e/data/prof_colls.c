/* prof_colls.c — every wrapped collective once (some with MPI_IN_PLACE), plus Sendrecv and
 * Sendrecv_replace, on exactly 3 ranks; tests/e2e/test_profiler.sh checks the bytes that
 * docs/profiler.md's convention gives for each. Rank 0 prints a checksum of all results. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int a[64], b[64], i, rank, size;
    int c123[3] = {1, 2, 3}, d013[3] = {0, 1, 3}, rcv[3], rdis[3];
    double d[4] = {1, 2, 3, 4}, e = 0.5, f = 0;
    long long sum = 0, total = 0;
    MPI_Request r[3];
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 3) MPI_Abort(MPI_COMM_WORLD, 2);
    int next = (rank + 1) % 3, prev = (rank + 2) % 3;
#define FILL() for (i = 0; i < 64; i++) a[i] = rank * 100 + i, b[i] = 0
#define SUM(n) for (i = 0; i < (n); i++) sum = sum * 31 % 1000000007 + b[i]
    FILL();
    MPI_Scatter(a, 2, MPI_INT, b, 2, MPI_INT, 0, MPI_COMM_WORLD);
    SUM(2);
    MPI_Scatterv(a, c123, d013, MPI_INT, b, rank + 1, MPI_INT, 1, MPI_COMM_WORLD);
    SUM(rank + 1);
    if (rank == 0) MPI_Gatherv(MPI_IN_PLACE, 0, MPI_INT, a, c123, d013, MPI_INT, 0, MPI_COMM_WORLD);
    else MPI_Gatherv(a, rank + 1, MPI_INT, NULL, NULL, NULL, MPI_INT, 0, MPI_COMM_WORLD);
    for (i = 0; i < 6; i++) b[i] = a[i];
    SUM(6);
    FILL();
    if (rank == 0) MPI_Gather(MPI_IN_PLACE, 2, MPI_INT, a, 2, MPI_INT, 0, MPI_COMM_WORLD);
    else MPI_Gather(a, 2, MPI_INT, NULL, 2, MPI_INT, 0, MPI_COMM_WORLD);
    FILL();
    for (i = 0; i < 2; i++) a[2 * rank + i] = rank * 7 + i;
    MPI_Allgather(MPI_IN_PLACE, 0, MPI_INT, a, 2, MPI_INT, MPI_COMM_WORLD);
    for (i = 0; i < 6; i++) b[i] = a[i];
    SUM(6);
    FILL();
    MPI_Allgatherv(a, rank + 1, MPI_INT, b, c123, d013, MPI_INT, MPI_COMM_WORLD);
    SUM(6);
    MPI_Alltoall(a, 2, MPI_INT, b, 2, MPI_INT, MPI_COMM_WORLD);
    SUM(6);
    for (i = 0; i < 3; i++) rcv[i] = rank + 1, rdis[i] = i * (rank + 1);
    MPI_Alltoallv(a, c123, d013, MPI_INT, b, rcv, rdis, MPI_INT, MPI_COMM_WORLD);
    SUM(3 * (rank + 1));
    MPI_Reduce_scatter(a, b, c123, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    SUM(rank + 1);
    MPI_Reduce_scatter_block(a, b, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    SUM(2);
    MPI_Scan(a, b, 3, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    SUM(3);
    MPI_Exscan(a, b, 3, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank > 0) SUM(3);
    MPI_Sendrecv(a, 5, MPI_INT, next, 0, b, 5, MPI_INT, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    SUM(5);
    MPI_Sendrecv_replace(a, 3, MPI_INT, prev, 1, next, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (i = 0; i < 3; i++) b[i] = a[i];
    SUM(3);
    FILL();
    MPI_Ibcast(a, 4, MPI_INT, 0, MPI_COMM_WORLD, &r[0]);
    MPI_Iallreduce(MPI_IN_PLACE, d, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &r[1]);
    MPI_Ireduce(&e, &f, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD, &r[2]);
    MPI_Waitall(3, r, MPI_STATUSES_IGNORE);
    for (i = 0; i < 4; i++) b[i] = a[i];
    b[4] = (int)d[0], b[5] = (int)d[1], b[6] = (int)(f * 2);
    SUM(7);
    MPI_Ibarrier(MPI_COMM_WORLD, &r[0]);
    MPI_Wait(&r[0], MPI_STATUS_IGNORE);
    MPI_Reduce(&sum, &total, 1, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("checksum %lld\n", total);
    MPI_Finalize();
    return 0;
}
