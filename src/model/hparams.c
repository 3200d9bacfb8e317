/* hparams.c — llama and qwen2 hyper-parameters from and to GGUF metadata (see hparams.h). */
#include "model/hparams.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "gguf/gguf.h"

static const char *const arch_names[LLAMA_ARCH_COUNT] = {"llama", "qwen2"};

const char *llama_arch_name(enum llama_arch a) { return (unsigned)a < LLAMA_ARCH_COUNT ? arch_names[a] : NULL; }

int llama_arch_from_name(const char *name)
{
    for (int i = 0; i < LLAMA_ARCH_COUNT; i++)
        if (!strcmp(arch_names[i], name)) return i;
    return -1;
}

const char *llama_arch_list(void) { return "llama, qwen2"; }

int llama_arch_has_qkv_bias(enum llama_arch a) { return a == LLAMA_ARCH_QWEN2; }

int llama_arch_rope_neox(enum llama_arch a) { return a == LLAMA_ARCH_QWEN2; }

int llama_hparams_validate(const struct llama_hparams *hp)
{
    if (!hp->dim || !hp->n_layer || !hp->n_head || !hp->n_head_kv || !hp->n_ff || !hp->n_ctx || !hp->n_vocab)
        return cm_error_set(CM_EFORMAT, "model shape has a zero size (dim %u, layers %u, heads %u, kv heads %u, "
                                        "ffn %u, ctx %u, vocab %u)",
                            hp->dim, hp->n_layer, hp->n_head, hp->n_head_kv, hp->n_ff, hp->n_ctx, hp->n_vocab);
    if (hp->dim % hp->n_head)
        return cm_error_set(CM_EFORMAT, "embedding length %u is not divisible by the head count %u", hp->dim,
                            hp->n_head);
    if (hp->n_head % hp->n_head_kv)
        return cm_error_set(CM_EFORMAT, "head count %u is not divisible by the key/value head count %u", hp->n_head,
                            hp->n_head_kv);
    uint32_t hs = hp->dim / hp->n_head;
    if (hp->n_rot == 0 || hp->n_rot % 2 || hp->n_rot > hs)
        return cm_error_set(CM_EFORMAT, "rope dimension count %u must be even and at most the head size %u",
                            hp->n_rot, hs);
    if (!(hp->rope_base > 0) || !(hp->norm_eps > 0))
        return cm_error_set(CM_EFORMAT, "rope base and norm epsilon must be positive");
    return 0;
}

/* "<arch>.<key>" */
static const char *akey(char *buf, size_t n, enum llama_arch a, const char *key)
{
    snprintf(buf, n, "%s.%s", llama_arch_name(a), key);
    return buf;
}

static int need_u32(const struct gguf *g, enum llama_arch a, const char *key, uint32_t *out)
{
    char k[96];
    if (gguf_get_u32(g, akey(k, sizeof(k), a, key), out) != 0)
        return cm_error_set(CM_EFORMAT, "cannot read '%s': missing or not an integer key '%s'", g->path, k);
    return 0;
}

int llama_hparams_read(struct llama_hparams *hp, const struct gguf *g)
{
    memset(hp, 0, sizeof(*hp));
    const char *name = NULL;
    if (gguf_get_str(g, "general.architecture", &name) != 0) {
        cm_error_set(CM_EFORMAT, "cannot use '%s': it has no general.architecture", g->path);
        cm_error_hint("supported architectures: %s", llama_arch_list());
        return CM_EFORMAT;
    }
    int a = llama_arch_from_name(name);
    if (a < 0) {
        cm_error_set(CM_EFORMAT, "unsupported architecture '%.64s' in '%s'; supported: %s", name, g->path,
                     llama_arch_list());
        return CM_EFORMAT;
    }
    hp->arch = (enum llama_arch)a;
    char k[96];
    int rc;
    if ((rc = need_u32(g, hp->arch, "context_length", &hp->n_ctx)) ||
        (rc = need_u32(g, hp->arch, "embedding_length", &hp->dim)) ||
        (rc = need_u32(g, hp->arch, "feed_forward_length", &hp->n_ff)) ||
        (rc = need_u32(g, hp->arch, "block_count", &hp->n_layer)) ||
        (rc = need_u32(g, hp->arch, "attention.head_count", &hp->n_head)))
        return rc;
    if (gguf_get_u32(g, akey(k, sizeof(k), hp->arch, "attention.head_count_kv"), &hp->n_head_kv) != 0)
        hp->n_head_kv = hp->n_head;
    if (gguf_get_u32(g, akey(k, sizeof(k), hp->arch, "rope.dimension_count"), &hp->n_rot) != 0)
        hp->n_rot = hp->n_head ? hp->dim / hp->n_head : 0;
    if (gguf_get_f32(g, akey(k, sizeof(k), hp->arch, "rope.freq_base"), &hp->rope_base) != 0)
        hp->rope_base = 10000.0f;
    if (gguf_get_f32(g, akey(k, sizeof(k), hp->arch, "attention.layer_norm_rms_epsilon"), &hp->norm_eps) != 0)
        hp->norm_eps = hp->arch == LLAMA_ARCH_QWEN2 ? 1e-6f : 1e-5f;
    cm_error_clear();
    const struct gguf_tensor *te = gguf_find_tensor(g, "token_embd.weight");
    if (!te || te->n_dims != 2)
        return cm_error_set(CM_EFORMAT, "cannot use '%s': no 2-D tensor 'token_embd.weight'", g->path);
    if (te->ne[0] != hp->dim)
        return cm_error_set(CM_EFORMAT, "cannot use '%s': token_embd.weight has rows of %llu, expected %u", g->path,
                            (unsigned long long)te->ne[0], hp->dim);
    hp->n_vocab = (uint32_t)te->ne[1];
    return llama_hparams_validate(hp);
}

int llama_hparams_write(const struct llama_hparams *hp, struct gguf_writer *w)
{
    const char *name = llama_arch_name(hp->arch);
    if (!name) return cm_error_set(CM_EINVAL, "cannot write architecture %d", (int)hp->arch);
    char k[96];
    int rc = 0;
#define KEY(s) akey(k, sizeof(k), hp->arch, s)
    if ((rc = gguf_writer_set_str(w, "general.architecture", name)) ||
        (rc = gguf_writer_set_u32(w, KEY("context_length"), hp->n_ctx)) ||
        (rc = gguf_writer_set_u32(w, KEY("embedding_length"), hp->dim)) ||
        (rc = gguf_writer_set_u32(w, KEY("feed_forward_length"), hp->n_ff)) ||
        (rc = gguf_writer_set_u32(w, KEY("block_count"), hp->n_layer)) ||
        (rc = gguf_writer_set_u32(w, KEY("attention.head_count"), hp->n_head)) ||
        (rc = gguf_writer_set_u32(w, KEY("attention.head_count_kv"), hp->n_head_kv)) ||
        (rc = gguf_writer_set_u32(w, KEY("rope.dimension_count"), hp->n_rot)) ||
        (rc = gguf_writer_set_f32(w, KEY("rope.freq_base"), hp->rope_base)) ||
        (rc = gguf_writer_set_f32(w, KEY("attention.layer_norm_rms_epsilon"), hp->norm_eps)))
        return rc;
#undef KEY
    return 0;
}

int llama_hparams_parse(struct llama_hparams *hp, const char *spec)
{
    uint32_t vocab = hp->n_vocab;
    enum llama_arch arch = hp->arch;
    memset(hp, 0, sizeof(*hp));
    hp->n_vocab = vocab;
    hp->arch = arch;
    hp->rope_base = 10000.0f;
    hp->norm_eps = 1e-5f;
    const char *p = spec;
    while (*p) {
        size_t k = strcspn(p, ","), e = strcspn(p, "=");
        if (e >= k) return cm_error_set(CM_EINVAL, "invalid shape '%s': expected key=value items", spec);
        char key[32], val[64];
        if (e >= sizeof(key) || k - e - 1 >= sizeof(val) || k - e - 1 == 0)
            return cm_error_set(CM_EINVAL, "invalid shape '%s' near '%.*s'", spec, (int)k, p);
        memcpy(key, p, e), key[e] = '\0';
        memcpy(val, p + e + 1, k - e - 1), val[k - e - 1] = '\0';
        char *end;
        errno = 0;
        if (!strcmp(key, "rope_base") || !strcmp(key, "eps")) {
            float f = strtof(val, &end);
            if (errno || *end || !(f > 0)) return cm_error_set(CM_EINVAL, "invalid value '%s' for '%s'", val, key);
            *(strcmp(key, "eps") ? &hp->rope_base : &hp->norm_eps) = f;
        } else {
            unsigned long v = strtoul(val, &end, 10);
            if (errno || *end || v == 0 || v > (1ul << 24) || val[0] == '-')
                return cm_error_set(CM_EINVAL, "invalid value '%s' for '%s': expected a positive integer", val, key);
            uint32_t *dst = !strcmp(key, "dim")        ? &hp->dim
                            : !strcmp(key, "layers")   ? &hp->n_layer
                            : !strcmp(key, "heads")    ? &hp->n_head
                            : !strcmp(key, "kv_heads") ? &hp->n_head_kv
                            : !strcmp(key, "ffn")      ? &hp->n_ff
                            : !strcmp(key, "ctx")      ? &hp->n_ctx
                            : !strcmp(key, "rot")      ? &hp->n_rot
                                                       : NULL;
            if (!dst) {
                cm_error_set(CM_EINVAL, "unknown shape key '%s'", key);
                cm_error_hint("keys: dim, layers, heads, kv_heads, ffn, ctx, rot, rope_base, eps");
                return CM_EINVAL;
            }
            *dst = (uint32_t)v;
        }
        p += k + (p[k] == ',');
    }
    if (!hp->n_head_kv) hp->n_head_kv = hp->n_head;
    if (!hp->n_rot && hp->n_head) hp->n_rot = hp->dim / hp->n_head;
    if (!hp->n_vocab) hp->n_vocab = 1; /* the tokenizer decides; validate needs non-zero */
    int rc = llama_hparams_validate(hp);
    if (vocab == 0) hp->n_vocab = 0;
    return rc;
}

uint64_t llama_hparams_n_params(const struct llama_hparams *hp, int tied_output)
{
    uint64_t d = hp->dim, hs = d / hp->n_head, kv = hs * hp->n_head_kv;
    uint64_t per_layer = d * d + 2 * d * kv + d * d + 3 * d * hp->n_ff + 2 * d;
    if (llama_arch_has_qkv_bias(hp->arch)) per_layer += d + 2 * kv;
    return (uint64_t)hp->n_vocab * d * (tied_output ? 1 : 2) + hp->n_layer * per_layer + d;
}
