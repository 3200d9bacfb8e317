/* syr2k: C = alpha*(A*B^T + B*A^T) + beta*C on the lower triangle of the N x N matrix C,
 * with A and B of size N x K (row-major). The strict upper triangle of C is not touched.
 * Sizes: argv[1]=N, argv[2]=K. */
#include <stdio.h>
#include <stdlib.h>

static double a_val(long i, long k) { return 0.2 + (double)((2 * i + 5 * k) % 9) / 9.0; }
static double b_val(long i, long k) { return 1.0 / (double)(2 + (i + 3 * k) % 7); }
static double c_val(long i, long j) { return 1.0 + 0.01 * (double)((i * j) % 23); }

int main(int argc, char **argv)
{
    long N = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
    long K = argc > 2 ? strtol(argv[2], NULL, 10) : N;
    if (N < 1 || K < 1) {
        fprintf(stderr, "syr2k: sizes N K must be >= 1\n");
        return 1;
    }
    const double alpha = 0.5, beta = 1.5;
    double *A = malloc((size_t)(N * K) * sizeof *A);
    double *B = malloc((size_t)(N * K) * sizeof *B);
    double *C = malloc((size_t)(N * N) * sizeof *C);
    if (!A || !B || !C) {
        fprintf(stderr, "syr2k: out of memory\n");
        return 1;
    }
    for (long i = 0; i < N; i++)
        for (long k = 0; k < K; k++) {
            A[i * K + k] = a_val(i, k);
            B[i * K + k] = b_val(i, k);
        }
    for (long i = 0; i < N; i++)
        for (long j = 0; j < N; j++)
            C[i * N + j] = c_val(i, j);

    /* C(i,j) for j <= i: two row-by-row dot products fused in one loop. */
    for (long i = 0; i < N; i++) {
        const double *ai = A + i * K, *bi = B + i * K;
        for (long j = 0; j <= i; j++) {
            const double *aj = A + j * K, *bj = B + j * K;
            double s = 0.0;
            for (long k = 0; k < K; k++)
                s += ai[k] * bj[k] + bi[k] * aj[k];
            C[i * N + j] = alpha * s + beta * C[i * N + j];
        }
    }

    if (N <= 40) {
        for (long i = 0; i < N; i++)
            for (long j = 0; j <= i; j++)
                printf("%.10e%c", C[i * N + j], j < i ? ' ' : '\n');
    } else {
        /* Checksum of the lower triangle, then three entries of 32 sampled rows. */
        double sum = 0.0;
        for (long i = 0; i < N; i++)
            for (long j = 0; j <= i; j++)
                sum += C[i * N + j];
        printf("checksum %.12e\n", sum);
        for (long t = 0; t < 32; t++) {
            long i = t * (N - 1) / 31;
            printf("row %ld: %.10e %.10e %.10e\n", i, C[i * N], C[i * N + i / 2], C[i * N + i]);
        }
    }
    free(A);
    free(B);
    free(C);
    return 0;
}
