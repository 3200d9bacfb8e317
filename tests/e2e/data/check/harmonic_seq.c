#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    double s = 0;
    for (long i = 0; i < n; i++) s += 1.0 / (i + 1);
    printf("%.12e\n", s);
    return 0;
}
