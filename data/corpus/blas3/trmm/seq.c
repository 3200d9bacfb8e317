/* trmm: B = alpha * A * B, where A is an M x M lower-triangular matrix and B is M x N
 * (row-major, B overwritten in place). Sizes: argv[1]=M, argv[2]=N. */
#include <stdio.h>
#include <stdlib.h>

static double a_val(long i, long k) { return 1.0 / (double)(1 + i - k) + 0.01 * (double)(k % 4); }
static double b_val(long i, long j) { return 1.0 + (double)((i * 5 + j * 3) % 9) / 8.0; }

int main(int argc, char **argv)
{
    long M = argc > 1 ? strtol(argv[1], NULL, 10) : 600;
    long N = argc > 2 ? strtol(argv[2], NULL, 10) : M;
    if (M < 1 || N < 1) {
        fprintf(stderr, "trmm: sizes M N must be >= 1\n");
        return 1;
    }
    const double alpha = 0.5;

    double *A = calloc((size_t)(M * M), sizeof *A);   /* upper triangle stays zero */
    double *B = malloc((size_t)(M * N) * sizeof *B);
    double *acc = malloc((size_t)N * sizeof *acc);
    if (!A || !B || !acc) {
        fprintf(stderr, "trmm: out of memory\n");
        return 1;
    }
    for (long i = 0; i < M; i++)
        for (long k = 0; k <= i; k++)
            A[i * M + k] = a_val(i, k);
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++)
            B[i * N + j] = b_val(i, j);

    /* Row i of the result needs rows 0..i of the original B, so walk the rows from the
     * bottom up: the rows above i are still unmodified when row i is overwritten. */
    for (long i = M - 1; i >= 0; i--) {
        for (long j = 0; j < N; j++)
            acc[j] = 0.0;
        for (long k = 0; k <= i; k++) {
            double aik = A[i * M + k];
            const double *bk = B + k * N;
            for (long j = 0; j < N; j++)
                acc[j] += aik * bk[j];
        }
        for (long j = 0; j < N; j++)
            B[i * N + j] = alpha * acc[j];
    }

    if (M * N <= 4096) {
        for (long i = 0; i < M; i++)
            for (long j = 0; j < N; j++)
                printf("%.10e%c", B[i * N + j], j + 1 < N ? ' ' : '\n');
    } else {
        double sum = 0.0;
        for (long idx = 0; idx < M * N; idx++)
            sum += B[idx];
        printf("checksum %.12e\n", sum);
        for (long t = 0; t < 60; t++) {
            long idx = t * (M * N - 1) / 59;
            printf("B[%ld][%ld] = %.10e\n", idx / N, idx % N, B[idx]);
        }
    }
    free(A);
    free(B);
    free(acc);
    return 0;
}
