/* gigabyte_stdout: a hostile MPI program. Rank 0 prints the right result and then 1 GiB of
 * "xxxx..." lines to stdout. The harness must cap what it captures and stop the run
 * (RUNTIME_ERROR: output limit), not buffer a gigabyte, and not call it a pass. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

int main(int argc, char **argv)
{
    prctl(PR_SET_NAME, "cmt_gigabyte", 0, 0, 0); /* lets the tests find leftovers */
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
    MPI_Reduce(mine, total, 2, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("sum %lld\nsum_sq %lld\n", total[0], total[1]);
        static char line[65536];
        memset(line, 'x', sizeof line);
        for (size_t i = 63; i < sizeof line; i += 64) line[i] = '\n';
        for (int k = 0; k < 16384; k++) /* 16384 * 64 KiB = 1 GiB */
            if (fwrite(line, 1, sizeof line, stdout) != sizeof line) break;
        fflush(stdout);
    }
    MPI_Finalize();
    return 0;
}
