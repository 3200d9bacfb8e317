/* escape_files: a hostile MPI program. Every rank tries to create a file named
 * chatmpi_escape_test outside its own directory: in /tmp, /var/tmp, /dev/shm, $HOME, /root,
 * /work, /, the parent directories of its working directory, and the directory given as
 * argv[2] (the tests pass the pair's own source directory). It says nothing about the
 * attempts and then prints the right result, so the verdict is PASS; the tests check that no
 * such file appears anywhere outside the sandbox. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

static void try_create(const char *dir)
{
    char path[4096];
    if (!dir || !*dir) return;
    int len = snprintf(path, sizeof path, "%s/chatmpi_escape_test", dir);
    if (len < 0 || (size_t)len >= sizeof path) return;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) return;
    if (write(fd, "escaped\n", 8) < 0) { /* nothing to do */
    }
    close(fd);
}

int main(int argc, char **argv)
{
    prctl(PR_SET_NAME, "cmt_escape", 0, 0, 0); /* lets the tests find leftovers */
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (n < 1) MPI_Abort(MPI_COMM_WORLD, 1);

    const char *dirs[] = {"/tmp", "/var/tmp", "/dev/shm", getenv("HOME"), "/root", "/work", "/",
                          "..", "../..", "../../..", argc > 2 ? argv[2] : NULL};
    for (size_t k = 0; k < sizeof dirs / sizeof dirs[0]; k++) try_create(dirs[k]);

    long long mine[2] = {0, 0}, total[2];
    for (long i = rank; i < n; i += size) {
        mine[0] += i;
        mine[1] += (long long)i * i;
    }
    MPI_Reduce(mine, total, 2, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("sum %lld\nsum_sq %lld\n", total[0], total[1]);
    MPI_Finalize();
    return 0;
}
