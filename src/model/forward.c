/* forward.c — the llama / qwen2 forward pass over a KV cache (see model.h).
 *
 * Tokens go through in chunks of n_batch; inside a chunk every weight product is one
 * llama_matmul over all of the chunk's tokens (matrix-vector for a single token). The
 * attention is computed position by position in f32 with the scores of one (token, head)
 * pair in a per-thread row; its dot products and sums over positions are SIMD loops, compiled
 * for AVX-512, AVX2 and the baseline and chosen when the program loads (target_clones): the
 * dot's partial sums lie in that set's lanes, so results are the same on every run on one CPU. Norm sums and RoPE angles are computed in double. LoRA updates
 * of a weight (lora.h) follow its product: A x into a (T x r) scratch, then y += s B (A x).
 * Left out: flash-attention style tiling (contexts here are short), f16 KV caches.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fastexp.h"
#include "core/mem.h"
#include "model/matmul.h"
#include "model/model.h"
#include "tensor/tensor.h"

void llama_set_threads(int n)
{
    if (n < 1) n = 1;
    omp_set_num_threads(n); /* OpenBLAS runs single-threaded inside these (matmul.c) */
}

uint64_t llama_state_kv_bytes(const struct llama_hparams *hp, uint32_t n_ctx)
{
    uint64_t kv_dim = (uint64_t)hp->dim / hp->n_head * hp->n_head_kv;
    return (uint64_t)hp->n_layer * 2 * n_ctx * kv_dim * sizeof(float);
}

static size_t act_floats(const struct llama_hparams *hp, uint32_t n_ctx, uint32_t n_batch, int n_threads)
{
    size_t kv_dim = (size_t)hp->dim / hp->n_head * hp->n_head_kv;
    return (size_t)n_batch * (4 * (size_t)hp->dim + 2 * kv_dim + 2 * (size_t)hp->n_ff) + (size_t)n_threads * n_ctx +
           hp->n_rot / 2;
}

uint32_t llama_batch_default(uint32_t n_ctx)
{
    return n_ctx < LLAMA_DEFAULT_BATCH ? n_ctx : LLAMA_DEFAULT_BATCH;
}

uint64_t llama_state_scratch_bytes(const struct llama_hparams *hp, uint32_t n_ctx, uint32_t n_batch, int n_threads)
{
    if (n_batch == 0) n_batch = llama_batch_default(n_ctx);
    int64_t max_in = hp->dim > hp->n_ff ? hp->dim : hp->n_ff;
    return act_floats(hp, n_ctx, n_batch, n_threads) * sizeof(float) + mm_scratch_size(max_in, n_threads);
}

int llama_state_new(struct llama_state **out, const struct llama_model *m, uint32_t n_ctx, uint32_t n_batch)
{
    *out = NULL;
    const struct llama_hparams *hp = &m->hp;
    if (n_ctx == 0) n_ctx = hp->n_ctx;
    if (n_batch == 0) n_batch = llama_batch_default(n_ctx);
    if (n_ctx > hp->n_ctx)
        return cm_error_set(CM_EINVAL, "context of %u tokens exceeds the model's context length %u", n_ctx, hp->n_ctx);
    if (n_batch > 4096) return cm_error_set(CM_EINVAL, "batch of %u tokens is too large (at most 4096)", n_batch);
    struct llama_state *s = cm_calloc(1, sizeof(*s));
    s->m = m;
    s->n_ctx = n_ctx;
    s->n_batch = n_batch;
    s->n_threads = omp_get_max_threads();
    size_t kv = (size_t)n_ctx * m->kv_dim * hp->n_layer;
    s->k_cache = cm_malloc(kv * sizeof(float));
    s->v_cache = cm_malloc(kv * sizeof(float));
    s->act = cm_malloc(act_floats(hp, n_ctx, n_batch, s->n_threads) * sizeof(float));
    float *p = s->act;
    s->x = p, p += (size_t)n_batch * hp->dim;
    s->xb = p, p += (size_t)n_batch * hp->dim;
    s->xb2 = p, p += (size_t)n_batch * hp->dim;
    s->q = p, p += (size_t)n_batch * hp->dim;
    s->k = p, p += (size_t)n_batch * m->kv_dim;
    s->v = p, p += (size_t)n_batch * m->kv_dim;
    s->hb = p, p += (size_t)n_batch * hp->n_ff;
    s->hb2 = p, p += (size_t)n_batch * hp->n_ff;
    s->att = p, p += (size_t)s->n_threads * n_ctx;
    for (uint32_t i = 0; i < hp->n_rot / 2; i++) /* RoPE frequencies base^(-2i/n_rot) */
        p[i] = (float)pow(hp->rope_base, -2.0 * i / hp->n_rot);
    int64_t max_in = hp->dim > hp->n_ff ? hp->dim : hp->n_ff;
    s->mm_scratch_size = mm_scratch_size(max_in, s->n_threads);
    s->mm_scratch = cm_malloc(s->mm_scratch_size);
    *out = s;
    return 0;
}

void llama_state_free(struct llama_state *s)
{
    if (!s) return;
    free(s->k_cache), free(s->v_cache), free(s->act), free(s->mm_scratch), free(s->lora_tmp);
    free(s);
}

void llama_state_reset(struct llama_state *s) { s->n_past = 0; }

void llama_state_truncate(struct llama_state *s, uint32_t n)
{
    if (n < s->n_past) s->n_past = n;
}

static void rmsnorm(float *y, const float *x, const float *w, int64_t T, int64_t n, float eps)
{
    for (int64_t t = 0; t < T; t++) {
        const float *xr = x + t * n;
        double ss = 0;
        for (int64_t i = 0; i < n; i++) ss += (double)xr[i] * xr[i];
        float sc = (float)(1.0 / sqrt(ss / (double)n + eps));
        for (int64_t i = 0; i < n; i++) y[t * n + i] = xr[i] * sc * w[i];
    }
}

/* In every head, pair i < n_rot/2 turns by pos * freq[i]. llama.cpp's NORM mode (llama)
 * pairs the adjacent values (2i, 2i+1); its NEOX mode (qwen2) pairs (i, i + n_rot/2). Values
 * past n_rot are left as they are in both. */
static void rope(float *v, int64_t T, uint32_t n_heads, uint32_t hs, uint32_t n_rot, const float *freq, uint32_t p0,
                 int neox)
{
    const uint32_t stride = neox ? 1 : 2, other = neox ? n_rot / 2 : 1;
    for (int64_t t = 0; t < T; t++)
        for (uint32_t i = 0; i < n_rot / 2; i++) {
            double a = (double)(p0 + t) * freq[i];
            float c = (float)cos(a), sn = (float)sin(a);
            for (uint32_t h = 0; h < n_heads; h++) {
                float *x = v + (size_t)t * n_heads * hs + (size_t)h * hs + stride * i;
                float x0 = x[0], x1 = x[other];
                x[0] = x0 * c - x1 * sn;
                x[other] = x0 * sn + x1 * c;
            }
        }
}

/* y[t] += b for each of the T rows of n values (no-op without a bias). */
static void add_bias(float *y, const float *b, int64_t T, size_t n)
{
    if (!b) return;
    for (int64_t t = 0; t < T; t++)
        for (size_t i = 0; i < n; i++) y[(size_t)t * n + i] += b[i];
}

__attribute__((target_clones("avx512f", "avx2", "default"))) static void attention(struct llama_state *s, uint32_t l,
                                                                                   int64_t T, float *out)
{
    const struct llama_model *m = s->m;
    const uint32_t hs = m->head_size, kv_dim = m->kv_dim, n_head = m->hp.n_head;
    const uint32_t group = n_head / m->hp.n_head_kv, dim = m->hp.dim;
    const float *kc = s->k_cache + (size_t)l * s->n_ctx * kv_dim, *vc = s->v_cache + (size_t)l * s->n_ctx * kv_dim;
    const float scale = 1.0f / sqrtf((float)hs);
    const int64_t n_work = T * n_head;
#pragma omp parallel num_threads(s->n_threads)
    {
        float *sc = s->att + (size_t)omp_get_thread_num() * s->n_ctx;
#pragma omp for schedule(static)
        for (int64_t w = 0; w < n_work; w++) {
            int64_t t = w / n_head;
            uint32_t h = (uint32_t)(w % n_head), kvo = (h / group) * hs, pos = s->n_past + (uint32_t)t;
            const float *q = s->q + (size_t)t * dim + (size_t)h * hs;
            float mx = -INFINITY;
            for (uint32_t j = 0; j <= pos; j++) {
                const float *k = kc + (size_t)j * kv_dim + kvo;
                float d = 0;
#pragma omp simd reduction(+ : d)
                for (uint32_t i = 0; i < hs; i++) d += q[i] * k[i];
                sc[j] = d * scale;
                if (sc[j] > mx) mx = sc[j];
            }
            float sum = 0;
#pragma omp simd reduction(+ : sum)
            for (uint32_t j = 0; j <= pos; j++) sum += (sc[j] = cm_expf_neg(sc[j] - mx));
            float *o = out + (size_t)t * dim + (size_t)h * hs;
            memset(o, 0, hs * sizeof(float));
            for (uint32_t j = 0; j <= pos; j++) {
                const float *v = vc + (size_t)j * kv_dim + kvo;
                float a = sc[j] / sum;
#pragma omp simd
                for (uint32_t i = 0; i < hs; i++) o[i] += a * v[i];
            }
        }
    }
}

/* A chunk's attention as matrix products, one head at a time on each thread: the scores
 * S = Q_h K_g^T (T x L, L = n_past + T, K_g the head's group's keys), each row's causal
 * softmax (positions after the token zeroed), then out_h = P V_g; sgemm runs single-threaded
 * in our threads. The row-by-row loop above does T x L dot products of head_size values,
 * which a long prompt makes the larger part of its time. Returns -1 (nothing done) without
 * OpenBLAS. */
static _Thread_local struct {
    float *p;
    size_t n; /* bytes */
} att_rows;

static int attention_gemm(struct llama_state *s, uint32_t l, int64_t T, float *out)
{
    if (!mm_sgemm_available()) return -1;
    const struct llama_model *m = s->m;
    const uint32_t hs = m->head_size, kv_dim = m->kv_dim, n_head = m->hp.n_head;
    const uint32_t group = n_head / m->hp.n_head_kv, dim = m->hp.dim;
    const float *kc = s->k_cache + (size_t)l * s->n_ctx * kv_dim, *vc = s->v_cache + (size_t)l * s->n_ctx * kv_dim;
    const float scale = 1.0f / sqrtf((float)hs);
    const int64_t L = (int64_t)s->n_past + T;
#pragma omp parallel num_threads(s->n_threads)
    {
        float *S = cm_grow((void **)&att_rows.p, &att_rows.n, (size_t)T * (size_t)L * sizeof(float));
#pragma omp for schedule(dynamic, 1)
        for (uint32_t h = 0; h < n_head; h++) {
            uint32_t kvo = (h / group) * hs;
            mm_sgemm_rm(0, 1, T, L, hs, scale, s->q + (size_t)h * hs, dim, kc + kvo, kv_dim, 0.0f, S, L);
            for (int64_t t = 0; t < T; t++) {
                float *row = S + (size_t)t * L;
                int64_t valid = (int64_t)s->n_past + t + 1;
                float mx = -INFINITY, sum = 0;
                for (int64_t j = 0; j < valid; j++) mx = row[j] > mx ? row[j] : mx;
#pragma omp simd reduction(+ : sum)
                for (int64_t j = 0; j < valid; j++) sum += (row[j] = cm_expf_neg(row[j] - mx));
                float inv = 1.0f / sum;
#pragma omp simd
                for (int64_t j = 0; j < valid; j++) row[j] *= inv;
                if (valid < L) memset(row + valid, 0, (size_t)(L - valid) * sizeof(float));
            }
            mm_sgemm_rm(0, 0, T, hs, L, 1.0f, S, L, vc + kvo, kv_dim, 0.0f, out + (size_t)h * hs, dim);
        }
    }
    return 0;
}

static void add(float *x, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] += y[i];
}

/* y = W x for the chunk, plus the update of every adapter attached to W. */
static void mm(struct llama_state *s, const struct llama_weight *w, const float *x, int64_t T, float *y)
{
    llama_matmul(w, x, T, y, s->mm_scratch, s->n_threads);
    for (const struct llama_lora_delta *d = w->lora; d; d = d->next) {
        llama_matmul(&d->a, x, T, s->lora_tmp, s->mm_scratch, s->n_threads);
        llama_matmul_add(&d->b, s->lora_tmp, T, y, d->scale, s->mm_scratch, s->n_threads);
    }
}

/* One chunk of T <= n_batch tokens at positions n_past..; logits as llama_eval's. */
static void eval_chunk(struct llama_state *s, const int32_t *tok, int64_t T, float *logits, int all)
{
    const struct llama_model *m = s->m;
    const struct llama_hparams *hp = &m->hp;
    const size_t dim = hp->dim, kv_dim = m->kv_dim, n_ff = hp->n_ff;
    const float *freq = s->att + (size_t)s->n_threads * s->n_ctx;
    const int neox = llama_arch_rope_neox(hp->arch);
    for (int64_t t = 0; t < T; t++)
        tensor_dequantize_row(m->tok_embd.type, (const uint8_t *)m->tok_embd.data + (size_t)tok[t] * m->tok_embd.row_bytes,
                              s->x + t * dim, (int64_t)dim);
    for (uint32_t l = 0; l < hp->n_layer; l++) {
        const struct llama_layer *L = &m->layers[l];
        rmsnorm(s->xb, s->x, L->attn_norm, T, dim, hp->norm_eps);
        mm(s, &L->wq, s->xb, T, s->q);
        mm(s, &L->wk, s->xb, T, s->k);
        mm(s, &L->wv, s->xb, T, s->v);
        add_bias(s->q, L->bq, T, dim);
        add_bias(s->k, L->bk, T, kv_dim);
        add_bias(s->v, L->bv, T, kv_dim);
        rope(s->q, T, hp->n_head, m->head_size, hp->n_rot, freq, s->n_past, neox);
        rope(s->k, T, hp->n_head_kv, m->head_size, hp->n_rot, freq, s->n_past, neox);
        size_t at = ((size_t)l * s->n_ctx + s->n_past) * kv_dim;
        memcpy(s->k_cache + at, s->k, T * kv_dim * sizeof(float));
        memcpy(s->v_cache + at, s->v, T * kv_dim * sizeof(float));
        if (T == 1 || attention_gemm(s, l, T, s->xb)) attention(s, l, T, s->xb);
        mm(s, &L->wo, s->xb, T, s->xb2);
        add(s->x, s->xb2, T * dim);
        rmsnorm(s->xb, s->x, L->ffn_norm, T, dim, hp->norm_eps);
        mm(s, &L->w_gate, s->xb, T, s->hb);
        mm(s, &L->w_up, s->xb, T, s->hb2);
        for (size_t i = 0; i < T * n_ff; i++) {
            float g = s->hb[i];
            s->hb[i] = g / (1.0f + expf(-g)) * s->hb2[i];
        }
        mm(s, &L->w_down, s->hb, T, s->xb2);
        add(s->x, s->xb2, T * dim);
    }
    if (logits) {
        int64_t r0 = all ? 0 : T - 1;
        rmsnorm(s->xb, s->x + r0 * dim, m->output_norm, T - r0, dim, hp->norm_eps);
        mm(s, &m->output, s->xb, T - r0, logits);
    }
    s->n_past += (uint32_t)T;
}

int llama_eval(struct llama_state *s, const int32_t *tokens, size_t n, float *logits, int all_logits)
{
    const uint32_t n_vocab = s->m->hp.n_vocab;
    if (n == 0) return cm_error_set(CM_EINVAL, "no tokens to evaluate");
    if (n > s->n_ctx - s->n_past) {
        cm_error_set(CM_EINVAL, "context is full: %u + %zu tokens exceed %u", s->n_past, n, s->n_ctx);
        cm_error_hint("use a shorter prompt, fewer new tokens or a larger context");
        return CM_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        if (tokens[i] < 0 || (uint32_t)tokens[i] >= n_vocab)
            return cm_error_set(CM_EINVAL, "token id %d at index %zu is out of range (vocabulary of %u)",
                                (int)tokens[i], i, n_vocab);
    if (s->lora_r_cap < s->m->lora_max_r) { /* adapters attached since the state was made */
        free(s->lora_tmp);
        s->lora_r_cap = s->m->lora_max_r;
        s->lora_tmp = cm_malloc((size_t)s->n_batch * s->lora_r_cap * sizeof(float));
    }
    for (size_t c = 0; c < n; c += s->n_batch) {
        size_t T = n - c < s->n_batch ? n - c : s->n_batch;
        float *lg = NULL;
        if (logits && all_logits) lg = logits + c * n_vocab;
        else if (logits && c + T == n) lg = logits;
        eval_chunk(s, tokens + c, (int64_t)T, lg, all_logits);
    }
    return 0;
}
