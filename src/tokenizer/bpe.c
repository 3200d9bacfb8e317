/* bpe.c — byte-level BPE (the "gpt2" vocabulary type of llama.cpp; HF tokenizers' BPE with
 * a ByteLevel pre-tokenizer and decoder).
 *
 * Every byte of the text stands for one character of GPT-2's byte alphabet
 * (bytes_to_unicode: the printable Latin-1 bytes are themselves, the other 68 bytes are
 * U+0100.. in order, so space is "Ġ" U+0120 and newline "Ċ" U+010A); pieces and merges are
 * written in that alphabet. Encoding:
 *   1. pieces matched whole: USER_DEFINED pieces always, CONTROL and UNKNOWN ones only with
 *      TOK_ENCODE_SPECIAL (leftmost, longest first); the text between them goes on;
 *   2. the pre-tokenizer (pretok.h) cuts it into words;
 *   3. each word starts as one symbol a byte and merges, always the adjacent pair with the
 *      lowest merge rank, the leftmost on ties, until no pair has a rank; with
 *      ignore_merges (Llama 3) a word that is a piece is taken whole first;
 *   4. each symbol is its piece's id; a byte whose character is no piece is dropped, as HF
 *      tokenizers and llama.cpp drop it (SmolLM2's vocabulary lacks 21 of the 256: control
 *      bytes such as 0x04 and bytes that valid UTF-8 never or rarely holds, 0xC0, 0xFF...).
 * Merges are resolved to ids once: a merge whose parts or result are no pieces can never
 * apply (HF refuses such a vocabulary; llama.cpp keeps it) and is dropped.
 * Decoding maps each character of a piece back to its byte, so decode(encode(x)) == x for
 * every byte string whose bytes all have pieces (all 256 in GPT-2's own vocabulary), invalid
 * UTF-8 included (such bytes never match a regex and become words
 * of their own); CONTROL and UNKNOWN tokens vanish unless TOK_DECODE_SPECIAL, USER_DEFINED
 * tokens are their text as is, characters outside the byte alphabet are copied unchanged.
 * Left out: BPE dropout, llama.cpp's clean_spaces decoding option (it is lossy), word caches.
 */
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "tokenizer/pretok.h"
#include "tokenizer/tok_internal.h"

#define N_CODEPOINTS 324 /* the byte alphabet is U+0021..U+0143 */

struct merge_slot {
    int32_t left, right; /* piece ids; left -1 = empty slot */
    int32_t rank, id;    /* the merge's index, the id of left+right */
};

struct tok_bpe {
    struct tok_pretok *pre;
    struct merge_slot *merges; /* open addressing, size mask + 1 */
    size_t mask, n_merges;
    int32_t byte_tok[256];        /* id of byte b's one-character piece, or -1 */
    char enc[256][2];             /* byte b's character in UTF-8 (1 or 2 bytes) */
    uint8_t enc_len[256];
    int16_t dec[N_CODEPOINTS];    /* code point -> byte, -1 outside the alphabet */
};

static void byte_alphabet(struct tok_bpe *b)
{
    int extra = 0;
    for (int i = 0; i < N_CODEPOINTS; i++) b->dec[i] = -1;
    for (int c = 0; c < 256; c++) {
        int self = (c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF);
        int cp = self ? c : 256 + extra++;
        b->dec[cp] = (int16_t)c;
        if (cp < 0x80) {
            b->enc[c][0] = (char)cp, b->enc_len[c] = 1;
        } else {
            b->enc[c][0] = (char)(0xC0 | (cp >> 6)), b->enc[c][1] = (char)(0x80 | (cp & 0x3F)), b->enc_len[c] = 2;
        }
    }
}

static size_t pair_hash(int32_t l, int32_t r)
{
    uint64_t h = ((uint64_t)(uint32_t)l << 32 | (uint32_t)r) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 31));
}

static const struct merge_slot *merge_find(const struct tok_bpe *b, int32_t l, int32_t r)
{
    if (!b->merges) return NULL;
    for (size_t h = pair_hash(l, r) & b->mask;; h = (h + 1) & b->mask) {
        const struct merge_slot *s = &b->merges[h];
        if (s->left < 0) return NULL;
        if (s->left == l && s->right == r) return s;
    }
}

void tok_bpe_free(struct tok_bpe *b)
{
    if (!b) return;
    tok_pretok_free(b->pre);
    free(b->merges);
    free(b);
}

int tok_bpe_create(struct tokenizer *tk, const struct tok_vocab_spec *spec)
{
    struct tok_bpe *b = cm_calloc(1, sizeof(*b));
    int rc = tok_pretok_create(&b->pre, spec->pre);
    if (rc) goto fail;
    byte_alphabet(b);
    for (int c = 0; c < 256; c++) b->byte_tok[c] = tok_find(tk, b->enc[c], b->enc_len[c]);
    if (spec->n_merges && !spec->merges) {
        rc = cm_error_set(CM_EINVAL, "invalid vocabulary: %zu merges but no merge list", spec->n_merges);
        goto fail;
    }
    if (spec->n_merges > (size_t)INT32_MAX / 4) {
        rc = cm_error_set(CM_EINVAL, "invalid vocabulary: %zu merges are too many", spec->n_merges);
        goto fail;
    }
    size_t cap = 16;
    while (cap < 2 * spec->n_merges) cap *= 2;
    b->mask = cap - 1;
    b->merges = cm_malloc(cap * sizeof(*b->merges));
    for (size_t i = 0; i < cap; i++) b->merges[i].left = -1;
    struct cm_buf joined;
    cm_buf_init(&joined);
    for (size_t i = 0; i < spec->n_merges; i++) {
        const char *m = spec->merges[i];
        const char *sp = m && m[0] ? strchr(m + 1, ' ') : NULL;
        if (!sp) {
            cm_buf_release(&joined);
            rc = cm_error_set(CM_EINVAL, "invalid vocabulary: merge %zu ('%s') is not two pieces separated by a space", i,
                              m ? m : "");
            goto fail;
        }
        int32_t l = tok_find(tk, m, (size_t)(sp - m)), r = tok_find(tk, sp + 1, strlen(sp + 1));
        joined.len = 0;
        cm_buf_append(&joined, m, (size_t)(sp - m));
        cm_buf_puts(&joined, sp + 1);
        int32_t id = tok_find(tk, joined.data, joined.len);
        if (l < 0 || r < 0 || id < 0 || merge_find(b, l, r)) continue; /* unusable, or a repeat: the first rank wins */
        size_t h = pair_hash(l, r) & b->mask;
        while (b->merges[h].left >= 0) h = (h + 1) & b->mask;
        b->merges[h] = (struct merge_slot){l, r, (int32_t)i, id};
        b->n_merges++;
    }
    cm_buf_release(&joined);
    tk->bpe = b;
    return 0;
fail:
    tok_bpe_free(b);
    return rc;
}

/* ---- encoding ---- */

struct cand {
    int32_t rank, left, right; /* symbol indices */
    int32_t lid, rid;          /* their ids when pushed (a changed symbol makes it stale) */
};

struct bpe_enc {
    const struct tokenizer *tk;
    const struct tok_bpe *b;
    struct tok_ids *out;
    int32_t *id, *prev, *next; /* (cap) per symbol; id -1 = merged away or no piece */
    size_t cap;
    struct cand *heap;
    size_t nh, hcap;
    struct cm_buf mapped; /* the word in the byte alphabet (ignore_merges) */
};

static int cand_before(const struct cand *a, const struct cand *c)
{
    return a->rank < c->rank || (a->rank == c->rank && a->left < c->left);
}

static void heap_push(struct bpe_enc *e, struct cand c)
{
    if (e->nh == e->hcap) {
        e->hcap = e->hcap ? 2 * e->hcap : 64;
        e->heap = cm_realloc(e->heap, e->hcap * sizeof(*e->heap));
    }
    size_t i = e->nh++;
    while (i > 0 && cand_before(&c, &e->heap[(i - 1) / 2])) {
        e->heap[i] = e->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    e->heap[i] = c;
}

static struct cand heap_pop(struct bpe_enc *e)
{
    struct cand top = e->heap[0], last = e->heap[--e->nh];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= e->nh) break;
        if (c + 1 < e->nh && cand_before(&e->heap[c + 1], &e->heap[c])) c++;
        if (!cand_before(&e->heap[c], &last)) break;
        e->heap[i] = e->heap[c];
        i = c;
    }
    if (e->nh) e->heap[i] = last;
    return top;
}

static void try_pair(struct bpe_enc *e, int32_t l, int32_t r)
{
    if (l < 0 || r < 0 || e->id[l] < 0 || e->id[r] < 0) return;
    const struct merge_slot *m = merge_find(e->b, e->id[l], e->id[r]);
    if (m) heap_push(e, (struct cand){m->rank, l, r, e->id[l], e->id[r]});
}

/* Step 3 and 4 for one word (tok_pretok_fn). */
static int encode_word(void *ctx, const char *w, size_t n)
{
    struct bpe_enc *e = ctx;
    const struct tok_bpe *b = e->b;
    if (tok_pretok_ignore_merges(b->pre) && n > 1) {
        e->mapped.len = 0;
        for (size_t i = 0; i < n; i++) cm_buf_append(&e->mapped, b->enc[(unsigned char)w[i]], b->enc_len[(unsigned char)w[i]]);
        int32_t id = tok_find(e->tk, e->mapped.data, e->mapped.len);
        if (id >= 0) {
            tok_ids_push(e->out, id);
            return 0;
        }
    }
    if (n == 1) {
        int32_t id = b->byte_tok[(unsigned char)w[0]];
        if (id >= 0) tok_ids_push(e->out, id); /* a byte without a piece is dropped (step 4) */
        return 0;
    }
    if (n > e->cap) {
        e->cap = n;
        e->id = cm_realloc(e->id, n * sizeof(*e->id));
        e->prev = cm_realloc(e->prev, n * sizeof(*e->prev));
        e->next = cm_realloc(e->next, n * sizeof(*e->next));
    }
    int32_t ns = (int32_t)n;
    for (int32_t i = 0; i < ns; i++) {
        e->id[i] = b->byte_tok[(unsigned char)w[i]];
        e->prev[i] = i - 1, e->next[i] = i + 1 < ns ? i + 1 : -1;
    }
    e->nh = 0;
    for (int32_t i = 1; i < ns; i++) try_pair(e, i - 1, i);
    while (e->nh) {
        struct cand c = heap_pop(e);
        if (e->id[c.left] != c.lid || e->id[c.right] != c.rid || e->next[c.left] != c.right) continue; /* stale */
        e->id[c.left] = merge_find(b, c.lid, c.rid)->id;
        e->id[c.right] = -1;
        e->next[c.left] = e->next[c.right];
        if (e->next[c.right] >= 0) e->prev[e->next[c.right]] = c.left;
        e->next[c.right] = e->prev[c.right] = -1;
        try_pair(e, e->prev[c.left], c.left);
        try_pair(e, c.left, e->next[c.left]);
    }
    for (int32_t i = 0; i >= 0; i = e->next[i])
        if (e->id[i] >= 0) tok_ids_push(e->out, e->id[i]); /* a byte without a piece is dropped (step 4) */
    return 0;
}

int tok_bpe_encode(const struct tokenizer *tk, struct tok_ids *out, const char *text, size_t len, unsigned flags)
{
    struct bpe_enc e;
    memset(&e, 0, sizeof(e));
    e.tk = tk, e.b = tk->bpe, e.out = out;
    cm_buf_init(&e.mapped);
    const struct tok_matcher *m = (flags & TOK_ENCODE_SPECIAL) ? &tk->special : &tk->user;
    int any = m->start[256] > 0, rc = 0;
    size_t frag = 0, pos = 0;
    while (pos < len && !rc) {
        int32_t id = any ? tok_matcher_match(m, tk, text + pos, len - pos) : -1;
        if (id < 0) {
            pos++;
            continue;
        }
        if (pos > frag) rc = tok_pretok_split(e.b->pre, text + frag, pos - frag, encode_word, &e);
        if (!rc) tok_ids_push(out, id);
        pos += tk->len[id], frag = pos;
    }
    if (!rc && len > frag) rc = tok_pretok_split(e.b->pre, text + frag, len - frag, encode_word, &e);
    free(e.id), free(e.prev), free(e.next), free(e.heap);
    cm_buf_release(&e.mapped);
    return rc;
}

/* ---- decoding ---- */

/* Appends the bytes piece p[0..n) stands for: byte-alphabet characters become their bytes,
 * anything else (other characters, invalid UTF-8) is copied. */
static void append_piece(const struct tok_bpe *b, struct cm_buf *out, const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80 && b->dec[c] >= 0) {
            cm_buf_append(out, p + i, 1);
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xC5 && i + 1 < n && ((unsigned char)p[i + 1] & 0xC0) == 0x80) {
            int cp = (c & 0x1F) << 6 | ((unsigned char)p[i + 1] & 0x3F);
            if (cp < N_CODEPOINTS && b->dec[cp] >= 0) {
                char byte = (char)b->dec[cp];
                cm_buf_append(out, &byte, 1);
                i += 2;
                continue;
            }
        }
        cm_buf_append(out, p + i, 1); /* not in the alphabet: as is, byte by byte */
        i++;
    }
}

int tok_bpe_decode(const struct tokenizer *tk, struct cm_buf *out, const int32_t *ids, size_t n, unsigned flags)
{
    for (size_t i = 0; i < n; i++) {
        int32_t id = ids[i];
        if (id < 0 || (size_t)id >= tk->n)
            return cm_error_set(CM_EINVAL, "cannot decode token id %d: the vocabulary has ids 0..%zu", (int)id, tk->n - 1);
        const char *p = tk->arena + tk->off[id];
        size_t l = tk->len[id];
        switch (tk->type[id]) {
        case TOK_TYPE_CONTROL:
        case TOK_TYPE_UNKNOWN:
            if (flags & TOK_DECODE_SPECIAL) cm_buf_append(out, p, l);
            break;
        case TOK_TYPE_USER_DEFINED:
            cm_buf_append(out, p, l);
            break;
        case TOK_TYPE_BYTE:
            cm_buf_append(out, &tk->bytev[id], 1);
            break;
        default:
            append_piece(tk->bpe, out, p, l);
        }
    }
    return 0;
}

const char *tok_pre_name(const struct tokenizer *tk) { return tk->bpe ? tok_pretok_name(tk->bpe->pre) : NULL; }
size_t tok_n_merges(const struct tokenizer *tk) { return tk->bpe ? tk->bpe->n_merges : 0; }
