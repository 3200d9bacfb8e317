/* spm_model.c — sentencepiece .model (protobuf wire format) and .vocab import (see spm_model.h).
 *
 * The protobuf reader knows the four wire types a ModelProto uses (varint, 64-bit,
 * length-delimited, 32-bit); groups are refused. Every length is checked against the
 * end of its enclosing message before it is used, and every error names the file and the
 * byte offset. Fields we do not need (self-test data, the denormalizer, most of the
 * trainer spec) are skipped, not validated.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "tokenizer/spm_model.h"

void tok_spm_model_init(struct tok_spm_model *m)
{
    memset(m, 0, sizeof(*m));
    m->bos = m->eos = m->unk = m->pad = -1;
}

void tok_spm_model_release(struct tok_spm_model *m)
{
    for (size_t i = 0; i < m->n; i++) free(m->pieces[i]);
    free(m->pieces), free(m->scores), free(m->types), free(m->normalizer_name);
    tok_spm_model_init(m);
}

static void model_add(struct tok_spm_model *m, size_t *cap, char *piece, float score, int type)
{
    if (m->n == *cap) {
        *cap = *cap ? 2 * *cap : 1024;
        m->pieces = cm_realloc(m->pieces, *cap * sizeof(*m->pieces));
        m->scores = cm_realloc(m->scores, *cap * sizeof(*m->scores));
        m->types = cm_realloc(m->types, *cap * sizeof(*m->types));
    }
    m->pieces[m->n] = piece, m->scores[m->n] = score, m->types[m->n] = type;
    m->n++;
}

void tok_spm_model_spec(const struct tok_spm_model *m, struct tok_vocab_spec *spec)
{
    memset(spec, 0, sizeof(*spec)); /* TOK_VOCAB_SPM, no merges */
    spec->pieces = (const char **)m->pieces;
    spec->scores = m->scores;
    spec->types = m->types;
    spec->n = m->n;
    spec->bos = m->bos, spec->eos = m->eos, spec->unk = m->unk;
    spec->add_bos = m->bos >= 0;
    spec->add_space_prefix = m->add_dummy_prefix;
}

/* ---- protobuf wire format ---- */

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

struct pb {
    const uint8_t *data; /* the whole file: offsets in messages are file offsets */
    size_t pos, end;     /* the message being read is data[pos..end) */
    const char *name;
};

static int pb_fail(const struct pb *r, size_t at, const char *what)
{
    int rc = cm_error_set(CM_EFORMAT, "cannot read '%s': %s at offset %zu", r->name, what, at);
    cm_error_hint("is it a sentencepiece .model file? spm_train writes one as PREFIX.model");
    return rc;
}

static int pb_varint(struct pb *r, uint64_t *v)
{
    size_t at = r->pos;
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->pos >= r->end) return pb_fail(r, at, "truncated varint");
        uint8_t b = r->data[r->pos++];
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return pb_fail(r, at, "varint longer than 10 bytes");
}

static int pb_key(struct pb *r, uint32_t *field, int *wt, size_t *at)
{
    *at = r->pos;
    uint64_t k;
    int rc = pb_varint(r, &k);
    if (rc) return rc;
    if ((k >> 3) == 0 || (k >> 3) > 0x1fffffff) return pb_fail(r, *at, "invalid field number");
    *field = (uint32_t)(k >> 3), *wt = (int)(k & 7);
    return 0;
}

/* Reads a length-delimited field's length; its bytes are data[*start .. *start + *len). */
static int pb_len(struct pb *r, size_t *start, size_t *len)
{
    size_t at = r->pos;
    uint64_t l;
    int rc = pb_varint(r, &l);
    if (rc) return rc;
    if (l > r->end - r->pos) return pb_fail(r, at, "length-delimited field runs past the end of its message");
    *start = r->pos, *len = (size_t)l;
    r->pos += (size_t)l;
    return 0;
}

static int pb_skip(struct pb *r, int wt, size_t at)
{
    uint64_t v;
    size_t s, l;
    switch (wt) {
    case WT_VARINT: return pb_varint(r, &v);
    case WT_LEN: return pb_len(r, &s, &l);
    case WT_I64:
    case WT_I32: {
        size_t w = wt == WT_I64 ? 8 : 4;
        if (r->end - r->pos < w) return pb_fail(r, r->pos, "truncated fixed-width field");
        r->pos += w;
        return 0;
    }
    default: return pb_fail(r, at, "unsupported protobuf wire type (groups are not used by sentencepiece)");
    }
}

static int pb_expect(const struct pb *r, int wt, int want, size_t at, uint32_t field)
{
    if (wt == want) return 0;
    char what[96];
    snprintf(what, sizeof(what), "field %u has wire type %d, expected %d", field, wt, want);
    return pb_fail(r, at, what);
}

static int pb_sub(struct pb *r, struct pb *sub)
{
    size_t s, l;
    int rc = pb_len(r, &s, &l);
    if (rc) return rc;
    *sub = (struct pb){r->data, s, s + l, r->name};
    return 0;
}

/* message SentencePiece { optional string piece = 1; optional float score = 2; optional Type type = 3; } */
static int parse_piece(struct pb *r, struct tok_spm_model *m, size_t *cap, size_t at_msg)
{
    const uint8_t *piece = NULL;
    size_t plen = 0;
    float score = 0;
    int type = TOK_TYPE_NORMAL, rc = 0;
    while (r->pos < r->end) {
        uint32_t f = 0;
        int wt = 0;
        size_t at;
        if ((rc = pb_key(r, &f, &wt, &at))) return rc;
        if (f == 1) {
            size_t s;
            if ((rc = pb_expect(r, wt, WT_LEN, at, f)) || (rc = pb_len(r, &s, &plen))) return rc;
            piece = r->data + s;
            if (memchr(piece, 0, plen)) return pb_fail(r, s, "piece contains a NUL byte");
        } else if (f == 2) {
            if ((rc = pb_expect(r, wt, WT_I32, at, f))) return rc;
            if (r->end - r->pos < 4) return pb_fail(r, r->pos, "truncated score");
            const uint8_t *b = r->data + r->pos;
            uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
            memcpy(&score, &u, 4);
            if (isnan(score)) return pb_fail(r, r->pos, "score is NaN");
            r->pos += 4;
        } else if (f == 3) {
            uint64_t v;
            if ((rc = pb_expect(r, wt, WT_VARINT, at, f)) || (rc = pb_varint(r, &v))) return rc;
            if (v < TOK_TYPE_NORMAL || v > TOK_TYPE_BYTE) return pb_fail(r, at, "piece type is not 1..6");
            type = (int)v;
        } else if ((rc = pb_skip(r, wt, at))) {
            return rc;
        }
    }
    if (!piece || plen == 0) return pb_fail(r, at_msg, "empty piece");
    model_add(m, cap, cm_strndup((const char *)piece, plen), score, type);
    return 0;
}

struct spm_flags {
    int remove_extra_whitespaces, escape_whitespaces, treat_ws_as_suffix;
    size_t charsmap_len;
};

static int parse_trainer(struct pb *r, struct tok_spm_model *m, struct spm_flags *fl)
{
    int rc = 0;
    while (r->pos < r->end) {
        uint32_t f = 0;
        int wt = 0;
        size_t at;
        uint64_t v;
        if ((rc = pb_key(r, &f, &wt, &at))) return rc;
        if (f == 3 || f == 24 || f == 35 || (f >= 40 && f <= 43)) {
            if ((rc = pb_expect(r, wt, WT_VARINT, at, f)) || (rc = pb_varint(r, &v))) return rc;
            int32_t i = (int32_t)(int64_t)v; /* int32 fields: negatives are sign-extended */
            switch (f) {
            case 3: m->model_type = i; break;
            case 24: fl->treat_ws_as_suffix = v != 0; break;
            case 35: m->byte_fallback = v != 0; break;
            case 40: m->unk = i; break;
            case 41: m->bos = i; break;
            case 42: m->eos = i; break;
            default: m->pad = i; break;
            }
        } else if ((rc = pb_skip(r, wt, at))) {
            return rc;
        }
    }
    return 0;
}

static int parse_normalizer(struct pb *r, struct tok_spm_model *m, struct spm_flags *fl)
{
    int rc = 0;
    while (r->pos < r->end) {
        uint32_t f = 0;
        int wt = 0;
        size_t at, s, l;
        uint64_t v;
        if ((rc = pb_key(r, &f, &wt, &at))) return rc;
        if (f == 1 || f == 2) {
            if ((rc = pb_expect(r, wt, WT_LEN, at, f)) || (rc = pb_len(r, &s, &l))) return rc;
            if (f == 1) {
                free(m->normalizer_name);
                m->normalizer_name = cm_strndup((const char *)r->data + s, l);
            } else {
                fl->charsmap_len = l;
            }
        } else if (f >= 3 && f <= 5) {
            if ((rc = pb_expect(r, wt, WT_VARINT, at, f)) || (rc = pb_varint(r, &v))) return rc;
            if (f == 3) m->add_dummy_prefix = v != 0;
            if (f == 4) fl->remove_extra_whitespaces = v != 0;
            if (f == 5) fl->escape_whitespaces = v != 0;
        } else if ((rc = pb_skip(r, wt, at))) {
            return rc;
        }
    }
    return 0;
}

static int check_id(const struct tok_spm_model *m, const char *name, const char *what, int id, int want_type)
{
    if (id == -1 && want_type != TOK_TYPE_UNKNOWN) return 0;
    if (id < 0 || (size_t)id >= m->n)
        return cm_error_set(CM_EFORMAT, "cannot read '%s': %s id %d is not a piece id (0..%zu)", name, what, id, m->n - 1);
    if (m->types[id] != want_type)
        return cm_error_set(CM_EFORMAT, "cannot read '%s': %s id %d is piece '%s' of type %d, expected type %d", name, what,
                            id, m->pieces[id], m->types[id], want_type);
    return 0;
}

static int refuse(const char *name, const char *what, const char *hint)
{
    int rc = cm_error_set(CM_EFORMAT, "cannot use '%s': %s", name, what);
    cm_error_hint("%s", hint);
    return rc;
}

int tok_spm_model_parse(struct tok_spm_model *m, const void *data, size_t len, const char *name)
{
    tok_spm_model_release(m);
    /* proto2 defaults */
    m->model_type = TOK_SPM_UNIGRAM, m->unk = 0, m->bos = 1, m->eos = 2, m->pad = -1, m->add_dummy_prefix = 1;
    struct spm_flags fl = {1, 1, 0, 0};
    struct pb r = {data, 0, len, name};
    size_t cap = 0;
    int rc = 0;
    while (r.pos < r.end && !rc) {
        uint32_t f = 0;
        int wt = 0;
        size_t at;
        struct pb sub;
        if ((rc = pb_key(&r, &f, &wt, &at))) break;
        if (f >= 1 && f <= 3) {
            if ((rc = pb_expect(&r, wt, WT_LEN, at, f)) || (rc = pb_sub(&r, &sub))) break;
            rc = f == 1 ? parse_piece(&sub, m, &cap, at) : f == 2 ? parse_trainer(&sub, m, &fl) : parse_normalizer(&sub, m, &fl);
        } else {
            rc = pb_skip(&r, wt, at);
        }
    }
    if (rc) goto fail;
    if (!m->normalizer_name) m->normalizer_name = cm_strdup("");
    if (m->n == 0) {
        rc = pb_fail(&r, 0, "no pieces");
        goto fail;
    }
    if (m->model_type != TOK_SPM_BPE) {
        static const char *names[] = {"?", "unigram", "bpe", "word", "char"};
        char what[64];
        snprintf(what, sizeof(what), "model type is %s, not bpe",
                 m->model_type >= 1 && m->model_type <= 4 ? names[m->model_type] : "unknown");
        rc = refuse(name, what, "chatmpi implements sentencepiece BPE models: train with spm_train --model_type=bpe");
    } else if (fl.charsmap_len > 0) {
        char what[128];
        snprintf(what, sizeof(what), "normalization rule '%.60s' is not supported", m->normalizer_name);
        rc = refuse(name, what, "train with spm_train --normalization_rule_name=identity");
    } else if (fl.remove_extra_whitespaces) {
        rc = refuse(name, "the model removes extra whitespace, which chatmpi does not implement",
                    "train with spm_train --remove_extra_whitespaces=false");
    } else if (!fl.escape_whitespaces || fl.treat_ws_as_suffix) {
        rc = refuse(name, "the model does not escape whitespace as a prefix U+2581",
                    "train with spm_train's default whitespace options");
    }
    if (rc) goto fail;
    if ((rc = check_id(m, name, "unknown", m->unk, TOK_TYPE_UNKNOWN)) || (rc = check_id(m, name, "BOS", m->bos, TOK_TYPE_CONTROL)) ||
        (rc = check_id(m, name, "EOS", m->eos, TOK_TYPE_CONTROL)))
        goto fail;
    return 0;
fail:
    tok_spm_model_release(m);
    return rc;
}

/* ---- .vocab text ---- */

static int infer_type(const char *p)
{
    if (!strcmp(p, "<unk>")) return TOK_TYPE_UNKNOWN;
    if (!strcmp(p, "<s>") || !strcmp(p, "</s>")) return TOK_TYPE_CONTROL;
    if (strlen(p) == 6 && !strncmp(p, "<0x", 3) && p[5] == '>' && strchr("0123456789ABCDEF", p[3]) && p[3] &&
        strchr("0123456789ABCDEF", p[4]) && p[4])
        return TOK_TYPE_BYTE;
    return TOK_TYPE_NORMAL;
}

int tok_spm_vocab_parse(struct tok_spm_model *m, const char *text, size_t len, const char *name)
{
    tok_spm_model_release(m);
    m->model_type = TOK_SPM_BPE, m->add_dummy_prefix = 1;
    m->normalizer_name = cm_strdup("identity");
    size_t cap = 0, line = 0;
    int rc = 0;
    for (size_t pos = 0; pos < len;) {
        line++;
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - s) : len - pos;
        pos += l + (nl != NULL);
        const char *tab = NULL;
        for (size_t i = 0; i < l; i++)
            if (s[i] == '\t') tab = s + i; /* the last tab: a piece may hold one */
        if (!tab || tab == s || memchr(s, 0, l)) {
            rc = cm_error_set(CM_EFORMAT, "cannot read '%s': line %zu is not 'piece<TAB>score'", name, line);
            cm_error_hint("a sentencepiece .vocab file has one piece and its score per line, separated by a tab");
            goto fail;
        }
        char num[64];
        size_t nl_len = l - (size_t)(tab + 1 - s);
        if (nl_len == 0 || nl_len >= sizeof(num)) goto bad_score;
        memcpy(num, tab + 1, nl_len);
        num[nl_len] = 0;
        char *end;
        float score = strtof(num, &end);
        if (*end || !isfinite(score)) goto bad_score;
        char *piece = cm_strndup(s, (size_t)(tab - s));
        int type = infer_type(piece);
        if (type == TOK_TYPE_UNKNOWN && m->unk < 0) m->unk = (int)m->n;
        if (!strcmp(piece, "<s>") && m->bos < 0) m->bos = (int)m->n;
        if (!strcmp(piece, "</s>") && m->eos < 0) m->eos = (int)m->n;
        if (type == TOK_TYPE_BYTE) m->byte_fallback = 1;
        model_add(m, &cap, piece, score, type);
        continue;
    bad_score:
        rc = cm_error_set(CM_EFORMAT, "cannot read '%s': line %zu has no valid score after the tab", name, line);
        goto fail;
    }
    if (m->n == 0) {
        rc = cm_error_set(CM_EFORMAT, "cannot read '%s': no pieces", name);
        goto fail;
    }
    if (m->n > (size_t)INT32_MAX / 4) {
        rc = cm_error_set(CM_EFORMAT, "cannot read '%s': too many pieces", name);
        goto fail;
    }
    return 0;
fail:
    tok_spm_model_release(m);
    return rc;
}

int tok_spm_model_load(struct tok_spm_model *m, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    int rc = cm_read_file(&data, &len, path, 0);
    if (rc) return rc;
    size_t pl = strlen(path);
    if (pl >= 6 && !strcmp(path + pl - 6, ".vocab"))
        rc = tok_spm_vocab_parse(m, data, len, path);
    else
        rc = tok_spm_model_parse(m, data, len, path);
    free(data);
    return rc;
}
