/* Stop strings (src/model/textgen.h): the scan on growing texts (a tail that may start a
 * stop string is held back, released when it turns out not to, a stop string found
 * wherever it starts, the earliest of several), and llama_generate_text on a random model
 * with a small tokenizer: a stop string spanning two tokens ends generation, is not shown,
 * and nothing of it was ever streamed; a stop string that never completes holds back its
 * beginning until the end and then releases it, so the stream is the whole text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/error.h"
#include "model/model.h"
#include "model/textgen.h"
#include "tensor/tensor.h"
#include "tokenizer/tokenizer.h"

/* Feeds text one byte at a time as a stream would grow; returns the shown length after each. */
static int feed(struct text_stops *ts, const char *text, size_t *shown, size_t *at_end)
{
    size_t n = strlen(text), at = 0;
    for (size_t len = 1; len <= n; len++) {
        size_t which;
        if (text_stops_scan(ts, text, len, &at, &which)) {
            *at_end = at;
            return 1;
        }
        cr_assert(at >= *shown, "shown text went back from %zu to %zu", *shown, at);
        *shown = at;
    }
    *at_end = at;
    return 0;
}

Test(textgen, scan_holds_back_a_possible_stop_string)
{
    const char *stops[] = {"</code>", "\n\n"};
    struct text_stops ts;
    text_stops_init(&ts, stops, 2);
    size_t at, which;
    cr_assert_eq(text_stops_scan(&ts, "int x;</", 8, &at, &which), 0);
    cr_assert_eq(at, 6, "'</' may start '</code>': hold it back (shown %zu)", at);
    cr_assert_eq(text_stops_scan(&ts, "int x;</co", 10, &at, &which), 0);
    cr_assert_eq(at, 6);
    cr_assert_eq(text_stops_scan(&ts, "int x;</cx", 10, &at, &which), 0);
    cr_assert_eq(at, 10, "'</cx' cannot start a stop string: release it");
    cr_assert_eq(text_stops_scan(&ts, "int x;</cx\n", 11, &at, &which), 0);
    cr_assert_eq(at, 10, "a newline may start the second stop string");
    cr_assert_eq(text_stops_scan(&ts, "int x;</cx\n\nmore", 16, &at, &which), 1);
    cr_assert_eq(at, 10);
    cr_assert_eq(which, 1);

    /* byte by byte: the stop string is found where it starts, even inside a longer chunk */
    size_t shown = 0;
    text_stops_init(&ts, stops, 2);
    cr_assert_eq(feed(&ts, "a < b </cod </code> tail", &shown, &at), 1);
    cr_assert_eq(at, 12);
    cr_assert(shown <= 12);
    /* of two stop strings, the earlier one wins, in one big step */
    text_stops_init(&ts, stops, 2);
    cr_assert_eq(text_stops_scan(&ts, "x\n\ny</code>", 11, &at, &which), 1);
    cr_assert_eq(at, 1);
    cr_assert_eq(which, 1);
    /* no stop string: everything is shown except a trailing possible beginning */
    const char *one[] = {"STOP"};
    text_stops_init(&ts, one, 1);
    shown = 0;
    cr_assert_eq(feed(&ts, "all is well, ST", &shown, &at), 0);
    cr_assert_eq(at, 13);
    text_stops_init(&ts, one, 1);
    cr_assert_eq(text_stops_scan(&ts, "STOP", 4, &at, NULL), 1);
    cr_assert_eq(at, 0);
}

/* ---- generation ---- */

struct stream {
    struct cm_buf shown;
    size_t n_tokens;
};

static void on_text(void *ctx, const char *t, size_t n) { cm_buf_append(&((struct stream *)ctx)->shown, t, n); }
static int on_token(void *ctx, int32_t tok)
{
    ((struct stream *)ctx)->n_tokens++;
    return 0;
}

struct fixture {
    char *path;
    struct llama_model *m;
    struct llama_state *st;
    struct tokenizer *tk;
};

static void setup(struct fixture *f)
{
    /* control tokens, then letters, spaces, punctuation and a few longer pieces */
    static const char *pieces[] = {"<unk>", "<s>", "</s>", "a",  "b",   "c",   "d",    "e",   "f",  "g",
                                   "h",     "i",   "j",    "k",  "l",   "m",   "n",    "o",   "p",  "\xe2\x96\x81",
                                   "<",     ">",   "/",    ";",  "\n",  "ab",  "cd",   "</",  "de", "\xe2\x96\x81x",
                                   "xyz",   "ef",  "gh",   "ij", "kl",  "mn",  "op",   "q",   "r",  "s"};
    const size_t V = sizeof(pieces) / sizeof(pieces[0]);
    int types[64];
    for (size_t i = 0; i < V; i++) types[i] = i < 3 ? (i == 0 ? TOK_TYPE_UNKNOWN : TOK_TYPE_CONTROL) : TOK_TYPE_NORMAL;
    struct tok_vocab_spec spec = {pieces, NULL, types, V, 1, 2, 0, 1, 1};
    cr_assert_eq(tok_create(&f->tk, &spec), 0, "%s", cm_error_message());
    struct llama_hparams hp = {.n_vocab = (uint32_t)V};
    cr_assert_eq(llama_hparams_parse(&hp, "dim=32,layers=1,heads=2,ffn=48,ctx=96"), 0);
    f->path = strdup("/tmp/cm_test_textgen_XXXXXX");
    int fd = mkstemp(f->path);
    cr_assert(fd >= 0);
    close(fd);
    cr_assert_eq(llama_model_write_random(f->path, &hp, TENSOR_TYPE_F32, 5, 0), 0);
    cr_assert_eq(llama_model_load(&f->m, f->path), 0);
    cr_assert_eq(llama_state_new(&f->st, f->m, 0, 0), 0);
}

static void teardown(struct fixture *f)
{
    llama_state_free(f->st);
    llama_model_free(f->m);
    tok_free(f->tk);
    unlink(f->path);
    free(f->path);
}

/* Greedy generation of up to n tokens after a fixed prompt, with stop strings. */
static void gen(struct fixture *f, const char *const *stops, size_t n_stops, size_t n, struct llama_text_result *res,
                struct stream *s)
{
    struct sampler sp;
    sampler_init(&sp, &(struct sampler_params){0, 0, 1, 1});
    llama_state_reset(f->st);
    int32_t prompt[3] = {1, 7, 12};
    cm_buf_init(&s->shown);
    s->n_tokens = 0;
    const struct llama_text_opts o = {stops, n_stops, on_text, on_token, s};
    llama_text_result_init(res);
    cr_assert_eq(llama_generate_text(f->st, &sp, f->tk, prompt, 3, n, -1, &o, res), 0, "%s", cm_error_message());
    sampler_release(&sp);
}

Test(textgen, generation_stops_at_a_stop_string_spanning_tokens)
{
    struct fixture f;
    setup(&f);
    struct llama_text_result full, res;
    struct stream s0, s;
    gen(&f, NULL, 0, 60, &full, &s0);
    cr_assert_eq(full.stop, LLAMA_STOP_MAX_TOKENS);
    cr_assert_eq(s0.shown.len, full.text.len);
    cr_assert(!memcmp(s0.shown.data, full.text.data, full.text.len), "the stream is not the text");
    cr_assert(full.text.len >= 20, "random model produced only %zu bytes", full.text.len);
    /* a stop string of 4 bytes around a token boundary b, where it first occurs */
    size_t b = 0, found = 0, pos = 0;
    char stop[5] = "";
    struct cm_buf pre;
    cm_buf_init(&pre);
    for (size_t i = 1; i + 1 < full.ids.n && !found; i++) {
        pre.len = 0;
        cr_assert_eq(tok_decode(f.tk, &pre, full.ids.v, i, 0), 0);
        b = pre.len;
        if (b < 2 || b + 2 > full.text.len) continue;
        memcpy(stop, full.text.data + b - 2, 4);
        pos = (size_t)((const char *)memmem(full.text.data, full.text.len, stop, 4) - full.text.data);
        found = pos == b - 2 && b - 2 > 0;
    }
    cm_buf_release(&pre);
    cr_assert(found, "no stop string across a token boundary in '%s'", full.text.data);
    if (getenv("CM_TEST_VERBOSE")) printf("text \"%s\", stop \"%s\" at %zu\n", full.text.data, stop, pos);
    const char *stops[2] = {"never-there", stop};
    gen(&f, stops, 2, 60, &res, &s);
    cr_assert_eq(res.stop, LLAMA_STOP_STRING);
    cr_assert_eq(res.stop_index, 1);
    cr_assert_eq(res.text.len, pos, "text of %zu bytes, expected the %zu before the stop string", res.text.len, pos);
    cr_assert(!memcmp(res.text.data, full.text.data, pos));
    /* what was streamed is exactly the text: no byte of the stop string was ever shown */
    cr_assert_eq(s.shown.len, pos, "streamed %zu bytes: '%.*s'", s.shown.len, (int)s.shown.len, s.shown.data);
    cr_assert(res.ids.n < full.ids.n && s.n_tokens == res.ids.n, "generation went on after the stop string");
    llama_text_result_release(&res);
    cm_buf_release(&s.shown);

    /* a stop string that starts like the end of the text but never completes: held back, then released */
    char never[8];
    snprintf(never, sizeof(never), "%.2s#", full.text.data + full.text.len - 2);
    const char *stops2[1] = {never};
    gen(&f, stops2, 1, 60, &res, &s);
    cr_assert_eq(res.stop, LLAMA_STOP_MAX_TOKENS);
    cr_assert_eq(s.shown.len, full.text.len, "the held-back tail was not released at the end");
    cr_assert(!memcmp(s.shown.data, full.text.data, full.text.len));
    llama_text_result_release(&res);
    cm_buf_release(&s.shown), cm_buf_release(&s0.shown);
    llama_text_result_release(&full);
    const char *empty[1] = {""};
    struct sampler sp;
    sampler_init(&sp, &(struct sampler_params){0, 0, 1, 1});
    const struct llama_text_opts o = {empty, 1, NULL, NULL, NULL};
    llama_text_result_init(&res);
    int32_t p = 3;
    cr_assert_eq(llama_generate_text(f.st, &sp, f.tk, &p, 1, 4, -1, &o, &res), CM_EINVAL);
    llama_text_result_release(&res);
    sampler_release(&sp);
    teardown(&f);
}
