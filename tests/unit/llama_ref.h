/* llama_ref.h — the independent reference for the llama runtime's tests (included by
 * test_model.c and test_lora.c): a plain double-precision forward written from the math
 * (RMSNorm, GQA causal softmax attention, SwiGLU; for llama NORM-mode RoPE, adjacent pairs;
 * for qwen2 Q/K/V biases and NEOX-mode RoPE, pairs (i, i + n_rot/2)), sharing nothing with
 * src/model but the GGUF reader and the row dequantizer it takes the weights through; a
 * hook may change each weight matrix after it is read (the LoRA tests add B A there).
 * Also the helpers both tests use: random model files, token sequences, relative differences.
 */
#ifndef CM_TEST_LLAMA_REF_H
#define CM_TEST_LLAMA_REF_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "gguf/gguf.h"
#include "model/model.h"
#include "tensor/fp16.h"
#include "tensor/tensor.h"

/* ---- the reference ---- */

struct ref {
    struct gguf *g;
    uint32_t dim, n_layer, n_head, n_kv, n_ff, n_rot, vocab, hs;
    double base, eps;
    int qwen2; /* general.architecture = "qwen2": Q/K/V biases, NEOX RoPE */
    /* optional: changes a weight matrix (n_out x n_in, row-major) after it is read (LoRA tests) */
    void (*adjust)(void *ctx, const char *name, double *w, int64_t n_in, int64_t n_out);
    void *adjust_ctx;
};

static double *ref_tensor(const struct ref *r, const char *name, int64_t n_in, int64_t n_out)
{
    const struct gguf_tensor *t = gguf_find_tensor(r->g, name);
    cr_assert(t, "reference: no tensor %s", name);
    cr_assert(t->ne[0] == n_in && (t->n_dims == 1 ? 1 : t->ne[1]) == n_out, "reference: shape of %s", name);
    float *row = malloc((size_t)n_in * sizeof(float));
    double *d = malloc((size_t)(n_in * n_out) * sizeof(double));
    size_t rb = tensor_row_size(t->type, n_in);
    for (int64_t o = 0; o < n_out; o++) {
        cr_assert_eq(tensor_dequantize_row(t->type, (const uint8_t *)t->data + o * rb, row, n_in), 0);
        for (int64_t i = 0; i < n_in; i++) d[o * n_in + i] = row[i];
    }
    free(row);
    if (r->adjust && t->n_dims == 2) r->adjust(r->adjust_ctx, name, d, n_in, n_out);
    return d;
}

static void ref_open(struct ref *r, const char *path)
{
    memset(r, 0, sizeof(*r));
    cr_assert_eq(gguf_open(&r->g, path), 0, "%s", cm_error_message());
    float f;
    const char *arch;
    char k[96];
    cr_assert_eq(gguf_get_str(r->g, "general.architecture", &arch), 0);
    cr_assert(!strcmp(arch, "llama") || !strcmp(arch, "qwen2"), "reference: architecture %s", arch);
    r->qwen2 = !strcmp(arch, "qwen2");
#define K(s) (snprintf(k, sizeof(k), "%s.%s", arch, s), k)
    cr_assert_eq(gguf_get_u32(r->g, K("embedding_length"), &r->dim), 0);
    cr_assert_eq(gguf_get_u32(r->g, K("block_count"), &r->n_layer), 0);
    cr_assert_eq(gguf_get_u32(r->g, K("attention.head_count"), &r->n_head), 0);
    cr_assert_eq(gguf_get_u32(r->g, K("attention.head_count_kv"), &r->n_kv), 0);
    cr_assert_eq(gguf_get_u32(r->g, K("feed_forward_length"), &r->n_ff), 0);
    cr_assert_eq(gguf_get_u32(r->g, K("rope.dimension_count"), &r->n_rot), 0);
    cr_assert_eq(gguf_get_f32(r->g, K("rope.freq_base"), &f), 0);
    r->base = f;
    cr_assert_eq(gguf_get_f32(r->g, K("attention.layer_norm_rms_epsilon"), &f), 0);
    r->eps = f;
#undef K
    r->vocab = (uint32_t)gguf_find_tensor(r->g, "token_embd.weight")->ne[1];
    r->hs = r->dim / r->n_head;
}

static void mv(double *y, const double *W, const double *x, int64_t n_in, int64_t n_out)
{
    for (int64_t o = 0; o < n_out; o++) {
        double s = 0;
        for (int64_t i = 0; i < n_in; i++) s += W[o * n_in + i] * x[i];
        y[o] = s;
    }
}

static void norm(double *y, const double *x, const double *w, int64_t n, double eps)
{
    double ss = 0;
    for (int64_t i = 0; i < n; i++) ss += x[i] * x[i];
    double sc = 1.0 / sqrt(ss / n + eps);
    for (int64_t i = 0; i < n; i++) y[i] = x[i] * sc * w[i];
}

/* Rotates (p[a], p[b]) of every head by pos * base^(-2j/n_rot) for pair j: NORM pairs
 * (2j, 2j+1), NEOX pairs (j, j + n_rot/2). */
static void rot(double *v, int64_t n_heads, int64_t hs, int64_t n_rot, double base, int64_t pos, int neox)
{
    for (int64_t h = 0; h < n_heads; h++)
        for (int64_t j = 0; j < n_rot / 2; j++) {
            double th = pos * pow(base, -2.0 * j / n_rot), *p = v + h * hs;
            int64_t ia = neox ? j : 2 * j, ib = neox ? j + n_rot / 2 : 2 * j + 1;
            double a = p[ia], b = p[ib];
            p[ia] = a * cos(th) - b * sin(th);
            p[ib] = a * sin(th) + b * cos(th);
        }
}

static void add_vec(double *y, const double *b, int64_t n)
{
    for (int64_t i = 0; b && i < n; i++) y[i] += b[i];
}

/* Logits (n x vocab) of tokens[0..n) starting at position 0. */
static double *ref_forward(struct ref *r, const int32_t *tok, int n)
{
    const int64_t D = r->dim, KV = (int64_t)r->hs * r->n_kv, F = r->n_ff, V = r->vocab, hs = r->hs;
    double *emb = ref_tensor(r, "token_embd.weight", D, V);
    double *x = calloc((size_t)(n * D), sizeof(double)), *xb = malloc(D * sizeof(double));
    double *q = malloc(D * sizeof(double)), *att = malloc(D * sizeof(double)), *o = malloc(D * sizeof(double));
    double *K = malloc((size_t)(n * KV) * sizeof(double)), *Vc = malloc((size_t)(n * KV) * sizeof(double));
    double *g = malloc(F * sizeof(double)), *u = malloc(F * sizeof(double)), *sc = malloc(n * sizeof(double));
    for (int t = 0; t < n; t++) memcpy(x + t * D, emb + tok[t] * D, D * sizeof(double));
    char nm[64];
    for (uint32_t l = 0; l < r->n_layer; l++) {
#define T(s, a, b) (snprintf(nm, sizeof(nm), "blk.%u." s ".weight", l), ref_tensor(r, nm, a, b))
        double *an = T("attn_norm", D, 1), *wq = T("attn_q", D, D), *wk = T("attn_k", D, KV),
               *wv = T("attn_v", D, KV), *wo = T("attn_output", D, D), *fn = T("ffn_norm", D, 1),
               *wg = T("ffn_gate", D, F), *wu = T("ffn_up", D, F), *wd = T("ffn_down", F, D);
#undef T
        double *bq = NULL, *bk = NULL, *bv = NULL;
        if (r->qwen2) {
#define T(s, a) (snprintf(nm, sizeof(nm), "blk.%u." s ".bias", l), ref_tensor(r, nm, a, 1))
            bq = T("attn_q", D), bk = T("attn_k", KV), bv = T("attn_v", KV);
#undef T
        }
        /* keys and values of every position first (causality is in the attention loop) */
        for (int t = 0; t < n; t++) {
            norm(xb, x + t * D, an, D, r->eps);
            mv(K + t * KV, wk, xb, D, KV);
            mv(Vc + t * KV, wv, xb, D, KV);
            add_vec(K + t * KV, bk, KV);
            add_vec(Vc + t * KV, bv, KV);
            rot(K + t * KV, r->n_kv, hs, r->n_rot, r->base, t, r->qwen2);
            for (int64_t i = 0; i < KV; i++) { /* the cache keeps them in fp16 (forward.c) */
                K[t * KV + i] = fp16_to_f32(fp16_from_f32((float)K[t * KV + i]));
                Vc[t * KV + i] = fp16_to_f32(fp16_from_f32((float)Vc[t * KV + i]));
            }
        }
        for (int t = 0; t < n; t++) {
            norm(xb, x + t * D, an, D, r->eps);
            mv(q, wq, xb, D, D);
            add_vec(q, bq, D);
            rot(q, r->n_head, hs, r->n_rot, r->base, t, r->qwen2);
            for (uint32_t h = 0; h < r->n_head; h++) {
                int64_t kh = h / (r->n_head / r->n_kv);
                double mx = -INFINITY, sum = 0;
                for (int j = 0; j <= t; j++) {
                    double d = 0;
                    for (int64_t i = 0; i < hs; i++) d += q[h * hs + i] * K[j * KV + kh * hs + i];
                    sc[j] = d / sqrt((double)hs);
                    mx = fmax(mx, sc[j]);
                }
                for (int j = 0; j <= t; j++) sum += (sc[j] = exp(sc[j] - mx));
                for (int64_t i = 0; i < hs; i++) {
                    double a = 0;
                    for (int j = 0; j <= t; j++) a += sc[j] / sum * Vc[j * KV + kh * hs + i];
                    att[h * hs + i] = a;
                }
            }
            mv(o, wo, att, D, D);
            for (int64_t i = 0; i < D; i++) x[t * D + i] += o[i];
        }
        for (int t = 0; t < n; t++) {
            norm(xb, x + t * D, fn, D, r->eps);
            mv(g, wg, xb, D, F);
            mv(u, wu, xb, D, F);
            for (int64_t i = 0; i < F; i++) g[i] = g[i] / (1 + exp(-g[i])) * u[i];
            mv(o, wd, g, F, D);
            for (int64_t i = 0; i < D; i++) x[t * D + i] += o[i];
        }
        free(an), free(wq), free(wk), free(wv), free(wo), free(fn), free(wg), free(wu), free(wd);
        free(bq), free(bk), free(bv);
    }
    double *on = ref_tensor(r, "output_norm.weight", D, 1);
    double *out = gguf_find_tensor(r->g, "output.weight") ? ref_tensor(r, "output.weight", D, V) : emb;
    double *logits = malloc((size_t)(n * V) * sizeof(double));
    for (int t = 0; t < n; t++) {
        norm(xb, x + t * D, on, D, r->eps);
        mv(logits + t * V, out, xb, D, V);
    }
    if (out != emb) free(out);
    free(emb), free(on), free(x), free(xb), free(q), free(att), free(o), free(K), free(Vc), free(g), free(u), free(sc);
    return logits;
}

/* ---- helpers ---- */

static char *tmp_model_arch(const char *spec, uint32_t vocab, uint32_t type, uint64_t seed, int tied,
                            enum llama_arch arch)
{
    struct llama_hparams hp = {.n_vocab = vocab, .arch = arch};
    cr_assert_eq(llama_hparams_parse(&hp, spec), 0, "%s: %s", spec, cm_error_message());
    char *path = strdup("/tmp/cm_test_model_XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    cr_assert_eq(llama_model_write_random(path, &hp, type, seed, tied), 0, "%s", cm_error_message());
    return path;
}

static char *tmp_model(const char *spec, uint32_t vocab, uint32_t type, uint64_t seed, int tied)
{
    return tmp_model_arch(spec, vocab, type, seed, tied, LLAMA_ARCH_LLAMA);
}

static void tokens(int32_t *tok, int n, uint32_t vocab, uint32_t seed)
{
    for (int i = 0; i < n; i++) tok[i] = (int32_t)((seed = seed * 1664525u + 1013904223u) >> 8) % (int32_t)vocab;
}

/* max |a - b| / max |b| over n values */
static double rel_diff(const float *a, const double *b, size_t n)
{
    double md = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        md = fmax(md, fabs(a[i] - b[i]));
        mb = fmax(mb, fabs(b[i]));
    }
    return md / mb;
}

static double *run_ref_adjusted(const char *path, const int32_t *tok, int n, uint32_t *vocab,
                                void (*adjust)(void *, const char *, double *, int64_t, int64_t), void *ctx)
{
    struct ref r;
    ref_open(&r, path);
    r.adjust = adjust, r.adjust_ctx = ctx;
    double *lg = ref_forward(&r, tok, n);
    *vocab = r.vocab;
    gguf_close(r.g);
    return lg;
}

static double *run_ref(const char *path, const int32_t *tok, int n, uint32_t *vocab)
{
    return run_ref_adjusted(path, tok, n, vocab, NULL, NULL);
}

#endif
