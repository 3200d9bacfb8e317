/* Sparse matrix-vector product y = A x with A stored in DIA (diagonal) format.
 * A is an n x n tridiagonal matrix; DIA keeps the offsets {-1, 0, +1} and one array of length n
 * per diagonal, indexed by row (data[d*n + i] = A[i][i + off[d]], zero where that column falls
 * outside the matrix). The product is repeated `reps` times (for timing).
 * Usage: dia_tridiag [n] [reps]                                                                */
#include <stdio.h>
#include <stdlib.h>

#define NDIAG 3
static const long off[NDIAG] = {-1, 0, 1};

/* A[i][i+o] for o in {-1, 0, 1} */
static double a_entry(long i, long o)
{
    if (o == 0)
        return 2.5 + (double)(i % 7) * 0.05;
    if (o < 0)
        return -1.0 - (double)(i % 3) * 0.1;
    return -0.75 + (double)(i % 4) * 0.0625;
}

static double x_entry(long j) { return 2.0 - (double)(j % 6) * 0.125; }

static void print_y(const double *y, long n)
{
    if (n <= 64) {
        for (long i = 0; i < n; i++)
            printf("%.12e\n", y[i]);
        return;
    }
    double sum = 0.0, wsum = 0.0;
    for (long i = 0; i < n; i++) {
        sum += y[i];
        wsum += (double)(1 + i % 7) * y[i];
    }
    printf("sum %.12e\nwsum %.12e\n", sum, wsum);
    long step = n / 32;
    for (long i = 0; i < n; i += step)
        printf("y[%ld] %.12e\n", i, y[i]);
    printf("y[%ld] %.12e\n", n - 1, y[n - 1]);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [n >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }

    double *data = malloc((size_t)(NDIAG * n) * sizeof *data);
    for (int d = 0; d < NDIAG; d++)
        for (long i = 0; i < n; i++) {
            long j = i + off[d];
            data[d * n + i] = (j >= 0 && j < n) ? a_entry(i, off[d]) : 0.0;
        }

    double *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)n * sizeof *y);
    for (long j = 0; j < n; j++)
        x[j] = x_entry(j);

    /* DIA product: one unit-stride sweep per diagonal over the rows where it exists. */
    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < n; i++)
            y[i] = 0.0;
        for (int d = 0; d < NDIAG; d++) {
            long o = off[d];
            long ilo = o < 0 ? -o : 0, ihi = o > 0 ? n - o : n;
            for (long i = ilo; i < ihi; i++)
                y[i] += data[d * n + i] * x[i + o];
        }
    }

    print_y(y, n);
    free(data);
    free(x);
    free(y);
    return 0;
}
