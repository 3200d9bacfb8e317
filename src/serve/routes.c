/* routes.c — the OpenAI-compatible routes: /v1/models, /v1/chat/completions and
 * /v1/completions (see serve.h). Validates a request into a serve_gen, runs it on the worker
 * with assistant_chat_call, and writes the reply or the server-sent events in OpenAI's
 * shapes.
 *
 * Messages become turns: system messages the system text; each user message a turn's
 * question (consecutive ones joined by a blank line), the assistant message after it that
 * turn's answer; the last message must be the user's. Omitted sampling fields take the
 * server's defaults. Unknown fields are ignored, as OpenAI's servers do.
 * Left out: n > 1, logprobs, tools, response_format, images.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/error.h"
#include "core/mem.h"
#include "serve/serve_impl.h"

#define MAX_STOPS 16

char *serve_error_body(const char *message, const char *type)
{
    json_t *e = json_object();
    json_object_set_new(e, "message", json_string(message));
    json_object_set_new(e, "type", json_string(type));
    json_t *o = json_object();
    json_object_set_new(o, "error", e);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

char *serve_models_body(const struct serve *s)
{
    json_t *m = json_object();
    json_object_set_new(m, "id", json_string(s->name));
    json_object_set_new(m, "object", json_string("model"));
    json_object_set_new(m, "created", json_integer(0));
    json_object_set_new(m, "owned_by", json_string("chatmpi"));
    json_object_set_new(m, "context_length", json_integer((json_int_t)s->m->n_ctx));
    json_t *o = json_object();
    json_object_set_new(o, "object", json_string("list"));
    json_t *d = json_array();
    json_array_append_new(d, m);
    json_object_set_new(o, "data", d);
    char *t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return t;
}

void serve_job_release_fields(struct serve_job *j)
{
    cm_strlist_release(&j->g.own);
    free(j->g.turns);
    free(j->g.stops);
    cm_strlist_release(&j->p.args);
}

/* ---- validation ---- */

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* Each returns 0 (the field absent leaves *v alone), or 1 with a message in err. */
static int get_int(const json_t *req, const char *key, long lo, long hi, long *v, char *err, size_t cap)
{
    const json_t *x = json_object_get(req, key);
    if (!x) return 0;
    if (!json_is_integer(x) || json_integer_value(x) < lo || json_integer_value(x) > hi) {
        snprintf(err, cap, "\"%s\" must be an integer from %ld to %ld, not %s", key, lo, hi,
                 json_is_integer(x) ? "that" : type_name(x));
        return 1;
    }
    *v = (long)json_integer_value(x);
    return 0;
}

static int get_num(const json_t *req, const char *key, double lo, double hi, double *v, char *err, size_t cap)
{
    const json_t *x = json_object_get(req, key);
    if (!x) return 0;
    if (!json_is_number(x) || json_number_value(x) < lo || json_number_value(x) > hi) {
        snprintf(err, cap, "\"%s\" must be a number from %g to %g, not %s", key, lo, hi,
                 json_is_number(x) ? "that" : type_name(x));
        return 1;
    }
    *v = json_number_value(x);
    return 0;
}

int serve_parse_sampling(struct serve_job *j, size_t *max_tokens, struct sampler_params *sp, char *err, size_t cap)
{
    long mt = 0, seed = -1;
    double temp = -1, top_p = -1;
    if (get_int(j->req, "max_tokens", 1, 1 << 20, &mt, err, cap) ||
        get_int(j->req, "max_completion_tokens", 1, 1 << 20, &mt, err, cap) ||
        get_num(j->req, "temperature", 0, 10, &temp, err, cap) || get_num(j->req, "top_p", 0, 1, &top_p, err, cap) ||
        get_int(j->req, "seed", 0, 0x7fffffffffffffffL, &seed, err, cap))
        return 1;
    *max_tokens = mt > 0 ? (size_t)mt : 0;
    *sp = j->s->sampling;
    if (temp >= 0) sp->temperature = temp;
    if (top_p > 0) sp->top_p = top_p;
    sp->seed = seed >= 0 ? (uint64_t)seed : sp->seed + j->id;
    return 0;
}

/* A message's content: a string, or an array of {"type": "text", "text": ...} parts (joined). */
static int content_text(struct serve_gen *g, const json_t *c, size_t i, const char **out, char *err, size_t cap)
{
    if (json_is_string(c)) {
        *out = json_string_value(c);
        return 0;
    }
    if (json_is_array(c)) {
        struct cm_buf b;
        cm_buf_init(&b);
        size_t k;
        const json_t *part;
        json_array_foreach(c, k, part) {
            const json_t *t = json_object_get(part, "text");
            if (!json_is_string(t)) {
                snprintf(err, cap, "messages[%zu].content[%zu] must be a {\"type\": \"text\", \"text\": string} part", i, k);
                cm_buf_release(&b);
                return 1;
            }
            cm_buf_puts(&b, json_string_value(t));
        }
        *out = b.data ? b.data : "";
        cm_strlist_push_owned(&g->own, cm_buf_detach(&b));
        *out = g->own.items[g->own.n - 1];
        return 0;
    }
    snprintf(err, cap, "messages[%zu].content must be a string or an array of text parts, not %s", i,
             c ? type_name(c) : "missing");
    return 1;
}

static const char *join(struct serve_gen *g, const char *a, const char *b)
{
    struct cm_buf t;
    cm_buf_init(&t);
    cm_buf_puts(&t, a);
    cm_buf_puts(&t, "\n\n");
    cm_buf_puts(&t, b);
    cm_strlist_push_owned(&g->own, cm_buf_detach(&t));
    return g->own.items[g->own.n - 1];
}

static int parse_messages(struct serve_gen *g, const json_t *msgs, char *err, size_t cap)
{
    if (!json_is_array(msgs) || !json_array_size(msgs)) {
        snprintf(err, cap, "\"messages\" must be a non-empty array of {\"role\", \"content\"} objects, not %s",
                 !msgs ? "missing" : json_is_array(msgs) ? "empty" : type_name(msgs));
        return 1;
    }
    g->turns = cm_calloc(json_array_size(msgs), sizeof(*g->turns));
    size_t i;
    const json_t *m;
    int last_user = 0;
    json_array_foreach(msgs, i, m) {
        const json_t *role = json_object_get(m, "role");
        const char *text = NULL, *r = json_is_string(role) ? json_string_value(role) : NULL;
        if (!json_is_object(m) || !r) {
            snprintf(err, cap, "messages[%zu] must be an object with a string \"role\"", i);
            return 1;
        }
        if (content_text(g, json_object_get(m, "content"), i, &text, err, cap)) return 1;
        if (!strcmp(r, "system") || !strcmp(r, "developer")) {
            g->system = g->system ? join(g, g->system, text) : text;
        } else if (!strcmp(r, "user")) {
            if (last_user) {
                struct assistant_turn *t = &g->turns[g->n_turns - 1];
                t->question = join(g, t->question, text);
            } else {
                g->turns[g->n_turns++] = (struct assistant_turn){text, NULL, NULL};
            }
            last_user = 1;
        } else if (!strcmp(r, "assistant")) {
            if (!g->n_turns) {
                snprintf(err, cap, "messages[%zu]: an assistant message before any user message", i);
                return 1;
            }
            struct assistant_turn *t = &g->turns[g->n_turns - 1];
            t->answer = t->answer ? join(g, t->answer, text) : text;
            last_user = 0;
        } else {
            snprintf(err, cap, "messages[%zu].role must be \"system\", \"user\" or \"assistant\", not \"%.40s\"", i, r);
            return 1;
        }
    }
    if (!last_user) {
        snprintf(err, cap, "the last message must be the user's (the one to answer)");
        return 1;
    }
    return 0;
}

static int parse_stops(struct serve_gen *g, const json_t *st, char *err, size_t cap)
{
    if (!st || json_is_null(st)) return 0;
    size_t n = json_is_string(st) ? 1 : json_is_array(st) ? json_array_size(st) : 0;
    if ((!json_is_string(st) && !json_is_array(st)) || n > MAX_STOPS) {
        snprintf(err, cap, "\"stop\" must be a string or an array of at most %d strings, not %s", MAX_STOPS,
                 json_is_array(st) ? "a longer array" : type_name(st));
        return 1;
    }
    g->stops = cm_calloc(n + 1, sizeof(*g->stops));
    for (size_t i = 0; i < n; i++) {
        const json_t *x = json_is_string(st) ? st : json_array_get(st, i);
        if (!json_is_string(x) || !*json_string_value(x)) {
            snprintf(err, cap, "\"stop\"[%zu] must be a non-empty string, not %s", i,
                     json_is_string(x) ? "an empty one" : type_name(x));
            return 1;
        }
        g->stops[g->n_stops++] = json_string_value(x);
    }
    return 0;
}

int serve_parse(struct serve_job *j, char *err, size_t cap)
{
    struct serve_gen *g = &j->g;
    cm_strlist_init(&g->own);
    cm_strlist_init(&j->p.args);
    if (!json_is_object(j->req)) {
        snprintf(err, cap, "the body must be a JSON object, not %s", type_name(j->req));
        return 1;
    }
    const json_t *stream = json_object_get(j->req, "stream"), *n = json_object_get(j->req, "n");
    if (stream && !json_is_boolean(stream) && !json_is_null(stream)) {
        snprintf(err, cap, "\"stream\" must be a boolean, not %s", type_name(stream));
        return 1;
    }
    g->stream = json_is_true(stream);
    if (n && !(json_is_integer(n) && json_integer_value(n) == 1)) {
        snprintf(err, cap, "\"n\" must be 1: one answer a request");
        return 1;
    }
    const json_t *model = json_object_get(j->req, "model");
    if (model && !json_is_string(model)) {
        snprintf(err, cap, "\"model\" must be a string, not %s", type_name(model));
        return 1;
    }
    if (serve_parse_sampling(j, &g->max_tokens, &g->sp, err, cap) ||
        parse_stops(g, json_object_get(j->req, "stop"), err, cap))
        return 1;
    if (j->kind == SERVE_CHAT) return parse_messages(g, json_object_get(j->req, "messages"), err, cap);
    const json_t *p = json_object_get(j->req, "prompt");
    if (json_is_array(p) && json_array_size(p) == 1) p = json_array_get(p, 0);
    if (!json_is_string(p) || !*json_string_value(p)) {
        snprintf(err, cap, "\"prompt\" must be a non-empty string, not %s", !p ? "missing" : type_name(p));
        return 1;
    }
    g->prompt = json_string_value(p);
    return 0;
}

/* ---- generation ---- */

struct stream_ctx {
    struct serve_job *j;
    struct cm_buf held; /* an incomplete UTF-8 sequence at the end of the text so far */
};

static json_t *reply_head(const struct serve_job *j, const char *object)
{
    char id[64];
    snprintf(id, sizeof(id), "%s-%lu", j->kind == SERVE_CHAT ? "chatcmpl" : "cmpl", j->id);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "object", json_string(object));
    json_object_set_new(o, "created", json_integer((json_int_t)time(NULL)));
    json_object_set_new(o, "model", json_string(j->s->name));
    return o;
}

/* One choice: chat's message or delta, or completion's text; finish NULL: null. */
static json_t *choice(const struct serve_job *j, const char *text, size_t len, int delta, int role, const char *finish)
{
    json_t *c = json_object();
    json_object_set_new(c, "index", json_integer(0));
    if (j->kind == SERVE_CHAT) {
        json_t *m = json_object();
        if (role) json_object_set_new(m, "role", json_string("assistant"));
        if (text) json_object_set_new(m, "content", cm_json_text(text, len));
        json_object_set_new(c, delta ? "delta" : "message", m);
    } else {
        json_object_set_new(c, "text", cm_json_text(text ? text : "", text ? len : 0));
    }
    json_object_set_new(c, "finish_reason", finish ? json_string(finish) : json_null());
    return c;
}

static void emit_event(struct serve_job *j, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    struct cm_buf e;
    cm_buf_init(&e);
    cm_buf_printf(&e, "data: %s\n\n", s);
    serve_job_emit(j, e.data, e.len);
    cm_buf_release(&e);
    free(s);
}

static void emit_chunk(struct serve_job *j, const char *text, size_t len, int role, const char *finish)
{
    json_t *o = reply_head(j, j->kind == SERVE_CHAT ? "chat.completion.chunk" : "text_completion");
    json_t *cs = json_array();
    json_array_append_new(cs, choice(j, text, len, 1, role, finish));
    json_object_set_new(o, "choices", cs);
    emit_event(j, o);
}

/* The length of the longest prefix of p[0..n) that ends on a whole UTF-8 sequence. */
static size_t utf8_whole(const char *p, size_t n)
{
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        unsigned char c = (unsigned char)p[n - back];
        if ((c & 0xc0) == 0x80) continue; /* a continuation byte: look further back */
        size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        return need > back && need <= 4 ? n - back : n;
    }
    return n;
}

static void on_text(void *ctx, const char *text, size_t len)
{
    struct stream_ctx *sc = ctx;
    cm_buf_append(&sc->held, text, len);
    size_t k = utf8_whole(sc->held.data, sc->held.len);
    if (!k) return;
    emit_chunk(sc->j, sc->held.data, k, 0, NULL);
    memmove(sc->held.data, sc->held.data + k, sc->held.len - k);
    sc->held.len -= k;
}

static json_t *usage_json(const struct assistant_usage *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "prompt_tokens", json_integer((json_int_t)u->prompt_tokens));
    json_object_set_new(o, "completion_tokens", json_integer((json_int_t)u->tokens));
    json_object_set_new(o, "total_tokens", json_integer((json_int_t)(u->prompt_tokens + u->tokens)));
    return o;
}

void serve_run_generation(struct serve_job *j)
{
    struct serve_gen *g = &j->g;
    struct stream_ctx sc = {j, {0}};
    cm_buf_init(&sc.held);
    struct assistant_call call = {g->max_tokens, g->stops, g->n_stops, g->system, g->prompt,
                                  g->stream ? on_text : NULL, &sc};
    if (g->stream && j->kind == SERVE_CHAT) emit_chunk(j, "", 0, 1, NULL);
    char *out = NULL;
    struct assistant_usage u;
    int rc = assistant_chat_call(j->s->a, &out, g->turns, g->n_turns, &g->sp, &call, &u);
    const char *finish = u.cut ? "length" : "stop";
    if (rc) {
        const char *why = serve_job_cancelled(j) ? "the request was cancelled" : cm_error_message();
        int status = rc == CM_EINVAL ? 400 : serve_job_cancelled(j) ? 503 : 500;
        if (g->stream) {
            char *e = serve_error_body(why, status == 400 ? "invalid_request_error" : "server_error");
            struct cm_buf ev;
            cm_buf_init(&ev);
            cm_buf_printf(&ev, "data: %s\n\ndata: [DONE]\n\n", e);
            serve_job_emit(j, ev.data, ev.len);
            cm_buf_release(&ev);
            free(e);
        } else {
            serve_job_reply(j, status, serve_error_body(why, status == 400 ? "invalid_request_error" : "server_error"));
        }
    } else if (g->stream) {
        if (sc.held.len) emit_chunk(j, sc.held.data, sc.held.len, 0, NULL);
        json_t *o = reply_head(j, j->kind == SERVE_CHAT ? "chat.completion.chunk" : "text_completion");
        json_t *cs = json_array();
        json_array_append_new(cs, choice(j, j->kind == SERVE_CHAT ? NULL : "", 0, 1, 0, finish));
        json_object_set_new(o, "choices", cs);
        json_object_set_new(o, "usage", usage_json(&u));
        emit_event(j, o);
        serve_job_emit(j, "data: [DONE]\n\n", 14);
    } else {
        json_t *o = reply_head(j, j->kind == SERVE_CHAT ? "chat.completion" : "text_completion");
        json_t *cs = json_array();
        json_array_append_new(cs, choice(j, out, strlen(out), 0, 1, finish));
        json_object_set_new(o, "choices", cs);
        json_object_set_new(o, "usage", usage_json(&u));
        serve_job_reply(j, 200, json_dumps(o, JSON_COMPACT));
        json_decref(o);
    }
    free(out);
    cm_buf_release(&sc.held);
}
