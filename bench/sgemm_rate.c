/* sgemm_rate.c — the machine's matrix-product ceiling for the training benchmark: OpenBLAS
 * cblas_sgemm GFLOP/s at a thread count, best of 3, for a product shaped like training's
 * (tokens x dim times dim x ffn: 1024 x 768 x 2048, and 1536^3).
 * Usage: sgemm_rate THREADS   (built and run by bench/bench_train.sh). Not a test. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double rate(int m, int n, int k)
{
    float *a = malloc((size_t)m * k * sizeof(float)), *b = malloc((size_t)k * n * sizeof(float)),
          *c = malloc((size_t)m * n * sizeof(float));
    for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < (size_t)k * n; i++) b[i] = (float)(i % 5) * 0.1f;
    double best = 0;
    for (int r = 0; r < 4; r++) { /* the first run warms the threads and buffers */
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1, a, k, b, k, 0, c, n);
        double g = 2.0 * m * n * k / (now() - t0) / 1e9;
        if (r > 0 && g > best) best = g;
    }
    free(a), free(b), free(c);
    return best;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1; /* bench input, not untrusted */
    if (threads < 1) threads = 1;
    openblas_set_num_threads(threads);
    double g1 = rate(1024, 2048, 768), g2 = rate(1536, 1536, 1536);
    printf("%.1f\n", g1 > g2 ? g1 : g2);
    return 0;
}
