/* The training model as a whole: gradients of every parameter against central finite
 * differences in double precision (the library's own code compiled in double; see
 * test_train_grad.c for the method and the tolerance 1e-7 + 1e-6 |fd|), full and tied, with
 * the loss on every position or on answers only (the output head skips the prompt's rows),
 * LoRA over quantized bases with dropout; the float build against the double one;
 * AdamW memorizing two sequences; exact resume from a checkpoint; GGUF model and adapter
 * export read back with the GGUF reader. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "model/model.h"
#include "tensor/tensor.h"
#include "train/gemm.h"
#include "train/io.h"
#include "train/mem.h"
#include "train/ops.h"
#include "train/optim.h"
#include "train/train.h"

#define FD_H 1e-5
#define FD_ATOL 1e-7
#define FD_RTOL 1e-6

enum { B = 2, T = 5, N = B * T };

static struct llama_hparams shape(const char *spec, uint32_t vocab)
{
    struct llama_hparams hp = {.n_vocab = vocab};
    cr_assert_eq(llama_hparams_parse(&hp, spec), 0, "%s", cm_error_message());
    return hp;
}

struct batch {
    int32_t tok[N], tg[N];
    float w[N];
};

static void make_batch(struct batch *b, int V, uint64_t seed)
{
    for (int n = 0; n < N; n++) b->tok[n] = (int32_t)(tr_rng_next(&seed) % (uint64_t)V);
    for (int n = 0; n < N; n++) {
        b->tg[n] = n % T == T - 1 ? -1 : b->tok[n + 1];
        b->w[n] = n % T == T - 1 ? 0.0f : (n % 3 == 0 ? 0.5f : 1.0f); /* padding and a prompt-like weight */
    }
}

struct mctx {
    struct tr_model_f64 *m;
    const struct batch *b;
};

static double model_loss(void *p)
{
    struct mctx *c = p;
    double l;
    cr_assert_eq(tr_model_forward_f64(c->m, c->b->tok, c->b->tg, c->b->w, &l), 0);
    return l;
}

/* Worst |analytic - fd| / (atol + rtol |fd|) over every parameter. */
static double model_fd_worst(struct tr_model_f64 *m, const struct batch *b)
{
    struct mctx c = {m, b};
    tr_model_zero_grad_f64(m);
    model_loss(&c);
    tr_model_backward_f64(m, 1.0);
    double *an = cm_malloc(m->n_params * sizeof(double)), worst = 0, gmax = 0;
    memcpy(an, m->grads, m->n_params * sizeof(double));
    for (size_t i = 0; i < m->n_params; i++) {
        double keep = m->params[i];
        m->params[i] = keep + FD_H;
        double lp = model_loss(&c);
        m->params[i] = keep - FD_H;
        double lm = model_loss(&c);
        m->params[i] = keep;
        double fd = (lp - lm) / (2 * FD_H), r = fabs(an[i] - fd) / (FD_ATOL + FD_RTOL * fabs(fd));
        if (r > worst) worst = r;
        if (fabs(fd) > gmax) gmax = fabs(fd);
    }
    cr_assert_gt(gmax, 1e-3, "the check must see non-trivial gradients");
    free(an);
    return worst;
}

/* prompt: the first two positions of each sequence get weight 0, as with the loss on answers
 * only, so that the output head computes rows 2..N-2 only (tr_model_forward's head_lo/hi).
 * qwen2: Q/K/V biases (trainable), NEOX RoPE, the head in chunks of 3 rows. */
static void check_full_arch(int tied, int prompt, enum llama_arch arch)
{
    struct llama_hparams hp = shape(arch == LLAMA_ARCH_QWEN2 ? "dim=16,layers=2,heads=2,kv_heads=1,ffn=12,ctx=8,rot=6"
                                                             : "dim=8,layers=2,heads=4,kv_heads=2,ffn=12,ctx=8,rot=2",
                                    11);
    hp.arch = arch;
    struct tr_model_f64 m;
    cr_assert_eq(tr_model_init_f64(&m, &hp, tied, 7), 0);
    /* larger weights than the init's 0.02 so that every path carries gradient */
    uint64_t s = 3;
    for (size_t i = 0; i < m.n_params; i++) m.params[i] += 0.3 * tr_rng_normal(&s);
    cr_assert_eq(tr_model_alloc_f64(&m, B, T), 0);
    if (arch == LLAMA_ARCH_QWEN2) {
        const struct tr_ptensor *bk = tr_model_find_f64(&m, "blk.1.attn_k.bias");
        cr_assert(bk && bk->n_dims == 1 && bk->ne[0] == 8 && !bk->decay, "qwen2's K bias: 8 values, no decay");
        cr_assert(tr_model_find_f64(&m, "blk.0.attn_q.bias") && tr_model_find_f64(&m, "blk.0.attn_v.bias"));
        cr_assert_null(tr_model_find_f64(&m, "blk.0.attn_output.bias"));
        m.head_rows = 3;
    }
    struct batch b;
    make_batch(&b, 11, 99);
    if (prompt) {
        for (int n = 0; n < N; n++)
            if (n % T < 2) b.w[n] = 0;
        double l;
        cr_assert_eq(tr_model_forward_f64(&m, b.tok, b.tg, b.w, &l), 0);
        cr_assert(m.head_lo == 2 && m.head_hi == N - 1, "head rows %d..%d, expected 2..%d", m.head_lo, m.head_hi,
                  N - 1);
    }
    cr_assert_leq(model_fd_worst(&m, &b), 1.0);
    tr_model_release_f64(&m);
}

static void check_full(int tied, int prompt) { check_full_arch(tied, prompt, LLAMA_ARCH_LLAMA); }

Test(train_model, qwen2_full_untied_gradients) { check_full_arch(0, 0, LLAMA_ARCH_QWEN2); }
Test(train_model, qwen2_full_tied_answer_only_gradients) { check_full_arch(1, 1, LLAMA_ARCH_QWEN2); }

Test(train_model, full_untied_gradients) { check_full(0, 0); }
Test(train_model, full_tied_gradients) { check_full(1, 0); }
Test(train_model, answer_only_untied_gradients) { check_full(0, 1); }
Test(train_model, answer_only_tied_gradients) { check_full(1, 1); }

/* The float build computes the same gradients as the double one, to float accuracy. */
Test(train_model, float_matches_double)
{
    struct llama_hparams hp = shape("dim=16,layers=2,heads=4,kv_heads=1,ffn=24,ctx=8", 13);
    struct tr_model_f32 mf;
    struct tr_model_f64 md;
    cr_assert_eq(tr_model_init_f32(&mf, &hp, 0, 5), 0);
    cr_assert_eq(tr_model_init_f64(&md, &hp, 0, 5), 0);
    uint64_t s = 4;
    for (size_t i = 0; i < mf.n_params; i++) mf.params[i] += (float)(0.2 * tr_rng_normal(&s));
    tr_model_widen(&md, &mf);
    cr_assert_eq(tr_model_alloc_f32(&mf, B, T), 0);
    cr_assert_eq(tr_model_alloc_f64(&md, B, T), 0);
    struct batch b;
    make_batch(&b, 13, 1);
    double lf, ld;
    cr_assert_eq(tr_model_forward_f32(&mf, b.tok, b.tg, b.w, &lf), 0);
    cr_assert_eq(tr_model_forward_f64(&md, b.tok, b.tg, b.w, &ld), 0);
    cr_assert_float_eq(lf, ld, 1e-4 * ld);
    tr_model_backward_f32(&mf, 1.0);
    tr_model_backward_f64(&md, 1.0);
    double num = 0, den = 0;
    for (size_t i = 0; i < mf.n_params; i++) {
        double d = mf.grads[i] - md.grads[i];
        num += d * d, den += md.grads[i] * md.grads[i];
    }
    cr_assert_lt(sqrt(num / den), 1e-3);
    tr_model_release_f32(&mf);
    tr_model_release_f64(&md);
}

/* bf16 mode (train/gemm.h) computes the float build's loss and gradients to bf16 accuracy,
 * over sequences of two attention blocks (TR_ATT_ROWS rows each) and GQA; back in f32 mode
 * the float build gives its own result again, to the bit. */
Test(train_model, bf16_matches_float)
{
    if (tr_matmul_set(TR_MATMUL_BF16)) {
        cr_skip_test("bf16 is not available here: %s", cm_error_message());
        return;
    }
    tr_matmul_set(TR_MATMUL_F32);
    enum { BB = 2, TT = TR_ATT_ROWS + 45, NN = BB * TT, V = 37 };
    struct llama_hparams hp = shape("dim=32,layers=2,heads=4,kv_heads=2,ffn=48,ctx=512", V);
    static int32_t tok[NN], tg[NN];
    static float w[NN];
    uint64_t s = 9;
    for (int n = 0; n < NN; n++) tok[n] = (int32_t)(tr_rng_next(&s) % V);
    for (int n = 0; n < NN; n++) tg[n] = n % TT == TT - 1 ? -1 : tok[n + 1], w[n] = n % TT == TT - 1 ? 0.0f : 1.0f;
    struct tr_model_f32 m;
    cr_assert_eq(tr_model_init_f32(&m, &hp, 0, 5), 0);
    for (size_t i = 0; i < m.n_params; i++) m.params[i] += (float)(0.2 * tr_rng_normal(&s));
    cr_assert_eq(tr_model_alloc_f32(&m, BB, TT), 0);
    float *g32 = cm_malloc(m.n_params * sizeof(float)), *again = cm_malloc(m.n_params * sizeof(float));
    double l32, l16, l32b;
    /* f32, bf16, f32 again */
    cr_assert_eq(tr_model_forward_f32(&m, tok, tg, w, &l32), 0);
    memset(m.grads, 0, m.n_params * sizeof(float));
    tr_model_backward_f32(&m, 1.0);
    memcpy(g32, m.grads, m.n_params * sizeof(float));
    cr_assert_eq(tr_matmul_set(TR_MATMUL_BF16), 0);
    cr_assert_eq(tr_model_forward_f32(&m, tok, tg, w, &l16), 0);
    memset(m.grads, 0, m.n_params * sizeof(float));
    tr_model_backward_f32(&m, 1.0);
    double num = 0, den = 0;
    for (size_t i = 0; i < m.n_params; i++) {
        double d = (double)m.grads[i] - g32[i];
        num += d * d, den += (double)g32[i] * g32[i];
    }
    cr_assert_float_eq(l16, l32, 1e-2 * l32, "loss %g in bf16, %g in f32", l16, l32);
    cr_assert_lt(sqrt(num / den), 3e-2, "relative gradient difference %g", sqrt(num / den));
    cr_assert_gt(sqrt(num / den), 0, "bf16 mode gave f32's gradients to the bit: not bf16");
    cr_assert_eq(tr_matmul_set(TR_MATMUL_F32), 0);
    cr_assert_eq(tr_model_forward_f32(&m, tok, tg, w, &l32b), 0);
    memset(m.grads, 0, m.n_params * sizeof(float));
    tr_model_backward_f32(&m, 1.0);
    memcpy(again, m.grads, m.n_params * sizeof(float));
    cr_assert_eq(l32b, l32);
    cr_assert_eq(memcmp(again, g32, m.n_params * sizeof(float)), 0);
    tr_matmul_release();
    free(g32), free(again);
    tr_model_release_f32(&m);
}

/* A base model GGUF in memory, 2-D tensors in `type` (qwen2's biases nonzero: every parameter
 * is moved from its init). */
static void *make_base_arch(const char *spec, uint32_t vocab, int tied, uint32_t type, enum llama_arch arch,
                            size_t *len)
{
    struct llama_hparams hp = shape(spec, vocab);
    hp.arch = arch;
    struct tr_model_f32 m;
    cr_assert_eq(tr_model_init_f32(&m, &hp, tied, 11), 0);
    uint64_t s = 8;
    for (size_t i = 0; i < m.n_params; i++) m.params[i] += (float)(0.3 * tr_rng_normal(&s));
    void *mem;
    cr_assert_eq(tr_export_model(&m, type, NULL, NULL, NULL, &mem, len), 0, "%s", cm_error_message());
    tr_model_release_f32(&m);
    return mem;
}

/* LoRA gradients against finite differences; then the same model with its base dequantized
 * once (tr_model_expand) gives the same loss and gradients. */
static void check_lora_arch(uint32_t type, int tied, unsigned targets, float dropout, enum llama_arch arch)
{
    size_t len;
    void *mem = make_base_arch("dim=32,layers=2,heads=4,kv_heads=2,ffn=64,ctx=8", 13, tied, type, arch, &len);
    struct gguf *g;
    cr_assert_eq(gguf_open_memory(&g, mem, len, "base"), 0, "%s", cm_error_message());
    struct tr_lora_cfg lc = {.r = 2, .alpha = 3, .dropout = dropout, .targets = targets};
    struct tr_model_f64 m;
    cr_assert_eq(tr_model_init_base_f64(&m, g, &lc, 21), 0, "%s", cm_error_message());
    cr_assert_eq(m.tied, tied);
    /* B starts at zero (the adapter is a no-op); make it random so every path is checked */
    int nb = 0;
    for (size_t i = 0; i < m.n_tensors; i++)
        if (strstr(m.tensors[i].name, ".lora_b")) {
            const struct tr_ptensor *t = &m.tensors[i];
            for (int64_t j = 0; j < t->ne[0] * t->ne[1]; j++) {
                cr_assert_eq(m.params[t->off + j], 0.0);
                m.params[t->off + j] = 0.3 * sin(1.0 + j + 7.0 * i);
            }
            nb++;
        }
    cr_assert_eq(nb, 2 * __builtin_popcount(targets));
    m.dropout_seed = 1234;
    cr_assert_eq(tr_model_alloc_f64(&m, B, T), 0);
    if (arch == LLAMA_ARCH_QWEN2) {
        cr_assert(m.bq && m.bk && m.bv, "qwen2's biases are read");
        cr_assert_null(tr_model_find_f64(&m, "blk.0.attn_q.bias"), "the base's biases are frozen under LoRA");
        m.head_rows = 4;
    }
    struct batch b;
    make_batch(&b, 13, 5);
    cr_assert_leq(model_fd_worst(&m, &b), 1.0);
    /* dequantized once: the same loss and gradients */
    double l0, l1;
    struct mctx c = {&m, &b};
    double *g0 = cm_malloc(m.n_params * sizeof(double));
    tr_model_zero_grad_f64(&m);
    l0 = model_loss(&c);
    tr_model_backward_f64(&m, 1.0);
    memcpy(g0, m.grads, m.n_params * sizeof(double));
    /* the head, then layer 0's attn_q: as much as the budget holds; an untied embedding never */
    size_t want = (size_t)2 * (2 * 32 * 32 + 2 * 16 * 32 + 3 * 32 * 64) + (size_t)13 * 32;
    cr_assert_eq(tr_model_expand_bytes_f64(&m), want * sizeof(double));
    size_t part = ((size_t)13 * 32 + 32 * 32 + 7) * sizeof(double);
    cr_assert_eq(tr_model_expand_f64(&m, part), ((size_t)13 * 32 + 32 * 32) * sizeof(double));
    cr_assert(m.output.f && m.w[0].f && !m.w[1].f && (tied ? m.tok_embd.f == m.output.f : !m.tok_embd.f));
    tr_model_zero_grad_f64(&m);
    l1 = model_loss(&c);
    tr_model_backward_f64(&m, 1.0);
    cr_assert_float_eq(l1, l0, 1e-12 * fabs(l0));
    for (size_t i = 0; i < m.n_params; i++) cr_assert_float_eq(m.grads[i], g0[i], 1e-10 * (fabs(g0[i]) + 1e-6));
    /* all of it (a new model: expanding is once per model) */
    tr_model_release_f64(&m);
    cr_assert_eq(tr_model_init_base_f64(&m, g, &lc, 21), 0, "%s", cm_error_message());
    for (size_t i = 0; i < m.n_tensors; i++)
        if (strstr(m.tensors[i].name, ".lora_b")) {
            const struct tr_ptensor *t = &m.tensors[i];
            for (int64_t j = 0; j < t->ne[0] * t->ne[1]; j++) m.params[t->off + j] = 0.3 * sin(1.0 + j + 7.0 * i);
        }
    m.dropout_seed = 1234;
    cr_assert_eq(tr_model_alloc_f64(&m, B, T), 0);
    if (arch == LLAMA_ARCH_QWEN2) m.head_rows = 4;
    cr_assert_eq(tr_model_expand_f64(&m, SIZE_MAX), want * sizeof(double));
    cr_assert_eq(tr_model_expand_bytes_f64(&m), 0);
    cr_assert(m.w[0].f && m.output.f && m.w[2 * TR_MOD_COUNT - 1].f);
    tr_model_zero_grad_f64(&m);
    l1 = model_loss(&c);
    tr_model_backward_f64(&m, 1.0);
    cr_assert_float_eq(l1, l0, 1e-12 * fabs(l0));
    for (size_t i = 0; i < m.n_params; i++) cr_assert_float_eq(m.grads[i], g0[i], 1e-10 * (fabs(g0[i]) + 1e-6));
    free(g0);
    tr_model_release_f64(&m);
    gguf_close(g);
    free(mem);
}

static void check_lora(uint32_t type, int tied, unsigned targets, float dropout)
{
    check_lora_arch(type, tied, targets, dropout, LLAMA_ARCH_LLAMA);
}

Test(train_model, qwen2_lora_q8_0_base_gradients)
{
    check_lora_arch(TENSOR_TYPE_Q8_0, 0, (1u << TR_MOD_COUNT) - 1, 0.0f, LLAMA_ARCH_QWEN2);
}

Test(train_model, qwen2_lora_f16_tied_dropout_gradients)
{
    check_lora_arch(TENSOR_TYPE_F16, 1, TR_LORA_DEFAULT_TARGETS, 0.25f, LLAMA_ARCH_QWEN2);
}

/* LoRA on the top 2 of 3 layers (lora.layers): the same loss and adapter gradients as LoRA on
 * every layer whose bottom adapter is a no-op (B = 0), finite differences agree, and the frozen
 * layer's output taken from the cache (a second pass over the batch) changes nothing. */
Test(train_model, lora_top_layers_match_every_layer)
{
    size_t len;
    void *mem = make_base_arch("dim=32,layers=3,heads=4,kv_heads=2,ffn=64,ctx=8", 13, 0, TENSOR_TYPE_Q8_0,
                               LLAMA_ARCH_QWEN2, &len);
    struct gguf *g;
    cr_assert_eq(gguf_open_memory(&g, mem, len, "base"), 0, "%s", cm_error_message());
    struct tr_lora_cfg all = {.r = 2, .alpha = 3, .dropout = 0.25f, .targets = (1u << TR_MOD_COUNT) - 1}, top = all;
    cr_assert_eq(tr_lora_parse(&top, "layers=2"), 0, "%s", cm_error_message());
    cr_assert_eq(top.layers, 2);
    struct tr_lora_cfg bad = all;
    cr_assert_neq(tr_lora_parse(&bad, "layers=two"), 0);
    struct tr_model_f64 a, p;
    bad.layers = 4;
    cr_assert_neq(tr_model_init_base_f64(&p, g, &bad, 21), 0);
    cr_assert(strstr(cm_error_message(), "has 3 layers"), "%s", cm_error_message());
    cr_assert_eq(tr_model_init_base_f64(&a, g, &all, 21), 0, "%s", cm_error_message());
    cr_assert_eq(tr_model_init_base_f64(&p, g, &top, 22), 0, "%s", cm_error_message());
    cr_assert_eq(p.l0, 1);
    cr_assert_null(tr_model_find_f64(&p, "blk.0.attn_q.weight.lora_a"), "no adapter below the top layers");
    struct llama_hparams hp;
    cr_assert_eq(llama_hparams_read(&hp, g), 0);
    cr_assert_eq(tr_param_count(&hp, 0, &top), p.n_params);
    cr_assert_eq(tr_param_count(&hp, 0, &all), a.n_params);
    cr_assert_eq(p.n_params * 3, a.n_params * 2);
    /* the same adapters on layers 1 and 2 (B random), none on layer 0 */
    for (size_t i = 0; i < a.n_tensors; i++) {
        const struct tr_ptensor *t = &a.tensors[i], *u = tr_model_find_f64(&p, t->name);
        int64_t n = t->ne[0] * t->ne[1];
        if (!strncmp(t->name, "blk.0.", 6)) {
            cr_assert_null(u);
            continue;
        }
        cr_assert_not_null(u, "%s", t->name);
        if (strstr(t->name, ".lora_b"))
            for (int64_t j = 0; j < n; j++) a.params[t->off + j] = 0.3 * sin(1.0 + j + 7.0 * i);
        memcpy(p.params + u->off, a.params + t->off, n * sizeof(double));
    }
    a.dropout_seed = p.dropout_seed = 99;
    cr_assert_eq(tr_model_alloc_f64(&a, B, T), 0);
    cr_assert_eq(tr_model_alloc_f64(&p, B, T), 0);
    cr_assert_lt(tr_model_alloc_bytes_f64(&hp, 2, 2, B, T), tr_model_alloc_bytes_f64(&hp, 2, 0, B, T));
    a.head_rows = p.head_rows = 4;
    struct batch b;
    make_batch(&b, 13, 5);
    struct mctx ca = {&a, &b}, cp = {&p, &b};
    tr_model_zero_grad_f64(&a);
    double la = model_loss(&ca);
    tr_model_backward_f64(&a, 1.0);
    double *gp = cm_malloc(p.n_params * sizeof(double));
    for (int pass = 0; pass < 3; pass++) { /* no cache; then kept; then from the cache */
        p.cache_max = pass ? SIZE_MAX : 0;
        tr_model_zero_grad_f64(&p);
        double lp = model_loss(&cp);
        tr_model_backward_f64(&p, 1.0);
        cr_assert_float_eq(lp, la, 1e-12 * fabs(la), "pass %d: %.15g vs %.15g", pass, lp, la);
        for (size_t i = 0; i < p.n_tensors; i++) {
            const struct tr_ptensor *t = &p.tensors[i], *u = tr_model_find_f64(&a, t->name);
            for (int64_t j = 0; j < t->ne[0] * t->ne[1]; j++)
                cr_assert_float_eq(p.grads[t->off + j], a.grads[u->off + j], 1e-10 * (fabs(a.grads[u->off + j]) + 1e-6),
                                   "pass %d, %s[%lld]", pass, t->name, (long long)j);
        }
        if (pass == 1) memcpy(gp, p.grads, p.n_params * sizeof(double));
    }
    cr_assert_eq(memcmp(gp, p.grads, p.n_params * sizeof(double)), 0, "the cache gives the same gradients to the bit");
    cr_assert_eq(p.cache_misses, (uint64_t)B);
    cr_assert_eq(p.cache_hits, (uint64_t)B);
    cr_assert_eq(p.cache_n, (size_t)B);
    cr_assert_leq(model_fd_worst(&p, &b), 1.0);
    /* another batch is not taken for this one */
    struct batch b2;
    make_batch(&b2, 13, 6);
    struct mctx c2 = {&p, &b2};
    double l2 = model_loss(&c2);
    p.cache_max = 0;
    cr_assert_float_eq(model_loss(&c2), l2, 1e-12 * fabs(l2));
    free(gp);
    tr_model_release_f64(&a);
    tr_model_release_f64(&p);
    gguf_close(g);
    free(mem);
}

/* The float trainer's forward against the inference runtime (src/model, llama_eval) on the
 * same weights, exported as GGUF: the loss at each position (weight 1 there, 0 elsewhere)
 * equals -log softmax(llama_eval's logits)[target], to the accuracy of the runtime's fp16 KV
 * cache (keys and values rounded to 2^-11 relative: measured at most 6.4e-4 relative in the
 * loss; bound 2e-3, where a wrong RoPE, bias or norm moves it by 1e-2 and more).
 * llama and qwen2 (biases, NEOX RoPE, n_rot below the head size), tied and untied. */
static void check_matches_runtime(enum llama_arch arch, int tied)
{
    enum { TT = 9, V = 23 };
    struct llama_hparams hp = shape("dim=32,layers=2,heads=4,kv_heads=2,ffn=48,ctx=16,rot=6,rope_base=1000", V);
    hp.arch = arch;
    struct tr_model_f32 m;
    cr_assert_eq(tr_model_init_f32(&m, &hp, tied, 3), 0);
    uint64_t s = 17;
    for (size_t i = 0; i < m.n_params; i++) m.params[i] += (float)(0.3 * tr_rng_normal(&s));
    void *mem;
    size_t len;
    cr_assert_eq(tr_export_model(&m, TENSOR_TYPE_F32, NULL, NULL, NULL, &mem, &len), 0, "%s", cm_error_message());
    char path[] = "/tmp/chatmpi-train-rt-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, mem, len), (ssize_t)len);
    close(fd);
    free(mem);
    struct llama_model *lm;
    struct llama_state *st;
    cr_assert_eq(llama_model_load(&lm, path), 0, "%s", cm_error_message());
    cr_assert_eq(lm->hp.arch, arch);
    cr_assert_eq(llama_state_new(&st, lm, 0, 0), 0, "%s", cm_error_message());
    int32_t tok[TT], tg[TT];
    float w[TT], lg[TT * V];
    for (int t = 0; t < TT; t++) tok[t] = (int32_t)(tr_rng_next(&s) % V);
    for (int t = 0; t < TT; t++) tg[t] = t + 1 < TT ? tok[t + 1] : tok[0];
    cr_assert_eq(llama_eval(st, tok, TT, lg, 1), 0, "%s", cm_error_message());
    cr_assert_eq(tr_model_alloc_f32(&m, 1, TT), 0);
    m.head_rows = 2;
    double worst = 0;
    for (int t = 0; t < TT; t++) {
        for (int j = 0; j < TT; j++) w[j] = j == t;
        double l, mx = -INFINITY, sum = 0;
        cr_assert_eq(tr_model_forward_f32(&m, tok, tg, w, &l), 0);
        for (int v = 0; v < V; v++) mx = fmax(mx, lg[t * V + v]);
        for (int v = 0; v < V; v++) sum += exp(lg[t * V + v] - mx);
        double want = log(sum) + mx - lg[t * V + tg[t]], d = fabs(l - want) / fabs(want);
        if (d > worst) worst = d;
    }
    cr_assert_lt(worst, 2e-3, "training forward vs llama_eval: worst relative loss difference %g", worst);
    llama_state_free(st);
    llama_model_free(lm);
    unlink(path);
    tr_model_release_f32(&m);
}

Test(train_model, llama_forward_matches_runtime) { check_matches_runtime(LLAMA_ARCH_LLAMA, 0); }
Test(train_model, qwen2_forward_matches_runtime) { check_matches_runtime(LLAMA_ARCH_QWEN2, 0); }
Test(train_model, qwen2_tied_forward_matches_runtime) { check_matches_runtime(LLAMA_ARCH_QWEN2, 1); }

Test(train_model, lora_q8_0_base_gradients)
{
    check_lora(TENSOR_TYPE_Q8_0, 0, TR_LORA_DEFAULT_TARGETS, 0.0f);
}

Test(train_model, lora_f16_tied_all_targets_dropout_gradients)
{
    check_lora(TENSOR_TYPE_F16, 1, (1u << TR_MOD_COUNT) - 1, 0.25f);
}

/* The float softmax's own e^x: within 2e-7 of libm's relatively from 0 to -87, e^-87 below
 * (not 0, not garbage), a NaN passed on. */
Test(train_model, softmax_exp_matches_libm)
{
    double worst = 0;
    for (float x = 0; x > -87.0f; x -= 0.000731f) {
        double rel = fabs((double)tr_expf_softmax(x) - expf(x)) / expf(x);
        if (rel > worst) worst = rel;
    }
    cr_assert_lt(worst, 2e-7, "worst relative error %g", worst);
    cr_assert_eq(tr_expf_softmax(0.0f), 1.0f);
    cr_assert_eq(tr_expf_softmax(-0.0f), 1.0f);
    float floor87 = tr_expf_softmax(-87.0f);
    cr_assert(floor87 > 0 && fabs(floor87 - expf(-87.0f)) / expf(-87.0f) < 2e-7);
    cr_assert_eq(tr_expf_softmax(-1000.0f), floor87);
    cr_assert_eq(tr_expf_softmax(-INFINITY), floor87);
    cr_assert(isnan(tr_expf_softmax(NAN)));
}
