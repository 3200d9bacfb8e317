/* escape_files: sums of i and i^2 for i < n. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (n < 1) return 1;
    long long s1 = 0, s2 = 0;
    for (long i = 0; i < n; i++) {
        s1 += i;
        s2 += (long long)i * i;
    }
    printf("sum %lld\nsum_sq %lld\n", s1, s2);
    return 0;
}
