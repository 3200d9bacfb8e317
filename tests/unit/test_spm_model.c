/* The sentencepiece importer on hand-built protobuf bytes and .vocab texts: fields and
 * defaults, refusals of models we would encode differently, every truncation and random
 * corruption of a valid model (an error naming file and offset, never a crash). */
#include <criterion/criterion.h>
#include <string.h>

#include "core/error.h"
#include "tokenizer/spm_model.h"

struct pbw {
    unsigned char b[4096];
    size_t n;
};

static void put_varint(struct pbw *w, uint64_t v)
{
    do {
        w->b[w->n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
}
static void put_key(struct pbw *w, unsigned field, unsigned wt) { put_varint(w, (uint64_t)field << 3 | wt); }
static void put_bytes(struct pbw *w, unsigned field, const void *p, size_t n)
{
    put_key(w, field, 2), put_varint(w, n);
    memcpy(w->b + w->n, p, n), w->n += n;
}
static void put_msg(struct pbw *w, unsigned field, const struct pbw *m) { put_bytes(w, field, m->b, m->n); }
static void put_int(struct pbw *w, unsigned field, int64_t v) { put_key(w, field, 0), put_varint(w, (uint64_t)v); }
static void put_float(struct pbw *w, unsigned field, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put_key(w, field, 5);
    for (int i = 0; i < 4; i++) w->b[w->n++] = (unsigned char)(u >> (8 * i));
}

static void put_piece(struct pbw *w, const char *piece, float score, int type)
{
    struct pbw p = {.n = 0};
    put_bytes(&p, 1, piece, strlen(piece));
    put_float(&p, 2, score);
    if (type != 1) put_int(&p, 3, type);
    put_msg(w, 1, &p);
}

/* A small valid BPE model: pieces, trainer spec, normalizer spec (last). */
static void build_model(struct pbw *w, int model_type, int remove_ws, const char *charsmap, int bos_id)
{
    memset(w, 0, sizeof(*w));
    put_piece(w, "<unk>", 0, 2);
    put_piece(w, "<s>", 0, 3);
    put_piece(w, "</s>", 0, 3);
    put_piece(w, "<0x41>", 0, 6);
    put_piece(w, "\xe2\x96\x81" "a", -1.5f, 1);
    put_piece(w, "b", -2, 1);
    struct pbw t = {.n = 0}, nz = {.n = 0};
    put_bytes(&t, 1, "in.txt", 6); /* a field we skip */
    put_int(&t, 3, model_type);
    put_int(&t, 4, 6);
    put_int(&t, 35, 1);
    put_int(&t, 41, bos_id);
    put_float(&t, 10, 0.9995f);
    put_msg(w, 2, &t);
    put_bytes(&nz, 1, charsmap ? "nmt_nfkc" : "identity", 8);
    if (charsmap) put_bytes(&nz, 2, charsmap, strlen(charsmap));
    put_int(&nz, 3, 1);
    put_int(&nz, 4, remove_ws);
    put_msg(w, 3, &nz);
}

Test(spm_model, parses_pieces_and_specs)
{
    struct pbw w;
    build_model(&w, 2, 0, NULL, 1);
    struct tok_spm_model m;
    tok_spm_model_init(&m);
    cr_assert_eq(tok_spm_model_parse(&m, w.b, w.n, "t.model"), 0, "%s", cm_error_message());
    cr_assert_eq(m.n, 6);
    cr_assert_str_eq(m.pieces[4], "\xe2\x96\x81" "a");
    cr_assert_float_eq(m.scores[4], -1.5f, 0);
    cr_assert_eq(m.types[0], TOK_TYPE_UNKNOWN);
    cr_assert_eq(m.types[3], TOK_TYPE_BYTE);
    cr_assert_eq(m.types[5], TOK_TYPE_NORMAL); /* type absent: the proto default */
    cr_assert_eq(m.unk, 0);
    cr_assert_eq(m.bos, 1);
    cr_assert_eq(m.eos, 2);
    cr_assert_eq(m.pad, -1);
    cr_assert(m.byte_fallback && m.add_dummy_prefix);
    cr_assert_str_eq(m.normalizer_name, "identity");

    struct tok_vocab_spec spec;
    struct tokenizer *tk = NULL;
    tok_spm_model_spec(&m, &spec);
    cr_assert_eq(tok_create(&tk, &spec), 0);
    struct tok_ids ids;
    tok_ids_init(&ids);
    cr_assert_eq(tok_encode(tk, &ids, "ab", 2, 0), 0);
    cr_assert_eq(ids.n, 2);
    cr_assert_eq(ids.v[0], 4);
    cr_assert_eq(ids.v[1], 5);
    tok_ids_release(&ids);
    tok_free(tk);
    tok_spm_model_release(&m);
}

Test(spm_model, negative_int32_ids)
{
    struct pbw w;
    build_model(&w, 2, 0, NULL, -1); /* a 10-byte varint */
    struct tok_spm_model m;
    tok_spm_model_init(&m);
    cr_assert_eq(tok_spm_model_parse(&m, w.b, w.n, "t.model"), 0, "%s", cm_error_message());
    cr_assert_eq(m.bos, -1);
    tok_spm_model_release(&m);
}

static void expect_error(const struct pbw *w, int code, const char *needle)
{
    struct tok_spm_model m;
    tok_spm_model_init(&m);
    cr_assert_eq(tok_spm_model_parse(&m, w->b, w->n, "t.model"), code, "%s", cm_error_message());
    cr_assert(strstr(cm_error_message(), needle), "message '%s' lacks '%s'", cm_error_message(), needle);
    cr_assert_eq(m.n, 0);
    tok_spm_model_release(&m);
}

Test(spm_model, refuses_what_it_would_encode_differently)
{
    struct pbw w;
    build_model(&w, 1, 0, NULL, 1);
    expect_error(&w, CM_EFORMAT, "model type is unigram");
    cr_assert(strstr(cm_error_hint_text(), "--model_type=bpe"));
    build_model(&w, 2, 1, NULL, 1);
    expect_error(&w, CM_EFORMAT, "removes extra whitespace");
    build_model(&w, 2, 0, "xyz", 1);
    expect_error(&w, CM_EFORMAT, "'nmt_nfkc' is not supported");
    build_model(&w, 2, 0, NULL, 4); /* BOS must be a control piece */
    expect_error(&w, CM_EFORMAT, "BOS id 4");
    build_model(&w, 2, 0, NULL, 99);
    expect_error(&w, CM_EFORMAT, "BOS id 99 is not a piece id");
}

Test(spm_model, malformed_wire_format)
{
    struct pbw w = {.n = 0};
    put_key(&w, 1, 2), put_varint(&w, 100), w.b[w.n++] = 'x';
    expect_error(&w, CM_EFORMAT, "runs past the end of its message at offset 1");
    w.n = 0;
    put_key(&w, 1, 0), put_varint(&w, 5); /* pieces must be length-delimited */
    expect_error(&w, CM_EFORMAT, "field 1 has wire type 0, expected 2 at offset 0");
    w.n = 0;
    put_key(&w, 7, 3); /* a group */
    expect_error(&w, CM_EFORMAT, "unsupported protobuf wire type");
    w.n = 0;
    for (int i = 0; i < 11; i++) w.b[w.n++] = 0xff;
    expect_error(&w, CM_EFORMAT, "varint");
    w.n = 0;
    struct pbw p = {.n = 0};
    put_float(&p, 2, 1.0f);
    put_msg(&w, 1, &p);
    expect_error(&w, CM_EFORMAT, "empty piece at offset 0");
    w.n = 0, p.n = 0;
    put_bytes(&p, 1, "a\0b", 3);
    put_msg(&w, 1, &p);
    expect_error(&w, CM_EFORMAT, "NUL");
    w.n = 0;
    expect_error(&w, CM_EFORMAT, "no pieces");
}

Test(spm_model, every_truncation_and_corruption_fails_cleanly)
{
    struct pbw w;
    build_model(&w, 2, 0, NULL, 1);
    struct tok_spm_model m;
    tok_spm_model_init(&m);
    for (size_t n = 0; n < w.n; n++) {
        int rc = tok_spm_model_parse(&m, w.b, n, "t.model");
        cr_assert_lt(rc, 0, "a model cut at %zu bytes was accepted", n);
        cr_assert(strstr(cm_error_message(), "'t.model'"));
    }
    uint64_t s = 12345;
    for (int t = 0; t < 3000; t++) {
        struct pbw c = w;
        for (int k = 0; k < 3; k++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            c.b[s % c.n] = (unsigned char)(s >> 32);
        }
        int rc = tok_spm_model_parse(&m, c.b, c.n, "t.model"); /* either outcome, never a crash */
        if (rc == 0) {
            struct tok_vocab_spec spec;
            struct tokenizer *tk = NULL;
            tok_spm_model_spec(&m, &spec);
            if (tok_create(&tk, &spec) == 0) tok_free(tk);
        }
        tok_spm_model_release(&m);
    }
}

Test(spm_model, vocab_text)
{
    const char *text = "<unk>\t0\n<s>\t0\n</s>\t0\n<0x0A>\t0\n\xe2\x96\x81" "a\t-1\na\tb\t-2.5\n";
    struct tok_spm_model m;
    tok_spm_model_init(&m);
    cr_assert_eq(tok_spm_vocab_parse(&m, text, strlen(text), "t.vocab"), 0, "%s", cm_error_message());
    cr_assert_eq(m.n, 6);
    cr_assert_eq(m.types[0], TOK_TYPE_UNKNOWN);
    cr_assert_eq(m.types[1], TOK_TYPE_CONTROL);
    cr_assert_eq(m.types[3], TOK_TYPE_BYTE);
    cr_assert_eq(m.types[4], TOK_TYPE_NORMAL);
    cr_assert_str_eq(m.pieces[5], "a\tb"); /* split at the last tab */
    cr_assert_float_eq(m.scores[5], -2.5f, 0);
    cr_assert_eq(m.unk, 0);
    cr_assert_eq(m.bos, 1);
    cr_assert_eq(m.eos, 2);
    cr_assert(m.byte_fallback && m.add_dummy_prefix);
    tok_spm_model_release(&m);

    const char *bad[] = {"<unk>\t0\nnotab\n", "<unk>\t0\nx\tabc\n", "<unk>\t0\nx\t\n", "\t0\n", ""};
    const char *want[] = {"line 2 is not", "line 2 has no valid score", "line 2 has no valid score", "line 1 is not", "no pieces"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        cr_assert_eq(tok_spm_vocab_parse(&m, bad[i], strlen(bad[i]), "t.vocab"), CM_EFORMAT);
        cr_assert(strstr(cm_error_message(), want[i]), "'%s' lacks '%s'", cm_error_message(), want[i]);
        cr_assert(strstr(cm_error_message(), "'t.vocab'"));
    }
}

Test(spm_model, load_names_the_file)
{
    struct tok_spm_model m;
    tok_spm_model_init(&m);
    cr_assert_lt(tok_spm_model_load(&m, "/nonexistent/x.model"), 0);
    cr_assert(strstr(cm_error_message(), "x.model"));
}
