#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int r, p; MPI_Comm_rank(MPI_COMM_WORLD, &r); MPI_Comm_size(MPI_COMM_WORLD, &p);
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    long lo = r * (n / p) + (r < n % p ? r : n % p), cnt = n / p + (r < n % p);
    double s = 0, t;
    for (long i = lo; i < lo + cnt; i++) s += 1.0 / (i + 1);
    MPI_Reduce(&s, &t, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (!r) printf("%.12e\n", t);
    MPI_Finalize();
    return 0;
}
