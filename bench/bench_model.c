/* bench_model.c — speed of the llama runtime beside the machine's ceilings.
 *
 * Usage: bench_model THREADS MODEL.gguf...   (built and run by bench/bench_model.sh)
 * Prints, for the thread count: the memory bandwidth of a streaming read of a 512 MiB
 * buffer and cblas_sgemm's GFLOP/s (OpenBLAS at that thread count, 1536^3); then for each
 * model the decode speed (tokens/s over 32 single-token steps after a 1-token prompt,
 * best of $BENCH_REPS, default 3) for each kernel set of $BENCH_SIMD (comma-separated,
 * default the set in use; the sets take turns, and "ratio" is each one's speed over the
 * first's; at 1 thread also by the thread's CPU time, "cpu dec/s", which other jobs on a
 * shared machine disturb far less than the clock), with the weight bytes it streams as a fraction of the bandwidth (small models
 * partly stay in the caches, so this can pass 100%), and the prompt speed (one 128-token
 * batch) with its FLOPs (blocks, attention, the last token's output) as a fraction of the
 * sgemm rate. The bandwidth is measured again at the end, to show how much the load moved.
 * At 1 thread it first times the row-dot kernels alone on a matrix in or near the L2 cache,
 * for each set: their ceiling when memory is not the limit.
 * Not a test: it prints a table and does not fail on speed.
 */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "model/matmul.h"
#include "model/model.h"
#include "tensor/tensor.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of the calling thread: what it computed, not what other jobs took (the machine is shared). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double bandwidth_gbs(int threads)
{
    size_t n = (512u << 20) / sizeof(float);
    float *a = malloc(n * sizeof(float));
#pragma omp parallel for num_threads(threads)
    for (size_t i = 0; i < n; i++) a[i] = (float)(i & 1023);
    double best = 0, sink = 0;
    for (int r = 0; r < 4; r++) {
        double t0 = now(), s = 0;
#pragma omp parallel for num_threads(threads) reduction(+ : s)
        for (size_t c = 0; c < n / 4096; c++) { /* 16 independent sums: vectorized, not latency-bound */
            float acc[16] = {0};
            for (size_t i = c * 4096; i < (c + 1) * 4096; i += 16)
                for (int k = 0; k < 16; k++) acc[k] += a[i + k];
            for (int k = 0; k < 16; k++) s += acc[k];
        }
        double dt = now() - t0;
        sink += s;
        if (n * sizeof(float) / dt / 1e9 > best) best = n * sizeof(float) / dt / 1e9;
    }
    free(a);
    if (sink == 42) printf(" ");
    return best;
}

static double sgemm_gflops(int threads)
{
    int n = 1536;
    float *a = malloc((size_t)n * n * sizeof(float)), *b = malloc((size_t)n * n * sizeof(float)),
          *c = malloc((size_t)n * n * sizeof(float));
    for (size_t i = 0; i < (size_t)n * n; i++) a[i] = (float)(i % 7) * 0.1f, b[i] = (float)(i % 5) * 0.1f;
    openblas_set_num_threads(threads);
    double best = 0;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        double g = 2.0 * n * n * n / (now() - t0) / 1e9;
        if (g > best) best = g;
    }
    openblas_set_num_threads(1);
    free(a), free(b), free(c);
    return best;
}

/* Bytes of weights one decode step reads: every matrix, the output, one embedding row. */
static double step_bytes(const struct llama_model *m)
{
    double b = 0;
    for (uint32_t l = 0; l < m->hp.n_layer; l++) {
        const struct llama_layer *L = &m->layers[l];
        const struct llama_weight *w[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->w_gate, &L->w_up, &L->w_down};
        for (int i = 0; i < 7; i++) b += (double)w[i]->row_bytes * w[i]->n_out;
    }
    return b + (double)m->output.row_bytes * m->output.n_out + m->tok_embd.row_bytes;
}

/* FLOPs of a prompt of T tokens: 2 per weight and token in the blocks, the attention
 * (2 T^2 dim per layer, causal), and the output projection for the last token only. */
static double prompt_flops(const struct llama_model *m, double T)
{
    const struct llama_hparams *hp = &m->hp;
    double d = hp->dim, kv = m->kv_dim, f = hp->n_ff;
    return T * 2.0 * hp->n_layer * (2 * d * d + 2 * d * kv + 3 * d * f) + 2.0 * T * T * d * hp->n_layer +
           2.0 * d * hp->n_vocab;
}

/* The row-dot kernels alone: one thread multiplies a 512 x 1024 matrix of each type (2 MiB
 * in f32, less in the others: in or near the L2 cache) by a vector, over and over, and
 * reports GB/s of weights dotted per second of the thread's CPU time; the sets take turns
 * (10 rounds of 0.05 s each, best kept). What a kernel can do when memory is not the limit,
 * whatever else runs on the machine. */
static void kernel_table(const enum mm_simd *sets, int n_sets)
{
    const uint32_t types[] = {TENSOR_TYPE_F32,  TENSOR_TYPE_F16,  TENSOR_TYPE_Q8_0, TENSOR_TYPE_Q4_0,
                              TENSOR_TYPE_Q4_1, TENSOR_TYPE_Q5_0, TENSOR_TYPE_Q5_1, TENSOR_TYPE_Q2_K,
                              TENSOR_TYPE_Q3_K, TENSOR_TYPE_Q4_K, TENSOR_TYPE_Q5_K, TENSOR_TYPE_Q6_K};
    enum { N_KT = sizeof(types) / sizeof(types[0]) };
    const int64_t n_in = 1024, n_out = 512;
    double best[MM_SIMD_COUNT][N_KT] = {{0}};
    float *w = malloc((size_t)(n_in * n_out) * sizeof(float)), x[1024], *y = malloc(n_out * sizeof(float));
    uint8_t *q = malloc((size_t)(n_in * n_out) * sizeof(float));
    void *scratch = malloc(mm_scratch_size(n_in, 1));
    for (int64_t i = 0; i < n_in * n_out; i++) w[i] = (float)((i * 7919) % 2001 - 1000) / 1000.0f;
    for (int64_t i = 0; i < n_in; i++) x[i] = (float)(i % 13) / 13.0f - 0.5f;
    for (int t = 0; t < N_KT; t++) {
        size_t rb = tensor_row_size(types[t], n_in);
        for (int64_t o = 0; o < n_out; o++)
            if (tensor_quantize_row(types[t], w + o * n_in, q + o * rb, n_in)) { /* no writer (Q2_K, Q3_K): */
                cm_error_clear(); /* bytes whose fp16 scales are normal numbers (0x30-0x3f high bytes) */
                for (size_t b = 0; b < rb; b++) q[o * rb + b] = (uint8_t)(0x30 | ((o * 131 + (int64_t)b * 7) & 15));
            }
        struct llama_weight W = {"w", q, types[t], n_in, n_out, rb};
        for (int r = 0; r < 10; r++)
            for (int k = 0; k < n_sets; k++) {
                mm_simd_select(sets[k]);
                long reps = 0;
                double t0 = cpu_now(), dt;
                do {
                    llama_matmul(&W, x, 1, y, scratch, 1);
                    reps++;
                } while ((dt = cpu_now() - t0) < 0.05);
                double g = (double)reps * rb * n_out / dt / 1e9;
                if (g > best[k][t]) best[k][t] = g;
            }
    }
    printf("kernels alone (1 thread, a 512 x 1024 matrix, CPU time), GB/s of weights dotted:\n  %-10s", "kernels");
    for (int t = 0; t < N_KT; t++) printf(" %7s", tensor_type_name(types[t]));
    printf("\n");
    for (int k = 0; k < n_sets; k++) {
        printf("  %-10s", mm_simd_name(sets[k]));
        for (int t = 0; t < N_KT; t++) printf(" %7.1f", best[k][t]);
        printf("\n");
    }
    fflush(stdout);
    free(w), free(y), free(q), free(scratch);
}

/* Decode speed: a 1-token prompt, then 32 single-token steps: tokens/s of one attempt, by
 * the clock and (*cpu) by the calling thread's CPU time (all of it at 1 thread). */
static double decode_once(struct llama_state *s, const int32_t *prompt, float *lg, double *cpu)
{
    llama_state_reset(s);
    llama_eval(s, prompt, 1, lg, 0);
    double t0 = now(), c0 = cpu_now();
    for (int k = 0; k < 32; k++) llama_eval(s, &prompt[1 + k], 1, lg, 0);
    *cpu = 32 / (cpu_now() - c0);
    return 32 / (now() - t0);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_model THREADS MODEL.gguf...\n");
        return 2;
    }
    int threads = atoi(argv[1]); /* bench input, not untrusted */
    llama_set_threads(threads);
    /* kernel sets to compare ($BENCH_SIMD, comma-separated; default: the one in use) */
    enum mm_simd sets[MM_SIMD_COUNT];
    int n_sets = 0;
    for (const char *p = getenv("BENCH_SIMD") ? getenv("BENCH_SIMD") : ""; *p && n_sets < MM_SIMD_COUNT;) {
        size_t k = strcspn(p, ", ");
        char tok[32];
        snprintf(tok, sizeof(tok), "%.*s", (int)(k < sizeof(tok) ? k : sizeof(tok) - 1), p);
        p += k + (p[k] != 0);
        if (!k) continue;
        if (mm_simd_from_name(&sets[n_sets], tok) || !mm_simd_supported(sets[n_sets])) {
            fprintf(stderr, "bench_model: kernel set '%s' is unknown or not supported here\n", tok);
            return 2;
        }
        n_sets++;
    }
    if (!n_sets) sets[n_sets++] = mm_simd_current();
    int reps = getenv("BENCH_REPS") ? atoi(getenv("BENCH_REPS")) : 3;
    if (reps < 1) reps = 1;
    if (threads == 1) kernel_table(sets, n_sets); /* the kernels alone, once */
    double bw = bandwidth_gbs(threads), gf = sgemm_gflops(threads);
    printf("threads %d: memory read %.1f GB/s, sgemm %.1f GFLOP/s; decode: best of %d, kernel sets interleaved\n",
           threads, bw, gf, reps);
    printf("  %-24s %7s %5s %-10s | %9s %7s %6s %6s | %9s %6s | %9s %8s %6s\n", "model", "params", "type", "kernels",
           "decode/s", "GB/s", "of bw", "ratio", "cpu dec/s", "ratio", "prompt/s", "GFLOP/s", "of sg");
    for (int i = 2; i < argc; i++) {
        struct llama_model *m;
        struct llama_state *s;
        if (llama_model_load(&m, argv[i]) || llama_state_new(&s, m, 0, 128)) {
            fprintf(stderr, "bench_model: %s\n", cm_error_message());
            return 3;
        }
        float *lg = malloc(m->hp.n_vocab * sizeof(float));
        int32_t prompt[128];
        for (int k = 0; k < 128; k++) prompt[k] = (k * 7919 + 1) % (int32_t)m->hp.n_vocab;
        /* decode: the sets take turns, so a slow spell of the (shared) machine hits them alike;
         * one untimed step first maps the weights' pages (llama-bench warms up the same way) */
        double dec[MM_SIMD_COUNT] = {0}, dcpu[MM_SIMD_COUNT] = {0}, warm;
        decode_once(s, prompt, lg, &warm);
        for (int r = 0; r < reps; r++)
            for (int k = 0; k < n_sets; k++) {
                mm_simd_select(sets[k]);
                double c, d = decode_once(s, prompt, lg, &c);
                if (d > dec[k]) dec[k] = d;
                if (c > dcpu[k]) dcpu[k] = c;
            }
        /* prompt: one batch of 128 (best of 2); sgemm on dequantized tiles, whatever the set */
        double pre = 0, t0;
        for (int r = 0; r < 2; r++) {
            llama_state_reset(s);
            t0 = now();
            llama_eval(s, prompt, 128, lg, 0);
            double p = 128 / (now() - t0);
            if (p > pre) pre = p;
        }
        const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        double gfl = pre / 128 * prompt_flops(m, 128) / 1e9;
        for (int k = 0; k < n_sets; k++) {
            double gbs = dec[k] * step_bytes(m) / 1e9;
            printf("  %-24s %6.1fM %5s %-10s | %9.1f %7.1f %5.0f%% %6.2f |", name,
                   (double)llama_hparams_n_params(&m->hp, m->tied) / 1e6, tensor_type_name(m->layers[0].wq.type),
                   mm_simd_name(sets[k]), dec[k], gbs, 100 * gbs / bw, dec[k] / dec[0]);
            if (threads == 1) printf(" %9.1f %6.2f |", dcpu[k], dcpu[k] / dcpu[0]);
            else printf(" %9s %6s |", "-", "-");
            if (k == 0) printf(" %9.1f %8.1f %5.0f%%\n", pre, gfl, 100 * gfl / gf);
            else printf("\n");
        }
        fflush(stdout);
        free(lg);
        llama_state_free(s);
        llama_model_free(m);
    }
    double bw2 = bandwidth_gbs(threads);
    printf("memory read again at the end: %.1f GB/s (the machine's load moves it)\n", bw2);
    return 0;
}
