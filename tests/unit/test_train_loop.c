/* Training around the model: learning-rate schedules, weight decay that spares norms,
 * clipping, AdamW memorizing two sequences, exact resume from a checkpoint (full and LoRA
 * with dropout), checkpoint refusals, and GGUF model / adapter files read back. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "tensor/tensor.h"
#include "train/data.h"
#include "train/io.h"
#include "train/optim.h"
#include "train/train.h"

static struct llama_hparams shape(const char *spec, uint32_t vocab)
{
    struct llama_hparams hp = {.n_vocab = vocab};
    cr_assert_eq(llama_hparams_parse(&hp, spec), 0, "%s", cm_error_message());
    return hp;
}

#define TINY "dim=32,layers=2,heads=4,kv_heads=2,ffn=64,ctx=16"

Test(train_loop, schedules)
{
    struct tr_opt_cfg c;
    tr_opt_defaults(&c);
    c.lr = 1, c.min_lr = 0.1, c.warmup = 10, c.total_steps = 110;
    cr_assert_float_eq(tr_lr_at(&c, 0), 0.1, 1e-12);
    cr_assert_float_eq(tr_lr_at(&c, 9), 1.0, 1e-12);
    cr_assert_float_eq(tr_lr_at(&c, 10), 1.0, 1e-12);
    cr_assert_float_eq(tr_lr_at(&c, 35), 0.1 + 0.45 * (1 + cos(M_PI / 4)), 1e-12);
    cr_assert_float_eq(tr_lr_at(&c, 60), 0.55, 1e-12);
    cr_assert_float_eq(tr_lr_at(&c, 110), 0.1, 1e-12);
    cr_assert_float_eq(tr_lr_at(&c, 500), 0.1, 1e-12);
    c.sched = TR_SCHED_LINEAR;
    cr_assert_float_eq(tr_lr_at(&c, 35), 1 - 0.9 * 0.25, 1e-12);
    c.sched = TR_SCHED_CONSTANT;
    cr_assert_float_eq(tr_lr_at(&c, 80), 1.0, 1e-12);
}

/* With zero gradients AdamW moves nothing but the decayed weights: matrices shrink by
 * (1 - lr wd), norms stay. */
Test(train_loop, weight_decay_spares_norms)
{
    struct llama_hparams hp = shape(TINY, 16);
    struct tr_model_f32 m;
    cr_assert_eq(tr_model_init_f32(&m, &hp, 0, 1), 0);
    float *before = cm_malloc(m.n_params * sizeof(float));
    memcpy(before, m.params, m.n_params * sizeof(float));
    struct tr_opt_cfg c;
    tr_opt_defaults(&c);
    c.weight_decay = 0.5;
    struct tr_trainer t;
    tr_trainer_init(&t, &m, &c, 1);
    tr_model_zero_grad_f32(&m);
    tr_adamw_update(&t, 0.1);
    const struct tr_ptensor *q = tr_model_find_f32(&m, "blk.1.attn_q.weight"),
                            *nrm = tr_model_find_f32(&m, "blk.1.ffn_norm.weight");
    cr_assert(q && nrm);
    cr_assert_eq(nrm->decay, 0);
    cr_assert_float_eq(m.params[q->off + 3], before[q->off + 3] * 0.95f, 1e-7);
    cr_assert_eq(m.params[nrm->off + 3], before[nrm->off + 3]);
    tr_trainer_release(&t);
    tr_model_release_f32(&m);
    free(before);
}

/* Two fixed sequences: the model must learn them by heart. */
static void fixed_data(int32_t *tok, int32_t *tg, int B, int T, int V)
{
    uint64_t s = 77;
    for (int b = 0; b < B; b++)
        for (int t = 0; t <= T; t++) {
            int32_t x = (int32_t)(tr_rng_next(&s) % (uint64_t)V);
            if (t < T) tok[b * T + t] = x;
            if (t > 0) tg[b * T + t - 1] = x;
        }
}

Test(train_loop, adamw_memorizes_two_sequences)
{
    enum { B = 2, T = 16, V = 16 };
    struct llama_hparams hp = shape(TINY, V);
    struct tr_model_f32 m;
    cr_assert_eq(tr_model_init_f32(&m, &hp, 0, 3), 0);
    cr_assert_eq(tr_model_alloc_f32(&m, B, T), 0);
    int32_t tok[B * T], tg[B * T];
    fixed_data(tok, tg, B, T, V);
    struct tr_opt_cfg c;
    tr_opt_defaults(&c);
    c.lr = 3e-3, c.min_lr = 3e-4, c.warmup = 10, c.total_steps = 200;
    struct tr_trainer t;
    tr_trainer_init(&t, &m, &c, 3);
    struct tr_batch batch = {tok, tg, NULL};
    struct tr_step_info info;
    double first = 0;
    for (int s = 0; s < 200; s++) {
        cr_assert_eq(tr_trainer_step(&t, &batch, 1, &info), 0, "%s", cm_error_message());
        if (s == 0) first = info.loss;
    }
    cr_assert_gt(first, 2.0); /* about log(16) at the start */
    cr_assert_lt(info.loss, 0.1, "loss after 200 steps: %g", info.loss);
    cr_assert_eq(info.tokens, (uint64_t)(B * T));
    tr_trainer_release(&t);
    tr_model_release_f32(&m);
}

Test(train_loop, clipping_bounds_the_gradient_norm)
{
    enum { B = 2, T = 8, V = 16 };
    struct llama_hparams hp = shape(TINY, V);
    struct tr_model_f32 m;
    cr_assert_eq(tr_model_init_f32(&m, &hp, 1, 3), 0);
    cr_assert_eq(tr_model_alloc_f32(&m, B, T), 0);
    int32_t tok[B * T], tg[B * T];
    fixed_data(tok, tg, B, T, V);
    struct tr_opt_cfg c;
    tr_opt_defaults(&c);
    c.clip = 1e-3;
    struct tr_trainer t;
    tr_trainer_init(&t, &m, &c, 3);
    struct tr_batch batch = {tok, tg, NULL};
    struct tr_step_info info;
    cr_assert_eq(tr_trainer_step(&t, &batch, 1, &info), 0);
    cr_assert_gt(info.grad_norm, 1e-2);
    cr_assert_float_eq(tr_grad_norm(&m), 1e-3, 1e-6);
    tr_trainer_release(&t);
    tr_model_release_f32(&m);
}

/* A batch cut to its longest row (tr_model_set_len, tr_rows_trim) gives the padded batch's
 * loss and gradients: padding weighs 0 and attention is causal. Rows of 5 and 9 positions
 * (B = 2) padded to 16, then cut to 9 and laid out 9 apart. */
Test(train_loop, cut_batch_equals_padded_batch)
{
    enum { B = 2, T = 16, V = 16, L0 = 5, L1 = 9 };
    struct llama_hparams hp = shape(TINY, V);
    struct tr_model_f32 m;
    cr_assert_eq(tr_model_init_f32(&m, &hp, 0, 5), 0);
    cr_assert_eq(tr_model_alloc_f32(&m, B, T), 0);
    int32_t tok[B * T], tg[B * T];
    float w[B * T];
    fixed_data(tok, tg, B, T, V);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            int real = t < (b ? L1 : L0);
            w[b * T + t] = real ? 1.0f + 0.25f * (float)(t % 3) : 0.0f;
            if (!real) tok[b * T + t] = tg[b * T + t] = 0;
        }
    double loss_pad, loss_cut;
    tr_model_zero_grad_f32(&m);
    cr_assert_eq(tr_model_forward_f32(&m, tok, tg, w, &loss_pad), 0);
    tr_model_backward_f32(&m, 1.0);
    float *g_pad = cm_malloc(m.n_params * sizeof(float));
    memcpy(g_pad, m.grads, m.n_params * sizeof(float));

    int32_t ctok[B * T], ctg[B * T];
    float cw[B * T];
    memcpy(ctok, tok, sizeof(tok)), memcpy(ctg, tg, sizeof(tg)), memcpy(cw, w, sizeof(w));
    tr_rows_trim(ctok, ctg, cw, B, T, L1);
    for (int t = 0; t < L1; t++) { /* row 1 now starts at L1 */
        cr_assert_eq(ctok[L1 + t], tok[T + t]);
        cr_assert_eq(ctg[L1 + t], tg[T + t]);
        cr_assert_eq(cw[L1 + t], w[T + t]);
    }
    cr_assert_eq(tr_model_set_len_f32(&m, L1), 0);
    tr_model_zero_grad_f32(&m);
    cr_assert_eq(tr_model_forward_f32(&m, ctok, ctg, cw, &loss_cut), 0);
    tr_model_backward_f32(&m, 1.0);
    cr_assert_float_eq(loss_cut, loss_pad, 1e-6 * fabs(loss_pad));
    double worst = 0, scale = 0;
    for (size_t i = 0; i < m.n_params; i++) {
        double d = fabs((double)m.grads[i] - g_pad[i]);
        if (d > worst) worst = d;
        if (fabs(g_pad[i]) > scale) scale = fabs(g_pad[i]);
    }
    cr_assert_gt(scale, 0.0);
    cr_assert_leq(worst, 1e-5 * scale, "largest gradient difference %g (largest gradient %g)", worst, scale);

    cr_assert_eq(tr_model_set_len_f32(&m, T + 1), CM_EINVAL);
    cr_assert_eq(tr_model_set_len_f32(&m, 0), CM_EINVAL);
    cr_assert_eq(m.T, L1);

    /* the trainer sets each micro-batch's length: 0 is the whole allocation */
    struct tr_opt_cfg c;
    tr_opt_defaults(&c);
    struct tr_trainer t;
    struct tr_step_info a, b;
    tr_trainer_init(&t, &m, &c, 3);
    struct tr_batch padded = {tok, tg, w, 0}, cut = {ctok, ctg, cw, L1};
    cr_assert_eq(tr_trainer_step(&t, &padded, 1, &a), 0);
    cr_assert_eq(m.T, T);
    cr_assert_eq(tr_trainer_step(&t, &cut, 1, &b), 0);
    cr_assert_eq(m.T, L1);
    cr_assert_eq(a.tokens, (uint64_t)(L0 + L1));
    cr_assert_eq(b.tokens, (uint64_t)(L0 + L1));
    tr_trainer_release(&t);
    tr_model_release_f32(&m);
    free(g_pad);
}

/* ---- resume ---- */

struct run {
    struct tr_model_f32 m;
    struct tr_trainer t;
    struct gguf *g;
};

static void run_open(struct run *r, struct gguf *base, uint64_t seed)
{
    enum { V = 16 };
    memset(r, 0, sizeof(*r));
    if (base) {
        struct tr_lora_cfg lc = {.r = 4, .alpha = 8, .dropout = 0.1f, .targets = (1u << TR_MOD_COUNT) - 1};
        cr_assert_eq(tr_model_init_base_f32(&r->m, base, &lc, seed), 0, "%s", cm_error_message());
    } else {
        struct llama_hparams hp = shape(TINY, V);
        cr_assert_eq(tr_model_init_f32(&r->m, &hp, 0, seed), 0);
    }
    cr_assert_eq(tr_model_alloc_f32(&r->m, 2, 8), 0);
    struct tr_opt_cfg c;
    tr_opt_defaults(&c);
    c.lr = 1e-2, c.warmup = 2, c.total_steps = 8;
    tr_trainer_init(&r->t, &r->m, &c, seed);
}

static double run_steps(struct run *r, int from, int to, double *losses)
{
    enum { B = 2, T = 8, V = 16 };
    for (int s = from; s < to; s++) {
        int32_t tok[2][B * T], tg[2][B * T];
        float w[B * T];
        for (int n = 0; n < B * T; n++) {
            for (int k = 0; k < 2; k++) tok[k][n] = (int32_t)((n * 7 + s * 3 + k) % V), tg[k][n] = (n + s + k) % V;
            w[n] = n % 5 ? 1.0f : 0.0f;
        }
        struct tr_batch mb[2] = {{tok[0], tg[0], w}, {tok[1], tg[1], NULL}}; /* accumulation over 2 */
        struct tr_step_info info;
        cr_assert_eq(tr_trainer_step(&r->t, mb, 2, &info), 0, "%s", cm_error_message());
        losses[s] = info.loss;
    }
    return losses[to - 1];
}

static void check_resume(struct gguf *base)
{
    char *dir;
    cr_assert_eq(cm_make_temp_dir(&dir, "train-test-"), 0);
    char *path = cm_path_join(dir, "run.ckpt");
    double whole[8], parts[8];
    struct run a, b;
    run_open(&a, base, 5);
    run_steps(&a, 0, 8, whole);
    run_open(&b, base, 5);
    run_steps(&b, 0, 3, parts);
    cr_assert_eq(tr_checkpoint_save(&b.t, path), 0, "%s", cm_error_message());
    tr_trainer_release(&b.t);
    tr_model_release_f32(&b.m);
    run_open(&b, base, 999); /* other init: the checkpoint must replace it all */
    cr_assert_eq(tr_checkpoint_load(&b.t, path), 0, "%s", cm_error_message());
    cr_assert_eq(b.t.step, 3);
    run_steps(&b, 3, 8, parts);
    for (int s = 0; s < 8; s++) cr_assert_eq(whole[s], parts[s], "step %d: %.17g vs %.17g", s, whole[s], parts[s]);
    cr_assert_lt(whole[7], whole[0]);
    cr_assert_eq(memcmp(a.m.params, b.m.params, a.m.n_params * sizeof(float)), 0);
    tr_trainer_release(&a.t);
    tr_model_release_f32(&a.m);
    tr_trainer_release(&b.t);
    tr_model_release_f32(&b.m);
    cm_remove_tree(dir);
    free(path);
    free(dir);
}

Test(train_loop, resume_is_exact_full) { check_resume(NULL); }

Test(train_loop, resume_is_exact_lora_dropout)
{
    struct llama_hparams hp = shape(TINY, 16);
    struct tr_model_f32 m;
    cr_assert_eq(tr_model_init_f32(&m, &hp, 1, 8), 0);
    void *mem;
    size_t len;
    cr_assert_eq(tr_export_model(&m, TENSOR_TYPE_Q8_0, NULL, NULL, NULL, &mem, &len), 0);
    struct gguf *g;
    cr_assert_eq(gguf_open_memory(&g, mem, len, "base"), 0);
    check_resume(g);
    gguf_close(g);
    free(mem);
    tr_model_release_f32(&m);
}

Test(train_loop, checkpoint_refusals)
{
    char *dir;
    cr_assert_eq(cm_make_temp_dir(&dir, "train-test-"), 0);
    char *path = cm_path_join(dir, "c.ckpt");
    struct run r;
    run_open(&r, NULL, 1);
    cr_assert_eq(tr_checkpoint_save(&r.t, path), 0);
    struct llama_hparams hp;
    struct tr_lora_cfg lc;
    int tied;
    cr_assert_eq(tr_checkpoint_peek(path, &hp, &tied, &lc), 0);
    cr_assert_eq(hp.dim, 32);
    cr_assert_eq(hp.n_head_kv, 2);
    cr_assert_eq(tied, 0);
    cr_assert_eq(lc.r, 0);
    /* a flipped byte */
    char *data;
    size_t len;
    cr_assert_eq(cm_read_file(&data, &len, path, 0), 0);
    data[200] ^= 1;
    cr_assert_eq(cm_write_file_atomic(path, data, len), 0);
    cr_assert_eq(tr_checkpoint_load(&r.t, path), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "checksum"), "%s", cm_error_message());
    /* another version */
    data[200] ^= 1;
    data[8] = 9;
    cr_assert_eq(cm_write_file_atomic(path, data, len), 0);
    cr_assert_eq(tr_checkpoint_load(&r.t, path), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "version 9"), "%s", cm_error_message());
    /* another shape */
    struct run o;
    struct llama_hparams hp2 = shape("dim=32,layers=1,heads=4,kv_heads=2,ffn=64,ctx=16", 16);
    memset(&o, 0, sizeof(o));
    cr_assert_eq(tr_model_init_f32(&o.m, &hp2, 0, 1), 0);
    tr_trainer_init(&o.t, &o.m, &r.t.cfg, 1);
    data[8] = 1;
    cr_assert_eq(cm_write_file_atomic(path, data, len), 0);
    cr_assert_eq(tr_checkpoint_load(&o.t, path), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "another shape"), "%s", cm_error_message());
    /* truncated */
    cr_assert_eq(cm_write_file_atomic(path, data, len - 5), 0);
    cr_assert_eq(tr_checkpoint_load(&r.t, path), CM_EFORMAT);
    free(data);
    tr_trainer_release(&o.t);
    tr_model_release_f32(&o.m);
    tr_trainer_release(&r.t);
    tr_model_release_f32(&r.m);
    cm_remove_tree(dir);
    free(path);
    free(dir);
}

/* ---- export ---- */

static int add_tokenizer(void *ctx, struct gguf_writer *w)
{
    return gguf_writer_set_str(w, "tokenizer.ggml.model", (const char *)ctx);
}

Test(train_loop, export_model_reads_back)
{
    struct llama_hparams hp = shape(TINY ",rope_base=1000000", 16);
    for (int tied = 0; tied < 2; tied++) {
        struct tr_model_f32 m;
        cr_assert_eq(tr_model_init_f32(&m, &hp, tied, 2), 0);
        void *mem;
        size_t len;
        cr_assert_eq(tr_export_model(&m, TENSOR_TYPE_F32, tied ? add_tokenizer : NULL, "llama", NULL, &mem, &len), 0);
        struct gguf *g;
        cr_assert_eq(gguf_open_memory(&g, mem, len, "exported"), 0, "%s", cm_error_message());
        struct llama_hparams back;
        cr_assert_eq(llama_hparams_read(&back, g), 0, "%s", cm_error_message());
        cr_assert_eq(memcmp(&back, &hp, sizeof(hp)), 0);
        cr_assert_eq(g->n_tensors, 2 + 9 * 2 + (tied ? 0 : 1));
        cr_assert_eq(gguf_find_tensor(g, "output.weight") == NULL, tied);
        cr_assert_eq(gguf_find_key(g, "tokenizer.ggml.model") != NULL, tied);
        const struct gguf_tensor *k = gguf_find_tensor(g, "blk.1.attn_k.weight");
        cr_assert(k);
        cr_assert_eq(k->ne[0], 32);
        cr_assert_eq(k->ne[1], 16); /* kv_dim = 2 heads * 8 */
        const struct gguf_tensor *e = gguf_find_tensor(g, "token_embd.weight");
        cr_assert_eq(e->ne[0], 32);
        cr_assert_eq(e->ne[1], 16);
        /* loading it back for full training gives the same parameters */
        struct tr_model_f32 m2;
        cr_assert_eq(tr_model_init_base_f32(&m2, g, NULL, 0), 0, "%s", cm_error_message());
        cr_assert_eq(m2.n_params, m.n_params);
        cr_assert_eq(m2.tied, tied);
        cr_assert_eq(memcmp(m2.params, m.params, m.n_params * sizeof(float)), 0);
        tr_model_release_f32(&m2);
        gguf_close(g);
        free(mem);
        tr_model_release_f32(&m);
    }
}

Test(train_loop, export_lora_adapter_format)
{
    struct llama_hparams hp = shape(TINY, 16);
    struct tr_model_f32 base;
    cr_assert_eq(tr_model_init_f32(&base, &hp, 0, 2), 0);
    void *bm;
    size_t bl;
    cr_assert_eq(tr_export_model(&base, TENSOR_TYPE_F16, NULL, NULL, NULL, &bm, &bl), 0);
    struct gguf *bg;
    cr_assert_eq(gguf_open_memory(&bg, bm, bl, "base"), 0);
    struct tr_lora_cfg lc = {.r = 4, .alpha = 16, .targets = TR_LORA_DEFAULT_TARGETS};
    struct tr_model_f32 m;
    cr_assert_eq(tr_model_init_base_f32(&m, bg, &lc, 3), 0, "%s", cm_error_message());
    cr_assert_eq(m.n_params, (size_t)2 * (4 * (32 + 32) + 2 * 4 * (32 + 16) + 4 * (32 + 32)));
    void *mem;
    size_t len;
    cr_assert_eq(tr_export_model(&m, TENSOR_TYPE_F32, NULL, NULL, NULL, &mem, &len), CM_EINVAL);
    cr_assert_eq(tr_export_lora(&m, NULL, NULL, NULL, &mem, &len), 0, "%s", cm_error_message());
    struct gguf *g;
    cr_assert_eq(gguf_open_memory(&g, mem, len, "adapter"), 0);
    const char *s;
    cr_assert_eq(gguf_get_str(g, "general.architecture", &s), 0);
    cr_assert_str_eq(s, "llama");
    cr_assert_eq(gguf_get_str(g, "general.type", &s), 0);
    cr_assert_str_eq(s, "adapter");
    cr_assert_eq(gguf_get_str(g, "adapter.type", &s), 0);
    cr_assert_str_eq(s, "lora");
    float alpha;
    cr_assert_eq(gguf_get_f32(g, "adapter.lora.alpha", &alpha), 0);
    cr_assert_eq(alpha, 16.0f);
    cr_assert_eq(g->n_tensors, 2 * 4 * 2);
    const struct gguf_tensor *a = gguf_find_tensor(g, "blk.1.attn_v.weight.lora_a"),
                             *b = gguf_find_tensor(g, "blk.1.attn_v.weight.lora_b");
    cr_assert(a && b);
    cr_assert_eq(a->type, TENSOR_TYPE_F32);
    cr_assert_eq(a->ne[0], 32);
    cr_assert_eq(a->ne[1], 4);
    cr_assert_eq(b->ne[0], 4);
    cr_assert_eq(b->ne[1], 16);
    cr_assert_null(gguf_find_tensor(g, "blk.0.ffn_up.weight.lora_a"));
    /* PEFT's init: A in +-1/sqrt(n_in) and not all zero, B zero */
    const float *av = a->data, *bv = b->data;
    float amax = 0;
    for (int i = 0; i < 128; i++) amax = fmaxf(amax, fabsf(av[i]));
    cr_assert(amax > 0.1f && amax <= 1 / sqrtf(32.0f));
    for (int i = 0; i < 64; i++) cr_assert_eq(bv[i], 0.0f);
    gguf_close(g);
    free(mem);
    tr_model_release_f32(&m);
    gguf_close(bg);
    free(bm);
    tr_model_release_f32(&base);
}

Test(train_loop, lora_settings_parse)
{
    struct tr_lora_cfg c = {.r = 8, .alpha = 16, .targets = TR_LORA_DEFAULT_TARGETS};
    cr_assert_eq(tr_lora_parse(&c, "r=4,alpha=8,dropout=0.05,targets=q+v+gate+ffn_down"), 0);
    cr_assert_eq(c.r, 4);
    cr_assert_float_eq(c.alpha, 8.0f, 0);
    cr_assert_float_eq(c.dropout, 0.05f, 1e-9);
    cr_assert_eq(c.targets, (1u << TR_MOD_Q) | (1u << TR_MOD_V) | (1u << TR_MOD_GATE) | (1u << TR_MOD_DOWN));
    cr_assert_eq(tr_lora_parse(&c, "r=0"), CM_EINVAL);
    cr_assert_eq(tr_lora_parse(&c, "dropout=1"), CM_EINVAL);
    cr_assert_eq(tr_lora_parse(&c, "targets=q+x"), CM_EINVAL);
    cr_assert_eq(tr_lora_parse(&c, "rank=4"), CM_EINVAL);
}

/* A checkpoint records the base's architecture (flags bits 8..15): a qwen2 LoRA checkpoint
 * peeks as qwen2 and does not load into a llama model of the same shape and adapters. */
Test(train_loop, checkpoint_records_the_architecture)
{
    char *dir;
    cr_assert_eq(cm_make_temp_dir(&dir, "train-test-"), 0);
    char *path = cm_path_join(dir, "q.ckpt");
    struct tr_lora_cfg lc = {.r = 2, .alpha = 4, .targets = TR_LORA_DEFAULT_TARGETS};
    struct tr_model_f32 m[2];
    struct tr_trainer t[2];
    struct gguf *g[2];
    void *mem[2];
    struct tr_opt_cfg oc;
    tr_opt_defaults(&oc);
    for (int a = 0; a < 2; a++) {
        struct llama_hparams hp = shape(TINY, 16);
        hp.arch = a ? LLAMA_ARCH_QWEN2 : LLAMA_ARCH_LLAMA;
        struct tr_model_f32 b;
        size_t len;
        cr_assert_eq(tr_model_init_f32(&b, &hp, 0, 2), 0);
        cr_assert_eq(tr_export_model(&b, TENSOR_TYPE_F32, NULL, NULL, NULL, &mem[a], &len), 0);
        tr_model_release_f32(&b);
        cr_assert_eq(gguf_open_memory(&g[a], mem[a], len, "base"), 0);
        cr_assert_eq(tr_model_init_base_f32(&m[a], g[a], &lc, 3), 0, "%s", cm_error_message());
        tr_trainer_init(&t[a], &m[a], &oc, 1);
    }
    cr_assert_eq(m[0].n_params, m[1].n_params);
    cr_assert_eq(tr_checkpoint_save(&t[1], path), 0);
    struct llama_hparams hp;
    struct tr_lora_cfg back;
    int tied;
    cr_assert_eq(tr_checkpoint_peek(path, &hp, &tied, &back), 0, "%s", cm_error_message());
    cr_assert_eq(hp.arch, LLAMA_ARCH_QWEN2);
    cr_assert_eq(back.r, 2);
    cr_assert_eq(tr_checkpoint_load(&t[1], path), 0, "%s", cm_error_message());
    cr_assert_eq(tr_checkpoint_load(&t[0], path), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "another shape"), "%s", cm_error_message());
    for (int a = 0; a < 2; a++) {
        tr_trainer_release(&t[a]);
        tr_model_release_f32(&m[a]);
        gguf_close(g[a]);
        free(mem[a]);
    }
    cm_remove_tree(dir);
    free(path);
    free(dir);
}
