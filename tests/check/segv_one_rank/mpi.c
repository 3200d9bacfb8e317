/* segv_one_rank: deliberately broken MPI version of seq.c. Rank 1 writes through a NULL
 * pointer (a volatile pointer to volatile memory, so the compiler keeps the store) before the
 * reduction: a segmentation fault at np >= 2; np = 1 has no rank 1 and is right. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

int main(int argc, char **argv)
{
    prctl(PR_SET_NAME, "cmt_segv", 0, 0, 0); /* lets the tests find leftovers */
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (n < 1) MPI_Abort(MPI_COMM_WORLD, 1);

    long long mine[2] = {0, 0}, total[2];
    for (long i = rank; i < n; i += size) {
        mine[0] += i;
        mine[1] += (long long)i * i;
    }
    if (rank == 1) {
        volatile long long *volatile p = NULL;
        *p = mine[0]; /* BUG: NULL dereference */
    }
    MPI_Reduce(mine, total, 2, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("sum %lld\nsum_sq %lld\n", total[0], total[1]);
    MPI_Finalize();
    return 0;
}
