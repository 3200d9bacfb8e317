/* The BPE tokenizer on tiny hand-made vocabularies: merge order and ties, byte fallback,
 * unknown runs, user-defined and control pieces, UNUSED resegmentation, decode rules,
 * malformed vocabularies, and random texts against a naive quadratic BPE. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "tokenizer/tokenizer.h"

#define SP "\xe2\x96\x81" /* U+2581 */

/* A vocabulary under construction: <unk> <s> </s>, optionally 256 byte pieces, then extras. */
struct vb {
    const char *pieces[600];
    float scores[600];
    int types[600];
    char bytes[256][8];
    size_t n;
};

static int vb_add(struct vb *v, const char *piece, float score, int type)
{
    v->pieces[v->n] = piece, v->scores[v->n] = score, v->types[v->n] = type;
    return (int)v->n++;
}

static void vb_init(struct vb *v, int with_bytes)
{
    memset(v, 0, sizeof(*v));
    vb_add(v, "<unk>", 0, TOK_TYPE_UNKNOWN);
    vb_add(v, "<s>", 0, TOK_TYPE_CONTROL);
    vb_add(v, "</s>", 0, TOK_TYPE_CONTROL);
    if (with_bytes)
        for (int b = 0; b < 256; b++) {
            snprintf(v->bytes[b], sizeof(v->bytes[b]), "<0x%02X>", b);
            vb_add(v, v->bytes[b], 0, TOK_TYPE_BYTE);
        }
}

#define BYTE_ID(b) (3 + (b))

static struct tokenizer *vb_build(struct vb *v, int add_space_prefix)
{
    struct tok_vocab_spec spec = {v->pieces, v->scores, v->types, v->n, 1, 2, 0, 1, add_space_prefix};
    struct tokenizer *tk = NULL;
    int rc = tok_create(&tk, &spec);
    cr_assert_eq(rc, 0, "tok_create: %s", cm_error_message());
    return tk;
}

/* Encodes text and compares with the expected ids (terminated by -1). */
static void check_encode(struct tokenizer *tk, const char *text, unsigned flags, const int *want)
{
    struct tok_ids ids;
    tok_ids_init(&ids);
    cr_assert_eq(tok_encode(tk, &ids, text, strlen(text), flags), 0, "%s", cm_error_message());
    size_t n = 0;
    while (want[n] >= 0) n++;
    char got[512] = "";
    for (size_t i = 0; i < ids.n; i++) snprintf(got + strlen(got), sizeof(got) - strlen(got), " %d", ids.v[i]);
    cr_assert_eq(ids.n, n, "'%s': got%s", text, got);
    for (size_t i = 0; i < n; i++) cr_assert_eq(ids.v[i], want[i], "'%s': token %zu: got%s", text, i, got);
    tok_ids_release(&ids);
}

static char *decode(struct tokenizer *tk, const int32_t *ids, size_t n, unsigned flags)
{
    struct cm_buf b;
    cm_buf_init(&b);
    cr_assert_eq(tok_decode(tk, &b, ids, n, flags), 0, "%s", cm_error_message());
    cm_buf_puts(&b, "");
    return cm_buf_detach(&b);
}

Test(tokenizer, highest_score_merges_first)
{
    struct vb v;
    vb_init(&v, 0);
    int a = vb_add(&v, "a", -10, 1), c = vb_add(&v, "c", -10, 1), ab = vb_add(&v, "ab", -2, 1);
    int bc = vb_add(&v, "bc", -1, 1);
    vb_add(&v, "b", -10, 1);
    struct tokenizer *tk = vb_build(&v, 0);
    check_encode(tk, "abc", 0, (int[]){a, bc, -1});
    tok_free(tk);
    v.scores[ab] = -1, v.scores[bc] = -2;
    tk = vb_build(&v, 0);
    check_encode(tk, "abc", 0, (int[]){ab, c, -1});
    tok_free(tk);
}

Test(tokenizer, merges_chain_and_only_into_pieces)
{
    struct vb v;
    vb_init(&v, 0);
    int a = vb_add(&v, "a", -10, 1), b = vb_add(&v, "b", -10, 1), c = vb_add(&v, "c", -10, 1);
    vb_add(&v, "bc", -1, 1);
    int abc = vb_add(&v, "abc", -5, 1);
    vb_add(&v, "cab", 5, 1); /* high score but never adjacent as a pair of symbols */
    struct tokenizer *tk = vb_build(&v, 0);
    check_encode(tk, "abc", 0, (int[]){abc, -1});
    check_encode(tk, "cab", 0, (int[]){c, a, b, -1});
    tok_free(tk);
}

Test(tokenizer, leftmost_wins_ties)
{
    struct vb v;
    vb_init(&v, 0);
    int a = vb_add(&v, "a", -10, 1), b = vb_add(&v, "b", -10, 1);
    int ab = vb_add(&v, "ab", -1, 1), ba = vb_add(&v, "ba", -1, 1), aa = vb_add(&v, "aa", -3, 1);
    struct tokenizer *tk = vb_build(&v, 0);
    check_encode(tk, "aba", 0, (int[]){ab, a, -1});
    check_encode(tk, "bab", 0, (int[]){ba, b, -1});
    check_encode(tk, "aaaaa", 0, (int[]){aa, aa, a, -1});
    tok_free(tk);
}

Test(tokenizer, space_prefix_and_escape)
{
    struct vb v;
    vb_init(&v, 0);
    int sp = vb_add(&v, SP, -1, 1), a = vb_add(&v, "a", -1, 1);
    int spa = vb_add(&v, SP "a", -0.5f, 1), spsp = vb_add(&v, SP SP, -0.2f, 1);
    struct tokenizer *tk = vb_build(&v, 1);
    check_encode(tk, "a a", 0, (int[]){spa, spa, -1});
    check_encode(tk, "a  a", 0, (int[]){spa, spsp, a, -1});
    check_encode(tk, " ", 0, (int[]){spsp, -1});
    check_encode(tk, "", 0, (int[]){-1});
    tok_free(tk);
    tk = vb_build(&v, 0);
    check_encode(tk, "a a", 0, (int[]){a, spa, -1});
    check_encode(tk, " ", 0, (int[]){sp, -1});
    tok_free(tk);
}

Test(tokenizer, byte_fallback_for_unknown_characters)
{
    struct vb v;
    vb_init(&v, 1);
    int x = vb_add(&v, "x", -1, 1);
    int ex = vb_add(&v, "\xc3\xa9x", 10, 1); /* é is no piece, yet "éx" is formed from symbols */
    struct tokenizer *tk = vb_build(&v, 0);
    cr_assert(tok_byte_fallback(tk));
    check_encode(tk, "x\xc3\xa9x", 0, (int[]){x, ex, -1});
    check_encode(tk, "x\xc3\xa9", 0, (int[]){x, BYTE_ID(0xC3), BYTE_ID(0xA9), -1});
    check_encode(tk, "\n\t", 0, (int[]){BYTE_ID(0x0A), BYTE_ID(0x09), -1});
    check_encode(tk, "\xff", 0, (int[]){BYTE_ID(0xFF), -1}); /* invalid UTF-8: a byte of its own */
    tok_free(tk);
}

Test(tokenizer, unknown_runs_without_byte_fallback)
{
    struct vb v;
    vb_init(&v, 0);
    int a = vb_add(&v, "a", -1, 1);
    struct tokenizer *tk = vb_build(&v, 0);
    cr_assert_not(tok_byte_fallback(tk));
    check_encode(tk, "xyz", 0, (int[]){0, -1});
    check_encode(tk, "xaz\xe4\xb8\xad", 0, (int[]){0, a, 0, -1});
    tok_free(tk);
}

Test(tokenizer, user_defined_pieces_stay_whole)
{
    struct vb v;
    vb_init(&v, 1);
    int a = vb_add(&v, "a", -1, 1);
    vb_add(&v, "a#", 100, 1); /* would merge if ## were split */
    int hh = vb_add(&v, "##", 0, TOK_TYPE_USER_DEFINED), h = vb_add(&v, "#", 0, TOK_TYPE_USER_DEFINED);
    struct tokenizer *tk = vb_build(&v, 0);
    check_encode(tk, "a##a", 0, (int[]){a, hh, a, -1});
    check_encode(tk, "###", 0, (int[]){hh, h, -1});
    check_encode(tk, "a#", 0, (int[]){a, h, -1});
    tok_free(tk);
}

Test(tokenizer, control_pieces_only_with_special)
{
    struct vb v;
    vb_init(&v, 1);
    int lt = vb_add(&v, "<", -1, 1), s = vb_add(&v, "s", -1, 1), gt = vb_add(&v, ">", -1, 1);
    struct tokenizer *tk = vb_build(&v, 0);
    check_encode(tk, "<s>", 0, (int[]){lt, s, gt, -1});
    check_encode(tk, "<s>s</s>", TOK_ENCODE_SPECIAL, (int[]){1, s, 2, -1});
    check_encode(tk, "s", TOK_ENCODE_BOS | TOK_ENCODE_EOS, (int[]){1, s, 2, -1});
    tok_free(tk);
}

Test(tokenizer, unused_pieces_are_split_back)
{
    struct vb v;
    vb_init(&v, 0);
    int a = vb_add(&v, "a", -9, 1), b = vb_add(&v, "b", -9, 1), c = vb_add(&v, "c", -9, 1);
    vb_add(&v, "ab", -1, TOK_TYPE_UNUSED);
    int abc = vb_add(&v, "abc", -2, 1);
    struct tokenizer *tk = vb_build(&v, 0);
    check_encode(tk, "ab", 0, (int[]){a, b, -1});
    check_encode(tk, "abc", 0, (int[]){abc, -1});
    check_encode(tk, "abab", 0, (int[]){a, b, a, b, -1});
    (void)c;
    tok_free(tk);
}

Test(tokenizer, decode_rules)
{
    struct vb v;
    vb_init(&v, 1);
    int spa = vb_add(&v, SP "a", -1, 1), sp = vb_add(&v, SP, -1, 1), b = vb_add(&v, "b", -1, 1);
    struct tokenizer *tk = vb_build(&v, 1);
    char *s;
    s = decode(tk, (int32_t[]){spa, spa, b}, 3, 0);
    cr_assert_str_eq(s, "a ab");
    free(s);
    s = decode(tk, (int32_t[]){1, spa, 2}, 3, 0); /* BOS does not stop the leading space going */
    cr_assert_str_eq(s, "a");
    free(s);
    s = decode(tk, (int32_t[]){1, spa, 2}, 3, TOK_DECODE_SPECIAL);
    cr_assert_str_eq(s, "<s>a</s>");
    free(s);
    s = decode(tk, (int32_t[]){sp, sp, b}, 3, 0); /* only one leading space is dropped */
    cr_assert_str_eq(s, " b");
    free(s);
    s = decode(tk, (int32_t[]){BYTE_ID(0x41), spa}, 2, 0); /* text before: the space stays */
    cr_assert_str_eq(s, "A a");
    free(s);
    s = decode(tk, (int32_t[]){BYTE_ID(0xE4), BYTE_ID(0xB8), BYTE_ID(0xAD), BYTE_ID(0x0A)}, 4, 0);
    cr_assert_str_eq(s, "\xe4\xb8\xad\n");
    free(s);
    s = decode(tk, (int32_t[]){0}, 1, 0);
    cr_assert_str_eq(s, " \xe2\x81\x87 ");
    free(s);
    struct cm_buf buf;
    cm_buf_init(&buf);
    cr_assert_eq(tok_decode(tk, &buf, (int32_t[]){b, 100000}, 2, 0), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "100000"));
    cm_buf_release(&buf);
    tok_free(tk);
}

Test(tokenizer, lookups)
{
    struct vb v;
    vb_init(&v, 0);
    int a = vb_add(&v, "a", -3, 1);
    vb_add(&v, "a", -4, 1); /* duplicate: the first wins */
    struct tokenizer *tk = vb_build(&v, 1);
    cr_assert_eq(tok_find(tk, "a", 1), a);
    cr_assert_eq(tok_find(tk, "zz", 2), -1);
    cr_assert_str_eq(tok_piece(tk, a), "a");
    cr_assert_null(tok_piece(tk, 99));
    cr_assert_eq(tok_type(tk, 1), TOK_TYPE_CONTROL);
    cr_assert_float_eq(tok_score(tk, a), -3.0f, 0);
    cr_assert_eq(tok_bos(tk), 1);
    cr_assert_eq(tok_eos(tk), 2);
    cr_assert_eq(tok_unk(tk), 0);
    cr_assert_eq(tok_n_vocab(tk), v.n);
    tok_free(tk);
}

Test(tokenizer, malformed_vocabularies)
{
    struct vb v;
    vb_init(&v, 0);
    int a = vb_add(&v, "a", -1, 1);
    struct tokenizer *tk = NULL;
    struct tok_vocab_spec spec = {v.pieces, v.scores, v.types, v.n, 1, 2, 0, 1, 1};
    v.types[a] = 9;
    cr_assert_eq(tok_create(&tk, &spec), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "unknown type 9"));
    v.types[a] = TOK_TYPE_BYTE;
    cr_assert_eq(tok_create(&tk, &spec), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "not <0xXX>"));
    v.types[a] = 1, v.scores[a] = NAN;
    cr_assert_eq(tok_create(&tk, &spec), CM_EINVAL);
    v.scores[a] = 0, spec.bos = (int)v.n;
    cr_assert_eq(tok_create(&tk, &spec), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "BOS"));
    spec.bos = 1, spec.n = 0;
    cr_assert_eq(tok_create(&tk, &spec), CM_EINVAL);
    cr_assert_null(tk);
    /* no byte pieces and no unknown token: a character outside the vocabulary is an error */
    spec.n = v.n, spec.unk = -1, v.types[0] = 1;
    cr_assert_eq(tok_create(&tk, &spec), 0);
    struct tok_ids ids;
    tok_ids_init(&ids);
    cr_assert_eq(tok_encode(tk, &ids, "q", 1, 0), CM_EINVAL);
    tok_ids_release(&ids);
    tok_free(tk);
}

/* ---- random texts: round trip, and the heap against a naive quadratic BPE ---- */

static uint64_t rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char *alphabet[] = {"a", "b", "c", " ", "\t", "\n", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xff", "\x80", "#"};

/* Naive BPE: scan every adjacent pair, merge the best (leftmost on ties), repeat. */
static void naive_encode(struct tokenizer *tk, const char *norm, size_t n, struct tok_ids *out)
{
    size_t start[512], len[512], ns = 0;
    for (size_t p = 0; p < n; ns++) {
        unsigned char c = (unsigned char)norm[p];
        size_t l = c < 0x80 ? 1 : c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 1;
        if (p + l > n) l = 1;
        for (size_t i = 1; i < l; i++)
            if (((unsigned char)norm[p + i] & 0xC0) != 0x80) l = 1;
        start[ns] = p, len[ns] = l, p += l;
    }
    for (;;) {
        size_t best = ns;
        float bs = 0;
        for (size_t i = 0; i + 1 < ns; i++) {
            int32_t id = tok_find(tk, norm + start[i], len[i] + len[i + 1]);
            if (id < 0 || tok_type(tk, id) != TOK_TYPE_NORMAL) continue;
            if (best == ns || tok_score(tk, id) > bs) best = i, bs = tok_score(tk, id);
        }
        if (best == ns) break;
        len[best] += len[best + 1];
        memmove(start + best + 1, start + best + 2, (ns - best - 2) * sizeof(size_t));
        memmove(len + best + 1, len + best + 2, (ns - best - 2) * sizeof(size_t));
        ns--;
    }
    for (size_t i = 0; i < ns; i++) {
        int32_t id = tok_find(tk, norm + start[i], len[i]);
        if (id >= 0)
            tok_ids_push(out, id);
        else
            for (size_t j = 0; j < len[i]; j++) tok_ids_push(out, BYTE_ID((unsigned char)norm[start[i] + j]));
    }
}

Test(tokenizer, random_texts_match_naive_bpe_and_round_trip)
{
    struct vb v;
    vb_init(&v, 1);
    /* pieces: every string of 1..3 symbols from a small set, with random scores (some ties) */
    static char store[400][16];
    const char *sym[] = {"a", "b", "c", SP, "#"};
    size_t k = 0;
    for (int i = 0; i < 5; i++) {
        snprintf(store[k], 16, "%s", sym[i]), vb_add(&v, store[k++], -(float)rnd(4), 1);
        for (int j = 0; j < 5; j++) {
            snprintf(store[k], 16, "%s%s", sym[i], sym[j]), vb_add(&v, store[k++], -(float)rnd(8), 1);
            for (int l = 0; l < 5; l += 2)
                if (rnd(2)) snprintf(store[k], 16, "%s%s%s", sym[i], sym[j], sym[l]), vb_add(&v, store[k++], -(float)rnd(8), 1);
        }
    }
    struct tokenizer *tk = vb_build(&v, 1);
    for (int t = 0; t < 2000; t++) {
        char text[200] = "", norm[600] = SP;
        size_t tl = 0;
        int words = 1 + (int)rnd(30);
        for (int w = 0; w < words; w++) {
            const char *s = alphabet[w % 3 == 0 ? rnd(12) : rnd(4)];
            memcpy(text + tl, s, strlen(s)), tl += strlen(s);
        }
        size_t nl = 3;
        for (size_t i = 0; i < tl; i++) {
            if (text[i] == ' ')
                memcpy(norm + nl, SP, 3), nl += 3;
            else
                norm[nl++] = text[i];
        }
        struct tok_ids got, want;
        tok_ids_init(&got), tok_ids_init(&want);
        cr_assert_eq(tok_encode(tk, &got, text, tl, 0), 0);
        naive_encode(tk, norm, nl, &want);
        cr_assert_eq(got.n, want.n, "text %d: %zu vs %zu tokens", t, got.n, want.n);
        for (size_t i = 0; i < got.n; i++) cr_assert_eq(got.v[i], want.v[i], "text %d token %zu", t, i);
        struct cm_buf b;
        cm_buf_init(&b);
        cr_assert_eq(tok_decode(tk, &b, got.v, got.n, 0), 0);
        cr_assert_eq(b.len, tl);
        cr_assert(!memcmp(b.data, text, tl), "text %d does not round-trip", t);
        cm_buf_release(&b);
        tok_ids_release(&got), tok_ids_release(&want);
    }
    tok_free(tk);
}
