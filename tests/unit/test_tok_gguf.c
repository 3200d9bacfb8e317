/* The tokenizer.ggml.* keys: a vocabulary written with tok_write_gguf reads back field
 * for field and encodes the same; llama.cpp's defaults for absent keys; every malformed
 * vocabulary (no tokenizer, other vocabulary types, arrays of different lengths, ids out of
 * range, NUL in a piece, bad types) is an error that names the file and the key. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "gguf/gguf.h"
#include "tokenizer/tok_gguf.h"

#define SP "\xe2\x96\x81"

static const char *pieces[] = {"<unk>", "<s>", "</s>", "<pad>", SP "a", "a", "b", SP, "ab", SP "ab"};
static const float scores[] = {0, 0, 0, 0, -3, -1, -2, -4, -0.5f, -0.25f};
static const int types[] = {2, 3, 3, 3, 1, 1, 1, 1, 4, 1};
#define NP (sizeof(pieces) / sizeof(pieces[0]))

/* Writes w to memory and opens it; the caller frees *mem after gguf_close. */
static struct gguf *open_writer(struct gguf_writer *w, void **mem)
{
    size_t len;
    cr_assert_eq(gguf_writer_write_memory(w, mem, &len), 0, "%s", cm_error_message());
    struct gguf *g = NULL;
    cr_assert_eq(gguf_open_memory(&g, *mem, len, "t.gguf"), 0, "%s", cm_error_message());
    return g;
}

static void base_writer(struct gguf_writer *w)
{
    gguf_writer_init(w);
    cr_assert_eq(gguf_writer_set_str(w, "general.architecture", "llama"), 0);
}

Test(tok_gguf, round_trip_of_every_key)
{
    struct tok_vocab_spec spec = {pieces, scores, types, NP, 1, 2, 0, 0, 0};
    struct gguf_writer w;
    base_writer(&w);
    cr_assert_eq(tok_write_gguf(&w, &spec, 3, 1), 0, "%s", cm_error_message());
    void *mem;
    struct gguf *g = open_writer(&w, &mem);

    const char *model;
    cr_assert_eq(gguf_get_str(g, "tokenizer.ggml.model", &model), 0);
    cr_assert_str_eq(model, "llama");
    const struct gguf_arr *a;
    cr_assert_eq(gguf_get_arr(g, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, &a), 0, "token_type must be i32");
    cr_assert_eq(gguf_get_arr(g, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, &a), 0, "scores must be f32");
    uint32_t pad;
    cr_assert_eq(gguf_get_u32(g, "tokenizer.ggml.padding_token_id", &pad), 0);
    cr_assert_eq(pad, 3);

    struct tok_gguf_vocab v;
    tok_gguf_vocab_init(&v);
    cr_assert_eq(tok_gguf_vocab_read(&v, g), 0, "%s", cm_error_message());
    cr_assert_eq(v.n, NP);
    for (size_t i = 0; i < NP; i++) {
        cr_assert_str_eq(v.pieces[i], pieces[i]);
        cr_assert_eq(v.scores[i], scores[i]);
        cr_assert_eq(v.types[i], types[i]);
    }
    cr_assert_eq(v.bos, 1);
    cr_assert_eq(v.eos, 2);
    cr_assert_eq(v.unk, 0);
    cr_assert_eq(v.pad, 3);
    cr_assert_eq(v.add_bos, 0);
    cr_assert_eq(v.add_eos, 1);
    cr_assert_eq(v.add_space_prefix, 0);
    tok_gguf_vocab_release(&v);

    /* the tokenizer from the file encodes as the one from the spec */
    struct tokenizer *a1 = NULL, *a2 = NULL;
    cr_assert_eq(tok_create(&a1, &spec), 0);
    cr_assert_eq(tok_from_gguf(&a2, g), 0, "%s", cm_error_message());
    const char *text = "ab abab ba";
    struct tok_ids i1, i2;
    tok_ids_init(&i1), tok_ids_init(&i2);
    cr_assert_eq(tok_encode(a1, &i1, text, strlen(text), 0), 0);
    cr_assert_eq(tok_encode(a2, &i2, text, strlen(text), 0), 0);
    cr_assert_eq(i1.n, i2.n);
    cr_assert(i1.n > 0);
    cr_assert_eq(memcmp(i1.v, i2.v, i1.n * sizeof(int32_t)), 0);
    cr_assert_eq(tok_add_space_prefix(a2), 0);
    tok_ids_release(&i1), tok_ids_release(&i2);
    tok_free(a1), tok_free(a2);
    gguf_close(g);
    free(mem);

    /* writing again replaces the keys; no pad removes padding_token_id */
    struct tok_vocab_spec s2 = {pieces, NULL, NULL, 5, 1, 2, 0, 1, 1};
    cr_assert_eq(tok_write_gguf(&w, &s2, -1, 0), 0);
    g = open_writer(&w, &mem);
    cr_assert_null(gguf_find_key(g, "tokenizer.ggml.padding_token_id"));
    tok_gguf_vocab_init(&v);
    cr_assert_eq(tok_gguf_vocab_read(&v, g), 0, "%s", cm_error_message());
    cr_assert_eq(v.n, 5);
    cr_assert_eq(v.types[4], TOK_TYPE_NORMAL);
    cr_assert_eq(v.add_bos, 1);
    cr_assert_eq(v.add_space_prefix, 1);
    tok_gguf_vocab_release(&v);
    gguf_close(g);
    free(mem);
    gguf_writer_release(&w);
}

Test(tok_gguf, llama_cpp_defaults_for_absent_keys)
{
    struct gguf_writer w;
    base_writer(&w);
    gguf_writer_set_str(&w, "tokenizer.ggml.model", "llama");
    gguf_writer_set_arr_str(&w, "tokenizer.ggml.tokens", pieces, NP);
    void *mem;
    struct gguf *g = open_writer(&w, &mem);
    struct tok_gguf_vocab v;
    tok_gguf_vocab_init(&v);
    cr_assert_eq(tok_gguf_vocab_read(&v, g), 0, "%s", cm_error_message());
    cr_assert_eq(v.bos, 1);
    cr_assert_eq(v.eos, 2);
    cr_assert_eq(v.unk, 0);
    cr_assert_eq(v.pad, -1);
    cr_assert_eq(v.add_bos, 1);
    cr_assert_eq(v.add_eos, 0);
    cr_assert_eq(v.add_space_prefix, 1);
    cr_assert_eq(v.types[0], TOK_TYPE_NORMAL);
    cr_assert_eq(v.scores[5], 0);
    tok_gguf_vocab_release(&v);
    gguf_close(g);
    free(mem);
    gguf_writer_release(&w);
}

/* A byte-level BPE vocabulary: written as "gpt2" with merges and pre (no scores, no space
 * prefix), read back, and llama.cpp's gpt2 defaults for absent ids and flags. */
Test(tok_gguf, bpe_round_trip_and_defaults)
{
    static const char *bp[] = {"a", "b", "c", "\xc4\xa0", "ab", "\xc4\xa0" "ab", "<|end|>"};
    static const int bt[] = {1, 1, 1, 1, 1, 1, 3};
    static const char *merges[] = {"a b", "\xc4\xa0 ab"};
    struct tok_vocab_spec spec = {bp, NULL, bt, 7, -1, 6, -1, 0, 0, TOK_VOCAB_BPE, merges, 2, "qwen2"};
    struct gguf_writer w;
    base_writer(&w);
    cr_assert_eq(tok_write_gguf(&w, &spec, -1, 0), 0, "%s", cm_error_message());
    void *mem;
    struct gguf *g = open_writer(&w, &mem);
    const char *s;
    cr_assert_eq(gguf_get_str(g, "tokenizer.ggml.model", &s), 0);
    cr_assert_str_eq(s, "gpt2");
    cr_assert_eq(gguf_get_str(g, "tokenizer.ggml.pre", &s), 0);
    cr_assert_str_eq(s, "qwen2");
    cr_assert_null(gguf_find_key(g, "tokenizer.ggml.scores"));
    cr_assert_null(gguf_find_key(g, "tokenizer.ggml.add_space_prefix"));
    struct tok_gguf_vocab v;
    tok_gguf_vocab_init(&v);
    cr_assert_eq(tok_gguf_vocab_read(&v, g), 0, "%s", cm_error_message());
    cr_assert_eq(v.vocab, TOK_VOCAB_BPE);
    cr_assert_eq(v.n_merges, 2);
    cr_assert_str_eq(v.merges[1], merges[1]);
    cr_assert_str_eq(v.pre, "qwen2");
    cr_assert_eq(v.eos, 6);
    cr_assert_eq(v.bos, -1); /* llama.cpp's default 11 is outside 7 tokens */
    cr_assert_eq(v.unk, -1);
    cr_assert_eq(v.add_space_prefix, 0);
    tok_gguf_vocab_release(&v);
    struct tokenizer *tk = NULL;
    cr_assert_eq(tok_from_gguf(&tk, g), 0, "%s", cm_error_message());
    cr_assert_eq(tok_vocab_type(tk), TOK_VOCAB_BPE);
    cr_assert_str_eq(tok_pre_name(tk), "qwen2");
    cr_assert_eq(tok_n_merges(tk), 2);
    struct tok_ids ids;
    tok_ids_init(&ids);
    cr_assert_eq(tok_encode(tk, &ids, "c ab<|end|>", 11, TOK_ENCODE_SPECIAL), 0, "%s", cm_error_message());
    cr_assert_eq(ids.n, 3);
    cr_assert_eq(ids.v[0], 2);
    cr_assert_eq(ids.v[1], 5);
    cr_assert_eq(ids.v[2], 6);
    tok_ids_release(&ids);
    tok_free(tk);
    gguf_close(g);
    free(mem);

    /* no pre key: "default"; Llama 3 names turn add_bos on */
    gguf_writer_remove(&w, "tokenizer.ggml.pre");
    g = open_writer(&w, &mem);
    cr_assert_eq(tok_from_gguf(&tk, g), 0, "%s", cm_error_message());
    cr_assert_str_eq(tok_pre_name(tk), "default");
    cr_assert_eq(tok_add_bos(tk), 0);
    tok_free(tk);
    gguf_close(g);
    free(mem);
    gguf_writer_set_str(&w, "tokenizer.ggml.pre", "llama-bpe");
    gguf_writer_remove(&w, "tokenizer.ggml.add_bos_token");
    g = open_writer(&w, &mem);
    tok_gguf_vocab_init(&v);
    cr_assert_eq(tok_gguf_vocab_read(&v, g), 0, "%s", cm_error_message());
    cr_assert_eq(v.add_bos, 1);
    tok_gguf_vocab_release(&v);
    gguf_close(g);
    free(mem);
    gguf_writer_release(&w);
}

/* Builds a file from a valid vocabulary, then lets edit() break it; expects the read to
 * fail with a message containing want. */
static void expect_bad(void (*edit)(struct gguf_writer *), const char *want)
{
    struct tok_vocab_spec spec = {pieces, scores, types, NP, 1, 2, 0, 1, 1};
    struct gguf_writer w;
    base_writer(&w);
    cr_assert_eq(tok_write_gguf(&w, &spec, -1, 0), 0);
    edit(&w);
    void *mem;
    struct gguf *g = open_writer(&w, &mem);
    struct tokenizer *tk = (struct tokenizer *)&w; /* must come back NULL */
    cr_assert_neq(tok_from_gguf(&tk, g), 0, "expected a failure with '%s'", want);
    cr_assert_null(tk);
    cr_assert(strstr(cm_error_message(), want), "message '%s' lacks '%s'", cm_error_message(), want);
    cr_assert(strstr(cm_error_message(), "t.gguf"), "message '%s' does not name the file", cm_error_message());
    gguf_close(g);
    free(mem);
    gguf_writer_release(&w);
}

static void no_tokenizer(struct gguf_writer *w) { tok_gguf_remove_keys(w); }
static void bert(struct gguf_writer *w) { gguf_writer_set_str(w, "tokenizer.ggml.model", "bert"); }
static void gpt2(struct gguf_writer *w) { gguf_writer_set_str(w, "tokenizer.ggml.model", "gpt2"); }
static void gpt2_bad_pre(struct gguf_writer *w)
{
    static const char *merges[] = {"a b"};
    gguf_writer_set_str(w, "tokenizer.ggml.model", "gpt2");
    gguf_writer_set_arr_str(w, "tokenizer.ggml.merges", merges, 1);
    gguf_writer_set_str(w, "tokenizer.ggml.pre", "nosuch-pre");
}
static void gpt2_merges_as_i32(struct gguf_writer *w)
{
    int32_t t[2] = {0};
    gguf_writer_set_str(w, "tokenizer.ggml.model", "gpt2");
    gguf_writer_set_arr(w, "tokenizer.ggml.merges", GGUF_TYPE_INT32, t, 2);
}
static void short_scores(struct gguf_writer *w) { gguf_writer_set_arr(w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores, 3); }
static void long_types(struct gguf_writer *w)
{
    int32_t t[NP + 1];
    for (size_t i = 0; i <= NP; i++) t[i] = 1;
    gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, t, NP + 1);
}
static void bad_type(struct gguf_writer *w)
{
    int32_t t[NP];
    for (size_t i = 0; i < NP; i++) t[i] = i == 4 ? 9 : 1;
    gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, t, NP);
}
static void bos_out_of_range(struct gguf_writer *w) { gguf_writer_set_u32(w, "tokenizer.ggml.bos_token_id", NP); }
static void eos_as_string(struct gguf_writer *w) { gguf_writer_set_str(w, "tokenizer.ggml.eos_token_id", "2"); }
static void no_tokens(struct gguf_writer *w) { gguf_writer_remove(w, "tokenizer.ggml.tokens"); }
static void scores_as_i32(struct gguf_writer *w)
{
    int32_t t[NP] = {0};
    gguf_writer_set_arr(w, "tokenizer.ggml.scores", GGUF_TYPE_INT32, t, NP);
}
static void nul_piece(struct gguf_writer *w)
{
    struct cm_buf b;
    cm_buf_init(&b);
    gguf_enc_arr_header(&b, GGUF_TYPE_STRING, NP);
    for (size_t i = 0; i < NP; i++) gguf_enc_str(&b, i == 6 ? "b\0c" : pieces[i], i == 6 ? 3 : strlen(pieces[i]));
    cr_assert_eq(gguf_writer_set_encoded(w, "tokenizer.ggml.tokens", GGUF_TYPE_ARRAY, b.data, b.len), 0, "%s",
                 cm_error_message());
    cm_buf_release(&b);
}
static void byte_piece_malformed(struct gguf_writer *w)
{
    int32_t t[NP];
    for (size_t i = 0; i < NP; i++) t[i] = i == 5 ? TOK_TYPE_BYTE : 1;
    gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, t, NP);
}

Test(tok_gguf, errors)
{
    expect_bad(no_tokenizer, "model 't.gguf' has no tokenizer");
    cr_assert(strstr(cm_error_hint_text(), "tokenizer import"), "hint: %s", cm_error_hint_text());
    expect_bad(bert, "vocabulary type 'bert' is not supported");
    cr_assert(strstr(cm_error_hint_text(), "\"gpt2\""), "hint: %s", cm_error_hint_text());
    expect_bad(gpt2, "a \"gpt2\" vocabulary needs tokenizer.ggml.merges");
    expect_bad(gpt2_bad_pre, "pre-tokenizer 'nosuch-pre' is not supported");
    expect_bad(gpt2_merges_as_i32, "tokenizer.ggml.merges");
    expect_bad(short_scores, "tokenizer.ggml.scores has 3 entries but tokenizer.ggml.tokens has 10");
    expect_bad(long_types, "tokenizer.ggml.token_type has 11 entries");
    expect_bad(bad_type, "entry 4 of tokenizer.ggml.token_type is no token type");
    expect_bad(bos_out_of_range, "tokenizer.ggml.bos_token_id is 10, but the vocabulary has 10 tokens");
    expect_bad(eos_as_string, "tokenizer.ggml.eos_token_id");
    expect_bad(no_tokens, "no tokenizer.ggml.tokens");
    expect_bad(scores_as_i32, "tokenizer.ggml.scores");
    expect_bad(nul_piece, "token 6 of tokenizer.ggml.tokens holds a NUL byte");
    expect_bad(byte_piece_malformed, "cannot use the tokenizer of 't.gguf'");
}

Test(tok_gguf, write_refuses_bad_specs)
{
    struct gguf_writer w;
    base_writer(&w);
    struct tok_vocab_spec empty = {pieces, NULL, NULL, 0, -1, -1, -1, 0, 0};
    cr_assert_neq(tok_write_gguf(&w, &empty, -1, 0), 0);
    struct tok_vocab_spec bad = {pieces, NULL, NULL, NP, 1, 2, 0, 1, 1};
    cr_assert_neq(tok_write_gguf(&w, &bad, (int)NP, 0), 0);
    cr_assert(strstr(cm_error_message(), "padding_token_id"), "%s", cm_error_message());
    for (size_t i = 0; i < w.n_kv; i++) cr_assert(strncmp(w.kv[i].key, "tokenizer.", 10), "a failed write left %s", w.kv[i].key);
    gguf_writer_release(&w);
}
