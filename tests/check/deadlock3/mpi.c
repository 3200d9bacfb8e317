/* deadlock3: deliberately broken MPI version of seq.c. The partial sums are combined by a
 * ring shift (size - 1 steps of "send right, receive from left") made of blocking synchronous
 * sends. On even rank counts the sends are ordered by parity and it works; the "odd" path
 * drops the ordering, so every rank sits in MPI_Ssend and nobody receives: it deadlocks at
 * np = 3 (and np = 1 has no steps at all). Within np = 1..4 only np = 3 hangs. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

int main(int argc, char **argv)
{
    prctl(PR_SET_NAME, "cmt_deadlock3", 0, 0, 0); /* lets the tests find leftovers */
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (n < 1) MPI_Abort(MPI_COMM_WORLD, 1);

    long long mine[2] = {0, 0};
    for (long i = rank; i < n; i += size) {
        mine[0] += i;
        mine[1] += (long long)i * i;
    }
    long long total[2] = {mine[0], mine[1]}, carry[2] = {mine[0], mine[1]}, in[2];
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    for (int step = 0; step < size - 1; step++) {
        if (size % 2 == 0 && rank % 2 == 1) {
            MPI_Recv(in, 2, MPI_LONG_LONG, left, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Ssend(carry, 2, MPI_LONG_LONG, right, 0, MPI_COMM_WORLD);
        } else {
            /* BUG: with an odd rank count every rank takes this branch and blocks here. */
            MPI_Ssend(carry, 2, MPI_LONG_LONG, right, 0, MPI_COMM_WORLD);
            MPI_Recv(in, 2, MPI_LONG_LONG, left, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        carry[0] = in[0];
        carry[1] = in[1];
        total[0] += in[0];
        total[1] += in[1];
    }
    if (rank == 0) printf("sum %lld\nsum_sq %lld\n", total[0], total[1]);
    MPI_Finalize();
    return 0;
}
