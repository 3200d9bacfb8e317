/* LoRA adapters (src/model/lora.h) against the double-precision reference of llama_ref.h,
 * whose weights are replaced by W + sum_k s_k (alpha_k / r_k) B_k A_k computed explicitly in
 * double: a random GQA model with two adapters at once (different ranks, alphas, scales and
 * storage types; one on every matrix of every layer and the output, the other on a few),
 * applied unmerged in batched prefill and in one-token decode, over f32 and q8_0 bases;
 * merged by llama_lora_merge against the same model with the adapters unmerged; and every
 * refusal, with the tensor named in the message.
 *
 * Tolerances (max |diff| over all logits relative to max |logit| of the reference), with
 * the values measured when they were set (CM_TEST_VERBOSE=1 prints them):
 *   unmerged, f32 base, prefill and decode vs the reference      1e-4  (3.5e-7, 1.5e-7)
 *   unmerged, q8_0 base: prefill 1e-4, decode 2e-2               (2.6e-7, 9.1e-3: 8-bit activations)
 *   merged f32 model vs the unmerged adapters                    1e-5  (2.3e-7: rounding order only)
 *   merged into f16 (out type f16) vs unmerged                   3e-3  (4.8e-4: f16 weight rounding)
 *   merged q8_0 model (written as q8_0 again) vs unmerged on q8_0 5e-2 (1.3e-2: q8_0 re-rounding)
 * The adapters move the logits by 0.17 (relative), so each bound is far below their effect.
 * qwen2 (biases, NEOX RoPE): unmerged adapters in prefill and decode vs the reference 1e-4,
 * and the merged model (biases copied as they are) vs the unmerged adapters 1e-5.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "gguf/gguf.h"
#include "model/lora.h"
#include "model/matmul.h"
#include "model/model.h"
#include "tensor/tensor.h"

#include "llama_ref.h"

#define SPEC "dim=64,layers=2,heads=4,kv_heads=2,ffn=96,ctx=32"
#define VOCAB 50

/* ---- adapters written by the test ---- */

struct tpair {
    char name[64];
    int64_t r, n_in, n_out;
    float a[8 * 96], b[96 * 8]; /* A (r x n_in), B (n_out x r) */
};

struct tadapter {
    const char *gtype, *atype, *arch; /* general.type, adapter.type, general.architecture (NULL: left out) */
    float alpha;                      /* 0: no adapter.lora.alpha key */
    uint32_t type;                    /* storage of A and B */
    float scale;                      /* applied with */
    struct tpair p[32];
    size_t n;
};

static float urand(uint32_t *st) { return (float)((*st = *st * 1664525u + 1013904223u) >> 8) / 8388608.0f - 1; }

static void add_pair(struct tadapter *t, const char *name, int64_t r, int64_t n_in, int64_t n_out, uint32_t seed)
{
    struct tpair *p = &t->p[t->n++];
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->r = r, p->n_in = n_in, p->n_out = n_out;
    for (int64_t i = 0; i < r * n_in; i++) p->a[i] = urand(&seed) / sqrtf((float)n_in);
    for (int64_t i = 0; i < n_out * r; i++) p->b[i] = 0.1f * urand(&seed);
    if (t->type != TENSOR_TYPE_F32) { /* the reference uses the values as stored */
        uint8_t buf[2 * 96 * 8];
        float *v[2] = {p->a, p->b};
        int64_t ne0[2] = {n_in, r}, rows[2] = {r, n_out};
        for (int k = 0; k < 2; k++)
            for (int64_t o = 0; o < rows[k]; o++) {
                cr_assert_eq(tensor_quantize_row(t->type, v[k] + o * ne0[k], buf, ne0[k]), 0);
                cr_assert_eq(tensor_dequantize_row(t->type, buf, v[k] + o * ne0[k], ne0[k]), 0);
            }
    }
}

static void put_tensor(struct gguf_writer *w, const char *name, uint32_t type, int64_t ne0, int64_t ne1, const float *v)
{
    size_t rb = tensor_row_size(type, ne0);
    uint8_t *q = malloc(rb * (size_t)ne1); /* borrowed by the writer; write_adapter frees it */
    for (int64_t o = 0; o < ne1; o++) cr_assert_eq(tensor_quantize_row(type, v + o * ne0, q + o * rb, ne0), 0);
    int64_t ne[2] = {ne0, ne1};
    cr_assert_eq(gguf_writer_add_tensor(w, name, type, 2, ne, q), 0, "%s", cm_error_message());
}

/* Writes the adapter into memory and opens it; *mem and the tensor buffers are freed by free_written. */
static struct gguf *write_adapter(const struct tadapter *t, void **mem)
{
    struct gguf_writer w;
    gguf_writer_init(&w);
    cr_assert_eq(gguf_writer_set_str(&w, "general.architecture", t->arch ? t->arch : "llama"), 0);
    if (t->gtype) cr_assert_eq(gguf_writer_set_str(&w, "general.type", t->gtype), 0);
    if (t->atype) cr_assert_eq(gguf_writer_set_str(&w, "adapter.type", t->atype), 0);
    if (t->alpha != 0) cr_assert_eq(gguf_writer_set_f32(&w, "adapter.lora.alpha", t->alpha), 0);
    char nm[96];
    for (size_t i = 0; i < t->n; i++) {
        const struct tpair *p = &t->p[i];
        snprintf(nm, sizeof(nm), "%s.lora_a", p->name);
        put_tensor(&w, nm, t->type, p->n_in, p->r, p->a);
        snprintf(nm, sizeof(nm), "%s.lora_b", p->name);
        put_tensor(&w, nm, t->type, p->r, p->n_out, p->b);
    }
    size_t len;
    cr_assert_eq(gguf_writer_write_memory(&w, mem, &len), 0, "%s", cm_error_message());
    for (size_t i = 0; i < w.n_tensors; i++) free((void *)w.tensors[i].data);
    gguf_writer_release(&w);
    struct gguf *g;
    cr_assert_eq(gguf_open_memory(&g, *mem, len, "adapter.gguf"), 0, "%s", cm_error_message());
    return g;
}

/* Two adapters: the first on every matrix of both layers and the output (rank 4, alpha 8,
 * f32), the second on some (ranks 3 and 2, alpha 3, f16). */
static void make_adapters(struct tadapter *t1, struct tadapter *t2)
{
    static const struct {
        const char *mod;
        int64_t n_in, n_out;
    } mods[] = {{"attn_q", 64, 64},  {"attn_k", 64, 32},  {"attn_v", 64, 32},   {"attn_output", 64, 64},
                {"ffn_gate", 64, 96}, {"ffn_up", 64, 96}, {"ffn_down", 96, 64}};
    *t1 = (struct tadapter){"adapter", "lora", NULL, 8.0f, TENSOR_TYPE_F32, 0.7f};
    *t2 = (struct tadapter){"adapter", "lora", NULL, 3.0f, TENSOR_TYPE_F16, -1.3f};
    char nm[64];
    for (int l = 0; l < 2; l++)
        for (int k = 0; k < 7; k++) {
            snprintf(nm, sizeof(nm), "blk.%d.%s.weight", l, mods[k].mod);
            add_pair(t1, nm, 4, mods[k].n_in, mods[k].n_out, 100u + 10u * l + k);
            if ((k + l) % 2 == 0) add_pair(t2, nm, 3 - (k % 2), mods[k].n_in, mods[k].n_out, 500u + 10u * l + k);
        }
    add_pair(t1, "output.weight", 4, 64, VOCAB, 77);
}

/* The reference's hook: W += s (alpha/r) B A for every pair of every adapter on that weight. */
struct adjust_ctx {
    const struct tadapter *t[4];
    size_t n;
};

static void adjust(void *ctx, const char *name, double *W, int64_t n_in, int64_t n_out)
{
    const struct adjust_ctx *c = ctx;
    for (size_t k = 0; k < c->n; k++)
        for (size_t i = 0; i < c->t[k]->n; i++) {
            const struct tpair *p = &c->t[k]->p[i];
            if (strcmp(p->name, name)) continue;
            cr_assert(p->n_in == n_in && p->n_out == n_out);
            double f = (double)c->t[k]->scale * (c->t[k]->alpha ? c->t[k]->alpha / (double)p->r : 1.0);
            for (int64_t o = 0; o < n_out; o++)
                for (int64_t j = 0; j < n_in; j++) {
                    double d = 0;
                    for (int64_t q = 0; q < p->r; q++) d += (double)p->b[o * p->r + q] * p->a[q * n_in + j];
                    W[o * n_in + j] += f * d;
                }
        }
}

/* Attaches the adapters to m (loaded from memory files). */
static void attach(struct llama_model *m, const struct tadapter *const *t, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        void *mem;
        struct gguf *g = write_adapter(t[k], &mem);
        struct llama_adapter *a;
        cr_assert_eq(llama_adapter_from_gguf(&a, g, m), 0, "%s", cm_error_message());
        cr_assert_eq(a->n_pairs, t[k]->n);
        cr_assert_eq(llama_model_add_adapter(m, a, t[k]->scale), 0, "%s", cm_error_message());
        gguf_close(g);
        free(mem);
    }
}

/* Logits of tok[0..n) with the adapters attached: prefill in chunks of n_batch, or decode
 * (n_batch 0: one token at a time, on a state made before the adapters were attached). */
static float *run_with(const char *path, const struct tadapter *const *t, size_t n_ad, const int32_t *tok, int n,
                       uint32_t n_batch)
{
    struct llama_model *m;
    struct llama_state *s = NULL;
    cr_assert_eq(llama_model_load(&m, path), 0, "%s", cm_error_message());
    if (!n_batch) cr_assert_eq(llama_state_new(&s, m, 0, 0), 0);
    attach(m, t, n_ad);
    if (n_batch) cr_assert_eq(llama_state_new(&s, m, 0, n_batch), 0);
    size_t V = m->hp.n_vocab;
    float *lg = malloc((size_t)n * V * sizeof(float));
    if (n_batch)
        cr_assert_eq(llama_eval(s, tok, (size_t)n, lg, 1), 0, "%s", cm_error_message());
    else
        for (int i = 0; i < n; i++) cr_assert_eq(llama_eval(s, tok + i, 1, lg + i * V, 0), 0, "%s", cm_error_message());
    llama_state_free(s);
    llama_model_free(m);
    return lg;
}

static double max_rel(const float *a, const float *b, size_t n)
{
    double md = 0, mb = 0;
    for (size_t i = 0; i < n; i++) md = fmax(md, fabs((double)a[i] - b[i])), mb = fmax(mb, fabs((double)b[i]));
    return md / mb;
}

/* ---- tests ---- */

/* exact f32 batches: the references are float sums (model/matmul.h) */
static void f32_batches(void) { mm_batch_select(MM_BATCH_F32); }
TestSuite(lora, .init = f32_batches);

Test(lora, unmerged_adapters_match_reference)
{
    static struct tadapter t1, t2;
    make_adapters(&t1, &t2);
    const struct tadapter *both[2] = {&t1, &t2};
    const uint32_t types[] = {TENSOR_TYPE_F32, TENSOR_TYPE_Q8_0};
    const double tol_dec[] = {1e-4, 2e-2};
    int32_t tok[13];
    tokens(tok, 13, VOCAB, 4);
    for (int k = 0; k < 2; k++) {
        char *path = tmp_model(SPEC, VOCAB, types[k], 21, 0);
        uint32_t V;
        struct adjust_ctx ac = {{&t1, &t2}, 2};
        double *ref = run_ref_adjusted(path, tok, 13, &V, adjust, &ac);
        double *base = run_ref(path, tok, 13, &V);
        float *pre = run_with(path, both, 2, tok, 13, 5); /* chunks of 5, 5, 3 */
        float *dec = run_with(path, both, 2, tok, 13, 0);
        size_t N = (size_t)13 * V;
        double dp = rel_diff(pre, ref, N), dd = rel_diff(dec, ref, N);
        const char *tn = tensor_type_name(types[k]);
        cr_assert(dp <= 1e-4, "%s base: prefill with adapters differs from the reference by %g", tn, dp);
        cr_assert(dd <= tol_dec[k], "%s base: decode with adapters differs from the reference by %g", tn, dd);
        /* the adapters matter: the reference without them is far off */
        double da = rel_diff(pre, base, N);
        cr_assert(da > 100 * dp && da > 5 * dd, "%s: the adapters change the logits by only %g", tn, da);
        if (getenv("CM_TEST_VERBOSE")) printf("%s: prefill %.2g, decode %.2g, adapters' effect %.2g\n", tn, dp, dd, da);
        free(ref), free(base), free(pre), free(dec);
        unlink(path);
        free(path);
    }
}

static void expect_refused(const struct tadapter *t, const char *model_path, int code, const char *needle);
static char *merge_into(const char *path, const struct tadapter *const *t, size_t n, uint32_t out_type,
                        struct llama_merge_report *rep);

Test(lora, qwen2_unmerged_and_merged_match_reference)
{
    static struct tadapter t1, t2;
    make_adapters(&t1, &t2);
    t1.arch = t2.arch = "qwen2";
    const struct tadapter *both[2] = {&t1, &t2};
    int32_t tok[11];
    tokens(tok, 11, VOCAB, 31);
    char *path = tmp_model_arch(SPEC, VOCAB, TENSOR_TYPE_F32, 22, 0, LLAMA_ARCH_QWEN2);
    uint32_t V;
    struct adjust_ctx ac = {{&t1, &t2}, 2};
    double *ref = run_ref_adjusted(path, tok, 11, &V, adjust, &ac);
    double *base = run_ref(path, tok, 11, &V);
    float *pre = run_with(path, both, 2, tok, 11, 4), *dec = run_with(path, both, 2, tok, 11, 0);
    const size_t N = (size_t)11 * V;
    double dp = rel_diff(pre, ref, N), dd = rel_diff(dec, ref, N), da = rel_diff(pre, base, N);
    cr_assert(dp <= 1e-4 && dd <= 1e-4, "qwen2: prefill %g, decode %g from the reference", dp, dd);
    cr_assert(da > 100 * dp, "qwen2: the adapters change the logits by only %g", da);
    struct llama_merge_report rep;
    char *merged = merge_into(path, both, 2, TENSOR_TYPE_COUNT, &rep);
    struct gguf *g;
    cr_assert_eq(gguf_open(&g, merged), 0);
    const char *arch;
    cr_assert_eq(gguf_get_str(g, "general.architecture", &arch), 0);
    cr_assert_str_eq(arch, "qwen2");
    cr_assert_not_null(gguf_find_tensor(g, "blk.0.attn_q.bias"));
    gguf_close(g);
    float *lm = run_with(merged, NULL, 0, tok, 11, 4);
    double dm = max_rel(lm, pre, N);
    /* the float sums differ in order, and a key or value an f32 ulp apart can round to fp16
     * values an fp16 ulp apart in the cache: the reference's bound */
    cr_assert(dm <= 1e-4, "qwen2: merged differs from unmerged by %g", dm);
    /* an adapter for llama does not fit a qwen2 model */
    t1.arch = "llama";
    expect_refused(&t1, path, CM_EINVAL, "for architecture 'llama', the model is 'qwen2'");
    free(ref), free(base), free(pre), free(dec), free(lm);
    unlink(merged), unlink(path);
    free(merged), free(path);
}

Test(lora, scales_add_up_and_zero_is_the_base)
{
    static struct tadapter t1, t2, t3;
    make_adapters(&t1, &t2);
    char *path = tmp_model(SPEC, VOCAB, TENSOR_TYPE_F32, 21, 0);
    int32_t tok[6];
    tokens(tok, 6, VOCAB, 9);
    t1.scale = 0;
    const struct tadapter *zero[1] = {&t1};
    float *l0 = run_with(path, zero, 1, tok, 6, 0), *lb = run_with(path, NULL, 0, tok, 6, 0);
    cr_assert(memcmp(l0, lb, 6 * VOCAB * sizeof(float)) == 0, "scale 0 changed the logits");
    /* the same adapter at 0.25 and 0.75 is the adapter at 1 */
    t3 = t1;
    t1.scale = 0.25f, t3.scale = 0.75f;
    const struct tadapter *two[2] = {&t1, &t3};
    float *l2 = run_with(path, two, 2, tok, 6, 4);
    t1.scale = 1;
    const struct tadapter *one[1] = {&t1};
    float *l1 = run_with(path, one, 1, tok, 6, 4);
    double d = max_rel(l2, l1, 6 * VOCAB);
    cr_assert(d <= 1e-5, "0.25 + 0.75 differs from 1 by %g", d);
    cr_assert(max_rel(l1, lb, 6 * VOCAB) > 1e-2);
    free(l0), free(lb), free(l2), free(l1);
    unlink(path);
    free(path);
}

/* Merges the adapters into a copy of the model at path; returns the merged file's path. */
static char *merge_into(const char *path, const struct tadapter *const *t, size_t n, uint32_t out_type,
                        struct llama_merge_report *rep)
{
    struct llama_model *m;
    cr_assert_eq(llama_model_load(&m, path), 0);
    struct llama_adapter *ads[4];
    float sc[4];
    void *mem[4];
    for (size_t k = 0; k < n; k++) {
        struct gguf *g = write_adapter(t[k], &mem[k]);
        cr_assert_eq(llama_adapter_from_gguf(&ads[k], g, m), 0, "%s", cm_error_message());
        gguf_close(g);
        sc[k] = t[k]->scale;
    }
    char *out = strdup("/tmp/cm_test_merged_XXXXXX");
    int fd = mkstemp(out);
    cr_assert(fd >= 0);
    close(fd);
    cr_assert_eq(llama_lora_merge(m, ads, sc, n, out_type, out, rep), 0, "%s", cm_error_message());
    for (size_t k = 0; k < n; k++) llama_adapter_free(ads[k]), free(mem[k]);
    llama_model_free(m);
    return out;
}

Test(lora, merged_model_matches_unmerged_adapters)
{
    static struct tadapter t1, t2;
    make_adapters(&t1, &t2);
    const struct tadapter *both[2] = {&t1, &t2};
    int32_t tok[11];
    tokens(tok, 11, VOCAB, 12);
    const size_t N = (size_t)11 * VOCAB;
    char *p32 = tmp_model(SPEC, VOCAB, TENSOR_TYPE_F32, 21, 0), *p8 = tmp_model(SPEC, VOCAB, TENSOR_TYPE_Q8_0, 21, 0);
    const struct {
        const char *base;
        uint32_t out_type, want_type;
        double tol;
    } cases[] = {
        {p32, TENSOR_TYPE_COUNT, TENSOR_TYPE_F32, 1e-5},
        {p32, TENSOR_TYPE_F16, TENSOR_TYPE_F16, 3e-3},
        {p8, TENSOR_TYPE_COUNT, TENSOR_TYPE_Q8_0, 5e-2},
    };
    for (size_t c = 0; c < 3; c++) {
        struct llama_merge_report rep;
        char *merged = merge_into(cases[c].base, both, 2, cases[c].out_type, &rep);
        cr_assert_eq(rep.n_merged, 15, "merged %zu weights, expected 2 x 7 + output", rep.n_merged);
        float *um = run_with(cases[c].base, both, 2, tok, 11, 0), *mg = run_with(merged, NULL, 0, tok, 11, 0);
        float *umb = run_with(cases[c].base, both, 2, tok, 11, 4), *mgb = run_with(merged, NULL, 0, tok, 11, 4);
        double d = max_rel(mg, um, N), db = max_rel(mgb, umb, N);
        cr_assert(d <= cases[c].tol && db <= cases[c].tol, "case %zu: merged vs unmerged %g (decode), %g (prefill) > %g",
                  c, d, db, cases[c].tol);
        if (getenv("CM_TEST_VERBOSE")) printf("merge case %zu: decode %.2g, prefill %.2g\n", c, d, db);
        /* the file: every key of the base, norms and embeddings untouched, adapted weights in the expected type */
        struct gguf *gb, *gm;
        cr_assert_eq(gguf_open(&gb, cases[c].base), 0);
        cr_assert_eq(gguf_open(&gm, merged), 0);
        for (size_t i = 0; i < gb->n_kv; i++)
            cr_assert(gguf_find_key(gm, gb->kv[i].key), "merged model lacks key %s", gb->kv[i].key);
        const struct gguf_tensor *nb = gguf_find_tensor(gb, "blk.1.ffn_norm.weight"),
                                 *nm = gguf_find_tensor(gm, "blk.1.ffn_norm.weight");
        cr_assert(nm && nm->nbytes == nb->nbytes && !memcmp(nm->data, nb->data, nb->nbytes));
        const struct gguf_tensor *eb = gguf_find_tensor(gb, "token_embd.weight"),
                                 *em = gguf_find_tensor(gm, "token_embd.weight");
        if (cases[c].out_type == TENSOR_TYPE_COUNT)
            cr_assert(em->type == eb->type && !memcmp(em->data, eb->data, eb->nbytes), "token_embd changed");
        else
            cr_assert_eq(em->type, cases[c].out_type, "--out-type did not convert token_embd");
        cr_assert_eq(gguf_find_tensor(gm, "blk.0.attn_k.weight")->type, cases[c].want_type);
        gguf_close(gb), gguf_close(gm);
        free(um), free(mg), free(umb), free(mgb);
        unlink(merged);
        free(merged);
    }
    unlink(p32), unlink(p8);
    free(p32), free(p8);
}

/* ---- refusals ---- */

static int try_load(const struct tadapter *t, const char *model_path, struct llama_adapter **out)
{
    struct llama_model *m;
    cr_assert_eq(llama_model_load(&m, model_path), 0);
    void *mem;
    struct gguf *g = write_adapter(t, &mem);
    int rc = llama_adapter_from_gguf(out, g, m);
    gguf_close(g);
    free(mem);
    llama_model_free(m);
    return rc;
}

static void expect_refused(const struct tadapter *t, const char *model_path, int code, const char *needle)
{
    struct llama_adapter *a = (void *)1;
    int rc = try_load(t, model_path, &a);
    cr_assert_eq(rc, code, "expected %d, got %d (%s) for '%s'", code, rc, cm_error_message(), needle);
    cr_assert_null(a);
    cr_assert(strstr(cm_error_message(), needle), "message '%s' lacks '%s'", cm_error_message(), needle);
}

Test(lora, refusals_name_the_problem)
{
    char *path = tmp_model(SPEC, VOCAB, TENSOR_TYPE_F32, 21, 0), *tied = tmp_model(SPEC, VOCAB, TENSOR_TYPE_F32, 3, 1);
    static struct tadapter ok, t;
    ok = (struct tadapter){"adapter", "lora", NULL, 4.0f, TENSOR_TYPE_F32, 1};
    add_pair(&ok, "blk.0.attn_q.weight", 2, 64, 64, 1);
    add_pair(&ok, "blk.1.ffn_down.weight", 2, 96, 64, 2);
    struct llama_adapter *a;
    cr_assert_eq(try_load(&ok, path, &a), 0, "%s", cm_error_message());
    llama_adapter_free(a);

    t = ok, t.gtype = "model";
    expect_refused(&t, path, CM_EINVAL, "general.type is 'model', expected 'adapter'");
    t = ok, t.gtype = NULL;
    expect_refused(&t, path, CM_EINVAL, "no general.type");
    t = ok, t.atype = "control_vector";
    expect_refused(&t, path, CM_EINVAL, "adapter.type is 'control_vector'");
    t = ok, t.arch = "gpt2";
    expect_refused(&t, path, CM_EINVAL, "for architecture 'gpt2', the model is 'llama'");
    /* a shape that is not the weight's: lora_a's n_in, then lora_b's n_out */
    t = ok, t.n = 0;
    add_pair(&t, "blk.0.attn_k.weight", 2, 48, 32, 3);
    expect_refused(&t, path, CM_EINVAL, "tensor 'blk.0.attn_k.weight.lora_a' has shape [48, 2], expected [64, r]");
    t = ok, t.n = 0;
    add_pair(&t, "blk.0.attn_k.weight", 2, 64, 64, 3);
    expect_refused(&t, path, CM_EINVAL, "tensor 'blk.0.attn_k.weight.lora_b' has shape [2, 64], expected [r, 32]");
    /* a weight the model does not have, the embedding, the tied output */
    t = ok, t.n = 0;
    add_pair(&t, "blk.2.attn_q.weight", 2, 64, 64, 3);
    expect_refused(&t, path, CM_EINVAL, "tensor 'blk.2.attn_q.weight.lora_a' is for 'blk.2.attn_q.weight', which the "
                                        "model does not have");
    t = ok, t.n = 0;
    add_pair(&t, "token_embd.weight", 2, 64, VOCAB, 3);
    expect_refused(&t, path, CM_EINVAL, "'token_embd.weight', which chatmpi does not support");
    t = ok, t.n = 0;
    add_pair(&t, "output.weight", 2, 64, VOCAB, 3);
    expect_refused(&t, tied, CM_EINVAL, "(its output is tied to token_embd)");
    /* no tensors at all */
    t = ok, t.n = 0;
    expect_refused(&t, path, CM_EFORMAT, "has no LoRA tensors");
    /* non-finite alpha */
    t = ok, t.alpha = INFINITY;
    expect_refused(&t, path, CM_EFORMAT, "adapter.lora.alpha is not finite");
    unlink(tied);
    free(tied);

    /* broken files: a rank mismatch, half a pair, a stray tensor, a NaN, 3 dimensions */
    struct llama_model *m;
    cr_assert_eq(llama_model_load(&m, path), 0);
    const struct {
        const char *name;
        int64_t ne0, ne1, ne2;
        const char *needle;
    } bad[] = {
        {"blk.0.attn_q.weight.lora_b", 3, 64, 1, "the ranks of 'blk.0.attn_q.weight.lora_a' (shape [64, 2], rank 2) "
                                                 "and 'blk.0.attn_q.weight.lora_b' (shape [3, 64], rank 3) disagree"},
        {"blk.0.attn_v.weight.lora_a", 64, 2, 1, "'blk.0.attn_v.weight.lora_a' has no matching "
                                                 "'blk.0.attn_v.weight.lora_b'"},
        {"blk.0.attn_q.weight.bias", 64, 1, 1, "'blk.0.attn_q.weight.bias' is not a LoRA tensor"},
        {"blk.0.attn_q.weight.lora_b", 2, 64, 2, "'blk.0.attn_q.weight.lora_b' has 3 dimensions"},
        {"blk.0.attn_q.weight.lora_b", 2, 64, 0, "'blk.0.attn_q.weight.lora_b' holds a non-finite value"},
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        struct gguf_writer w;
        gguf_writer_init(&w);
        gguf_writer_set_str(&w, "general.architecture", "llama");
        gguf_writer_set_str(&w, "general.type", "adapter");
        gguf_writer_set_str(&w, "adapter.type", "lora");
        static float zeros[64 * 3 * 2], a[64 * 2];
        for (int i = 0; i < 64 * 2; i++) a[i] = 0.01f * (float)i;
        zeros[5] = bad[k].ne2 == 0 ? NAN : 0;
        int64_t nea[2] = {64, 2}, ne[3] = {bad[k].ne0, bad[k].ne1, bad[k].ne2 ? bad[k].ne2 : 1};
        cr_assert_eq(gguf_writer_add_tensor(&w, "blk.0.attn_q.weight.lora_a", TENSOR_TYPE_F32, 2, nea, a), 0);
        if (strcmp(bad[k].name, "blk.0.attn_q.weight.lora_b")) {
            int64_t neb[2] = {2, 64};
            cr_assert_eq(gguf_writer_add_tensor(&w, "blk.0.attn_q.weight.lora_b", TENSOR_TYPE_F32, 2, neb, zeros), 0);
        }
        cr_assert_eq(gguf_writer_add_tensor(&w, bad[k].name, TENSOR_TYPE_F32, ne[2] > 1 ? 3 : 2, ne, zeros), 0,
                     "%s", cm_error_message());
        void *mem;
        size_t len;
        cr_assert_eq(gguf_writer_write_memory(&w, &mem, &len), 0);
        gguf_writer_release(&w);
        struct gguf *g;
        cr_assert_eq(gguf_open_memory(&g, mem, len, "broken.gguf"), 0, "%s", cm_error_message());
        struct llama_adapter *ad = (void *)1;
        cr_assert_eq(llama_adapter_from_gguf(&ad, g, m), CM_EFORMAT, "%s accepted", bad[k].needle);
        cr_assert_null(ad);
        cr_assert(strstr(cm_error_message(), bad[k].needle), "message '%s' lacks '%s'", cm_error_message(),
                  bad[k].needle);
        gguf_close(g);
        free(mem);
    }
    llama_model_free(m);
    unlink(path);
    free(path);
}

Test(lora, spec_parsing)
{
    char *p;
    float s;
    cr_assert_eq(llama_lora_spec_parse("a.gguf", &p, &s), 0);
    cr_assert_str_eq(p, "a.gguf");
    cr_assert_eq(s, 1.0f);
    free(p);
    cr_assert_eq(llama_lora_spec_parse("dir/a.gguf:0.5", &p, &s), 0);
    cr_assert_str_eq(p, "dir/a.gguf");
    cr_assert_eq(s, 0.5f);
    free(p);
    cr_assert_eq(llama_lora_spec_parse("x:y.gguf:-2", &p, &s), 0);
    cr_assert_str_eq(p, "x:y.gguf");
    cr_assert_eq(s, -2.0f);
    free(p);
    cr_assert_eq(llama_lora_spec_parse("host:a.gguf", &p, &s), 0); /* no number after ':': part of the name */
    cr_assert_str_eq(p, "host:a.gguf");
    cr_assert_eq(s, 1.0f);
    free(p);
    cr_assert_eq(llama_lora_spec_parse("a.gguf:inf", &p, &s), CM_EINVAL);
    cr_assert_null(p);
    cr_assert_eq(llama_lora_spec_parse("a.gguf:1e999", &p, &s), CM_EINVAL);
    cr_assert_eq(llama_lora_spec_parse(":2", &p, &s), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "no adapter file"), "%s", cm_error_message());
}
