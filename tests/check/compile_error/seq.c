/* compile_error: the sum and maximum of f(i) = (7 i) % 11 for i < n. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (n < 1) return 1;
    long sum = 0, max = 0;
    for (long i = 0; i < n; i++) {
        long f = (7 * i) % 11;
        sum += f;
        if (f > max) max = f;
    }
    printf("sum %ld max %ld\n", sum, max);
    return 0;
}
