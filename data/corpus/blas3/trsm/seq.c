/* trsm: solve A * X = B for X, where A is M x M lower-triangular and B is M x N with many
 * right-hand-side columns (row-major). Forward substitution overwrites B with X.
 * Sizes: argv[1]=M, argv[2]=N. */
#include <stdio.h>
#include <stdlib.h>

/* Diagonally dominant with non-positive off-diagonals, so X stays positive for B > 0. */
static double a_val(long i, long k)
{
    if (k == i)
        return 2.0 + 0.5 * (double)(i % 3);
    return -1.0 / (double)((i + 1) * (1 + (i + k) % 4));
}
static double b_val(long i, long j) { return 1.0 + 0.5 * (double)((i + 2 * j) % 7); }

int main(int argc, char **argv)
{
    long M = argc > 1 ? strtol(argv[1], NULL, 10) : 600;
    long N = argc > 2 ? strtol(argv[2], NULL, 10) : M;
    if (M < 1 || N < 1) {
        fprintf(stderr, "trsm: sizes M N must be >= 1\n");
        return 1;
    }
    double *A = calloc((size_t)(M * M), sizeof *A);
    double *B = malloc((size_t)(M * N) * sizeof *B);
    if (!A || !B) {
        fprintf(stderr, "trsm: out of memory\n");
        return 1;
    }
    for (long i = 0; i < M; i++)
        for (long k = 0; k <= i; k++)
            A[i * M + k] = a_val(i, k);
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++)
            B[i * N + j] = b_val(i, j);

    /* Row i of X: (B[i] - sum_{k<i} A[i][k] * X[k]) / A[i][i], for all columns at once. */
    for (long i = 0; i < M; i++) {
        double *xi = B + i * N;
        for (long k = 0; k < i; k++) {
            double aik = A[i * M + k];
            const double *xk = B + k * N;
            for (long j = 0; j < N; j++)
                xi[j] -= aik * xk[j];
        }
        double inv = 1.0 / A[i * M + i];
        for (long j = 0; j < N; j++)
            xi[j] *= inv;
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
        for (long t = 0; t < 64; t++) {
            long idx = t * (M * N - 1) / 63;
            printf("X[%ld][%ld] = %.10e\n", idx / N, idx % N, B[idx]);
        }
    }
    free(A);
    free(B);
    return 0;
}
