/* Held-out evaluation, the memory estimate's parts and the data-parallel module alone:
 * tr_eval_loss is the token-weighted mean of per-record forwards (padding rows do not count,
 * LoRA dropout is off), the parameter count matches the models the trainer builds, sizes
 * parse, available memory is read, and without a launcher dist is rank 0 of 1 with no-op
 * collectives (the MPI path runs end to end in tests/e2e/test_train_mpi.sh). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "tensor/tensor.h"
#include "train/data.h"
#include "train/dist.h"
#include "train/eval.h"
#include "train/io.h"
#include "train/mem.h"
#include "train/optim.h"
#include "train/train.h"

#define TINY "dim=32,layers=2,heads=4,kv_heads=2,ffn=64,ctx=16"

static struct llama_hparams shape(const char *spec, uint32_t vocab)
{
    struct llama_hparams hp = {.n_vocab = vocab};
    cr_assert_eq(llama_hparams_parse(&hp, spec), 0, "%s", cm_error_message());
    return hp;
}

/* 7 records of 5..11 tokens over a vocabulary of 16, answers marked from the 4th token. */
static void make_data(struct tr_data *d)
{
    tr_data_init(d);
    d->n_records = 7;
    d->offsets = cm_malloc(8 * sizeof(uint64_t));
    d->offsets[0] = 0;
    for (int r = 0; r < 7; r++) d->offsets[r + 1] = d->offsets[r] + 5 + (uint64_t)r;
    d->n_tokens = d->offsets[7];
    d->tokens = cm_malloc(d->n_tokens * sizeof(uint32_t));
    d->mask = cm_malloc(d->n_tokens);
    for (int r = 0; r < 7; r++)
        for (uint64_t i = d->offsets[r]; i < d->offsets[r + 1]; i++) {
            d->tokens[i] = (uint32_t)((i * 5 + (uint64_t)r) % 16);
            d->mask[i] = i - d->offsets[r] >= 3;
        }
    d->max_token = 15;
}

/* The reference: one record a forward (B = 1), sum(loss x counted) / sum(counted). */
static double reference_loss(struct tr_model_f32 *m, const struct tr_data *d, int answer_only, int T)
{
    struct tr_model_f32 one = *m;
    one.acts = one.gacts = one.scratch = one.rope_cos = one.rope_sin = NULL;
    one.tokens = one.targets = NULL;
    one.weights = NULL;
    one.B = one.T = 0;
    cr_assert_eq(tr_model_alloc_f32(&one, 1, T), 0);
    double num = 0, den = 0;
    int32_t tok[16], tg[16];
    float w[16];
    for (uint64_t r = 0; r < d->n_records; r++) {
        tr_data_record(d, r, T, answer_only, tok, tg, w);
        double loss;
        one.eval = 1;
        cr_assert_eq(tr_model_forward_f32(&one, tok, tg, w, &loss), 0, "%s", cm_error_message());
        num += loss * one.wsum, den += one.wsum;
    }
    free(one.acts), free(one.gacts), free(one.scratch), free(one.rope_cos), free(one.rope_sin);
    free(one.tokens), free(one.targets), free(one.weights);
    return num / den;
}

Test(train_eval, mean_over_records_with_padding_rows)
{
    struct llama_hparams hp = shape(TINY, 16);
    struct tr_model_f32 m;
    cr_assert_eq(tr_model_init_f32(&m, &hp, 0, 4), 0);
    cr_assert_eq(tr_model_alloc_f32(&m, 3, 10), 0); /* 7 records: batches of 3, 3, 1 + 2 padding rows */
    struct tr_data d;
    make_data(&d);
    for (int answer_only = 0; answer_only < 2; answer_only++) {
        struct tr_eval_result res;
        cr_assert_eq(tr_eval_loss(&res, &m, &d, answer_only, NULL), 0, "%s", cm_error_message());
        double want = reference_loss(&m, &d, answer_only, 10);
        cr_assert_float_eq(res.loss, want, 1e-5 * want, "answer_only %d: %.9g vs %.9g", answer_only, res.loss, want);
        /* records of 5..11 tokens cut to 10 inputs: min(len - 1, 10) targets each, fewer with answers only */
        uint64_t all = 4 + 5 + 6 + 7 + 8 + 9 + 10, answers = all - 7 * 2;
        cr_assert_eq(res.tokens, answer_only ? answers : all, "counted %llu", (unsigned long long)res.tokens);
        cr_assert(res.loss > 1 && res.loss < 5);
    }
    tr_data_release(&d);
    tr_model_release_f32(&m);
}

Test(train_eval, lora_dropout_is_off)
{
    struct llama_hparams hp = shape(TINY, 16);
    struct tr_model_f32 full;
    cr_assert_eq(tr_model_init_f32(&full, &hp, 1, 8), 0);
    void *mem;
    size_t len;
    cr_assert_eq(tr_export_model(&full, TENSOR_TYPE_F32, NULL, NULL, NULL, &mem, &len), 0);
    struct gguf *g;
    cr_assert_eq(gguf_open_memory(&g, mem, len, "base"), 0);
    struct tr_lora_cfg lc = {.r = 2, .alpha = 4, .dropout = 0.5f, .targets = (1u << TR_MOD_COUNT) - 1};
    struct tr_model_f32 m;
    cr_assert_eq(tr_model_init_base_f32(&m, g, &lc, 3), 0, "%s", cm_error_message());
    for (size_t i = 0; i < m.n_params; i++) m.params[i] = 0.05f * (float)((int)(i % 7) - 3); /* B != 0 */
    cr_assert_eq(tr_model_alloc_f32(&m, 2, 10), 0);
    struct tr_data d;
    make_data(&d);
    struct tr_eval_result a, b;
    m.dropout_seed = 1;
    cr_assert_eq(tr_eval_loss(&a, &m, &d, 0, NULL), 0);
    m.dropout_seed = 12345;
    cr_assert_eq(tr_eval_loss(&b, &m, &d, 0, NULL), 0);
    cr_assert_eq(a.loss, b.loss, "evaluation depends on the dropout seed: %.9g vs %.9g", a.loss, b.loss);
    cr_assert_eq(m.eval, 0, "the model is left in evaluation mode");
    /* and the training forward does drop: another seed, another loss */
    int32_t tok[20], tg[20];
    float w[20];
    for (int r = 0; r < 2; r++) tr_data_record(&d, (uint64_t)r, 10, 0, tok + 10 * r, tg + 10 * r, w + 10 * r);
    double l1, l2;
    m.dropout_seed = 1;
    cr_assert_eq(tr_model_forward_f32(&m, tok, tg, w, &l1), 0);
    m.dropout_seed = 2;
    cr_assert_eq(tr_model_forward_f32(&m, tok, tg, w, &l2), 0);
    cr_assert_neq(l1, l2);
    tr_data_release(&d);
    tr_model_release_f32(&m);
    gguf_close(g);
    free(mem);
    tr_model_release_f32(&full);
}

Test(train_eval, nothing_counts_is_an_error)
{
    struct llama_hparams hp = shape(TINY, 16);
    struct tr_model_f32 m;
    cr_assert_eq(tr_model_init_f32(&m, &hp, 0, 4), 0);
    cr_assert_eq(tr_model_alloc_f32(&m, 2, 10), 0);
    struct tr_data d;
    make_data(&d);
    memset(d.mask, 0, d.n_tokens);
    struct tr_eval_result res;
    cr_assert_eq(tr_eval_loss(&res, &m, &d, 1, NULL), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "no target that counts"));
    tr_data_release(&d);
    tr_model_release_f32(&m);
}

Test(train_mem, param_count_matches_the_models)
{
    const char *shapes[] = {TINY, "dim=48,layers=3,heads=6,kv_heads=3,ffn=80,ctx=32", "dim=16,layers=1,heads=2,ffn=24,ctx=8"};
    for (int s = 0; s < 6; s++) /* 3..5: the same shapes as qwen2 (Q/K/V biases) */
        for (int tied = 0; tied < 2; tied++) {
            struct llama_hparams hp = shape(shapes[s % 3], 40);
            hp.arch = s < 3 ? LLAMA_ARCH_LLAMA : LLAMA_ARCH_QWEN2;
            struct tr_model_f32 m;
            cr_assert_eq(tr_model_init_f32(&m, &hp, tied, 1), 0);
            cr_assert_eq(tr_param_count(&hp, tied, NULL), m.n_params, "%s tied %d arch %d", shapes[s % 3], tied, s / 3);
            void *mem;
            size_t len;
            cr_assert_eq(tr_export_model(&m, TENSOR_TYPE_F32, NULL, NULL, NULL, &mem, &len), 0);
            struct gguf *g;
            cr_assert_eq(gguf_open_memory(&g, mem, len, "base"), 0);
            struct tr_lora_cfg lc = {.r = 3, .alpha = 6, .dropout = 0, .targets = (1u << TR_MOD_K) | (1u << TR_MOD_DOWN)};
            struct tr_model_f32 l;
            cr_assert_eq(tr_model_init_base_f32(&l, g, &lc, 1), 0, "%s", cm_error_message());
            cr_assert_eq(tr_param_count(&hp, tied, &lc), l.n_params, "%s LoRA", shapes[s % 3]);
            tr_model_release_f32(&l);
            gguf_close(g);
            free(mem);
            tr_model_release_f32(&m);
        }
}

Test(train_mem, estimate_adds_up_and_grows_with_the_batch)
{
    struct llama_hparams hp = shape(TINY, 64);
    struct tr_mem_plan a, b, c;
    tr_mem_estimate(&a, &hp, 0, NULL, 0, 2, 8, 1, 1);
    tr_mem_estimate(&b, &hp, 0, NULL, 0, 4, 8, 1, 1);
    tr_mem_estimate(&c, &hp, 0, NULL, 0, 2, 8, 1, 2);
    size_t n = tr_param_count(&hp, 0, NULL);
    cr_assert_eq(a.params, 2 * n * sizeof(float));
    cr_assert_eq(a.optimizer, 2 * n * sizeof(float));
    /* and attention backward's two (rows, T) blocks */
    cr_assert_eq(a.activations - 2 * 8 * 8 * sizeof(float), tr_model_alloc_bytes_f32(&hp, 0, 0, 2, 8));
    cr_assert_gt(b.activations, a.activations);
    cr_assert_eq(a.comm, 0);
    cr_assert_eq(c.comm, n * sizeof(float));
    cr_assert_gt(a.now, 0, "VmRSS not read");
    uint64_t sum = a.now + a.mapped + a.params + a.optimizer + a.activations + a.checkpoint + a.comm + a.runtime;
    cr_assert_eq(a.total, sum);
}

Test(train_mem, sizes_and_the_machine)
{
    uint64_t v;
    cr_assert_eq(tr_mem_parse_size(&v, "512M"), 0);
    cr_assert_eq(v, 512ull << 20);
    cr_assert_eq(tr_mem_parse_size(&v, "1.5GiB"), 0);
    cr_assert_eq(v, 3ull << 29);
    cr_assert_eq(tr_mem_parse_size(&v, "4096"), 0);
    cr_assert_eq(v, 4096);
    cr_assert_eq(tr_mem_parse_size(&v, "2kb"), 0);
    cr_assert_eq(v, 2048);
    cr_assert_eq(tr_mem_parse_size(&v, "12X"), CM_EINVAL);
    cr_assert_eq(tr_mem_parse_size(&v, "-1G"), CM_EINVAL);
    cr_assert_eq(tr_mem_parse_size(&v, ""), CM_EINVAL);
    const char *what;
    cr_assert_eq(tr_mem_available(&v, &what), 0, "%s", cm_error_message());
    cr_assert_gt(v, 1 << 20);
    uint64_t rss = tr_mem_status("VmRSS"); /* read first: it may grow before VmHWM is read */
    cr_assert_gt(rss, 0);
    cr_assert_geq(tr_mem_status("VmHWM") + (1 << 20), rss);
    char buf[32];
    tr_mem_format(buf, sizeof(buf), 3ull << 29);
    cr_assert_str_eq(buf, "1.5 GiB");
    tr_mem_format(buf, sizeof(buf), 812ull << 20);
    cr_assert_str_eq(buf, "812 MiB");
}

/* Without a launcher's variables nothing is initialized and the collectives are no-ops. */
Test(train_dist, alone_without_a_launcher)
{
    unsetenv("OMPI_COMM_WORLD_SIZE");
    unsetenv("PMIX_RANK");
    unsetenv("PMI_SIZE");
    cr_assert_eq(tr_dist_launched(), 0);
    struct tr_dist d;
    cr_assert_eq(tr_dist_init(&d), 0);
    cr_assert_eq(d.rank, 0);
    cr_assert_eq(d.size, 1);
    cr_assert_eq(d.active, 0);
    float g[3] = {1, 2, 3};
    double s[2] = {4, 5};
    cr_assert_eq(tr_dist_sum_f32(&d, g, 3), 0);
    cr_assert_eq(tr_dist_sum_f64(&d, s, 2), 0);
    cr_assert(g[0] == 1 && g[2] == 3 && s[1] == 5);
    cr_assert_eq(tr_dist_same_u64(&d, 42), 1);
    cr_assert_eq(tr_dist_barrier(&d), 0);
    tr_dist_finalize(&d);
    setenv("PMI_SIZE", "x", 1); /* not a count: not a launch */
    cr_assert_eq(tr_dist_launched(), 0);
    setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
    cr_assert_eq(tr_dist_launched(), 1);
    unsetenv("OMPI_COMM_WORLD_SIZE");
    unsetenv("PMI_SIZE");
}
