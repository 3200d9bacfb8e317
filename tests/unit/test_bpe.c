/* Byte-level BPE on a small hand-made vocabulary (the 256 byte characters, then a few
 * merges): merge order by rank and leftmost ties, the byte alphabet (all 256 bytes and
 * invalid UTF-8 round-trip), special tokens with and without TOK_ENCODE_SPECIAL, each
 * pre-tokenizer's words on tricky strings, ignore_merges, malformed vocabularies and an
 * unknown pre-tokenizer refused, and random texts against a naive quadratic BPE. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "tokenizer/pretok.h"
#include "tokenizer/tokenizer.h"

/* GPT-2's byte alphabet, written out again here as the test's own reference. */
static void byte_char(int b, char out[3])
{
    int n = 0, cp = -1;
    for (int c = 0; c < 256 && cp < 0; c++) {
        int self = (c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174 && c <= 255);
        if (c == b) cp = self ? c : 256 + n;
        if (!self) n++;
    }
    if (cp < 128) out[0] = (char)cp, out[1] = 0;
    else out[0] = (char)(0xC0 | cp >> 6), out[1] = (char)(0x80 | (cp & 63)), out[2] = 0;
}

/* A vocabulary: ids 0..255 are the byte characters (id == byte), then extras. */
struct bv {
    const char *pieces[400];
    int types[400];
    const char *merges[100];
    char bytes[256][3];
    char extra[100][16];
    size_t n, nm;
};

static void bv_init(struct bv *v)
{
    memset(v, 0, sizeof(*v));
    for (int b = 0; b < 256; b++) {
        byte_char(b, v->bytes[b]);
        v->pieces[v->n] = v->bytes[b], v->types[v->n++] = TOK_TYPE_NORMAL;
    }
}

static int bv_add(struct bv *v, const char *piece, int type)
{
    v->pieces[v->n] = piece, v->types[v->n] = type;
    return (int)v->n++;
}

/* Adds the merge "l r" (next rank) and its result as a piece; returns the result's id.
 * Pieces are given as plain ASCII without spaces (their own byte characters). */
static int bv_merge(struct bv *v, const char *l, const char *r)
{
    snprintf(v->extra[v->nm], sizeof(v->extra[0]), "%s %s", l, r);
    v->merges[v->nm] = v->extra[v->nm];
    char *joined = v->extra[v->nm + 50];
    snprintf(joined, 16, "%s%s", l, r);
    v->nm++;
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->pieces[i], joined)) return (int)i;
    return bv_add(v, joined, TOK_TYPE_NORMAL);
}

static struct tokenizer *bv_build(struct bv *v, const char *pre)
{
    struct tok_vocab_spec spec = {v->pieces, NULL, v->types, v->n, -1, -1, -1, 0, 0, TOK_VOCAB_BPE, v->merges, v->nm, pre};
    struct tokenizer *tk = NULL;
    cr_assert_eq(tok_create(&tk, &spec), 0, "tok_create: %s", cm_error_message());
    return tk;
}

static void check_encode(struct tokenizer *tk, const char *text, size_t len, unsigned flags, const int *want)
{
    struct tok_ids ids;
    tok_ids_init(&ids);
    cr_assert_eq(tok_encode(tk, &ids, text, len, flags), 0, "%s", cm_error_message());
    size_t n = 0;
    while (want[n] >= 0) n++;
    char got[512] = "";
    for (size_t i = 0; i < ids.n && strlen(got) < 400; i++) snprintf(got + strlen(got), sizeof(got) - strlen(got), " %d", ids.v[i]);
    cr_assert_eq(ids.n, n, "'%.*s': got%s", (int)len, text, got);
    for (size_t i = 0; i < n; i++) cr_assert_eq(ids.v[i], want[i], "'%.*s': token %zu: got%s", (int)len, text, i, got);
    tok_ids_release(&ids);
}
#define ENC(tk, s, flags, ...) check_encode(tk, s, strlen(s), flags, (int[]){__VA_ARGS__, -1})

/* encode then decode gives text back */
static void check_round_trip(struct tokenizer *tk, const char *text, size_t len, unsigned eflags, unsigned dflags)
{
    struct tok_ids ids;
    struct cm_buf b;
    tok_ids_init(&ids);
    cm_buf_init(&b);
    cr_assert_eq(tok_encode(tk, &ids, text, len, eflags), 0, "%s", cm_error_message());
    cr_assert_eq(tok_decode(tk, &b, ids.v, ids.n, dflags), 0, "%s", cm_error_message());
    cr_assert_eq(b.len, len, "round trip of %zu bytes gave %zu", len, b.len);
    cr_assert(len == 0 || !memcmp(b.data, text, len), "round trip changed the bytes");
    cm_buf_release(&b);
    tok_ids_release(&ids);
}

Test(bpe, merges_by_rank_lowest_first)
{
    struct bv v;
    bv_init(&v);
    int bc = bv_merge(&v, "b", "c"), ab = bv_merge(&v, "a", "b");
    int abc = bv_merge(&v, "ab", "c");
    struct tokenizer *tk = bv_build(&v, "gpt2");
    ENC(tk, "abc", 0, 'a', bc); /* "b c" has rank 0: "ab" can never form */
    ENC(tk, "abd", 0, ab, 'd');
    tok_free(tk);
    /* the same pieces, the other order of merges */
    bv_init(&v);
    v.nm = 0;
    ab = bv_merge(&v, "a", "b"), bc = bv_merge(&v, "b", "c"), abc = bv_merge(&v, "ab", "c");
    tk = bv_build(&v, "gpt2");
    ENC(tk, "abc", 0, abc);
    ENC(tk, "xbc", 0, 'x', bc);
    cr_assert_eq(tok_n_merges(tk), 3);
    cr_assert_str_eq(tok_pre_name(tk), "gpt2");
    cr_assert_eq(tok_vocab_type(tk), TOK_VOCAB_BPE);
    tok_free(tk);
}

Test(bpe, leftmost_wins_ties_and_repeats_keep_first_rank)
{
    struct bv v;
    bv_init(&v);
    int aa = bv_merge(&v, "a", "a");
    int aaaa = bv_merge(&v, "aa", "aa");
    bv_merge(&v, "a", "a"); /* a repeat with a worse rank changes nothing */
    struct tokenizer *tk = bv_build(&v, "gpt2");
    ENC(tk, "aaa", 0, aa, 'a');
    ENC(tk, "aaaaa", 0, aaaa, 'a');
    ENC(tk, "aaaaaaa", 0, aaaa, aa, 'a');
    cr_assert_eq(tok_n_merges(tk), 2);
    tok_free(tk);
}

Test(bpe, merges_stay_inside_words)
{
    struct bv v;
    bv_init(&v);
    char sp[3];
    byte_char(' ', sp);
    int ab = bv_merge(&v, "a", "b");
    static char spa[8];
    snprintf(spa, sizeof(spa), "%sa", sp);
    int spa_id = bv_merge(&v, sp, "a");
    struct tokenizer *tk = bv_build(&v, "gpt2");
    /* " ab" is one word: "Ġ a" (rank 1) loses to "a b" (rank 0) */
    ENC(tk, "x ab", 0, 'x', ' ', ab);
    ENC(tk, "x ac", 0, 'x', spa_id, 'c');
    ENC(tk, "a.b", 0, 'a', '.', 'b'); /* "." is its own word: no "a b" across it */
    tok_free(tk);
}

Test(bpe, all_256_bytes_round_trip)
{
    struct bv v;
    bv_init(&v);
    struct tokenizer *tk = bv_build(&v, "gpt2");
    char all[256];
    for (int b = 0; b < 256; b++) {
        all[b] = (char)b;
        check_encode(tk, &all[b], 1, 0, (int[]){b, -1}); /* each byte alone is its own piece */
    }
    check_round_trip(tk, all, 256, 0, 0);
    for (int b = 255; b >= 0; b--) all[255 - b] = (char)b;
    check_round_trip(tk, all, 256, 0, 0);
    /* the mapping itself: space is "Ġ" U+0120, newline "Ċ" U+010A, 0xAD "Ń" U+0143 */
    cr_assert_str_eq(tok_piece(tk, ' '), "\xc4\xa0");
    cr_assert_str_eq(tok_piece(tk, '\n'), "\xc4\x8a");
    cr_assert_str_eq(tok_piece(tk, 0xAD), "\xc5\x83");
    cr_assert_str_eq(tok_piece(tk, 'A'), "A");
    cr_assert_str_eq(tok_piece(tk, 0xE9), "\xc3\xa9");
    tok_free(tk);
}

Test(bpe, invalid_utf8_round_trips)
{
    struct bv v;
    bv_init(&v);
    bv_merge(&v, "a", "b");
    struct tokenizer *tk = bv_build(&v, "starcoder");
    static const char bad[] = "\xff\xc3(\0ab\x80 \xe2\x96 z\n\t\xf0\x9f x\xed\xa0\x80y \xc0\xaf 12\xf4\x90\x80\x80";
    check_round_trip(tk, bad, sizeof(bad) - 1, 0, 0);
    check_encode(tk, "\xc3(", 2, 0, (int[]){0xC3, '(', -1});
    tok_free(tk);
}

Test(bpe, bytes_without_a_piece_are_dropped)
{
    struct bv v;
    bv_init(&v);
    v.pieces[4] = "\x01\x02"; /* byte 0x04's character is gone */
    struct tokenizer *tk = bv_build(&v, "gpt2");
    ENC(tk, "a\004b", 0, 'a', 'b');
    tok_free(tk);
}

Test(bpe, special_tokens_only_with_the_flag)
{
    struct bv v;
    bv_init(&v);
    int start = bv_add(&v, "<|im_start|>", TOK_TYPE_CONTROL);
    int end = bv_add(&v, "<|im_end|>", TOK_TYPE_CONTROL);
    int user = bv_add(&v, "<tool>", TOK_TYPE_USER_DEFINED);
    int lt = bv_merge(&v, "<", "|");
    struct tokenizer *tk = bv_build(&v, "gpt2");
    const char *s = "<|im_start|>x<|im_end|>";
    ENC(tk, s, TOK_ENCODE_SPECIAL, start, 'x', end);
    /* without the flag: plain text, cut and merged like any other */
    ENC(tk, s, 0, lt, 'i', 'm', '_', 's', 't', 'a', 'r', 't', '|', '>', 'x', lt, 'i', 'm', '_', 'e', 'n', 'd', '|', '>');
    /* USER_DEFINED pieces are matched either way (as in llama.cpp and HF's non-special added tokens) */
    ENC(tk, "a<tool>b", 0, 'a', user, 'b');
    ENC(tk, "<|im_start|", TOK_ENCODE_SPECIAL, lt, 'i', 'm', '_', 's', 't', 'a', 'r', 't', '|');
    /* decoding: CONTROL dropped unless TOK_DECODE_SPECIAL, USER_DEFINED as is */
    int32_t ids[] = {start, 'h', 'i', user, end};
    struct cm_buf b;
    cm_buf_init(&b);
    cr_assert_eq(tok_decode(tk, &b, ids, 5, 0), 0);
    cm_buf_puts(&b, "");
    cr_assert_str_eq(b.data, "hi<tool>");
    b.len = 0;
    cr_assert_eq(tok_decode(tk, &b, ids, 5, TOK_DECODE_SPECIAL), 0);
    cm_buf_puts(&b, "");
    cr_assert_str_eq(b.data, "<|im_start|>hi<tool><|im_end|>");
    cm_buf_release(&b);
    check_round_trip(tk, s, strlen(s), 0, 0);
    check_round_trip(tk, s, strlen(s), TOK_ENCODE_SPECIAL, TOK_DECODE_SPECIAL);
    tok_free(tk);
}

Test(bpe, decode_copies_characters_outside_the_alphabet)
{
    struct bv v;
    bv_init(&v);
    int cjk = bv_add(&v, "\xe4\xb8\xad", TOK_TYPE_NORMAL); /* U+4E2D is no byte character */
    struct tokenizer *tk = bv_build(&v, "gpt2");
    struct cm_buf b;
    cm_buf_init(&b);
    int32_t ids[] = {'a', cjk, ' '};
    cr_assert_eq(tok_decode(tk, &b, ids, 3, 0), 0);
    cr_assert_eq(b.len, 5);
    cr_assert(!memcmp(b.data, "a\xe4\xb8\xad ", 5));
    int32_t bad = (int32_t)v.n;
    cr_assert_eq(tok_decode(tk, &b, &bad, 1, 0), CM_EINVAL);
    cm_buf_release(&b);
    tok_free(tk);
}

/* ---- pre-tokenizers: the words, each given as a '|'-separated list ---- */

struct words {
    char buf[4096];
    size_t len;
};

static int collect(void *ctx, const char *w, size_t n)
{
    struct words *ws = ctx;
    cr_assert(n > 0, "an empty word");
    if (ws->len) ws->buf[ws->len++] = '|';
    memcpy(ws->buf + ws->len, w, n);
    ws->len += n;
    ws->buf[ws->len] = 0;
    return 0;
}

static void check_words(const char *pre, const char *text, const char *want)
{
    struct tok_pretok *p = NULL;
    cr_assert_eq(tok_pretok_create(&p, pre), 0, "%s", cm_error_message());
    struct words ws = {.len = 0};
    ws.buf[0] = 0;
    cr_assert_eq(tok_pretok_split(p, text, strlen(text), collect, &ws), 0, "%s", cm_error_message());
    cr_assert_str_eq(ws.buf, want, "%s on '%s'", pre, text);
    tok_pretok_free(p);
}

Test(pretok, gpt2)
{
    check_words("gpt2", "Hello world's  123\tx\r\n", "Hello| world|'s| | 123|\t|x|\r\n");
    check_words("gpt-2", "I'M don't 'x", "I|'|M| don|'t| '|x");
    check_words("gpt2", "h\xc3\xa9llo w\xc3\xb6rld \xe4\xb8\xad\xe6\x96\x87!!", "h\xc3\xa9llo| w\xc3\xb6rld| \xe4\xb8\xad\xe6\x96\x87|!!");
    check_words("gpt2", "a   \n\n  b", "a|   \n\n | b");
    check_words("gpt2", "x=1234567;", "x|=|1234567|;");
}

Test(pretok, starcoder_family_splits_digits)
{
    /* digits first: the lookahead of \s+(?!\S) sees the end of "x = ", not the "1" after it */
    check_words("starcoder", "x = 1234567;", "x| =| |1|2|3|4|5|6|7|;");
    check_words("smollm", "a\xd9\xa3\xd9\xa4 v2", "a|\xd9\xa3|\xd9\xa4| v|2"); /* Arabic-Indic digits are \p{N} */
    check_words("refact", "it's", "it|'s");
    check_words("codeshell", "\t\tx", "\t|\t|x");
}

Test(pretok, qwen2)
{
    check_words("qwen2", "x = 1234567;", "x| =| |1|2|3|4|5|6|7|;");
    check_words("qwen2", "I'M they'RE", "I|'M| they|'RE");
    check_words("qwen2", "a;\r\n\r\nb", "a|;\r\n\r\n|b");
    check_words("qwen2", "a\r\n  b", "a|\r\n| | b");
    check_words("qwen2", "\tfoo(bar)", "\tfoo|(bar|)"); /* a non-letter may lead letters */
}

Test(pretok, llama3)
{
    check_words("llama-bpe", "x = 1234567;", "x| =| |123|456|7|;");
    check_words("llama3", "I'M  x\n\n\ty", "I|'M| | x|\n\n|\ty");
    check_words("llama-bpe", "\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80\xf0\x9f\x98\x80", "\xe4\xb8\xad\xe6\x96\x87| \xf0\x9f\x98\x80\xf0\x9f\x98\x80");
}

Test(pretok, deepseek_coder)
{
    check_words("deepseek-coder", "ab12 c\n", "ab|1|2| c|\n");
    check_words("deepseek-coder", "x, (y)\r\n\xe4\xb8\xad\xe6\x96\x87", "x|,| (|y|)|\r|\n|\xe4\xb8\xad\xe6\x96\x87");
}

Test(pretok, default_and_names)
{
    check_words("default", "a+b==c 1234", "a|+|b|==|c| |123|4");
    check_words(NULL, "a+b", "a|+|b");
    struct tok_pretok *p = NULL;
    cr_assert_eq(tok_pretok_create(&p, ""), 0);
    cr_assert_str_eq(tok_pretok_name(p), "default");
    tok_pretok_free(p);
    cr_assert_eq(tok_pretok_create(&p, "falcon"), CM_EINVAL);
    cr_assert_null(p);
    cr_assert(strstr(cm_error_message(), "'falcon'"), "%s", cm_error_message());
    cr_assert_eq(tok_pretok_create(&p, "gpt"), CM_EINVAL); /* a prefix of an alias is no alias */
}

static int count_words(void *ctx, const char *w, size_t k)
{
    (void)w, (void)k;
    ++*(size_t *)ctx;
    return 0;
}

Test(pretok, long_runs_do_not_exhaust_the_regex_engine)
{
    size_t n = 1 << 20;
    char *s = malloc(n + 2);
    memset(s, ' ', n);
    s[n] = 'x', s[n + 1] = 0;
    struct tok_pretok *p = NULL;
    cr_assert_eq(tok_pretok_create(&p, "llama3"), 0);
    size_t count = 0;
    cr_assert_eq(tok_pretok_split(p, s, n + 1, count_words, &count), 0, "%s", cm_error_message());
    cr_assert_eq(count, 2); /* n-1 spaces, then " x" */
    tok_pretok_free(p);
    free(s);
}

Test(bpe, ignore_merges_takes_whole_words)
{
    struct bv v;
    bv_init(&v);
    int ab = bv_merge(&v, "a", "b");
    int abc = bv_add(&v, "abc", TOK_TYPE_NORMAL); /* no merge makes it */
    struct tokenizer *tk = bv_build(&v, "llama-bpe");
    ENC(tk, "abc", 0, abc);
    ENC(tk, "abd", 0, ab, 'd');
    tok_free(tk);
    tk = bv_build(&v, "dbrx"); /* the same regex, without ignore_merges */
    ENC(tk, "abc", 0, ab, 'c');
    tok_free(tk);
}

Test(bpe, malformed_vocabularies)
{
    struct bv v;
    bv_init(&v);
    struct tokenizer *tk = NULL;
    struct tok_vocab_spec spec = {v.pieces, NULL, v.types, v.n, -1, -1, -1, 0, 0, TOK_VOCAB_BPE, v.merges, 0, "nosuch"};
    cr_assert_eq(tok_create(&tk, &spec), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "pre-tokenizer 'nosuch' is not supported"), "%s", cm_error_message());
    cr_assert_null(tk);
    v.merges[0] = "ab";
    spec.pre = "gpt2", spec.n_merges = 1;
    cr_assert_eq(tok_create(&tk, &spec), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "merge 0 ('ab') is not two pieces"), "%s", cm_error_message());
    v.merges[0] = " a";
    cr_assert_eq(tok_create(&tk, &spec), CM_EINVAL);
    v.merges[0] = "a zz"; /* parts or result that are no pieces: dropped, as nothing could use it */
    cr_assert_eq(tok_create(&tk, &spec), 0, "%s", cm_error_message());
    cr_assert_eq(tok_n_merges(tk), 0);
    tok_free(tk);
    spec.vocab = 7;
    cr_assert_eq(tok_create(&tk, &spec), CM_EINVAL);
}

/* ---- random texts against a naive BPE: repeatedly merge the lowest-ranked adjacent pair ---- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static size_t naive(struct tokenizer *tk, const struct bv *v, const char *w, size_t n, int32_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) out[k++] = (unsigned char)w[i];
    for (;;) {
        size_t best = SIZE_MAX, at = 0;
        int32_t id = -1;
        for (size_t i = 0; i + 1 < k; i++) {
            char m[64];
            snprintf(m, sizeof(m), "%s %s", tok_piece(tk, out[i]), tok_piece(tk, out[i + 1]));
            for (size_t r = 0; r < v->nm && r < best; r++)
                if (!strcmp(v->merges[r], m)) {
                    best = r, at = i;
                    char j[64];
                    snprintf(j, sizeof(j), "%s%s", tok_piece(tk, out[i]), tok_piece(tk, out[i + 1]));
                    id = tok_find(tk, j, strlen(j));
                }
        }
        if (best == SIZE_MAX) return k;
        out[at] = id;
        memmove(out + at + 1, out + at + 2, (k - at - 2) * sizeof(*out));
        k--;
    }
}

Test(bpe, random_words_match_naive_bpe)
{
    struct bv v;
    bv_init(&v);
    const char *pairs[][2] = {{"a", "b"}, {"b", "a"}, {"a", "a"}, {"ab", "a"}, {"aa", "b"}, {"b", "b"},
                              {"ba", "b"}, {"ab", "ab"}, {"c", "a"}, {"ca", "b"}, {"bb", "a"}, {"aab", "c"}};
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) bv_merge(&v, pairs[i][0], pairs[i][1]);
    struct tokenizer *tk = bv_build(&v, "gpt2");
    for (int t = 0; t < 2000; t++) {
        char w[24];
        size_t n = 1 + rnd(20);
        for (size_t i = 0; i < n; i++) w[i] = "abc"[rnd(3)];
        int32_t want[24];
        size_t k = naive(tk, &v, w, n, want);
        want[k] = -1;
        check_encode(tk, w, n, 0, want);
        check_round_trip(tk, w, n, 0, 0);
    }
    tok_free(tk);
}
