/* lora_merge.c — folding LoRA adapters into a model's weights and writing the result as a
 * model GGUF (see lora.h, llama_lora_merge).
 *
 * Every metadata key of the base is copied (tokenizer included); general.file_type and
 * general.quantization_version are set as `chatmpi quantize` sets them when an output type
 * is given. A merged weight is produced while the file is written, row by row: the row is
 * dequantized to f32, each adapter's update s (alpha/r) sum_j B[o][j] A[j][:] is added, and
 * the row is quantized to the weight's output type; rows are spread over OpenMP threads.
 * Left out: merging into token_embd or norms (adapters there are refused on load), writing
 * K-quants (a Q6_K weight that receives an update is written as Q8_0, and reported).
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "model/lora.h"
#include "model/model.h"
#include "tensor/tensor.h"

#define QUANT_VERSION 2 /* ggml's GGML_QNT_VERSION */

struct merge_term {
    const struct llama_adapter_pair *p;
    float f; /* scale * alpha / r */
};

struct merge_job {
    const struct gguf_tensor *t;
    uint32_t type;           /* output type */
    struct merge_term *terms; /* (n_terms) updates to add, NULL: only a conversion */
    size_t n_terms;
};

/* The llama_ftype value llama.cpp stores in general.file_type for a whole-model type. */
static int file_type_of(uint32_t type, uint32_t *ftype)
{
    /* llama.cpp's llama_ftype of a file all in one type (the K types as their _S variants) */
    static const uint32_t map[][2] = {{TENSOR_TYPE_F32, 0},   {TENSOR_TYPE_F16, 1},   {TENSOR_TYPE_Q4_0, 2},
                                      {TENSOR_TYPE_Q4_1, 3},  {TENSOR_TYPE_Q8_0, 7},  {TENSOR_TYPE_Q5_0, 8},
                                      {TENSOR_TYPE_Q5_1, 9},  {TENSOR_TYPE_Q4_K, 14}, {TENSOR_TYPE_Q5_K, 16},
                                      {TENSOR_TYPE_Q6_K, 18}, {TENSOR_TYPE_BF16, 32}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i][0] == type) return *ftype = map[i][1], 1;
    return 0;
}

static int fits(uint32_t type, int64_t ne0)
{
    const struct tensor_type_info *ti = tensor_type_get(type);
    return ti && ti->can_quantize && ne0 % ti->block_size == 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* Produces one tensor's rows: dequantize, add the updates, quantize. */
static int merge_fill(void *ctx, void *dst, size_t nbytes)
{
    const struct merge_job *j = ctx;
    const struct gguf_tensor *t = j->t;
    const int64_t ne0 = t->ne[0], rows = t->n_elements / ne0;
    const size_t src_rb = tensor_row_size(t->type, ne0), dst_rb = tensor_row_size(j->type, ne0);
    CM_ASSERT((size_t)rows * dst_rb == nbytes);
    int failed = 0;
    int64_t bad_row = -1;
#pragma omp parallel
    {
        float *row = cm_malloc((size_t)ne0 * sizeof(float));
#pragma omp for schedule(static)
        for (int64_t o = 0; o < rows; o++) {
            int rc = tensor_dequantize_row(t->type, (const uint8_t *)t->data + (size_t)o * src_rb, row, ne0);
            for (size_t k = 0; !rc && k < j->n_terms; k++) {
                const struct llama_adapter_pair *p = j->terms[k].p;
                const float *b = p->b + o * p->r;
                for (int64_t q = 0; q < p->r; q++) {
                    const float c = j->terms[k].f * b[q], *a = p->a + q * p->n_in;
                    for (int64_t i = 0; i < ne0; i++) row[i] += c * a[i];
                }
            }
            if (!rc) rc = tensor_quantize_row(j->type, row, (uint8_t *)dst + (size_t)o * dst_rb, ne0);
            if (rc) {
#pragma omp critical(merge_fail)
                if (!failed || o < bad_row) failed = 1, bad_row = o;
            }
        }
        free(row);
    }
    if (failed)
        return cm_error_set(CM_EINVAL, "cannot write merged tensor '%s': row %lld is not finite after the merge",
                            t->name, (long long)bad_row);
    return 0;
}

int llama_lora_merge(const struct llama_model *base, struct llama_adapter *const *adapters, const float *scales,
                     size_t n, uint32_t out_type, const char *path, struct llama_merge_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    const struct gguf *g = base->g;
    const int convert_all = out_type != TENSOR_TYPE_COUNT;
    uint32_t ftype = 0;
    if (convert_all && !file_type_of(out_type, &ftype))
        return cm_error_set(CM_EINVAL, "cannot write a merged model as %s", tensor_type_name(out_type));
    struct merge_job *jobs = cm_calloc(g->n_tensors ? g->n_tensors : 1, sizeof(*jobs));
    size_t n_terms = 0;
    for (size_t k = 0; k < n; k++) {
        CM_ASSERT(adapters[k]->base == base && !adapters[k]->deltas);
        n_terms += adapters[k]->n_pairs;
    }
    struct merge_term *terms = cm_calloc(n_terms ? n_terms : 1, sizeof(*terms)), *next = terms;
    /* the updates of tensor i lie together in terms[]: gather them tensor by tensor */
    for (size_t i = 0; i < g->n_tensors; i++) {
        const struct gguf_tensor *t = &g->tensors[i];
        jobs[i].t = t;
        for (size_t k = 0; k < n; k++)
            for (size_t q = 0; q < adapters[k]->n_pairs; q++) {
                const struct llama_adapter_pair *p = &adapters[k]->pairs[q];
                if (strcmp(p->name, t->name)) continue;
                if (!jobs[i].terms) jobs[i].terms = next;
                *next++ = (struct merge_term){p, llama_adapter_pair_scale(adapters[k], p, scales[k])};
                jobs[i].n_terms++;
            }
    }
    struct gguf_writer w;
    gguf_writer_init(&w);
    int rc = 0;
    for (size_t i = 0; i < g->n_kv && !rc; i++) rc = gguf_writer_copy_kv(&w, g, &g->kv[i]);
    if (!rc && convert_all) rc = gguf_writer_set_u32(&w, "general.file_type", ftype);
    if (!rc && convert_all && tensor_type_get(out_type)->block_size > 1)
        rc = gguf_writer_set_u32(&w, "general.quantization_version", QUANT_VERSION);
    for (size_t i = 0; i < g->n_tensors && !rc; i++) {
        struct merge_job *j = &jobs[i];
        const struct gguf_tensor *t = j->t;
        uint32_t n_dims = t->n_dims ? t->n_dims : 1;
        if (j->n_terms) { /* a weight matrix of the model: 2-D, dequantizable (model.c checked) */
            j->type = convert_all && fits(out_type, t->ne[0]) ? out_type : t->type;
            if (!fits(j->type, t->ne[0])) {
                j->type = fits(TENSOR_TYPE_Q8_0, t->ne[0]) ? TENSOR_TYPE_Q8_0 : TENSOR_TYPE_F32;
                if (!rep->n_retyped++) rep->retyped_example = t->name;
            }
            rep->n_merged++;
        } else if (convert_all && t->n_dims >= 2 && ends_with(t->name, "weight") && fits(out_type, t->ne[0]) &&
                   t->type != out_type && tensor_type_get(t->type) && tensor_type_get(t->type)->can_dequantize) {
            j->type = out_type;
            rep->n_converted++;
        } else {
            rc = gguf_writer_add_tensor(&w, t->name, t->type, n_dims, t->ne, t->data);
            rep->n_copied++;
            continue;
        }
        rc = gguf_writer_add_tensor_fill(&w, t->name, j->type, n_dims, t->ne, merge_fill, j);
    }
    if (!rc) rc = gguf_writer_write(&w, path);
    gguf_writer_release(&w);
    free(terms);
    free(jobs);
    return rc;
}
