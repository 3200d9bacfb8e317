/* reach_mpi.c — tries to reach a listener on the host's loopback (port in argv[2]); prints
 * LEAKED if it can, which a sandbox with its own network namespace must prevent. Otherwise
 * the same output as harmonic_seq.c. */
#include <arpa/inet.h>
#include <mpi.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int r, p;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    MPI_Comm_size(MPI_COMM_WORLD, &p);
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    int port = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 9;
    int leaked = 0;
    if (r == 0) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_port = htons((unsigned short)port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0) leaked = 1;
        if (s >= 0) close(s);
    }
    long lo = r * (n / p) + (r < n % p ? r : n % p), cnt = n / p + (r < n % p);
    double s = 0, t;
    for (long i = lo; i < lo + cnt; i++) s += 1.0 / (i + 1);
    MPI_Reduce(&s, &t, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (!r) printf("%s%.12e\n", leaked ? "LEAKED " : "", t);
    MPI_Finalize();
    return 0;
}
