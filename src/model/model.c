/* model.c — loading a llama or qwen2 GGUF model and checking its tensors (see model.h).
 * The forward pass is in forward.c, the random-model writer in init.c. */
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "model/lora.h"
#include "tensor/tensor.h"

/* The types a weight matrix may have: what matmul.c can multiply, which is every type the
 * tensor layer dequantizes (types without a dot kernel go through dequantized rows). */
static int weight_type_ok(uint32_t t)
{
    const struct tensor_type_info *ti = tensor_type_get(t);
    return ti && ti->can_dequantize;
}

static const struct gguf_tensor *need_tensor(const struct gguf *g, const char *name)
{
    const struct gguf_tensor *t = gguf_find_tensor(g, name);
    if (!t) cm_error_set(CM_EFORMAT, "cannot use '%s': missing tensor '%s'", g->path, name);
    return t;
}

static int bind_weight(struct llama_weight *w, struct llama_model *m, const char *name, int64_t n_in, int64_t n_out)
{
    const struct gguf *g = m->g;
    const struct gguf_tensor *t = need_tensor(g, name);
    if (!t) return CM_EFORMAT;
    if (t->n_dims != 2 || t->ne[0] != n_in || t->ne[1] != n_out)
        return cm_error_set(CM_EFORMAT, "cannot use '%s': tensor '%s' has shape [%lld, %lld, %lld, %lld] (%u dims), "
                                        "expected [%lld, %lld]",
                            g->path, name, (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2],
                            (long long)t->ne[3], t->n_dims, (long long)n_in, (long long)n_out);
    if (!weight_type_ok(t->type)) {
        cm_error_set(CM_EFORMAT, "cannot use '%s': tensor '%s' has type %s, which chatmpi cannot multiply", g->path,
                     name, tensor_type_name(t->type));
        cm_error_hint("convert the model with 'chatmpi quantize --type q8_0' (or q4_0, f16, f32)");
        return CM_EFORMAT;
    }
    size_t rb = tensor_row_size(t->type, n_in);
    if (rb == 0 || (t->type == TENSOR_TYPE_F32 && ((uintptr_t)t->data % sizeof(float))))
        return cm_error_set(CM_EFORMAT, "cannot use '%s': tensor '%s' (%s) has rows of %lld values that do not fit "
                                        "its blocks or its alignment",
                            g->path, name, tensor_type_name(t->type), (long long)n_in);
    CM_ASSERT(rb * (uint64_t)n_out == t->nbytes);
    *w = (struct llama_weight){t->name, t->data, t->type, n_in, n_out, rb};
    m->weight_bytes += t->nbytes;
    return 0;
}

static int bind_norm(const float **out, struct llama_model *m, const char *name)
{
    const struct gguf *g = m->g;
    const struct gguf_tensor *t = need_tensor(g, name);
    if (!t) return CM_EFORMAT;
    if (t->n_dims != 1 || t->ne[0] != m->hp.dim)
        return cm_error_set(CM_EFORMAT, "cannot use '%s': tensor '%s' has %u dims and %lld values, expected 1 dim of %u",
                            g->path, name, t->n_dims, (long long)t->n_elements, m->hp.dim);
    if (t->type != TENSOR_TYPE_F32 || (uintptr_t)t->data % sizeof(float))
        return cm_error_set(CM_EFORMAT, "cannot use '%s': tensor '%s' has type %s, expected an aligned f32", g->path,
                            name, tensor_type_name(t->type));
    *out = t->data;
    m->weight_bytes += t->nbytes;
    return 0;
}

/* A 1-D F32 vector of n values (qwen2's biases). */
static int bind_vector(const float **out, struct llama_model *m, const char *name, int64_t n)
{
    const struct gguf *g = m->g;
    const struct gguf_tensor *t = need_tensor(g, name);
    if (!t) {
        cm_error_hint("%s models carry biases on Q, K and V (blk.N.attn_{q,k,v}.bias)", llama_arch_name(m->hp.arch));
        return CM_EFORMAT;
    }
    if (t->n_dims != 1 || t->ne[0] != n)
        return cm_error_set(CM_EFORMAT, "cannot use '%s': tensor '%s' has %u dims and %lld values, expected 1 dim of "
                                        "%lld",
                            g->path, name, t->n_dims, (long long)t->n_elements, (long long)n);
    if (t->type != TENSOR_TYPE_F32 || (uintptr_t)t->data % sizeof(float))
        return cm_error_set(CM_EFORMAT, "cannot use '%s': tensor '%s' has type %s, expected an aligned f32", g->path,
                            name, tensor_type_name(t->type));
    *out = t->data;
    m->weight_bytes += t->nbytes;
    return 0;
}

static int32_t token_id_key(const struct gguf *g, const char *key, uint32_t n_vocab)
{
    uint32_t v;
    if (gguf_get_u32(g, key, &v) != 0 || v >= n_vocab) {
        cm_error_clear();
        return -1;
    }
    return (int32_t)v;
}

int llama_model_from_gguf(struct llama_model **out, struct gguf *g)
{
    *out = NULL;
    struct llama_model *m = cm_calloc(1, sizeof(*m));
    m->g = g;
    int rc = llama_hparams_read(&m->hp, g);
    if (rc) goto done;
    const struct llama_hparams *hp = &m->hp;
    m->head_size = hp->dim / hp->n_head;
    m->kv_dim = m->head_size * hp->n_head_kv;
    if ((rc = bind_weight(&m->tok_embd, m, "token_embd.weight", hp->dim, hp->n_vocab))) goto done;
    m->layers = cm_calloc(hp->n_layer, sizeof(*m->layers));
    for (uint32_t l = 0; l < hp->n_layer; l++) {
        struct llama_layer *L = &m->layers[l];
        char n[GGUF_MAX_NAME];
#define NAME(s) (snprintf(n, sizeof(n), "blk.%u." s ".weight", l), n)
        if ((rc = bind_norm(&L->attn_norm, m, NAME("attn_norm"))) ||
            (rc = bind_weight(&L->wq, m, NAME("attn_q"), hp->dim, hp->dim)) ||
            (rc = bind_weight(&L->wk, m, NAME("attn_k"), hp->dim, m->kv_dim)) ||
            (rc = bind_weight(&L->wv, m, NAME("attn_v"), hp->dim, m->kv_dim)) ||
            (rc = bind_weight(&L->wo, m, NAME("attn_output"), hp->dim, hp->dim)) ||
            (rc = bind_norm(&L->ffn_norm, m, NAME("ffn_norm"))) ||
            (rc = bind_weight(&L->w_gate, m, NAME("ffn_gate"), hp->dim, hp->n_ff)) ||
            (rc = bind_weight(&L->w_up, m, NAME("ffn_up"), hp->dim, hp->n_ff)) ||
            (rc = bind_weight(&L->w_down, m, NAME("ffn_down"), hp->n_ff, hp->dim)))
            goto done;
#undef NAME
        if (llama_arch_has_qkv_bias(hp->arch)) {
#define NAME(s) (snprintf(n, sizeof(n), "blk.%u." s ".bias", l), n)
            if ((rc = bind_vector(&L->bq, m, NAME("attn_q"), hp->dim)) ||
                (rc = bind_vector(&L->bk, m, NAME("attn_k"), m->kv_dim)) ||
                (rc = bind_vector(&L->bv, m, NAME("attn_v"), m->kv_dim)))
                goto done;
#undef NAME
        }
    }
    if ((rc = bind_norm(&m->output_norm, m, "output_norm.weight"))) goto done;
    if (gguf_find_tensor(g, "output.weight")) {
        if ((rc = bind_weight(&m->output, m, "output.weight", hp->dim, hp->n_vocab))) goto done;
    } else {
        m->output = m->tok_embd;
        m->tied = 1;
    }
    m->bos = token_id_key(g, "tokenizer.ggml.bos_token_id", hp->n_vocab);
    m->eos = token_id_key(g, "tokenizer.ggml.eos_token_id", hp->n_vocab);
done:
    if (rc) {
        llama_model_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int llama_model_mmap(void)
{
    const char *mm = getenv("CHATMPI_MMAP");
    return mm && *mm && strcmp(mm, "0") != 0;
}

int llama_model_load(struct llama_model **out, const char *path)
{
    *out = NULL;
    struct gguf *g;
    int rc = gguf_open_flags(&g, path, llama_model_mmap() ? 0 : GGUF_OPEN_RESIDENT);
    if (rc) return rc;
    return llama_model_from_gguf(out, g);
}

void llama_model_free(struct llama_model *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n_adapters; i++) llama_adapter_free(m->adapters[i]);
    free(m->adapters);
    free(m->layers);
    gguf_close(m->g);
    free(m);
}
