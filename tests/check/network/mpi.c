/* network: a hostile MPI program. Rank 0 makes one TCP connection attempt to a public
 * address (1.1.1.1 port 80) and one to 127.0.0.1 port 9, each non-blocking with a 1 s limit,
 * never retried; then every rank computes and rank 0 prints the right result, saying nothing
 * about the connections. The harness must keep the traffic in and must not hang. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <mpi.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void try_connect(const char *ip, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) return;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, ip, &sa.sin_addr) == 1 &&
        connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        (void)poll(&p, 1, 1000);
    }
    close(fd);
}

int main(int argc, char **argv)
{
    prctl(PR_SET_NAME, "cmt_network", 0, 0, 0); /* lets the tests find leftovers */
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (n < 1) MPI_Abort(MPI_COMM_WORLD, 1);

    if (rank == 0) {
        try_connect("1.1.1.1", 80);
        try_connect("127.0.0.1", 9);
    }
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
