/* tok_gguf.c — the tokenizer.ggml.* keys of a GGUF file: read (validated) and write.
 * See tok_gguf.h for the keys and their defaults. Nothing here tokenizes; tok_create
 * checks what only a tokenizer can (piece types, byte pieces, scores that are NaN). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "tokenizer/tok_gguf.h"

#define K_MODEL "tokenizer.ggml.model"
#define K_TOKENS "tokenizer.ggml.tokens"
#define K_SCORES "tokenizer.ggml.scores"
#define K_TYPES "tokenizer.ggml.token_type"
#define K_BOS "tokenizer.ggml.bos_token_id"
#define K_EOS "tokenizer.ggml.eos_token_id"
#define K_UNK "tokenizer.ggml.unknown_token_id"
#define K_PAD "tokenizer.ggml.padding_token_id"
#define K_ADD_BOS "tokenizer.ggml.add_bos_token"
#define K_ADD_EOS "tokenizer.ggml.add_eos_token"
#define K_SPACE "tokenizer.ggml.add_space_prefix"
#define K_MERGES "tokenizer.ggml.merges"
#define K_PRE "tokenizer.ggml.pre"

void tok_gguf_vocab_init(struct tok_gguf_vocab *v)
{
    memset(v, 0, sizeof(*v));
    v->bos = v->eos = v->unk = v->pad = -1;
}

void tok_gguf_vocab_release(struct tok_gguf_vocab *v)
{
    if (v->pieces)
        for (size_t i = 0; i < v->n; i++) free(v->pieces[i]);
    if (v->merges)
        for (size_t i = 0; i < v->n_merges; i++) free(v->merges[i]);
    free(v->merges);
    free(v->pre);
    free(v->pieces);
    free(v->scores);
    free(v->types);
    tok_gguf_vocab_init(v);
}

/* An optional token id: absent -> dflt when it is in range, else -1. */
static int read_id(const struct gguf *g, const char *key, int dflt, size_t n, int *out)
{
    *out = dflt >= 0 && (size_t)dflt < n ? dflt : -1;
    if (!gguf_find_key(g, key)) return 0;
    uint32_t id;
    int rc = gguf_get_u32(g, key, &id);
    if (rc) return rc;
    if (id >= n)
        return cm_error_set(CM_EFORMAT, "cannot read '%s': %s is %u, but the vocabulary has %zu tokens", g->path, key,
                            (unsigned)id, n);
    *out = (int)id;
    return 0;
}

static int read_flag(const struct gguf *g, const char *key, int dflt, int *out)
{
    *out = dflt;
    if (!gguf_find_key(g, key)) return 0;
    bool b;
    int rc = gguf_get_bool(g, key, &b);
    if (!rc) *out = b;
    return rc;
}

static int length_mismatch(const struct gguf *g, const char *key, uint64_t n, size_t want)
{
    return cm_error_set(CM_EFORMAT, "cannot read '%s': %s has %llu entries but %s has %zu", g->path, key,
                        (unsigned long long)n, K_TOKENS, want);
}

/* The byte-level BPE keys: merges (required, as llama.cpp requires them) and pre (optional). */
static int read_bpe(struct tok_gguf_vocab *v, const struct gguf *g)
{
    const struct gguf_arr *a;
    const char *pre;
    int rc;
    if (!gguf_find_key(g, K_MERGES))
        return cm_error_set(CM_EFORMAT, "cannot read '%s': a \"gpt2\" vocabulary needs %s", g->path, K_MERGES);
    if ((rc = gguf_get_arr(g, K_MERGES, GGUF_TYPE_STRING, &a))) return rc;
    if (a->n > (uint64_t)INT32_MAX / 4)
        return cm_error_set(CM_EFORMAT, "cannot read '%s': %s has %llu entries", g->path, K_MERGES, (unsigned long long)a->n);
    v->merges = cm_calloc(a->n ? (size_t)a->n : 1, sizeof(char *));
    for (size_t i = 0; i < (size_t)a->n; i++) {
        struct gguf_str s = gguf_arr_get_str(a, i);
        if (memchr(s.data, 0, (size_t)s.len))
            return cm_error_set(CM_EFORMAT, "cannot read '%s': merge %zu of %s holds a NUL byte", g->path, i, K_MERGES);
        v->merges[i] = cm_strndup(s.data, (size_t)s.len);
        v->n_merges = i + 1;
    }
    if (gguf_find_key(g, K_PRE)) {
        if ((rc = gguf_get_str(g, K_PRE, &pre))) return rc;
        v->pre = cm_strdup(pre);
    }
    return 0;
}

int tok_gguf_vocab_read(struct tok_gguf_vocab *v, const struct gguf *g)
{
    tok_gguf_vocab_release(v);
    const char *model;
    const struct gguf_arr *a;
    int rc;
    if (!gguf_find_key(g, K_MODEL)) {
        cm_error_set(CM_EINVAL, "model '%s' has no tokenizer", g->path);
        cm_error_hint("add one with 'chatmpi tokenizer import SPM.model --into %s'", g->path);
        return CM_EINVAL;
    }
    if ((rc = gguf_get_str(g, K_MODEL, &model))) return rc;
    if (!strcmp(model, "llama")) {
        v->vocab = TOK_VOCAB_SPM;
    } else if (!strcmp(model, "gpt2")) {
        v->vocab = TOK_VOCAB_BPE;
    } else {
        cm_error_set(CM_EINVAL, "cannot use the tokenizer of '%s': vocabulary type '%s' is not supported", g->path,
                     model);
        cm_error_hint("supported: SentencePiece (%s = \"llama\") and byte-level BPE (\"gpt2\")", K_MODEL);
        return CM_EINVAL;
    }
    if (!gguf_find_key(g, K_TOKENS))
        return cm_error_set(CM_EFORMAT, "cannot read '%s': it has %s but no %s", g->path, K_MODEL, K_TOKENS);
    if ((rc = gguf_get_arr(g, K_TOKENS, GGUF_TYPE_STRING, &a))) return rc;
    if (a->n == 0 || a->n > (uint64_t)INT32_MAX / 4)
        return cm_error_set(CM_EFORMAT, "cannot read '%s': %s has %llu entries", g->path, K_TOKENS,
                            (unsigned long long)a->n);
    size_t n = (size_t)a->n;
    v->pieces = cm_calloc(n, sizeof(char *));
    v->scores = cm_calloc(n, sizeof(float));
    v->types = cm_malloc(n * sizeof(int));
    v->n = n;
    for (size_t i = 0; i < n; i++) {
        struct gguf_str s = gguf_arr_get_str(a, i);
        if (memchr(s.data, 0, (size_t)s.len)) {
            rc = cm_error_set(CM_EFORMAT, "cannot read '%s': token %zu of %s holds a NUL byte", g->path, i, K_TOKENS);
            goto fail;
        }
        v->pieces[i] = cm_strndup(s.data, (size_t)s.len);
        v->types[i] = TOK_TYPE_NORMAL;
    }
    if (gguf_find_key(g, K_SCORES)) {
        if ((rc = gguf_get_arr(g, K_SCORES, GGUF_TYPE_FLOAT32, &a))) goto fail;
        if (a->n != n) {
            rc = length_mismatch(g, K_SCORES, a->n, n);
            goto fail;
        }
        for (size_t i = 0; i < n; i++) memcpy(&v->scores[i], (const char *)a->data + 4 * i, 4);
    }
    if (gguf_find_key(g, K_TYPES)) {
        if ((rc = gguf_get_arr(g, K_TYPES, GGUF_TYPE_COUNT, &a))) goto fail;
        if (a->n != n) {
            rc = length_mismatch(g, K_TYPES, a->n, n);
            goto fail;
        }
        for (size_t i = 0; i < n; i++) {
            int64_t t;
            if (a->type == GGUF_TYPE_STRING || a->type == GGUF_TYPE_ARRAY || gguf_arr_get_i64(a, i, &t) ||
                t < TOK_TYPE_UNDEFINED || t > TOK_TYPE_BYTE) {
                rc = cm_error_set(CM_EFORMAT, "cannot read '%s': entry %zu of %s is no token type (0..6)", g->path, i,
                                  K_TYPES);
                goto fail;
            }
            v->types[i] = (int)t;
        }
    }
    int spm = v->vocab == TOK_VOCAB_SPM;
    if (!spm && (rc = read_bpe(v, g))) goto fail;
    int llama3 = v->pre && (!strcmp(v->pre, "llama3") || !strcmp(v->pre, "llama-v3") || !strcmp(v->pre, "llama-bpe") ||
                            !strcmp(v->pre, "falcon3"));
    if ((rc = read_id(g, K_BOS, spm ? 1 : 11, n, &v->bos)) || (rc = read_id(g, K_EOS, spm ? 2 : 11, n, &v->eos)) ||
        (rc = read_id(g, K_UNK, spm ? 0 : -1, n, &v->unk)) || (rc = read_id(g, K_PAD, -1, n, &v->pad)) ||
        (rc = read_flag(g, K_ADD_BOS, spm || llama3, &v->add_bos)) || (rc = read_flag(g, K_ADD_EOS, 0, &v->add_eos)) ||
        (rc = read_flag(g, K_SPACE, spm, &v->add_space_prefix)))
        goto fail;
    return 0;
fail:
    tok_gguf_vocab_release(v);
    return rc;
}

void tok_gguf_vocab_spec(const struct tok_gguf_vocab *v, struct tok_vocab_spec *spec)
{
    memset(spec, 0, sizeof(*spec));
    spec->pieces = (const char **)v->pieces;
    spec->scores = v->scores;
    spec->types = v->types;
    spec->n = v->n;
    spec->bos = v->bos, spec->eos = v->eos, spec->unk = v->unk;
    spec->add_bos = v->add_bos;
    spec->add_space_prefix = v->add_space_prefix;
    spec->vocab = v->vocab;
    spec->merges = (const char **)v->merges;
    spec->n_merges = v->n_merges;
    spec->pre = v->pre;
}

int tok_from_gguf(struct tokenizer **out, const struct gguf *g)
{
    *out = NULL;
    struct tok_gguf_vocab v;
    struct tok_vocab_spec spec;
    tok_gguf_vocab_init(&v);
    int rc = tok_gguf_vocab_read(&v, g);
    if (!rc) {
        tok_gguf_vocab_spec(&v, &spec);
        if ((rc = tok_create(out, &spec))) {
            char *msg = cm_strdup(cm_error_message()); /* the message buffer is about to be rewritten */
            cm_error_set(rc, "cannot use the tokenizer of '%s': %s", g->path, msg);
            free(msg);
        }
    }
    tok_gguf_vocab_release(&v);
    return rc;
}

void tok_gguf_remove_keys(struct gguf_writer *w)
{
    for (size_t i = w->n_kv; i-- > 0;)
        if (!strncmp(w->kv[i].key, "tokenizer.ggml.", 15)) {
            char *k = cm_strdup(w->kv[i].key);
            gguf_writer_remove(w, k);
            free(k);
        }
}

static int set_id(struct gguf_writer *w, const char *key, int id, size_t n)
{
    if (id < 0) return gguf_writer_remove(w, key);
    if ((size_t)id >= n)
        return cm_error_set(CM_EINVAL, "cannot write the tokenizer: %s %d is out of range (%zu tokens)", key, id, n);
    return gguf_writer_set_u32(w, key, (uint32_t)id);
}

int tok_write_gguf(struct gguf_writer *w, const struct tok_vocab_spec *spec, int pad, int add_eos)
{
    size_t n = spec->n;
    if (n == 0 || !spec->pieces) return cm_error_set(CM_EINVAL, "cannot write the tokenizer: it has no pieces");
    if (n > (size_t)INT32_MAX / 4) return cm_error_set(CM_EINVAL, "cannot write the tokenizer: too many pieces");
    for (size_t i = 0; i < n; i++)
        if (!spec->pieces[i]) return cm_error_set(CM_EINVAL, "cannot write the tokenizer: token %zu has no piece", i);
    float *scores = cm_calloc(n, sizeof(float));
    int32_t *types = cm_malloc(n * sizeof(int32_t));
    for (size_t i = 0; i < n; i++) {
        if (spec->scores) scores[i] = spec->scores[i];
        types[i] = spec->types ? spec->types[i] : TOK_TYPE_NORMAL;
    }
    tok_gguf_remove_keys(w);
    int rc, bpe = spec->vocab == TOK_VOCAB_BPE;
    if ((rc = gguf_writer_set_str(w, K_MODEL, bpe ? "gpt2" : "llama")) ||
        (rc = gguf_writer_set_arr_str(w, K_TOKENS, spec->pieces, n)) ||
        (rc = bpe ? gguf_writer_set_arr_str(w, K_MERGES, spec->merges, spec->n_merges)
                  : gguf_writer_set_arr(w, K_SCORES, GGUF_TYPE_FLOAT32, scores, n)) ||
        (rc = bpe && spec->pre ? gguf_writer_set_str(w, K_PRE, spec->pre) : 0) ||
        (rc = gguf_writer_set_arr(w, K_TYPES, GGUF_TYPE_INT32, types, n)) || (rc = set_id(w, K_BOS, spec->bos, n)) ||
        (rc = set_id(w, K_EOS, spec->eos, n)) || (rc = set_id(w, K_UNK, spec->unk, n)) ||
        (rc = set_id(w, K_PAD, pad, n)) || (rc = gguf_writer_set_bool(w, K_ADD_BOS, spec->add_bos != 0)) ||
        (rc = gguf_writer_set_bool(w, K_ADD_EOS, add_eos != 0)) ||
        (rc = bpe ? 0 : gguf_writer_set_bool(w, K_SPACE, spec->add_space_prefix != 0)))
        tok_gguf_remove_keys(w);
    free(scores);
    free(types);
    return rc;
}
