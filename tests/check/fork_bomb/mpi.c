/* fork_bomb: a hostile MPI program. After MPI_Init and a barrier (so that every rank is
 * past start-up) every rank forks forever, and so does every child: the process count grows
 * until RLIMIT_NPROC stops it, and nothing ever exits. The harness must end it by its
 * timeout and leave no process behind.
 *
 * Safety nets, so that a broken sandbox cannot take the machine down: the bomb refuses to
 * start (MPI_Abort, hence RUNTIME_ERROR instead of the expected TIMEOUT) when it runs as
 * root or without a finite RLIMIT_NPROC of at most 4096, and every process of it kills itself
 * with alarm(30) should the harness fail to. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    prctl(PR_SET_NAME, "cmt_fork_bomb", 0, 0, 0); /* lets the tests find leftovers */
    MPI_Init(&argc, &argv);
    MPI_Barrier(MPI_COMM_WORLD);

    struct rlimit rl;
    if (getuid() == 0 || geteuid() == 0) {
        fprintf(stderr, "fork_bomb: refusing to fork: running as root (uid %d)\n", (int)getuid());
        MPI_Abort(MPI_COMM_WORLD, 3);
    }
    if (getrlimit(RLIMIT_NPROC, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 4096) {
        fprintf(stderr, "fork_bomb: refusing to fork: RLIMIT_NPROC is not limited to <= 4096\n");
        MPI_Abort(MPI_COMM_WORLD, 3);
    }
    alarm(30);
    for (;;) {
        pid_t pid = fork();
        if (pid == 0)
            alarm(30); /* alarms are not inherited: each child arms its own */
        else if (pid < 0)
            usleep(10000); /* at the limit: keep trying, gently */
    }
}
