/* lora.c — loading LoRA adapters, checking them against the base model and attaching them
 * to its weights (see lora.h). The forward pass (forward.c) applies the attached updates;
 * merging into the weights is lora_merge.c. Every tensor is converted to f32 into one
 * allocation and the file is closed: an adapter is small next to its model. */
#include "model/lora.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "model/model.h"
#include "tensor/tensor.h"

#define SUFFIX_A ".lora_a"
#define SUFFIX_B ".lora_b"

const struct llama_weight *llama_model_find_weight(const struct llama_model *m, const char *name)
{
    for (uint32_t l = 0; l < m->hp.n_layer; l++) {
        const struct llama_layer *L = &m->layers[l];
        const struct llama_weight *w[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->w_gate, &L->w_up, &L->w_down};
        for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
            if (!strcmp(w[i]->name, name)) return w[i];
    }
    if (!m->tied && !strcmp(m->output.name, name)) return &m->output;
    return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && !memcmp(s + n - k, suffix, k);
}

/* A tensor of the pair as a matrix: rows of ne[0] values (at most 2 dims). */
static int check_matrix(const struct gguf *g, const struct gguf_tensor *t)
{
    if (t->n_dims > 2 || t->ne[2] != 1 || t->ne[3] != 1)
        return cm_error_set(CM_EFORMAT, "cannot use adapter '%s': tensor '%s' has %u dimensions, expected 2", g->path,
                            t->name, t->n_dims);
    const struct tensor_type_info *ti = tensor_type_get(t->type);
    if (!ti || !ti->can_dequantize || tensor_row_size(t->type, t->ne[0]) == 0) {
        cm_error_set(CM_EFORMAT, "cannot use adapter '%s': tensor '%s' has type %s, which chatmpi cannot convert",
                     g->path, t->name, tensor_type_name(t->type));
        cm_error_hint("adapters are read in f32, f16, bf16, q8_0 or q4_0");
        return CM_EFORMAT;
    }
    return 0;
}

/* Converts t's rows to f32 into dst and refuses non-finite values. */
static int convert(const struct gguf *g, const struct gguf_tensor *t, float *dst)
{
    int64_t ne0 = t->ne[0], rows = t->ne[1];
    size_t rb = tensor_row_size(t->type, ne0);
    for (int64_t r = 0; r < rows; r++) {
        float *row = dst + r * ne0;
        if (tensor_dequantize_row(t->type, (const uint8_t *)t->data + (size_t)r * rb, row, ne0))
            return cm_error_set(CM_EFORMAT, "cannot use adapter '%s': tensor '%s' cannot be converted", g->path,
                                t->name);
        for (int64_t i = 0; i < ne0; i++)
            if (!isfinite(row[i]))
                return cm_error_set(CM_EFORMAT, "cannot use adapter '%s': tensor '%s' holds a non-finite value at "
                                                "row %lld, column %lld",
                                    g->path, t->name, (long long)r, (long long)i);
    }
    return 0;
}

static int check_header(const struct gguf *g, const struct llama_model *base, float *alpha)
{
    const struct gguf_kv *kv = gguf_find_key(g, "general.type");
    const char *type = kv && kv->type == GGUF_TYPE_STRING ? kv->cstr : NULL;
    if (!type || strcmp(type, "adapter")) {
        if (type)
            cm_error_set(CM_EINVAL, "cannot use '%s' as a LoRA adapter: its general.type is '%.64s', expected 'adapter'",
                         g->path, type);
        else
            cm_error_set(CM_EINVAL, "cannot use '%s' as a LoRA adapter: it has no general.type = 'adapter'", g->path);
        cm_error_hint("a model goes after -m; adapters come from 'chatmpi train --lora' or llama.cpp's "
                      "convert_lora_to_gguf.py");
        return CM_EINVAL;
    }
    kv = gguf_find_key(g, "adapter.type");
    type = kv && kv->type == GGUF_TYPE_STRING ? kv->cstr : NULL;
    if (!type || strcmp(type, "lora"))
        return cm_error_set(CM_EINVAL, "cannot use adapter '%s': its adapter.type is '%.64s', chatmpi applies only 'lora'",
                            g->path, type ? type : "(none)");
    const char *arch = NULL, *base_arch = NULL;
    if (gguf_get_str(g, "general.architecture", &arch)) {
        cm_error_clear();
        return cm_error_set(CM_EFORMAT, "cannot use adapter '%s': it has no general.architecture", g->path);
    }
    if (gguf_get_str(base->g, "general.architecture", &base_arch)) base_arch = "llama";
    cm_error_clear();
    if (strcmp(arch, base_arch)) {
        cm_error_set(CM_EINVAL, "cannot apply adapter '%s' to '%s': the adapter is for architecture '%.64s', the model "
                                "is '%s'",
                     g->path, base->g->path, arch, base_arch);
        cm_error_hint("an adapter only fits the model it was trained on");
        return CM_EINVAL;
    }
    *alpha = 0;
    if (gguf_find_key(g, "adapter.lora.alpha")) {
        if (gguf_get_f32(g, "adapter.lora.alpha", alpha)) return CM_EFORMAT;
        if (!isfinite(*alpha))
            return cm_error_set(CM_EFORMAT, "cannot use adapter '%s': adapter.lora.alpha is not finite", g->path);
    }
    return 0;
}

/* Checks the pair for base weight w and returns its rank. */
static int check_pair(const struct gguf *g, const struct llama_model *base, const struct llama_weight *w,
                      const struct gguf_tensor *a, const struct gguf_tensor *b, int64_t *r)
{
    int rc;
    if ((rc = check_matrix(g, a)) || (rc = check_matrix(g, b))) return rc;
    if (a->ne[0] != w->n_in) {
        cm_error_set(CM_EINVAL, "cannot apply adapter '%s' to '%s': tensor '%s' has shape [%lld, %lld], expected "
                                "[%lld, r]: '%s' takes %lld inputs",
                     g->path, base->g->path, a->name, (long long)a->ne[0], (long long)a->ne[1], (long long)w->n_in,
                     w->name, (long long)w->n_in);
        cm_error_hint("an adapter only fits the model it was trained on");
        return CM_EINVAL;
    }
    if (b->ne[1] != w->n_out) {
        cm_error_set(CM_EINVAL, "cannot apply adapter '%s' to '%s': tensor '%s' has shape [%lld, %lld], expected "
                                "[r, %lld]: '%s' has %lld outputs",
                     g->path, base->g->path, b->name, (long long)b->ne[0], (long long)b->ne[1], (long long)w->n_out,
                     w->name, (long long)w->n_out);
        cm_error_hint("an adapter only fits the model it was trained on");
        return CM_EINVAL;
    }
    if (a->ne[1] != b->ne[0])
        return cm_error_set(CM_EFORMAT, "cannot use adapter '%s': the ranks of '%s' (shape [%lld, %lld], rank %lld) "
                                        "and '%s' (shape [%lld, %lld], rank %lld) disagree",
                            g->path, a->name, (long long)a->ne[0], (long long)a->ne[1], (long long)a->ne[1], b->name,
                            (long long)b->ne[0], (long long)b->ne[1], (long long)b->ne[0]);
    *r = a->ne[1];
    return 0;
}

int llama_adapter_from_gguf(struct llama_adapter **out, const struct gguf *g, const struct llama_model *base)
{
    *out = NULL;
    struct llama_adapter *ad = cm_calloc(1, sizeof(*ad));
    ad->path = cm_strdup(g->path);
    ad->base = base;
    ad->pairs = cm_calloc(g->n_tensors ? g->n_tensors : 1, sizeof(*ad->pairs));
    const struct gguf_tensor **ta = cm_calloc(g->n_tensors ? g->n_tensors : 1, 2 * sizeof(*ta)), **tb = ta + g->n_tensors;
    int rc = check_header(g, base, &ad->alpha);
    uint64_t total = 0;
    char name[GGUF_MAX_NAME + 16];
    /* every tensor is half of a pair; pairs are found from their lora_a, checked from both halves */
    for (size_t i = 0; !rc && i < g->n_tensors; i++) {
        const struct gguf_tensor *t = &g->tensors[i];
        int is_a = ends_with(t->name, SUFFIX_A), is_b = ends_with(t->name, SUFFIX_B);
        if (!is_a && !is_b) {
            rc = cm_error_set(CM_EFORMAT, "cannot use adapter '%s': tensor '%s' is not a LoRA tensor (names end in "
                                          "%s or %s)",
                              g->path, t->name, SUFFIX_A, SUFFIX_B);
            break;
        }
        size_t stem = strlen(t->name) - strlen(SUFFIX_A);
        snprintf(name, sizeof(name), "%.*s%s", (int)stem, t->name, is_a ? SUFFIX_B : SUFFIX_A);
        const struct gguf_tensor *other = gguf_find_tensor(g, name);
        if (!other) {
            rc = cm_error_set(CM_EFORMAT, "cannot use adapter '%s': tensor '%s' has no matching '%s'", g->path,
                              t->name, name);
            break;
        }
        snprintf(name, sizeof(name), "%.*s", (int)stem, t->name);
        const struct llama_weight *w = llama_model_find_weight(base, name);
        if (!w) {
            if (!strcmp(name, "token_embd.weight"))
                cm_error_set(CM_EINVAL, "cannot apply adapter '%s': tensor '%s' adapts 'token_embd.weight', which "
                                        "chatmpi does not support",
                             g->path, t->name);
            else
                cm_error_set(CM_EINVAL, "cannot apply adapter '%s' to '%s': tensor '%s' is for '%s', which the model "
                                        "does not have%s",
                             g->path, base->g->path, t->name, name,
                             !strcmp(name, "output.weight") && base->tied ? " (its output is tied to token_embd)" : "");
            cm_error_hint("an adapter only fits the model it was trained on");
            rc = CM_EINVAL;
            break;
        }
        if (!is_a) continue;
        struct llama_adapter_pair *p = &ad->pairs[ad->n_pairs];
        if ((rc = check_pair(g, base, w, t, other, &p->r))) break;
        p->name = w->name, p->n_in = w->n_in, p->n_out = w->n_out;
        ta[ad->n_pairs] = t, tb[ad->n_pairs] = other;
        total += (uint64_t)p->r * (uint64_t)(p->n_in + p->n_out);
        ad->n_pairs++;
    }
    if (!rc && !ad->n_pairs) rc = cm_error_set(CM_EFORMAT, "cannot use adapter '%s': it has no LoRA tensors", g->path);
    if (!rc) {
        ad->data = cm_malloc((size_t)total * sizeof(float));
        ad->n_params = total;
        float *p = ad->data;
        for (size_t i = 0; !rc && i < ad->n_pairs; i++) {
            struct llama_adapter_pair *pr = &ad->pairs[i];
            pr->a = p, p += pr->r * pr->n_in;
            pr->b = p, p += pr->r * pr->n_out;
            if (!(rc = convert(g, ta[i], pr->a))) rc = convert(g, tb[i], pr->b);
        }
    }
    free(ta);
    if (rc) {
        llama_adapter_free(ad);
        return rc;
    }
    *out = ad;
    return 0;
}

int llama_adapter_load(struct llama_adapter **out, const char *path, const struct llama_model *base)
{
    *out = NULL;
    struct gguf *g;
    int rc = gguf_open(&g, path);
    if (rc) return rc;
    rc = llama_adapter_from_gguf(out, g, base);
    gguf_close(g);
    return rc;
}

void llama_adapter_free(struct llama_adapter *a)
{
    if (!a) return;
    free(a->path), free(a->pairs), free(a->data), free(a->deltas);
    free(a);
}

float llama_adapter_pair_scale(const struct llama_adapter *a, const struct llama_adapter_pair *p, float scale)
{
    return a->alpha != 0 ? scale * a->alpha / (float)p->r : scale;
}

int llama_model_add_adapter(struct llama_model *m, struct llama_adapter *a, float scale)
{
    CM_ASSERT(a->base == m && !a->deltas);
    if (!isfinite(scale)) {
        cm_error_set(CM_EINVAL, "the scale of adapter '%s' is not finite", a->path);
        llama_adapter_free(a);
        return CM_EINVAL;
    }
    a->scale = scale;
    a->deltas = cm_calloc(a->n_pairs, sizeof(*a->deltas));
    for (size_t i = 0; i < a->n_pairs; i++) {
        const struct llama_adapter_pair *p = &a->pairs[i];
        struct llama_weight *w = (struct llama_weight *)llama_model_find_weight(m, p->name); /* m is ours */
        CM_ASSERT(w);
        struct llama_lora_delta *d = &a->deltas[i];
        d->a = (struct llama_weight){p->name, p->a, TENSOR_TYPE_F32, p->n_in, p->r, (size_t)p->n_in * sizeof(float)};
        d->b = (struct llama_weight){p->name, p->b, TENSOR_TYPE_F32, p->r, p->n_out, (size_t)p->r * sizeof(float)};
        d->scale = llama_adapter_pair_scale(a, p, scale);
        struct llama_lora_delta **end = &w->lora;
        while (*end) end = &(*end)->next;
        *end = d;
        if ((uint64_t)p->r > m->lora_max_r) m->lora_max_r = (uint32_t)p->r;
    }
    m->adapters = cm_realloc(m->adapters, (m->n_adapters + 1) * sizeof(*m->adapters));
    m->adapters[m->n_adapters++] = a;
    return 0;
}

int llama_lora_spec_parse(const char *spec, char **path, float *scale)
{
    *path = NULL;
    *scale = 1.0f;
    size_t n = strlen(spec);
    const char *colon = strrchr(spec, ':');
    if (colon && colon[1]) {
        char *end;
        errno = 0;
        double v = strtod(colon + 1, &end);
        if (!*end && end != colon + 1) { /* a number: the scale */
            if (errno == ERANGE || !isfinite(v) || fabs(v) > 1e30)
                return cm_error_set(CM_EINVAL, "invalid LoRA scale '%s' in '%s'", colon + 1, spec);
            *scale = (float)v;
            n = (size_t)(colon - spec);
        }
    }
    if (!n) return cm_error_set(CM_EINVAL, "no adapter file in '%s' (expected FILE[:SCALE])", spec);
    *path = cm_strndup(spec, n);
    return 0;
}

int llama_model_add_lora_spec(struct llama_model *m, const char *spec)
{
    char *path;
    float scale;
    struct llama_adapter *a;
    int rc = llama_lora_spec_parse(spec, &path, &scale);
    if (!rc && !(rc = llama_adapter_load(&a, path, m))) rc = llama_model_add_adapter(m, a, scale);
    free(path);
    return rc;
}
