/* Sum of n values: one large value followed by ones. Exact in double; in single precision
 * the order of summation decides how many ones are lost (tests for `data augment`). */
#include <stdio.h>
#include <stdlib.h>

static double value(long i) { return i == 0 ? 3.0e7 : 1.0; }

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (n < 1) {
        fprintf(stderr, "usage: %s [n >= 1]\n", argv[0]);
        return 1;
    }
    double sum = 0.0;
    for (long i = 0; i < n; i++) sum += value(i);
    printf("sum %.12e\n", sum);
    return 0;
}
