/* gemm_float: single-precision C = alpha*A*B + beta*C, row-major.
 * A is M x K, B is K x N, C is M x N. Sizes: argv[1]=M, argv[2]=N, argv[3]=K.
 * Inputs come from an integer hash; the checksum is accumulated in double. */
#include <stdio.h>
#include <stdlib.h>

/* Closed-form inputs built from a small integer hash, scaled into [0.25, 1.25). */
static float hashval(long a, long b, long salt)
{
    unsigned long h = (unsigned long)(a * 73856093L) ^ (unsigned long)(b * 19349663L) ^ (unsigned long)salt;
    h = (h ^ (h >> 13)) * 0x5bd1e995UL;
    return 0.25f + (float)(h % 1000UL) / 1000.0f;
}

int main(int argc, char **argv)
{
    long M = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
    long N = argc > 2 ? strtol(argv[2], NULL, 10) : M;
    long K = argc > 3 ? strtol(argv[3], NULL, 10) : M;
    if (M < 1 || N < 1 || K < 1) {
        fprintf(stderr, "gemm_float: sizes M N K must be >= 1\n");
        return 1;
    }
    const float alpha = 0.75f, beta = 2.0f;

    float *A = malloc((size_t)(M * K) * sizeof *A);
    float *B = malloc((size_t)(K * N) * sizeof *B);
    float *C = malloc((size_t)(M * N) * sizeof *C);
    if (!A || !B || !C) {
        fprintf(stderr, "gemm_float: out of memory\n");
        return 1;
    }
    for (long i = 0; i < M; i++)
        for (long k = 0; k < K; k++)
            A[i * K + k] = hashval(i, k, 1);
    for (long k = 0; k < K; k++)
        for (long j = 0; j < N; j++)
            B[k * N + j] = hashval(k, j, 2);
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++)
            C[i * N + j] = hashval(i, j, 3);

    for (long idx = 0; idx < M * N; idx++)
        C[idx] *= beta;
    /* i-k-j order: the inner loop streams along a row of B and a row of C. */
    for (long i = 0; i < M; i++) {
        float *ci = C + i * N;
        for (long k = 0; k < K; k++) {
            float aik = alpha * A[i * K + k];
            const float *bk = B + k * N;
            for (long j = 0; j < N; j++)
                ci[j] += aik * bk[j];
        }
    }

    /* Small results: every element. Large: a double-precision checksum and 50 samples. */
    if (M * N <= 2500) {
        for (long idx = 0; idx < M * N; idx++)
            printf("%.6e\n", C[idx]);
    } else {
        double sum = 0.0;
        for (long idx = 0; idx < M * N; idx++)
            sum += C[idx];
        printf("checksum %.9e\n", sum);
        for (long t = 0; t < 50; t++) {
            long idx = t * (M * N - 1) / 49;
            printf("%ld %ld %.6e\n", idx / N, idx % N, C[idx]);
        }
    }
    free(A);
    free(B);
    free(C);
    return 0;
}
