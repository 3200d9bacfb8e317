/* A sequential program that exits with an error. */
#include <stdio.h>
int main(void)
{
    fprintf(stderr, "seq: cannot allocate\n");
    return 4;
}
