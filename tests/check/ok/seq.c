/* ok: a correct pair. b[i] = 0.5 * a[i] + i * i with a[i] = 3 i + 1; prints b and its sum. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (n < 1) return 1;
    double sum = 0.0;
    for (long i = 0; i < n; i++) {
        double a = 3.0 * (double)i + 1.0;
        double b = 0.5 * a + (double)i * (double)i;
        printf("%.6f\n", b);
        sum += b;
    }
    printf("sum %.6f\n", sum);
    return 0;
}
