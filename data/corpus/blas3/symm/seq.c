/* symm: C = A * B where A is an M x M symmetric matrix of which only the lower triangle
 * is stored (the upper half is read through symmetry), B is M x N, C is M x N, row-major.
 * Sizes: argv[1]=M, argv[2]=N. */
#include <stdio.h>
#include <stdlib.h>

/* Lower-triangle entry A[i][k], k <= i. */
static double a_low(long i, long k) { return 2.0 / (double)(2 + i - k) + 0.05 * (double)((i + k) % 3); }
static double b_val(long k, long j) { return 0.5 + (double)((3 * k + j) % 10) * 0.1; }

int main(int argc, char **argv)
{
    long M = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
    long N = argc > 2 ? strtol(argv[2], NULL, 10) : M;
    if (M < 1 || N < 1) {
        fprintf(stderr, "symm: sizes M N must be >= 1\n");
        return 1;
    }
    double *A = calloc((size_t)(M * M), sizeof *A);   /* only k <= i is filled */
    double *B = malloc((size_t)(M * N) * sizeof *B);
    double *C = calloc((size_t)(M * N), sizeof *C);
    if (!A || !B || !C) {
        fprintf(stderr, "symm: out of memory\n");
        return 1;
    }
    for (long i = 0; i < M; i++)
        for (long k = 0; k <= i; k++)
            A[i * M + k] = a_low(i, k);
    for (long k = 0; k < M; k++)
        for (long j = 0; j < N; j++)
            B[k * N + j] = b_val(k, j);

    /* C[i][:] = sum_k A(i,k) * B[k][:], with A(i,k) = A[k][i] when k > i. */
    for (long i = 0; i < M; i++) {
        double *ci = C + i * N;
        for (long k = 0; k < M; k++) {
            double aik = k <= i ? A[i * M + k] : A[k * M + i];
            const double *bk = B + k * N;
            for (long j = 0; j < N; j++)
                ci[j] += aik * bk[j];
        }
    }

    if (M * N <= 4096) {
        for (long i = 0; i < M; i++)
            for (long j = 0; j < N; j++)
                printf("%.10e%c", C[i * N + j], j + 1 < N ? ' ' : '\n');
    } else {
        double sum = 0.0;
        for (long idx = 0; idx < M * N; idx++)
            sum += C[idx];
        printf("checksum %.12e\n", sum);
        for (long t = 0; t < 64; t++) {
            long idx = t * (M * N - 1) / 63;
            printf("C[%ld][%ld] = %.10e\n", idx / N, idx % N, C[idx]);
        }
    }
    free(A);
    free(B);
    free(C);
    return 0;
}
