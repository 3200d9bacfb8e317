/* gemm: C = alpha*A*B + beta*C for dense row-major matrices.
 * A is M x K, B is K x N, C is M x N. Sizes: argv[1]=M, argv[2]=N, argv[3]=K. */
#include <stdio.h>
#include <stdlib.h>

/* Closed-form initial values (all positive, so the checksum has no cancellation). */
static double a_val(long i, long k) { return 0.5 + (double)((i * 3 + k * 7) % 11) / 11.0; }
static double b_val(long k, long j) { return 1.0 / (double)(1 + (k + 2 * j) % 13); }
static double c_val(long i, long j) { return 0.25 * (double)((i + j) % 5); }

int main(int argc, char **argv)
{
    long M = argc > 1 ? strtol(argv[1], NULL, 10) : 400;
    long N = argc > 2 ? strtol(argv[2], NULL, 10) : M;
    long K = argc > 3 ? strtol(argv[3], NULL, 10) : M;
    if (M < 1 || N < 1 || K < 1) {
        fprintf(stderr, "gemm: sizes M N K must be >= 1\n");
        return 1;
    }
    const double alpha = 1.5, beta = 0.5;

    double *A = malloc((size_t)(M * K) * sizeof *A);
    double *B = malloc((size_t)(K * N) * sizeof *B);
    double *C = malloc((size_t)(M * N) * sizeof *C);
    if (!A || !B || !C) {
        fprintf(stderr, "gemm: out of memory\n");
        return 1;
    }
    for (long i = 0; i < M; i++)
        for (long k = 0; k < K; k++)
            A[i * K + k] = a_val(i, k);
    for (long k = 0; k < K; k++)
        for (long j = 0; j < N; j++)
            B[k * N + j] = b_val(k, j);
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++)
            C[i * N + j] = c_val(i, j);

    /* i-k-j loop order: the inner loop streams through a row of B and a row of C. */
    for (long i = 0; i < M; i++) {
        double *ci = C + i * N;
        for (long j = 0; j < N; j++)
            ci[j] *= beta;
        for (long k = 0; k < K; k++) {
            double aik = alpha * A[i * K + k];
            const double *bk = B + k * N;
            for (long j = 0; j < N; j++)
                ci[j] += aik * bk[j];
        }
    }

    /* Small results: the whole matrix. Large: checksum plus 64 sampled elements. */
    if (M * N <= 4096) {
        for (long i = 0; i < M; i++) {
            for (long j = 0; j < N; j++)
                printf("%.10e%c", C[i * N + j], j + 1 < N ? ' ' : '\n');
        }
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
