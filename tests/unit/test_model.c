/* The llama runtime against an independent reference: a plain double-precision forward
 * written from the math (RMSNorm, NORM-mode RoPE, GQA causal softmax attention, SwiGLU;
 * for qwen2 Q/K/V biases and NEOX-mode RoPE; in llama_ref.h), sharing nothing with src/model but the GGUF reader and the row dequantizer
 * it takes the weights through. Random models of several shapes (GQA, MQA, tied and untied
 * output, dim 48 with 3 heads, n_rot below the head size, Code Llama's RoPE base) are
 * written by llama_model_write_random and compared logit by logit at every position.
 * Also: quantized models against the F32 one, prefill in chunks against token-by-token
 * decoding, greedy generation at 1 and 2 threads, every SIMD kernel set (AVX2, AVX-512,
 * AVX-512 VNNI) against the scalar one, batches without OpenBLAS, batches in bf16 (oneDNN), and load errors that name the offending tensor.
 * qwen2: random models with nonzero biases (N(0, 0.5^2)) against the reference at the same
 * 1e-4 (F32) and 2e-2 (Q8_0), prefill against decode; an unknown architecture is refused
 * with its name and the file's, and a qwen2 file without its biases names the bias.
 *
 * Tolerances (max |diff| over all logits, relative to max |logit| of the reference):
 *   F32 and F16 model vs the reference on the same weights     1e-4
 *   Q8_0 and Q4_0 vs the reference on their dequantized weights 2e-2  (activations are
 *       quantized to 8 bits per 32 values in the matrix-vector products)
 *   vs the F32 model (weight rounding): F16 3e-3, BF16 2e-2, Q8_0 5e-2, Q4_0 0.35
 * (measured: 5e-4, 3.6e-3, 1.5e-2, 0.17; and 9e-3, 1.1e-2 for Q8_0, Q4_0 vs the reference)
 */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "gguf/gguf.h"
#include "model/matmul.h"
#include "model/model.h"
#include "tensor/tensor.h"

#include "llama_ref.h"

/* The exact f32 batches: the tolerances below are those of float sums (the bf16 batches have
 * a test of their own) */
static void f32_batches(void) { mm_batch_select(MM_BATCH_F32); }
TestSuite(model, .init = f32_batches);

static float *run_prefill(const char *path, const int32_t *tok, int n, uint32_t n_batch)
{
    struct llama_model *m;
    struct llama_state *s;
    cr_assert_eq(llama_model_load(&m, path), 0, "%s", cm_error_message());
    cr_assert_eq(llama_state_new(&s, m, 0, n_batch), 0, "%s", cm_error_message());
    float *lg = malloc((size_t)n * m->hp.n_vocab * sizeof(float));
    cr_assert_eq(llama_eval(s, tok, (size_t)n, lg, 1), 0, "%s", cm_error_message());
    llama_state_free(s);
    llama_model_free(m);
    return lg;
}

static float *run_decode(const char *path, const int32_t *tok, int n)
{
    struct llama_model *m;
    struct llama_state *s;
    cr_assert_eq(llama_model_load(&m, path), 0, "%s", cm_error_message());
    cr_assert_eq(llama_state_new(&s, m, 0, 0), 0, "%s", cm_error_message());
    size_t V = m->hp.n_vocab;
    float *lg = malloc((size_t)n * V * sizeof(float));
    for (int t = 0; t < n; t++) cr_assert_eq(llama_eval(s, tok + t, 1, lg + t * V, 0), 0, "%s", cm_error_message());
    llama_state_free(s);
    llama_model_free(m);
    return lg;
}

struct shape {
    const char *spec;
    uint32_t vocab;
    int tied;
};

static const struct shape shapes[] = {
    {"dim=64,layers=2,heads=4,kv_heads=2,ffn=96,ctx=32", 50, 0},             /* GQA, untied */
    {"dim=48,layers=2,heads=3,kv_heads=3,ffn=80,ctx=24", 37, 1},             /* odd sizes, tied */
    {"dim=64,layers=1,heads=2,kv_heads=1,ffn=64,ctx=16,rot=16,rope_base=1000000", 40, 0}, /* n_rot < hs */
    {"dim=32,layers=3,heads=8,kv_heads=1,ffn=40,ctx=20,eps=1e-6", 29, 1},    /* MQA, tiny heads */
};

/* ---- tests ---- */

Test(model, f32_matches_reference_prefill_and_decode)
{
    for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
        const struct shape *sh = &shapes[k];
        char *path = tmp_model(sh->spec, sh->vocab, TENSOR_TYPE_F32, 100 + k, sh->tied);
        int32_t tok[13];
        int n = 13;
        tokens(tok, n, sh->vocab, (uint32_t)k);
        uint32_t V;
        double *ref = run_ref(path, tok, n, &V);
        float *pre = run_prefill(path, tok, n, 5); /* chunks of 5, 5, 3 */
        float *dec = run_decode(path, tok, n);
        double dp = rel_diff(pre, ref, (size_t)n * V), dd = rel_diff(dec, ref, (size_t)n * V);
        cr_assert(dp <= 1e-4, "%s: prefill differs from the reference by %g (relative)", sh->spec, dp);
        cr_assert_str_eq(mm_blas_name(), "openblas"); /* a project dependency: it must be found */
        cr_assert(dd <= 1e-4, "%s: decode differs from the reference by %g (relative)", sh->spec, dd);
        /* prefill and decode agree with each other more closely than with the reference */
        double md = 0;
        for (size_t i = 0; i < (size_t)n * V; i++) md = fmax(md, fabsf(pre[i] - dec[i]));
        cr_assert(md <= 1e-4, "%s: prefill and decode differ by %g", sh->spec, md);
        free(ref), free(pre), free(dec);
        unlink(path);
        free(path);
    }
}

/* Contexts of several key blocks (the cache keeps keys in transposed blocks of 32 positions)
 * and a last block partly filled, groups of 2 and 6 query heads (the AVX-512 loops take 4 at
 * a time): prefill in chunks of 16 and decode against the reference, with the portable loops
 * (the scalar set), the avx2 set's and the best set's. */
Test(model, attention_over_several_key_blocks)
{
    const struct shape sh[] = {
        {"dim=64,layers=2,heads=4,kv_heads=2,ffn=96,ctx=96", 50, 0},  /* head size 16, groups of 2 */
        {"dim=192,layers=1,heads=6,kv_heads=1,ffn=64,ctx=80", 40, 1}, /* head size 32, a group of 6 */
        {"dim=40,layers=1,heads=2,kv_heads=1,ffn=48,ctx=72", 30, 1},  /* head size 20: portable loops only */
    };
    for (size_t k = 0; k < sizeof(sh) / sizeof(sh[0]); k++) {
        char *path = tmp_model(sh[k].spec, sh[k].vocab, TENSOR_TYPE_F32, 700 + k, sh[k].tied);
        int32_t tok[70];
        int n = 70;
        tokens(tok, n, sh[k].vocab, (uint32_t)k + 40);
        uint32_t V;
        double *ref = run_ref(path, tok, n, &V);
        const enum mm_simd sets[] = {MM_SIMD_SCALAR, MM_SIMD_AVX2, MM_SIMD_COUNT};
        for (int si = 0; si < 3; si++) {
            if (sets[si] != MM_SIMD_COUNT && !mm_simd_supported(sets[si])) continue;
            int old = mm_simd_select(sets[si]);
            float *pre = run_prefill(path, tok, n, 16), *dec = run_decode(path, tok, n);
            double dp = rel_diff(pre, ref, (size_t)n * V), dd = rel_diff(dec, ref, (size_t)n * V);
            cr_assert(dp <= 1e-4, "%s (%s): prefill differs from the reference by %g", sh[k].spec, mm_kernel_name(), dp);
            cr_assert(dd <= 1e-4, "%s (%s): decode differs from the reference by %g", sh[k].spec, mm_kernel_name(), dd);
            mm_simd_select((enum mm_simd)old);
            free(pre), free(dec);
        }
        free(ref);
        unlink(path);
        free(path);
    }
}

static const struct shape qwen2_shapes[] = {
    {"dim=64,layers=2,heads=4,kv_heads=2,ffn=96,ctx=32", 50, 1},             /* GQA, tied (Qwen2.5 0.5B) */
    {"dim=64,layers=1,heads=2,kv_heads=1,ffn=64,ctx=16,rot=16,rope_base=1000000", 40, 0}, /* n_rot < hs */
    {"dim=48,layers=2,heads=3,kv_heads=3,ffn=80,ctx=24,eps=1e-6", 37, 0},    /* odd sizes, untied */
};

Test(model, qwen2_matches_reference_prefill_and_decode)
{
    for (size_t k = 0; k < sizeof(qwen2_shapes) / sizeof(qwen2_shapes[0]); k++) {
        const struct shape *sh = &qwen2_shapes[k];
        char *path = tmp_model_arch(sh->spec, sh->vocab, TENSOR_TYPE_F32, 300 + k, sh->tied, LLAMA_ARCH_QWEN2);
        struct llama_model *m;
        cr_assert_eq(llama_model_load(&m, path), 0, "%s", cm_error_message());
        cr_assert_eq(m->hp.arch, LLAMA_ARCH_QWEN2);
        cr_assert(m->layers[0].bq && m->layers[0].bk && m->layers[0].bv);
        cr_assert(fabsf(m->layers[0].bq[0]) + fabsf(m->layers[0].bk[1]) > 0, "biases are zero");
        cr_assert_eq(m->tied, sh->tied);
        llama_model_free(m);
        int32_t tok[13];
        int n = 13;
        tokens(tok, n, sh->vocab, (uint32_t)k + 7);
        uint32_t V;
        double *ref = run_ref(path, tok, n, &V);
        float *pre = run_prefill(path, tok, n, 5);
        float *dec = run_decode(path, tok, n);
        double dp = rel_diff(pre, ref, (size_t)n * V), dd = rel_diff(dec, ref, (size_t)n * V);
        cr_assert(dp <= 1e-4, "qwen2 %s: prefill differs from the reference by %g (relative)", sh->spec, dp);
        cr_assert(dd <= 1e-4, "qwen2 %s: decode differs from the reference by %g (relative)", sh->spec, dd);
        /* the test can tell: the same weights read as llama (no biases, NORM RoPE) give other logits */
        struct ref r;
        ref_open(&r, path);
        r.qwen2 = 0;
        double *as_llama = ref_forward(&r, tok, n);
        gguf_close(r.g);
        double far = 0, mb = 0;
        for (size_t i = 0; i < (size_t)n * V; i++) far = fmax(far, fabs(as_llama[i] - ref[i])), mb = fmax(mb, fabs(ref[i]));
        cr_assert(far / mb > 1e-2, "qwen2 %s: biases and NEOX RoPE change the logits by only %g", sh->spec, far / mb);
        free(ref), free(pre), free(dec), free(as_llama);
        unlink(path);
        free(path);
    }
    /* quantized: against the reference on the dequantized weights */
    const struct shape *sh = &qwen2_shapes[0];
    char *path = tmp_model_arch(sh->spec, sh->vocab, TENSOR_TYPE_Q8_0, 333, sh->tied, LLAMA_ARCH_QWEN2);
    int32_t tok[9];
    tokens(tok, 9, sh->vocab, 3);
    uint32_t V;
    double *ref = run_ref(path, tok, 9, &V);
    float *pre = run_prefill(path, tok, 9, 4), *dec = run_decode(path, tok, 9);
    double dp = rel_diff(pre, ref, (size_t)9 * V), dd = rel_diff(dec, ref, (size_t)9 * V);
    cr_assert(dp <= 2e-2 && dd <= 2e-2, "qwen2 q8_0: prefill %g, decode %g from the reference", dp, dd);
    free(ref), free(pre), free(dec);
    unlink(path);
    free(path);
}

/* The prefill of n (<= 16) tokens drawn with seed, in chunks of `chunk`, against the
 * reference: the largest difference relative to the largest logit. */
static double prefill_vs_ref(const char *path, uint32_t vocab, int n, uint32_t chunk, uint32_t seed)
{
    int32_t tok[16];
    tokens(tok, n, vocab, seed);
    uint32_t V;
    double *ref = run_ref(path, tok, n, &V);
    float *pre = run_prefill(path, tok, n, chunk);
    double dp = rel_diff(pre, ref, (size_t)n * V);
    free(ref), free(pre);
    return dp;
}

Test(model, batched_products_without_openblas)
{
    /* the first use decides: this test's process never loads OpenBLAS */
    setenv("CHATMPI_NO_BLAS", "1", 1);
    cr_assert_str_eq(mm_blas_name(), "none");
    const struct shape *sh = &shapes[0];
    char *path = tmp_model(sh->spec, sh->vocab, TENSOR_TYPE_Q8_0, 11, sh->tied);
    double dp = prefill_vs_ref(path, sh->vocab, 10, 5, 5);
    cr_assert(dp <= 1e-4, "prefill without OpenBLAS differs from the reference by %g", dp);
    unlink(path);
    free(path);
}

/* Batches in bf16 (where the CPU has AVX512_BF16): weights and batch rounded to 8 significant
 * bits, float sums. Bound: 2e-2 of the largest logit against the reference (measured 3e-3 to
 * 6e-3 here); F32 weights keep the float path exactly. */
Test(model, bf16_batches_close_to_reference)
{
    if (mm_batch_select(MM_BATCH_BF16) < 0) {
        cr_skip_test("no AVX512_BF16: %s", cm_error_message());
        return;
    }
    cr_assert_str_eq(mm_batch_name(), "bf16 (onednn; f32 weights and LoRA with sgemm)");
    const uint32_t types[] = {TENSOR_TYPE_Q8_0, TENSOR_TYPE_Q4_0, TENSOR_TYPE_F16, TENSOR_TYPE_F32};
    for (size_t k = 0; k < 4; k++)
        for (size_t i = 0; i < 2; i++) { /* llama and qwen2 (biases), shapes the block types fit */
            const struct shape *sh = i ? &qwen2_shapes[1] : &shapes[2];
            char *path = tmp_model_arch(sh->spec, sh->vocab, types[k], 13, sh->tied, i ? LLAMA_ARCH_QWEN2 : LLAMA_ARCH_LLAMA);
            double dp = prefill_vs_ref(path, sh->vocab, 12, 12, 9);
            const char *tn = tensor_type_name(types[k]);
            if (types[k] == TENSOR_TYPE_F32) cr_assert(dp <= 1e-4, "%s %s: f32 weights left the float path: %g", sh->spec, tn, dp);
            else cr_assert(dp <= 2e-2, "%s %s: bf16 prefill differs from the reference by %g", sh->spec, tn, dp);
            cr_assert(types[k] == TENSOR_TYPE_F32 || dp > 0, "%s %s: bf16 gave exact float sums?", sh->spec, tn);
            cr_log_info("%s %s: %g", sh->spec, tn, dp);
            /* auto, the default: weights this small keep the float batches */
            mm_batch_select(MM_BATCH_AUTO);
            dp = prefill_vs_ref(path, sh->vocab, 12, 12, 9);
            cr_assert(dp <= 1e-4, "%s %s: auto took bf16 for a small model (%g)", sh->spec, tn, dp);
            mm_batch_select(MM_BATCH_BF16);
            unlink(path);
            free(path);
        }
}

Test(model, quantized_models_match_reference_and_f32)
{
    const char *spec = "dim=64,layers=2,heads=4,kv_heads=2,ffn=96,ctx=16";
    const uint32_t types[] = {TENSOR_TYPE_F16, TENSOR_TYPE_Q8_0, TENSOR_TYPE_Q4_0, TENSOR_TYPE_BF16};
    const double tol_ref[] = {1e-4, 2e-2, 2e-2, 1e-4}, tol_f32[] = {3e-3, 5e-2, 0.35, 2e-2};
    int32_t tok[9];
    int n = 9;
    tokens(tok, n, 60, 7);
    char *p32 = tmp_model(spec, 60, TENSOR_TYPE_F32, 42, 0);
    float *l32 = run_decode(p32, tok, n);
    double *d32 = malloc((size_t)n * 60 * sizeof(double));
    for (size_t i = 0; i < (size_t)n * 60; i++) d32[i] = l32[i];
    for (size_t k = 0; k < 4; k++) {
        char *p = tmp_model(spec, 60, types[k], 42, 0); /* same seed: the same weights, rounded */
        uint32_t V;
        double *ref = run_ref(p, tok, n, &V);
        float *dec = run_decode(p, tok, n), *pre = run_prefill(p, tok, n, 3); /* 3 chunks of 3 */
        double dd = rel_diff(dec, ref, (size_t)n * V), dp = rel_diff(pre, ref, (size_t)n * V);
        double df = rel_diff(dec, d32, (size_t)n * V);
        const char *tn = tensor_type_name(types[k]);
        cr_assert(dd <= tol_ref[k], "%s decode vs reference: %g > %g", tn, dd, tol_ref[k]);
        cr_assert(dp <= 1e-4, "%s prefill (f32 tiles) vs reference: %g", tn, dp);
        cr_assert(df <= tol_f32[k], "%s vs the f32 model: %g > %g", tn, df, tol_f32[k]);
        cr_assert(df > 0, "%s model gives exactly the f32 model's logits: weights not rounded?", tn);
        free(ref), free(dec), free(pre);
        unlink(p);
        free(p);
    }
    free(l32), free(d32);
    unlink(p32);
    free(p32);
}

static int32_t argmax(const float *v, size_t n)
{
    size_t b = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[b]) b = i;
    return (int32_t)b;
}

/* Greedy generation after a 4-token prompt; every step's logits go to lg_all (n_new x vocab). */
static void greedy(const char *path, int threads, int32_t *out, int n_new, float *lg_all)
{
    llama_set_threads(threads);
    struct llama_model *m;
    struct llama_state *s;
    cr_assert_eq(llama_model_load(&m, path), 0);
    cr_assert_eq(llama_state_new(&s, m, 0, 0), 0);
    cr_assert_eq(s->n_threads, threads);
    float *lg = malloc(m->hp.n_vocab * sizeof(float));
    int32_t prompt[4] = {1, 5, 9, 2};
    cr_assert_eq(llama_eval(s, prompt, 4, lg, 0), 0);
    for (int i = 0; i < n_new; i++) {
        out[i] = argmax(lg, m->hp.n_vocab);
        memcpy(lg_all + (size_t)i * m->hp.n_vocab, lg, m->hp.n_vocab * sizeof(float));
        cr_assert_eq(llama_eval(s, &out[i], 1, lg, 0), 0);
    }
    free(lg);
    llama_state_free(s);
    llama_model_free(m);
}

Test(model, greedy_same_at_1_and_2_threads)
{
    const uint32_t types[] = {TENSOR_TYPE_F32, TENSOR_TYPE_Q4_0};
    for (int k = 0; k < 2; k++) {
        char *p = tmp_model("dim=64,layers=2,heads=4,kv_heads=2,ffn=96,ctx=40", 64, types[k], 3, k);
        int32_t a[24], b[24];
        float *la = malloc(24 * 64 * sizeof(float)), *lb = malloc(24 * 64 * sizeof(float));
        greedy(p, 1, a, 24, la);
        greedy(p, 2, b, 24, lb);
        for (int i = 0; i < 24; i++) cr_assert_eq(a[i], b[i], "token %d: %d at 1 thread, %d at 2", i, a[i], b[i]);
        /* stronger than the tokens: each row is dotted by one thread, so logits are bit for bit equal */
        cr_assert(memcmp(la, lb, 24 * 64 * sizeof(float)) == 0, "logits differ between 1 and 2 threads");
        free(la), free(lb);
        unlink(p);
        free(p);
    }
    llama_set_threads(omp_get_num_procs());
}

/* Every kernel set this CPU runs (scalar, avx2, avx512, avx512vnni) against the scalar one,
 * row by row, over rows of several lengths (f32/f16: tails of 1..15 values past the vector
 * width; q8_0/q4_0: odd and even block counts, which the AVX-512 kernels take two at a
 * time). Bound: |y_set - y_scalar| <= 1e-5 * sum_i |w_i x_i| + 1e-6, float rounding of a sum
 * in another order (integer block sums are exact in every set). Also each against the
 * double-precision dot on the dequantized row (q types: within the activation's 8-bit
 * rounding), and whole models: decode logits under every set within 1e-4 of scalar. */
Test(model, simd_kernels_match_scalar)
{
    const uint32_t types[] = {TENSOR_TYPE_F32, TENSOR_TYPE_F16, TENSOR_TYPE_Q8_0, TENSOR_TYPE_Q4_0};
    const int64_t lens_f[] = {7, 16, 45, 96, 101, 1027}, lens_q[] = {32, 64, 96, 160, 1056};
    const int64_t n_out = 37, max_in = 1056;
    float *w = malloc((size_t)(max_in * n_out) * sizeof(float)), *x = malloc(max_in * sizeof(float));
    float *row = malloc(max_in * sizeof(float)), y0[37], y1[37];
    uint32_t st = 9;
    for (int64_t i = 0; i < max_in * n_out; i++) w[i] = (float)((st = st * 1664525u + 1013904223u) >> 8) / 8388608.0f - 1;
    for (int64_t i = 0; i < max_in; i++) x[i] = sinf((float)i) * (1 + (float)(i % 7));
    void *scratch = malloc(mm_scratch_size(max_in, 2));
    int n_sets = 0;
    uint8_t *q = malloc(tensor_row_size(TENSOR_TYPE_F32, max_in) * n_out);
    for (int set = MM_SIMD_AVX2; set < MM_SIMD_COUNT; set++) {
        if (!mm_simd_supported((enum mm_simd)set)) continue;
        n_sets++;
        for (int k = 0; k < 4; k++) {
            const int64_t *lens = k < 2 ? lens_f : lens_q;
            for (int li = 0; li < (k < 2 ? 6 : 5); li++) {
                int64_t ni = lens[li];
                size_t rb = tensor_row_size(types[k], ni);
                for (int64_t o = 0; o < n_out; o++)
                    cr_assert_eq(tensor_quantize_row(types[k], w + o * ni, q + o * rb, ni), 0);
                struct llama_weight W = {"w", q, types[k], ni, n_out, rb};
                int old = mm_simd_select(MM_SIMD_SCALAR);
                cr_assert(old >= 0);
                llama_matmul(&W, x, 1, y0, scratch, 2);
                cr_assert(mm_simd_select((enum mm_simd)set) >= 0, "%s", cm_error_message());
                cr_assert_str_eq(mm_kernel_name(), mm_simd_name((enum mm_simd)set));
                llama_matmul(&W, x, 1, y1, scratch, 2);
                mm_simd_select((enum mm_simd)old);
                for (int64_t o = 0; o < n_out; o++) {
                    cr_assert_eq(tensor_dequantize_row(types[k], q + o * rb, row, ni), 0);
                    double mag = 0;
                    for (int64_t i = 0; i < ni; i++) mag += fabs((double)row[i] * x[i]);
                    double ref = mm_dot_reference(types[k], q + o * rb, x, ni);
                    double tol_ref = k < 2 ? 1e-5 * mag + 1e-6 : 0.01 * mag; /* q: 8-bit activations */
                    cr_assert(fabs((double)y1[o] - y0[o]) <= 1e-5 * mag + 1e-6, "%s, %s, n %lld, row %lld: scalar %.9g, %s %.9g",
                              tensor_type_name(types[k]), mm_simd_name((enum mm_simd)set), (long long)ni, (long long)o,
                              y0[o], mm_kernel_name(), y1[o]);
                    cr_assert(fabs(y1[o] - ref) <= tol_ref, "%s %s n %lld row %lld: %g vs reference %g",
                              tensor_type_name(types[k]), mm_simd_name((enum mm_simd)set), (long long)ni, (long long)o,
                              y1[o], ref);
                }
            }
        }
    }
    free(w), free(x), free(row), free(scratch), free(q);
    /* whole models: f16 and q4_0 decode logits under each set */
    const uint32_t mtypes[] = {TENSOR_TYPE_F16, TENSOR_TYPE_Q4_0};
    int32_t tok[6];
    tokens(tok, 6, 60, 3);
    for (int k = 0; k < 2; k++) {
        char *p = tmp_model("dim=96,layers=2,heads=4,kv_heads=2,ffn=160,ctx=16", 60, mtypes[k], 8, 0);
        int old = mm_simd_select(MM_SIMD_SCALAR);
        float *l0 = run_decode(p, tok, 6);
        for (int set = MM_SIMD_AVX2; set < MM_SIMD_COUNT; set++) {
            if (!mm_simd_supported((enum mm_simd)set)) continue;
            mm_simd_select((enum mm_simd)set);
            float *l1 = run_decode(p, tok, 6);
            double md = 0, mb = 0;
            for (int i = 0; i < 6 * 60; i++) md = fmax(md, fabsf(l1[i] - l0[i])), mb = fmax(mb, fabsf(l0[i]));
            cr_assert(md <= 1e-4 * mb, "%s model, %s: logits differ from scalar by %g (max %g)",
                      tensor_type_name(mtypes[k]), mm_simd_name((enum mm_simd)set), md, mb);
            free(l1);
        }
        mm_simd_select((enum mm_simd)old);
        free(l0);
        unlink(p);
        free(p);
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    cr_assert_eq(mm_simd_supported(MM_SIMD_AVX512), __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 mm_simd_supported(MM_SIMD_AVX2));
#endif
    if (getenv("CM_TEST_VERBOSE")) printf("kernel sets compared with scalar: %d\n", n_sets);
}

Test(model, simd_selection_by_name_and_environment)
{
    enum mm_simd s;
    cr_assert_eq(mm_simd_from_name(&s, "avx512"), 0);
    cr_assert_eq(s, MM_SIMD_AVX512);
    cr_assert_eq(mm_simd_from_name(&s, "portable"), 0);
    cr_assert_eq(s, MM_SIMD_SCALAR);
    cr_assert_eq(mm_simd_from_name(&s, "sse9"), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "unknown kernel set 'sse9'"));
    /* a new process reads CHATMPI_SIMD on first use */
    setenv("CHATMPI_SIMD", "scalar", 1);
    cr_assert_eq(mm_simd_current(), MM_SIMD_SCALAR);
    cr_assert_str_eq(mm_kernel_name(), "scalar");
    cr_assert(mm_simd_select(MM_SIMD_COUNT) >= 0); /* the best there is */
    cr_assert(mm_simd_supported(mm_simd_current()));
    for (int k = mm_simd_current() + 1; k < MM_SIMD_COUNT; k++) cr_assert(!mm_simd_supported((enum mm_simd)k));
}

/* A copy of the model at path with tensor `name` replaced by one of shape ne (or left out). */
static struct gguf *broken_copy(const char *path, const char *name, int64_t ne0, int64_t ne1, void **mem)
{
    struct gguf *g;
    cr_assert_eq(gguf_open(&g, path), 0);
    struct gguf_writer w;
    gguf_writer_init(&w);
    for (size_t i = 0; i < g->n_kv; i++) cr_assert_eq(gguf_writer_copy_kv(&w, g, &g->kv[i]), 0);
    float *zeros = calloc((size_t)(ne0 * ne1), sizeof(float));
    for (size_t i = 0; i < g->n_tensors; i++) {
        const struct gguf_tensor *t = &g->tensors[i];
        if (strcmp(t->name, name)) {
            cr_assert_eq(gguf_writer_add_tensor(&w, t->name, t->type, t->n_dims, t->ne, t->data), 0);
        } else if (ne0) {
            int64_t ne[2] = {ne0, ne1};
            cr_assert_eq(gguf_writer_add_tensor(&w, name, TENSOR_TYPE_F32, ne1 > 1 ? 2 : 1, ne, zeros), 0);
        }
    }
    size_t len;
    cr_assert_eq(gguf_writer_write_memory(&w, mem, &len), 0);
    gguf_writer_release(&w);
    gguf_close(g);
    free(zeros);
    struct gguf *out;
    cr_assert_eq(gguf_open_memory(&out, *mem, len, "broken.gguf"), 0, "%s", cm_error_message());
    return out;
}

Test(model, load_errors_name_the_tensor)
{
    char *p = tmp_model("dim=32,layers=2,heads=4,kv_heads=2,ffn=64,ctx=8", 20, TENSOR_TYPE_F32, 1, 0);
    const struct {
        const char *name;
        int64_t ne0, ne1;
        const char *expect;
    } cases[] = {
        {"blk.1.attn_k.weight", 32, 32, "'blk.1.attn_k.weight' has shape [32, 32"},
        {"blk.0.ffn_down.weight", 32, 64, "'blk.0.ffn_down.weight' has shape [32, 64"},
        {"blk.1.ffn_norm.weight", 16, 1, "'blk.1.ffn_norm.weight' has 1 dims and 16 values"},
        {"blk.0.attn_v.weight", 0, 0, "missing tensor 'blk.0.attn_v.weight'"},
        {"output_norm.weight", 0, 0, "missing tensor 'output_norm.weight'"},
        {"output.weight", 32, 21, "'output.weight' has shape [32, 21"},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        void *mem;
        struct gguf *g = broken_copy(p, cases[k].name, cases[k].ne0, cases[k].ne1, &mem);
        struct llama_model *m = (void *)1;
        cr_assert_eq(llama_model_from_gguf(&m, g), CM_EFORMAT, "%s accepted", cases[k].name);
        cr_assert_null(m);
        cr_assert(strstr(cm_error_message(), cases[k].expect), "message '%s' lacks '%s'", cm_error_message(),
                  cases[k].expect);
        free(mem);
    }
    unlink(p);
    free(p);
}

/* A copy of the model at path with general.architecture set to arch. */
static struct gguf *arch_copy(const char *path, const char *arch, void **mem)
{
    struct gguf *g;
    cr_assert_eq(gguf_open(&g, path), 0);
    struct gguf_writer w;
    gguf_writer_init(&w);
    cr_assert_eq(gguf_writer_set_str(&w, "general.architecture", arch), 0);
    for (size_t i = 0; i < g->n_kv; i++)
        if (strcmp(g->kv[i].key, "general.architecture")) cr_assert_eq(gguf_writer_copy_kv(&w, g, &g->kv[i]), 0);
    for (size_t i = 0; i < g->n_tensors; i++) {
        const struct gguf_tensor *t = &g->tensors[i];
        cr_assert_eq(gguf_writer_add_tensor(&w, t->name, t->type, t->n_dims, t->ne, t->data), 0);
    }
    size_t len;
    cr_assert_eq(gguf_writer_write_memory(&w, mem, &len), 0);
    gguf_writer_release(&w);
    gguf_close(g);
    struct gguf *out;
    cr_assert_eq(gguf_open_memory(&out, *mem, len, "x.gguf"), 0, "%s", cm_error_message());
    return out;
}

Test(model, unknown_architecture_is_refused_by_name)
{
    char *p = tmp_model("dim=32,layers=1,heads=4,kv_heads=2,ffn=64,ctx=8", 20, TENSOR_TYPE_F32, 1, 0);
    void *mem;
    struct gguf *g = arch_copy(p, "gemma3", &mem);
    struct llama_model *m = (void *)1;
    cr_assert_eq(llama_model_from_gguf(&m, g), CM_EFORMAT);
    cr_assert_null(m);
    cr_assert_str_eq(cm_error_message(), "unsupported architecture 'gemma3' in 'x.gguf'; supported: llama, qwen2");
    free(mem);
    unlink(p);
    free(p);
}

Test(model, qwen2_keys_under_its_prefix_and_biases_required)
{
    char *p = tmp_model_arch("dim=32,layers=2,heads=4,kv_heads=2,ffn=64,ctx=8,rope_base=1000000", 20, TENSOR_TYPE_F32,
                             1, 0, LLAMA_ARCH_QWEN2);
    struct gguf *g;
    cr_assert_eq(gguf_open(&g, p), 0);
    const char *arch;
    uint32_t v;
    float f;
    cr_assert_eq(gguf_get_str(g, "general.architecture", &arch), 0);
    cr_assert_str_eq(arch, "qwen2");
    cr_assert_eq(gguf_get_u32(g, "qwen2.block_count", &v), 0);
    cr_assert_eq(v, 2);
    cr_assert_eq(gguf_get_f32(g, "qwen2.rope.freq_base", &f), 0);
    cr_assert_eq(f, 1e6f);
    cr_assert_null(gguf_find_key(g, "llama.block_count"));
    cr_assert_not_null(gguf_find_tensor(g, "blk.1.attn_k.bias"));
    gguf_close(g);
    struct llama_hparams hp = {.n_vocab = 20, .arch = LLAMA_ARCH_QWEN2}, hl = hp;
    hl.arch = LLAMA_ARCH_LLAMA;
    cr_assert_eq(llama_hparams_parse(&hp, "dim=32,layers=2,heads=4,kv_heads=2,ffn=64,ctx=8"), 0);
    cr_assert_eq(hp.arch, LLAMA_ARCH_QWEN2);
    cr_assert_eq(llama_hparams_parse(&hl, "dim=32,layers=2,heads=4,kv_heads=2,ffn=64,ctx=8"), 0);
    cr_assert_eq(llama_hparams_n_params(&hp, 0) - llama_hparams_n_params(&hl, 0), 2 * (32 + 2 * 16));
    /* a qwen2 file without a bias names it */
    void *mem;
    g = broken_copy(p, "blk.1.attn_v.bias", 0, 0, &mem);
    struct llama_model *m;
    cr_assert_eq(llama_model_from_gguf(&m, g), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "missing tensor 'blk.1.attn_v.bias'"), "%s", cm_error_message());
    free(mem);
    unlink(p);
    free(p);
}

Test(model, eval_refuses_bad_tokens_and_overflow)
{
    char *p = tmp_model("dim=32,layers=1,heads=2,kv_heads=2,ffn=32,ctx=6", 10, TENSOR_TYPE_F32, 2, 1);
    struct llama_model *m;
    struct llama_state *s;
    cr_assert_eq(llama_model_load(&m, p), 0);
    cr_assert(m->tied);
    cr_assert_eq(llama_state_new(&s, m, 7, 0), CM_EINVAL); /* beyond the model's context */
    cr_assert_eq(llama_state_new(&s, m, 0, 0), 0);
    int32_t bad[2] = {3, 10}, ok[6] = {1, 2, 3, 4, 5, 6};
    float lg[10];
    cr_assert_eq(llama_eval(s, bad, 2, lg, 0), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "token id 10 at index 1"), "%s", cm_error_message());
    cr_assert_eq(s->n_past, 0);
    cr_assert_eq(llama_eval(s, ok, 5, lg, 0), 0);
    cr_assert_eq(llama_eval(s, ok, 2, lg, 0), CM_EINVAL); /* 5 + 2 > 6 */
    cr_assert(strstr(cm_error_message(), "context is full"), "%s", cm_error_message());
    cr_assert_eq(llama_eval(s, ok, 1, lg, 0), 0);
    cr_assert_eq(s->n_past, 6);
    llama_state_free(s);
    llama_model_free(m);
    unlink(p);
    free(p);
}
