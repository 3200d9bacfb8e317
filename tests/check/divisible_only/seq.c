/* divisible_only: squares s[i] = (i + 1)^2 and their sum. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (n < 1) return 1;
    double sum = 0.0;
    for (long i = 0; i < n; i++) {
        double s = (double)(i + 1) * (double)(i + 1);
        printf("%.1f\n", s);
        sum += s;
    }
    printf("sum %.1f\n", sum);
    return 0;
}
