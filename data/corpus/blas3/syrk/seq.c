/* syrk: C = A * A^T for an N x K row-major matrix A. C is symmetric, so only its lower
 * triangle (j <= i) is computed; it is stored packed, row by row: C(i,j) at i(i+1)/2 + j.
 * Sizes: argv[1]=N, argv[2]=K. */
#include <stdio.h>
#include <stdlib.h>

static double a_val(long i, long k) { return 0.1 + (double)((i * 7 + k * 11) % 17) / 16.0; }

int main(int argc, char **argv)
{
    long N = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
    long K = argc > 2 ? strtol(argv[2], NULL, 10) : N;
    if (N < 1 || K < 1) {
        fprintf(stderr, "syrk: sizes N K must be >= 1\n");
        return 1;
    }
    long T = N * (N + 1) / 2;                 /* entries in the lower triangle */
    double *A = malloc((size_t)(N * K) * sizeof *A);
    double *C = malloc((size_t)T * sizeof *C);
    if (!A || !C) {
        fprintf(stderr, "syrk: out of memory\n");
        return 1;
    }
    for (long i = 0; i < N; i++)
        for (long k = 0; k < K; k++)
            A[i * K + k] = a_val(i, k);

    /* C(i,j) is the dot product of rows i and j of A. */
    for (long i = 0; i < N; i++) {
        const double *ai = A + i * K;
        for (long j = 0; j <= i; j++) {
            const double *aj = A + j * K;
            double s = 0.0;
            for (long k = 0; k < K; k++)
                s += ai[k] * aj[k];
            C[i * (i + 1) / 2 + j] = s;
        }
    }

    if (N <= 40) {
        for (long i = 0; i < N; i++)
            for (long j = 0; j <= i; j++)
                printf("%.10e%c", C[i * (i + 1) / 2 + j], j < i ? ' ' : '\n');
    } else {
        double sum = 0.0;
        for (long p = 0; p < T; p++)
            sum += C[p];
        printf("checksum %.12e\n", sum);
        for (long t = 0; t < 64; t++) {
            long p = t * (T - 1) / 63, i = 0;
            while ((i + 1) * (i + 2) / 2 <= p)   /* row of packed index p */
                i++;
            printf("C[%ld][%ld] = %.10e\n", i, p - i * (i + 1) / 2, C[p]);
        }
    }
    free(A);
    free(C);
    return 0;
}
