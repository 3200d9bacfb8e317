/* fuzz_bpe.c — libFuzzer target for byte-level BPE (built and run by `make fuzz`).
 *
 * The first input byte picks a mode; the rest is the payload.
 *   mode & 0x80 clear: the payload is a text, encoded with a small made-up vocabulary (the
 *     256 byte characters, merges, ChatML control tokens, a user-defined token) under the
 *     pre-tokenizer (mode & 7) and with TOK_ENCODE_SPECIAL when mode & 8. Every id must be
 *     in range, and decoding (with TOK_DECODE_SPECIAL to match) must give the text back
 *     byte for byte: every byte has a piece, so nothing may be lost.
 *   mode & 0x80 set: the payload is a vocabulary, one piece a line, every line with a space
 *     also a merge, and the pre-tokenizer named by its first line; tok_create must accept it
 *     or refuse it with a message, and an accepted one must encode and decode its own
 *     payload without a crash and with ids in range.
 * Left out: checking ids against a reference (the e2e test compares with HF tokenizers).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "tokenizer/tokenizer.h"

static const char *PRE[8] = {"gpt2", "smollm", "qwen2", "llama-bpe", "deepseek-coder", "default", "dbrx", "starcoder"};
static const char *EXTRA[] = {"\xc4\xa0t", "he", "\xc4\xa0the", "in", "\xc4\xa0\xc4\xa0", "\xc4\xa0\xc4\xa0\xc4\xa0\xc4\xa0",
                              "12", "\xc4\x8a\xc4\x8a", "\xc3\xa4\xc2\xb8", "int", "\xc4\xa0(", "ab", "aba", "abab"};
static const char *MERGES[] = {"\xc4\xa0 t", "h e", "\xc4\xa0t he", "i n", "\xc4\xa0 \xc4\xa0", "\xc4\xa0\xc4\xa0 \xc4\xa0\xc4\xa0",
                               "1 2", "\xc4\x8a \xc4\x8a", "\xc3\xa4 \xc2\xb8", "in t", "\xc4\xa0 (", "a b", "ab a", "ab ab"};
#define N_EXTRA (sizeof(EXTRA) / sizeof(EXTRA[0]))

static struct tokenizer *tks[8];

static void build(void)
{
    static char bytes[256][3];
    static const char *pieces[256 + N_EXTRA + 4];
    static int types[256 + N_EXTRA + 4];
    size_t n = 0;
    for (int b = 0, extra = 0; b < 256; b++) {
        int self = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
        int cp = self ? b : 256 + extra++;
        if (cp < 128) bytes[b][0] = (char)cp;
        else bytes[b][0] = (char)(0xC0 | cp >> 6), bytes[b][1] = (char)(0x80 | (cp & 63));
        pieces[n] = bytes[b], types[n++] = TOK_TYPE_NORMAL;
    }
    for (size_t i = 0; i < N_EXTRA; i++) pieces[n] = EXTRA[i], types[n++] = TOK_TYPE_NORMAL;
    pieces[n] = "<|im_start|>", types[n++] = TOK_TYPE_CONTROL;
    pieces[n] = "<|im_end|>", types[n++] = TOK_TYPE_CONTROL;
    pieces[n] = "<|endoftext|>", types[n++] = TOK_TYPE_CONTROL;
    pieces[n] = "<tool>", types[n++] = TOK_TYPE_USER_DEFINED;
    for (int p = 0; p < 8; p++) {
        struct tok_vocab_spec spec = {pieces, NULL, types, n, -1, (int)n - 2, -1, 0, 0, TOK_VOCAB_BPE, MERGES, N_EXTRA, PRE[p]};
        if (tok_create(&tks[p], &spec)) {
            fprintf(stderr, "fuzz_bpe: %s\n", cm_error_message());
            abort();
        }
    }
}

static void check_ids(const struct tokenizer *tk, const struct tok_ids *ids)
{
    for (size_t i = 0; i < ids->n; i++)
        if (ids->v[i] < 0 || (size_t)ids->v[i] >= tok_n_vocab(tk)) abort();
}

static void text_mode(unsigned mode, const char *text, size_t len)
{
    const struct tokenizer *tk = tks[mode & 7];
    int special = (mode & 8) != 0;
    struct tok_ids ids;
    struct cm_buf back;
    tok_ids_init(&ids);
    cm_buf_init(&back);
    if (tok_encode(tk, &ids, text, len, special ? TOK_ENCODE_SPECIAL : 0)) abort();
    check_ids(tk, &ids);
    if (tok_decode(tk, &back, ids.v, ids.n, special ? TOK_DECODE_SPECIAL : 0)) abort();
    if (back.len != len || (len && memcmp(back.data, text, len))) abort();
    tok_ids_release(&ids);
    cm_buf_release(&back);
}

static void vocab_mode(const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = 0;
    size_t n = 0, nm = 0;
    for (size_t i = 0; i <= len; i++) n += i == len || copy[i] == '\n';
    const char **pieces = calloc(n, sizeof(*pieces)), **merges = calloc(n, sizeof(*merges));
    n = 0;
    for (char *p = copy, *nl;; p = nl + 1) {
        nl = strchr(p, '\n');
        if (nl) *nl = 0;
        pieces[n++] = p;
        if (strchr(p, ' ')) merges[nm++] = p;
        if (!nl) break;
    }
    struct tok_vocab_spec spec = {pieces, NULL, NULL, n, -1, -1, -1, 0, 0, TOK_VOCAB_BPE, merges, nm, pieces[0]};
    struct tokenizer *tk = NULL;
    if (tok_create(&tk, &spec) == 0) {
        struct tok_ids ids;
        struct cm_buf back;
        tok_ids_init(&ids);
        cm_buf_init(&back);
        if (tok_encode(tk, &ids, text, len, TOK_ENCODE_SPECIAL)) abort();
        check_ids(tk, &ids);
        if (tok_decode(tk, &back, ids.v, ids.n, TOK_DECODE_SPECIAL)) abort();
        tok_ids_release(&ids);
        cm_buf_release(&back);
        tok_free(tk);
    } else if (!cm_error_message()[0] || tk) {
        abort();
    }
    free(pieces), free(merges), free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!tks[0]) build();
    if (size == 0) return 0;
    char *text = malloc(size); /* exact size: AddressSanitizer sees any read past the end */
    memcpy(text, data + 1, size - 1);
    if (data[0] & 0x80) vocab_mode(text, size - 1);
    else text_mode(data[0], text, size - 1);
    free(text);
    return 0;
}
