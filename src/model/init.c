/* init.c — random llama and qwen2 models for tests and benchmarks (llama_model_write_random,
 * model.h).
 *
 * Every tensor has its own random stream derived from (seed, tensor index), and its data
 * is generated while the file is written (one tensor in memory at a time), so a 110M
 * parameter model needs no more memory than its largest tensor. Matrices are N(0, 1/n_in)
 * (wo and ffn_down also divided by sqrt(2 n_layer), as GPT-2 does, so the residual stream
 * stays O(1) with depth); token embeddings N(0, 1); norm weights 1 + N(0, 0.1^2) so that
 * tests notice a norm weight left out; qwen2's Q/K/V biases N(0, 0.5^2), large enough that
 * a forward pass without them is visibly wrong.
 * Left out: a tokenizer (other tools attach one), any training-quality initialization.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "model/model.h"
#include "model/rng.h"
#include "tensor/tensor.h"

struct init_tensor {
    uint64_t seed;
    uint32_t type;
    int64_t n_in, n_out;
    double mean, std;
};

static int init_fill(void *ctx, void *dst, size_t nbytes)
{
    const struct init_tensor *t = ctx;
    struct cm_rng r;
    cm_rng_seed(&r, t->seed);
    float *row = cm_malloc((size_t)t->n_in * sizeof(float));
    size_t rb = tensor_row_size(t->type, t->n_in);
    CM_ASSERT(rb * (size_t)t->n_out == nbytes);
    int rc = 0;
    for (int64_t o = 0; o < t->n_out && !rc; o++) {
        for (int64_t i = 0; i < t->n_in; i++) row[i] = (float)(t->mean + t->std * cm_rng_normal(&r));
        rc = tensor_quantize_row(t->type, row, (uint8_t *)dst + (size_t)o * rb, t->n_in);
    }
    free(row);
    return rc;
}

int llama_model_write_random(const char *path, const struct llama_hparams *hp, uint32_t type, uint64_t seed,
                             int tied)
{
    int rc = llama_hparams_validate(hp);
    if (rc) return rc;
    const struct tensor_type_info *ti = tensor_type_get(type);
    if (!ti || !ti->can_quantize || !ti->can_dequantize)
        return cm_error_set(CM_EINVAL, "cannot write a model of type %s", tensor_type_name(type));
    uint32_t hs = hp->dim / hp->n_head, kv_dim = hs * hp->n_head_kv;
    if (hp->dim % ti->block_size || hp->n_ff % ti->block_size) {
        cm_error_set(CM_EINVAL, "type %s needs dim (%u) and ffn (%u) to be multiples of %u", ti->name, hp->dim, hp->n_ff,
                     ti->block_size);
        cm_error_hint("choose sizes that are multiples of %u, or --type f32", ti->block_size);
        return CM_EINVAL;
    }
    const int bias = llama_arch_has_qkv_bias(hp->arch);
    size_t n_t = 3 + (bias ? 12 : 9) * (size_t)hp->n_layer;
    struct init_tensor *ts = cm_calloc(n_t, sizeof(*ts));
    struct gguf_writer w;
    gguf_writer_init(&w);
    if ((rc = llama_hparams_write(hp, &w)) || (rc = gguf_writer_set_str(&w, "general.name", "random")) ||
        (rc = gguf_writer_set_u64(&w, "chatmpi.random_seed", seed)))
        goto done;
    size_t k = 0;
    double resid = 1.0 / sqrt(2.0 * hp->n_layer);
#define ADD(name_, nd_, type_, n_in_, n_out_, mean_, std_)                                                            \
    do {                                                                                                          \
        struct init_tensor *t_ = &ts[k];                                                                          \
        uint64_t s_ = seed ^ (0x51ed2701ull * (k + 1));                                                           \
        *t_ = (struct init_tensor){cm_rng_splitmix(&s_), (type_), (n_in_), (n_out_), (mean_), (std_)};           \
        int64_t ne_[2] = {(n_in_), (n_out_)};                                                                     \
        if ((rc = gguf_writer_add_tensor_fill(&w, (name_), (type_), (nd_), ne_,      init_fill, t_)))   \
            goto done;                                                                                            \
        k++;                                                                                                      \
    } while (0)
    double sd = 1.0 / sqrt((double)hp->dim), sf = 1.0 / sqrt((double)hp->n_ff);
    /* tied: the embedding is also the output projection, so it gets that scale */
    ADD("token_embd.weight", 2, type, hp->dim, hp->n_vocab, 0.0, tied ? sd : 1.0);
    for (uint32_t l = 0; l < hp->n_layer; l++) {
        char n[GGUF_MAX_NAME];
#define NAME(s) (snprintf(n, sizeof(n), "blk.%u." s ".weight", l), n)
        ADD(NAME("attn_norm"), 1, TENSOR_TYPE_F32, hp->dim, 1, 1.0, 0.1);
        ADD(NAME("attn_q"), 2, type, hp->dim, hp->dim, 0.0, sd);
        ADD(NAME("attn_k"), 2, type, hp->dim, kv_dim, 0.0, sd);
        ADD(NAME("attn_v"), 2, type, hp->dim, kv_dim, 0.0, sd);
#undef NAME
        if (bias) {
#define NAME(s) (snprintf(n, sizeof(n), "blk.%u." s ".bias", l), n)
            ADD(NAME("attn_q"), 1, TENSOR_TYPE_F32, hp->dim, 1, 0.0, 0.5);
            ADD(NAME("attn_k"), 1, TENSOR_TYPE_F32, kv_dim, 1, 0.0, 0.5);
            ADD(NAME("attn_v"), 1, TENSOR_TYPE_F32, kv_dim, 1, 0.0, 0.5);
#undef NAME
        }
#define NAME(s) (snprintf(n, sizeof(n), "blk.%u." s ".weight", l), n)
        ADD(NAME("attn_output"), 2, type, hp->dim, hp->dim, 0.0, sd * resid);
        ADD(NAME("ffn_norm"), 1, TENSOR_TYPE_F32, hp->dim, 1, 1.0, 0.1);
        ADD(NAME("ffn_gate"), 2, type, hp->dim, hp->n_ff, 0.0, sd);
        ADD(NAME("ffn_up"), 2, type, hp->dim, hp->n_ff, 0.0, sd);
        ADD(NAME("ffn_down"), 2, type, hp->n_ff, hp->dim, 0.0, sf * resid);
#undef NAME
    }
    ADD("output_norm.weight", 1, TENSOR_TYPE_F32, hp->dim, 1, 1.0, 0.1);
    if (!tied) ADD("output.weight", 2, type, hp->dim, hp->n_vocab, 0.0, sd);
#undef ADD
    rc = gguf_writer_write(&w, path);
done:
    gguf_writer_release(&w);
    free(ts);
    return rc;
}
