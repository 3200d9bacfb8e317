/* Spins forever: the test interrupts chatmpi while this runs. */
#include <mpi.h>
int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    for (volatile int i = 0;; i++) {
    }
}
