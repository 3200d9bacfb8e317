/* textgen.c — generation as text with stop strings (see textgen.h).
 * The scan keeps how far the text is known to be free of stop strings, so each token costs
 * a search over the last few bytes only (plus the decoding of the sequence so far). */
/* memmem: _GNU_SOURCE comes from the Makefile */
#include "model/textgen.h"

#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "model/model.h"

void text_stops_init(struct text_stops *ts, const char *const *stops, size_t n)
{
    ts->s = stops;
    ts->n = n;
    ts->max_len = 0;
    ts->searched = 0;
    for (size_t i = 0; i < n; i++)
        if (strlen(stops[i]) > ts->max_len) ts->max_len = strlen(stops[i]);
}

int text_stops_scan(struct text_stops *ts, const char *text, size_t len, size_t *at, size_t *which)
{
    /* a stop string not found before ends after `searched`, so it starts at most max_len - 1 earlier */
    size_t from = ts->searched + 1 > ts->max_len ? ts->searched + 1 - ts->max_len : 0;
    if (from > len) from = len;
    size_t best = len, best_i = 0;
    for (size_t i = 0; i < ts->n; i++) {
        size_t k = strlen(ts->s[i]);
        if (!k || from + k > len) continue;
        const char *p = memmem(text + from, len - from, ts->s[i], k);
        if (p && (size_t)(p - text) < best) best = (size_t)(p - text), best_i = i;
    }
    if (best < len) {
        *at = best;
        if (which) *which = best_i;
        return 1;
    }
    ts->searched = len;
    size_t hold = 0;
    for (size_t i = 0; i < ts->n; i++) {
        size_t k = strlen(ts->s[i]);
        if (!k) continue;
        for (size_t h = k - 1 < len ? k - 1 : len; h > hold; h--)
            if (!memcmp(text + len - h, ts->s[i], h)) {
                hold = h;
                break;
            }
    }
    *at = len - hold;
    return 0;
}

void llama_text_result_init(struct llama_text_result *r)
{
    memset(r, 0, sizeof(*r));
    cm_buf_init(&r->text);
    tok_ids_init(&r->ids);
    r->stop_index = -1;
}

void llama_text_result_release(struct llama_text_result *r)
{
    cm_buf_release(&r->text);
    tok_ids_release(&r->ids);
}

struct textgen {
    const struct tokenizer *tk;
    const struct llama_text_opts *o;
    struct llama_text_result *res;
    struct text_stops stops;
    size_t shown;  /* bytes of res->text passed to on_text */
    size_t cut;    /* where a stop string starts (stopped) */
    int stopped, err;
};

static void show(struct textgen *g, size_t upto)
{
    if (upto > g->shown && g->o && g->o->on_text) g->o->on_text(g->o->ctx, g->res->text.data + g->shown, upto - g->shown);
    if (upto > g->shown) g->shown = upto;
}

static int on_token(void *ctx, int32_t token)
{
    struct textgen *g = ctx;
    tok_ids_push(&g->res->ids, token);
    int caller = g->o && g->o->on_token && g->o->on_token(g->o->ctx, token);
    struct cm_buf *t = &g->res->text;
    t->len = 0;
    if ((g->err = tok_decode(g->tk, t, g->res->ids.v, g->res->ids.n, 0))) return 1;
    size_t at, which;
    if (g->stops.n && text_stops_scan(&g->stops, t->data ? t->data : "", t->len, &at, &which)) {
        g->stopped = 1;
        g->cut = at;
        g->res->stop_index = (int)which;
        show(g, at);
        return 1;
    }
    show(g, g->stops.n ? at : t->len);
    return caller;
}

int llama_generate_text(struct llama_state *st, struct sampler *sp, const struct tokenizer *tk, const int32_t *prompt,
                        size_t n_prompt, size_t max_tokens, int32_t eos, const struct llama_text_opts *o,
                        struct llama_text_result *res)
{
    struct textgen g = {tk, o, res, {0}, 0, 0, 0, 0};
    for (size_t i = 0; o && i < o->n_stops; i++)
        if (!o->stops[i] || !o->stops[i][0]) return cm_error_set(CM_EINVAL, "a stop string is empty");
    text_stops_init(&g.stops, o ? o->stops : NULL, o ? o->n_stops : 0);
    res->text.len = 0, res->ids.n = 0, res->stop_index = -1;
    int rc = llama_generate(st, sp, prompt, n_prompt, max_tokens, eos, on_token, &g, &res->stop, NULL);
    if (!rc) rc = g.err;
    if (rc) return rc;
    if (g.stopped) {
        res->stop = LLAMA_STOP_STRING;
        res->text.len = g.cut;
    } else {
        show(&g, res->text.len); /* the held-back tail was no stop string after all */
    }
    if (res->text.data) res->text.data[res->text.len] = '\0';
    return 0;
}
