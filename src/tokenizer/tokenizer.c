/* tokenizer.c — the vocabulary table, and SentencePiece-BPE encode/decode over it (see
 * tokenizer.h); a byte-level BPE vocabulary is handed to bpe.c once the table is built.
 *
 * Encoding is sentencepiece's BPE algorithm: a doubly linked list of symbols over the
 * normalized text and a binary max-heap of candidate adjacent pairs ordered by (score
 * descending, left position ascending). A popped pair whose symbols changed since it was
 * pushed is stale and skipped (detected, as sentencepiece does, by the sum of the two
 * symbols' lengths). Pieces are found through one open-addressing hash table. The cost is
 * O(L log L) in the text length L.
 *
 * Deliberately absent: any normalization beyond space escaping, unigram scoring, sampling.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "tokenizer/tok_internal.h"
#include "tokenizer/tokenizer.h"

#define TOK_MAX_TEXT ((size_t)256 << 20) /* normalized text must index with int32 */

static const char SPACE_SYMBOL[] = "\xe2\x96\x81"; /* U+2581, 3 bytes */
static const char UNK_SURFACE[] = " \xe2\x81\x87 "; /* sentencepiece's default unk_surface */

void tok_ids_init(struct tok_ids *ids) { ids->v = NULL, ids->n = ids->cap = 0; }
void tok_ids_release(struct tok_ids *ids)
{
    free(ids->v);
    tok_ids_init(ids);
}
void tok_ids_push(struct tok_ids *ids, int32_t id)
{
    if (ids->n == ids->cap) {
        ids->cap = ids->cap ? 2 * ids->cap : 64;
        ids->v = cm_realloc(ids->v, ids->cap * sizeof(*ids->v));
    }
    ids->v[ids->n++] = id;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

int32_t tok_find(const struct tokenizer *tk, const char *piece, size_t len)
{
    for (size_t h = hash_bytes(piece, len) & tk->mask;; h = (h + 1) & tk->mask) {
        int32_t id = tk->table[h];
        if (id < 0) return -1;
        if (tk->len[id] == len && !memcmp(tk->arena + tk->off[id], piece, len)) return id;
    }
}

static int is_mergeable(const struct tokenizer *tk, int32_t id)
{
    int t = tk->type[id];
    return t == TOK_TYPE_NORMAL || t == TOK_TYPE_USER_DEFINED || t == TOK_TYPE_UNUSED;
}

/* Groups the ids whose type bit is in `types` by first byte, longest first within a group. */
static void matcher_build(struct tok_matcher *m, const struct tokenizer *tk, unsigned types)
{
    size_t count[257] = {0}, total = 0;
    for (size_t i = 0; i < tk->n; i++)
        if ((types >> tk->type[i]) & 1u && tk->len[i] > 0 && tok_find(tk, tk->arena + tk->off[i], tk->len[i]) == (int32_t)i)
            count[(unsigned char)tk->arena[tk->off[i]]]++, total++;
    m->ids = cm_malloc((total + 1) * sizeof(*m->ids));
    m->start[0] = 0;
    for (int b = 0; b < 256; b++) m->start[b + 1] = m->start[b] + (uint32_t)count[b];
    uint32_t fill[256];
    memcpy(fill, m->start, sizeof(fill));
    for (size_t i = 0; i < tk->n; i++)
        if ((types >> tk->type[i]) & 1u && tk->len[i] > 0 && tok_find(tk, tk->arena + tk->off[i], tk->len[i]) == (int32_t)i)
            m->ids[fill[(unsigned char)tk->arena[tk->off[i]]]++] = (int32_t)i;
    for (int b = 0; b < 256; b++) /* insertion sort by length, descending: groups are small */
        for (uint32_t i = m->start[b] + 1; i < m->start[b + 1]; i++) {
            int32_t id = m->ids[i];
            uint32_t j = i;
            while (j > m->start[b] && tk->len[m->ids[j - 1]] < tk->len[id]) m->ids[j] = m->ids[j - 1], j--;
            m->ids[j] = id;
        }
}

/* The longest matcher piece at s[0..n), or -1. */
int32_t tok_matcher_match(const struct tok_matcher *m, const struct tokenizer *tk, const char *s, size_t n)
{
    unsigned b = (unsigned char)s[0];
    for (uint32_t i = m->start[b]; i < m->start[b + 1]; i++) {
        int32_t id = m->ids[i];
        if (tk->len[id] <= n && !memcmp(tk->arena + tk->off[id], s, tk->len[id])) return id;
    }
    return -1;
}

/* Parses "<0xXX>" (hex digits of either case); returns the byte or -1. */
static int parse_byte_piece(const char *p)
{
    if (strlen(p) != 6 || p[0] != '<' || p[1] != '0' || p[2] != 'x' || p[5] != '>') return -1;
    int v = 0;
    for (int i = 3; i < 5; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

void tok_free(struct tokenizer *tk)
{
    if (!tk) return;
    free(tk->arena), free(tk->off), free(tk->len), free(tk->score), free(tk->type), free(tk->bytev);
    free(tk->table), free(tk->user.ids), free(tk->special.ids);
    tok_bpe_free(tk->bpe);
    free(tk);
}

static int check_special_id(const char *what, int id, size_t n)
{
    if (id < -1 || (id >= 0 && (size_t)id >= n))
        return cm_error_set(CM_EINVAL, "invalid vocabulary: %s token id %d is outside 0..%zu", what, id, n - 1);
    return 0;
}

int tok_create(struct tokenizer **out, const struct tok_vocab_spec *spec)
{
    *out = NULL;
    size_t n = spec->n;
    if (n == 0 || !spec->pieces) return cm_error_set(CM_EINVAL, "invalid vocabulary: it has no pieces");
    if (n > (size_t)INT32_MAX / 4) return cm_error_set(CM_EINVAL, "invalid vocabulary: %zu pieces are too many", n);
    if (spec->vocab != TOK_VOCAB_SPM && spec->vocab != TOK_VOCAB_BPE)
        return cm_error_set(CM_EINVAL, "invalid vocabulary: unknown vocabulary type %d", spec->vocab);
    int rc = 0;
    if ((rc = check_special_id("BOS", spec->bos, n)) || (rc = check_special_id("EOS", spec->eos, n)) ||
        (rc = check_special_id("unknown", spec->unk, n)))
        return rc;

    struct tokenizer *tk = cm_calloc(1, sizeof(*tk));
    tk->n = n;
    tk->off = cm_malloc(n * sizeof(*tk->off));
    tk->len = cm_malloc(n * sizeof(*tk->len));
    tk->score = cm_malloc(n * sizeof(*tk->score));
    tk->type = cm_malloc(n);
    tk->bytev = cm_calloc(n, 1);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!spec->pieces[i]) {
            rc = cm_error_set(CM_EINVAL, "invalid vocabulary: token %zu has no piece", i);
            goto fail;
        }
        size_t l = strlen(spec->pieces[i]);
        if (l > UINT32_MAX / 2 || total + l + 1 > UINT32_MAX) {
            rc = cm_error_set(CM_EINVAL, "invalid vocabulary: pieces exceed 4 GiB");
            goto fail;
        }
        tk->off[i] = (uint32_t)total, tk->len[i] = (uint32_t)l;
        total += l + 1;
    }
    tk->arena = cm_malloc(total ? total : 1);
    for (size_t i = 0; i < n; i++) {
        memcpy(tk->arena + tk->off[i], spec->pieces[i], tk->len[i] + 1);
        int t = spec->types ? spec->types[i] : TOK_TYPE_NORMAL;
        if (t < TOK_TYPE_UNDEFINED || t > TOK_TYPE_BYTE) {
            rc = cm_error_set(CM_EINVAL, "invalid vocabulary: token %zu ('%s') has unknown type %d", i, spec->pieces[i], t);
            goto fail;
        }
        if (t == TOK_TYPE_UNDEFINED) t = TOK_TYPE_NORMAL;
        tk->type[i] = (uint8_t)t;
        float s = spec->scores ? spec->scores[i] : 0.0f;
        if (isnan(s)) {
            rc = cm_error_set(CM_EINVAL, "invalid vocabulary: token %zu ('%s') has a NaN score", i, spec->pieces[i]);
            goto fail;
        }
        tk->score[i] = s;
        if (t == TOK_TYPE_BYTE) {
            int b = parse_byte_piece(spec->pieces[i]);
            if (b < 0) {
                rc = cm_error_set(CM_EINVAL, "invalid vocabulary: byte token %zu is '%s', not <0xXX>", i, spec->pieces[i]);
                goto fail;
            }
            tk->bytev[i] = (uint8_t)b;
            tk->byte_fallback = 1;
        }
        if (t == TOK_TYPE_UNUSED) tk->has_unused = 1;
    }

    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    tk->mask = cap - 1;
    tk->table = cm_malloc(cap * sizeof(*tk->table));
    memset(tk->table, 0xff, cap * sizeof(*tk->table));
    for (size_t i = 0; i < n; i++) {
        const char *p = tk->arena + tk->off[i];
        if (tok_find(tk, p, tk->len[i]) >= 0) continue; /* duplicate: the first one wins */
        size_t h = hash_bytes(p, tk->len[i]) & tk->mask;
        while (tk->table[h] >= 0) h = (h + 1) & tk->mask;
        tk->table[h] = (int32_t)i;
    }
    tk->bos = spec->bos, tk->eos = spec->eos, tk->unk = spec->unk;
    tk->vocab = spec->vocab;
    tk->add_bos = spec->add_bos != 0;
    tk->add_space_prefix = spec->vocab == TOK_VOCAB_SPM && spec->add_space_prefix != 0;
    for (int b = 0; b < 256; b++) {
        char name[8];
        snprintf(name, sizeof(name), "<0x%02X>", b);
        int32_t id = tok_find(tk, name, 6);
        tk->byte_id[b] = id >= 0 ? id : tk->unk;
    }
    matcher_build(&tk->user, tk, 1u << TOK_TYPE_USER_DEFINED);
    matcher_build(&tk->special, tk, 1u << TOK_TYPE_USER_DEFINED | 1u << TOK_TYPE_CONTROL | 1u << TOK_TYPE_UNKNOWN);
    if (spec->vocab == TOK_VOCAB_BPE && (rc = tok_bpe_create(tk, spec))) goto fail;
    *out = tk;
    return 0;
fail:
    tok_free(tk);
    return rc;
}

/* ---- encoding ---- */

struct sym {
    int32_t start, len; /* bytes of the normalized text; len 0 = merged away */
    int32_t prev, next; /* -1 at the ends */
    int32_t fixed;      /* id of a piece matched whole (never merged), or -1 */
};

struct pair {
    float score;
    int32_t left, right, size;
};

struct heap {
    struct pair *v;
    size_t n, cap;
};

/* a is popped before b: higher score, then the leftmost. */
static int pair_before(const struct pair *a, const struct pair *b)
{
    return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static void heap_push(struct heap *h, struct pair p)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 256;
        h->v = cm_realloc(h->v, h->cap * sizeof(*h->v));
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!pair_before(&p, &h->v[parent])) break;
        h->v[i] = h->v[parent];
        i = parent;
    }
    h->v[i] = p;
}

static struct pair heap_pop(struct heap *h)
{
    struct pair top = h->v[0], last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && pair_before(&h->v[c + 1], &h->v[c])) c++;
        if (!pair_before(&h->v[c], &last)) break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n) h->v[i] = last;
    return top;
}

struct encoder {
    const struct tokenizer *tk;
    const char *text; /* normalized */
    struct sym *sym;
    struct heap heap;
    uint32_t *rev_left; /* (n_vocab) left length of the pair that made an UNUSED piece, or NULL */
    struct tok_ids *out;
    int prev_unk;       /* the last id written stands for an unknown symbol (no byte fallback) */
};

static void maybe_add_pair(struct encoder *e, int32_t left, int32_t right)
{
    if (left < 0 || right < 0 || e->sym[left].fixed >= 0 || e->sym[right].fixed >= 0) return;
    int32_t size = e->sym[left].len + e->sym[right].len;
    int32_t id = tok_find(e->tk, e->text + e->sym[left].start, (size_t)size);
    if (id < 0 || !is_mergeable(e->tk, id)) return;
    heap_push(&e->heap, (struct pair){e->tk->score[id], left, right, size});
    if (e->rev_left && e->tk->type[id] == TOK_TYPE_UNUSED) e->rev_left[id] = (uint32_t)e->sym[left].len;
}

/* Writes the ids of one final symbol s[0..n): its piece, the pieces an UNUSED piece was
 * merged from, or its bytes (byte fallback) or the unknown token. */
static int emit(struct encoder *e, const char *s, size_t n)
{
    const struct tokenizer *tk = e->tk;
    int32_t id = tok_find(tk, s, n);
    if (id >= 0 && tk->type[id] == TOK_TYPE_UNUSED && e->rev_left && e->rev_left[id] > 0 && e->rev_left[id] < n) {
        size_t l = e->rev_left[id];
        int rc = emit(e, s, l);
        return rc ? rc : emit(e, s + l, n - l);
    }
    if (id >= 0) {
        tok_ids_push(e->out, id);
        e->prev_unk = 0;
        return 0;
    }
    if (tk->byte_fallback) {
        for (size_t i = 0; i < n; i++) {
            int32_t b = tk->byte_id[(unsigned char)s[i]];
            if (b < 0)
                return cm_error_set(CM_EINVAL, "cannot encode byte 0x%02X: the vocabulary has neither <0x%02X> nor an unknown token",
                                    (unsigned char)s[i], (unsigned char)s[i]);
            tok_ids_push(e->out, b);
        }
        e->prev_unk = 0;
        return 0;
    }
    if (tk->unk < 0)
        return cm_error_set(CM_EINVAL, "cannot encode '%.*s': it is no piece and the vocabulary has no unknown token", (int)n, s);
    if (!e->prev_unk) tok_ids_push(e->out, tk->unk); /* a run of unknown symbols is one token */
    e->prev_unk = 1;
    return 0;
}

/* Length of the UTF-8 character at s[0..n), or 1 for an invalid byte. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t k = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3 : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 1;
    if (k > n) return 1;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xC0) != 0x80) return 1;
    return k;
}

int tok_encode(const struct tokenizer *tk, struct tok_ids *out, const char *text, size_t len, unsigned flags)
{
    if (len > TOK_MAX_TEXT)
        return cm_error_set(CM_EINVAL, "cannot encode a text of %zu bytes: the limit is %zu", len, TOK_MAX_TEXT);
    if ((flags & TOK_ENCODE_BOS) && tk->bos < 0) return cm_error_set(CM_EINVAL, "cannot add BOS: the vocabulary has no BOS token");
    if ((flags & TOK_ENCODE_EOS) && tk->eos < 0) return cm_error_set(CM_EINVAL, "cannot add EOS: the vocabulary has no EOS token");
    if (flags & TOK_ENCODE_BOS) tok_ids_push(out, tk->bos);
    int rc = 0;
    struct encoder e = {tk, NULL, NULL, {NULL, 0, 0}, NULL, out, 0};
    char *norm = NULL;
    if (tk->bpe) {
        rc = tok_bpe_encode(tk, out, text, len, flags);
    } else if (len > 0) {
        /* 1. normalize */
        size_t spaces = 0;
        for (size_t i = 0; i < len; i++) spaces += text[i] == ' ';
        size_t nlen = (tk->add_space_prefix ? 3 : 0) + len + 2 * spaces, j = 0;
        norm = cm_malloc(nlen + 1);
        if (tk->add_space_prefix) memcpy(norm, SPACE_SYMBOL, 3), j = 3;
        for (size_t i = 0; i < len; i++) {
            if (text[i] == ' ')
                memcpy(norm + j, SPACE_SYMBOL, 3), j += 3;
            else
                norm[j++] = text[i];
        }
        norm[j] = 0;
        e.text = norm;

        /* 2. symbols */
        const struct tok_matcher *m = (flags & TOK_ENCODE_SPECIAL) ? &tk->special : &tk->user;
        e.sym = cm_malloc(nlen * sizeof(*e.sym));
        int32_t ns = 0;
        for (size_t p = 0; p < nlen; ns++) {
            int32_t fixed = tok_matcher_match(m, tk, norm + p, nlen - p);
            size_t l = fixed >= 0 ? tk->len[fixed] : utf8_len((const unsigned char *)norm + p, nlen - p);
            e.sym[ns] = (struct sym){(int32_t)p, (int32_t)l, ns - 1, -1, fixed};
            if (ns > 0) e.sym[ns - 1].next = ns;
            p += l;
        }

        /* 3. merges */
        if (tk->has_unused) e.rev_left = cm_calloc(tk->n, sizeof(*e.rev_left));
        for (int32_t i = 1; i < ns; i++) maybe_add_pair(&e, i - 1, i);
        while (e.heap.n) {
            struct pair top = heap_pop(&e.heap);
            struct sym *l = &e.sym[top.left], *r = &e.sym[top.right];
            if (l->len == 0 || r->len == 0 || l->len + r->len != top.size) continue; /* stale */
            l->len += r->len;
            l->next = r->next;
            if (r->next >= 0) e.sym[r->next].prev = top.left;
            r->len = 0;
            maybe_add_pair(&e, l->prev, top.left);
            maybe_add_pair(&e, top.left, l->next);
        }

        /* 4. ids */
        for (int32_t i = 0; i >= 0 && i < ns && !rc; i = e.sym[i].next) {
            if (e.sym[i].fixed >= 0) {
                tok_ids_push(out, e.sym[i].fixed);
                e.prev_unk = 0;
            } else {
                rc = emit(&e, norm + e.sym[i].start, (size_t)e.sym[i].len);
            }
        }
    }
    if (!rc && (flags & TOK_ENCODE_EOS)) tok_ids_push(out, tk->eos);
    free(norm), free(e.sym), free(e.heap.v), free(e.rev_left);
    return rc;
}

/* ---- decoding ---- */

/* Appends s[0..n) with every U+2581 turned into a space. */
static void append_unescaped(struct cm_buf *out, const char *s, size_t n)
{
    size_t i = 0, run = 0;
    while (i < n) {
        if (i + 3 <= n && !memcmp(s + i, SPACE_SYMBOL, 3)) {
            cm_buf_append(out, s + run, i - run);
            cm_buf_append(out, " ", 1);
            i += 3, run = i;
        } else {
            i++;
        }
    }
    cm_buf_append(out, s + run, n - run);
}

int tok_decode(const struct tokenizer *tk, struct cm_buf *out, const int32_t *ids, size_t n, unsigned flags)
{
    if (tk->bpe) return tok_bpe_decode(tk, out, ids, n, flags);
    size_t start = out->len, shown = 0; /* shown: bytes of CONTROL text written */
    int bos_ws = 1, bos_ws_seen = 0;     /* sentencepiece's rule for the leading space */
    for (size_t i = 0; i < n; i++) {
        int32_t id = ids[i];
        if (id < 0 || (size_t)id >= tk->n)
            return cm_error_set(CM_EINVAL, "cannot decode token id %d: the vocabulary has ids 0..%zu", (int)id, tk->n - 1);
        const char *p = tk->arena + tk->off[id];
        size_t l = tk->len[id];
        switch (tk->type[id]) {
        case TOK_TYPE_BYTE:
            cm_buf_append(out, &tk->bytev[id], 1);
            continue;
        case TOK_TYPE_CONTROL:
            if (flags & TOK_DECODE_SPECIAL) cm_buf_append(out, p, l), shown += l;
            continue;
        case TOK_TYPE_UNKNOWN:
            cm_buf_puts(out, UNK_SURFACE);
            continue;
        default:
            break;
        }
        if (bos_ws_seen || out->len - shown > start) bos_ws = 0;
        bos_ws_seen = 0;
        if (bos_ws && tk->add_space_prefix && l >= 3 && !memcmp(p, SPACE_SYMBOL, 3)) p += 3, l -= 3, bos_ws_seen = 1;
        append_unescaped(out, p, l);
    }
    return 0;
}

size_t tok_n_vocab(const struct tokenizer *tk) { return tk->n; }
const char *tok_piece(const struct tokenizer *tk, int32_t id)
{
    return id >= 0 && (size_t)id < tk->n ? tk->arena + tk->off[id] : NULL;
}
int tok_type(const struct tokenizer *tk, int32_t id) { return id >= 0 && (size_t)id < tk->n ? tk->type[id] : -1; }
float tok_score(const struct tokenizer *tk, int32_t id) { return id >= 0 && (size_t)id < tk->n ? tk->score[id] : 0.0f; }
int32_t tok_bos(const struct tokenizer *tk) { return tk->bos; }
int32_t tok_eos(const struct tokenizer *tk) { return tk->eos; }
int32_t tok_unk(const struct tokenizer *tk) { return tk->unk; }
int tok_add_bos(const struct tokenizer *tk) { return tk->add_bos; }
int tok_add_space_prefix(const struct tokenizer *tk) { return tk->add_space_prefix; }
int tok_byte_fallback(const struct tokenizer *tk) { return tk->byte_fallback; }
int tok_vocab_type(const struct tokenizer *tk) { return tk->vocab; }
