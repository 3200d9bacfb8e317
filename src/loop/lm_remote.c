/* lm_remote.c — a model behind an OpenAI-compatible server (see lm.h).
 *
 * One request an answer: POST {base}/chat/completions, JSON in and out (libcurl, jansson).
 * Retries with exponential backoff on 429, 5xx and connection errors (a bounded number of
 * tries; a 429's Retry-After is honoured up to 30 s). The API key comes from the environment
 * variable the user named, goes out only in the Authorization header, and is never written
 * into a message (server replies quoted in messages have it blanked out).
 * Streaming (o.stream): the request asks for server-sent events ("stream": true, with the
 * usage in the last event when the server offers it); the answer is the deltas' contents
 * joined, and the time limit bounds a silence (no byte for timeout_s seconds) instead of the
 * whole answer, so long answers from slow servers are not cut.
 * Left out: tool calls, logprobs, n > 1, the /completions route (the loop speaks in turns).
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/mem.h"
#include "loop/lm.h"
#include "prompt/template.h"

#define REPLY_MAX (16u << 20) /* a reply larger than this is an error */

struct lm_remote {
    struct lm base;
    char *url;       /* base URL without a trailing '/' */
    char *model;
    char *key;       /* NULL: no Authorization header */
    char *system;
    struct lm_remote_opts o; /* borrowed strings cleared; stops copied below */
    char **stops;
    size_t n_stops;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

/* ---- HTTP ---- */

struct reply {
    long status;
    struct cm_buf body;
    int over;
    double retry_after;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct reply *r = ctx;
    size_t len = size * n;
    if (r->body.len + len > REPLY_MAX) {
        r->over = 1;
        return 0; /* curl aborts the transfer */
    }
    cm_buf_append(&r->body, p, len);
    return len;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    const struct lm_remote *m = ctx;
    return m->o.interrupted && m->o.interrupted() ? 1 : 0;
}

/* A server's text in a message: at most 200 bytes, one line, the key blanked out. */
static void quote_reply(char *dst, size_t cap, const char *text, const char *key)
{
    size_t j = 0;
    for (size_t i = 0; text && text[i] && j + 4 < cap && i < 200; i++) {
        if (key && *key && !strncmp(text + i, key, strlen(key))) {
            j += (size_t)snprintf(dst + j, cap - j, "***");
            i += strlen(key) - 1;
            continue;
        }
        dst[j++] = text[i] == '\n' || text[i] == '\r' || text[i] == '\t' ? ' ' : text[i];
    }
    dst[j] = '\0';
}

/* The error message of an OpenAI-style error reply ({"error": {"message": ...}} or
 * {"error": "..."}), else the start of the body. */
static void reply_error_text(char *dst, size_t cap, const struct reply *r, const char *key)
{
    json_error_t je;
    json_t *j = r->body.len ? json_loadb(r->body.data, r->body.len, 0, &je) : NULL;
    const char *msg = NULL;
    json_t *e = j ? json_object_get(j, "error") : NULL;
    if (json_is_string(e)) msg = json_string_value(e);
    else if (json_is_object(e) && json_is_string(json_object_get(e, "message")))
        msg = json_string_value(json_object_get(e, "message"));
    if (!msg && r->body.len) {
        struct cm_buf t;
        cm_buf_init(&t);
        cm_buf_append(&t, r->body.data, r->body.len < 200 ? r->body.len : 200);
        cm_buf_puts(&t, "");
        quote_reply(dst, cap, t.data, key);
        cm_buf_release(&t);
    } else {
        quote_reply(dst, cap, msg ? msg : "", key);
    }
    json_decref(j);
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* One request (body NULL: GET), with the retries. 0 with a 2xx reply in *r; else an error
 * saying what failed. */
static int request(struct lm_remote *m, struct reply *r, const char *route, const char *body)
{
    char url[4096];
    snprintf(url, sizeof(url), "%s%s", m->url, route);
    int tries = m->o.retries < 0 ? 3 : m->o.retries;
    double wait = m->o.backoff_s > 0 ? m->o.backoff_s : 0.5;
    double timeout = m->o.timeout_s > 0 ? m->o.timeout_s : 600;
    int rc = 0;
    for (int attempt = 0;; attempt++) {
        cm_buf_release(&r->body);
        cm_buf_init(&r->body);
        r->status = 0, r->over = 0, r->retry_after = 0;
        CURL *c = curl_easy_init();
        if (!c) return cm_error_set(CM_EENV, "cannot start an HTTP client (libcurl)");
        char errbuf[CURL_ERROR_SIZE] = "";
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        h = curl_slist_append(h, "Accept: application/json");
        if (m->key) {
            struct cm_buf auth;
            cm_buf_init(&auth);
            cm_buf_puts(&auth, "Authorization: Bearer ");
            cm_buf_puts(&auth, m->key);
            h = curl_slist_append(h, auth.data);
            memset(auth.data, 0, auth.len); /* the key lives only in curl's copy */
            cm_buf_release(&auth);
        }
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        if (m->o.stream && body) { /* a silence of timeout seconds, not the whole answer */
            curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
            curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)(timeout < 1 ? 1 : timeout));
        } else {
            curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
        }
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)((timeout < 30 ? timeout : 30) * 1000));
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, m);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "chatmpi");
        CURLcode cc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        curl_off_t ra = 0;
        if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0) r->retry_after = (double)ra;
        curl_easy_cleanup(c);
        curl_slist_free_all(h);
        int again = 0;
        char what[320];
        if (cc == CURLE_ABORTED_BY_CALLBACK) return cm_error_set(CM_EENV, "interrupted");
        if (cc == CURLE_WRITE_ERROR && r->over)
            return cm_error_set(CM_EFORMAT, "the server at '%s' sent a reply over %u MiB", m->url, REPLY_MAX >> 20);
        if (cc != CURLE_OK) {
            snprintf(what, sizeof(what), "cannot reach '%s': %s", url, *errbuf ? errbuf : curl_easy_strerror(cc));
            again = 1;
            rc = CM_EENV;
        } else if (r->status >= 200 && r->status < 300) {
            return 0;
        } else {
            char text[256];
            reply_error_text(text, sizeof(text), r, m->key);
            snprintf(what, sizeof(what), "HTTP %ld%s%s", r->status, *text ? ": " : "", text);
            again = r->status == 429 || r->status >= 500;
            rc = r->status == 400 || r->status == 422 ? CM_EINVAL : CM_EENV;
            if (r->status == 401 || r->status == 403) {
                cm_error_set(CM_EENV, "the server at '%s' refused the key (%s)", m->url, what);
                cm_error_hint(m->key ? "check the API key in the variable named by --api-key-env"
                                     : "the server wants an API key: name the variable holding it with --api-key-env");
                return CM_EENV;
            }
            if (r->status == 404) {
                cm_error_set(CM_EENV, "the server at '%s' has no such route or model (POST/GET %s, model '%s'; %s)",
                             m->url, route, m->model ? m->model : "", what);
                cm_error_hint("the endpoint is the API's base URL, e.g. http://host:8000/v1; --api-model names a "
                              "model the server lists at /models");
                return CM_EENV;
            }
        }
        if (!again || attempt >= tries) {
            if (again && tries)
                cm_error_set(rc, "the server at '%s' failed %d times, giving up: %s", m->url, attempt + 1, what);
            else
                cm_error_set(rc, "the server at '%s' answered %s", m->url, what);
            return rc;
        }
        double w = r->retry_after > wait ? r->retry_after : wait;
        if (w > 30) w = 30;
        sleep_s(w);
        if (m->o.interrupted && m->o.interrupted()) return cm_error_set(CM_EENV, "interrupted");
        wait *= 2;
        if (wait > 30) wait = 30;
    }
}

/* The reply as JSON, or an error that says where it is malformed. */
static int reply_json(struct lm_remote *m, json_t **out, const struct reply *r)
{
    json_error_t je;
    *out = NULL;
    if (!r->body.len) return cm_error_set(CM_EFORMAT, "the server at '%s' sent an empty reply", m->url);
    json_t *j = json_loadb(r->body.data, r->body.len, 0, &je);
    if (!j) {
        char text[256];
        quote_reply(text, sizeof(text), je.text, m->key);
        return cm_error_set(CM_EFORMAT, "the server at '%s' sent a reply that is not JSON (line %d, column %d: %s)",
                            m->url, je.line, je.column, text);
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return cm_error_set(CM_EFORMAT, "the server at '%s' sent a JSON reply that is not an object", m->url);
    }
    *out = j;
    return 0;
}

/* A streamed reply (server-sent events) as the one-piece reply it stands for: the deltas'
 * contents joined into choices[0].message.content, the last finish_reason and usage. */
static int reply_sse(struct lm_remote *m, json_t **out, const struct reply *r)
{
    *out = NULL;
    struct cm_buf text;
    cm_buf_init(&text);
    json_t *finish = NULL, *usage = NULL;
    size_t events = 0, line_no = 0;
    int rc = 0, done = 0;
    const char *p = r->body.data ? r->body.data : "", *end = p + r->body.len;
    while (p < end && !rc && !done) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line_no++;
        if (n && p[n - 1] == '\r') n--;
        if (n >= 5 && !memcmp(p, "data:", 5)) {
            const char *d = p + 5;
            size_t dn = n - 5;
            while (dn && *d == ' ') d++, dn--;
            if (dn == 6 && !memcmp(d, "[DONE]", 6)) {
                done = 1;
            } else {
                json_error_t je;
                json_t *j = json_loadb(d, dn, 0, &je);
                json_t *ch = j ? json_object_get(j, "choices") : NULL;
                json_t *c0 = json_is_array(ch) ? json_array_get(ch, 0) : NULL;
                json_t *delta = json_is_object(c0) ? json_object_get(c0, "delta") : NULL;
                json_t *content = json_is_object(delta) ? json_object_get(delta, "content") : NULL;
                if (!j) {
                    rc = cm_error_set(CM_EFORMAT, "the server at '%s' sent a stream event that is not JSON (event line %zu, "
                                                  "column %d: %s)", m->url, line_no, je.column, je.text);
                } else if (json_object_get(j, "error")) {
                    char t[256];
                    struct reply er = {0};
                    er.body.data = (char *)d, er.body.len = dn;
                    reply_error_text(t, sizeof(t), &er, m->key);
                    rc = cm_error_set(CM_EENV, "the server at '%s' failed during the answer: %s", m->url, t);
                } else {
                    if (json_is_string(content)) cm_buf_puts(&text, json_string_value(content));
                    json_t *fr = json_is_object(c0) ? json_object_get(c0, "finish_reason") : NULL;
                    if (json_is_string(fr)) json_decref(finish), finish = json_incref(fr);
                    json_t *u = json_object_get(j, "usage");
                    if (json_is_object(u)) json_decref(usage), usage = json_incref(u);
                    events++;
                }
                json_decref(j);
            }
        }
        p += (nl ? (size_t)(nl - p) + 1 : (size_t)(end - p));
    }
    if (!rc && !events)
        rc = cm_error_set(CM_EFORMAT, "the server at '%s' sent a stream without an answer event", m->url);
    if (!rc) {
        json_t *msg = json_pack("{s:s, s:s%}", "role", "assistant", "content", text.data ? text.data : "", text.len);
        json_t *c0 = json_pack("{s:o}", "message", msg);
        if (finish) json_object_set(c0, "finish_reason", finish);
        json_t *o = json_pack("{s:[o]}", "choices", c0);
        if (usage) json_object_set(o, "usage", usage);
        *out = o;
    }
    json_decref(finish), json_decref(usage);
    cm_buf_release(&text);
    return rc;
}

/* ---- the model operations ---- */

static void add_message(json_t *msgs, const char *role, const char *content)
{
    json_t *o = json_object(); /* a program's stray bytes become U+FFFD */
    json_object_set_new(o, "role", json_string(role));
    json_object_set_new(o, "content", cm_json_str(content ? content : ""));
    json_array_append_new(msgs, o);
}

/* system, then user/assistant alternating; a turn's context before its question */
static json_t *messages(const struct lm_remote *m, const struct assistant_turn *turns, size_t n)
{
    json_t *msgs = json_array();
    add_message(msgs, "system", m->system);
    for (size_t i = 0; i < n; i++) {
        const struct assistant_turn *t = &turns[i];
        struct cm_buf u;
        cm_buf_init(&u);
        if (t->context && *t->context) {
            cm_buf_puts(&u, t->context);
            cm_buf_puts(&u, "\n\n");
        }
        cm_buf_puts(&u, t->question ? t->question : "");
        add_message(msgs, "user", u.data);
        cm_buf_release(&u);
        if (i + 1 < n) add_message(msgs, "assistant", t->answer);
    }
    return msgs;
}

static int remote_chat(struct lm *lm, char **out, const struct assistant_turn *turns, size_t n,
                       const struct sampler_params *sp, const char *prefix, struct assistant_usage *usage)
{
    (void)prefix; /* the chat API has no portable way to give the start of the answer */
    struct lm_remote *m = (struct lm_remote *)lm;
    *out = NULL;
    if (usage) memset(usage, 0, sizeof(*usage));
    if (!n) return cm_error_set(CM_EINVAL, "a conversation without a question");
    if (!sp) sp = &m->o.sampling;
    json_t *req = json_object();
    json_object_set_new(req, "model", json_string(m->model));
    json_object_set_new(req, "messages", messages(m, turns, n));
    json_object_set_new(req, "max_tokens", json_integer((json_int_t)m->o.max_tokens));
    json_object_set_new(req, "temperature", json_real(sp->temperature));
    json_object_set_new(req, "top_p", json_real(sp->top_p > 0 ? sp->top_p : 1.0));
    json_object_set_new(req, "seed", json_integer((json_int_t)(sp->seed & 0x7fffffffffffLL)));
    if (m->o.stream) {
        json_object_set_new(req, "stream", json_true());
        json_object_set_new(req, "stream_options", json_pack("{s:b}", "include_usage", 1));
    }
    if (m->n_stops) {
        json_t *st = json_array();
        for (size_t i = 0; i < m->n_stops && i < 4; i++) json_array_append_new(st, json_string(m->stops[i]));
        json_object_set_new(req, "stop", st);
    }
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    struct reply r = {0};
    cm_buf_init(&r.body);
    json_t *j = NULL;
    double t0 = cm_now();
    int rc = request(m, &r, "/chat/completions", body);
    double t1 = cm_now();
    free(body);
    if (!rc) rc = m->o.stream ? reply_sse(m, &j, &r) : reply_json(m, &j, &r);
    if (rc) goto done;
    json_t *ch = json_object_get(j, "choices");
    json_t *c0 = json_is_array(ch) ? json_array_get(ch, 0) : NULL;
    json_t *msg = json_is_object(c0) ? json_object_get(c0, "message") : NULL;
    json_t *content = json_is_object(msg) ? json_object_get(msg, "content") : NULL;
    if (!json_is_array(ch)) {
        rc = cm_error_set(CM_EFORMAT, "the server at '%s' sent a reply without a \"choices\" array", m->url);
    } else if (!c0) {
        rc = cm_error_set(CM_EFORMAT, "the server at '%s' sent a reply with no choice in \"choices\"", m->url);
    } else if (!json_is_string(content)) {
        rc = cm_error_set(CM_EFORMAT, "the server at '%s' sent a reply whose choices[0].message.content is %s",
                          m->url, !msg ? "missing (no message)" : !content ? "missing" : "not a string");
    }
    if (rc) goto done;
    *out = cm_strdup(json_string_value(content));
    if (usage) {
        json_t *u = json_object_get(j, "usage");
        json_t *pt = json_object_get(u, "prompt_tokens"), *ct = json_object_get(u, "completion_tokens");
        json_t *det = json_object_get(u, "prompt_tokens_details");
        json_t *cached = json_object_get(det, "cached_tokens");
        size_t est = 0;
        for (size_t i = 0; i < n; i++)
            est += (turns[i].question ? strlen(turns[i].question) : 0) + (turns[i].context ? strlen(turns[i].context) : 0) +
                   (turns[i].answer ? strlen(turns[i].answer) : 0);
        usage->prompt_tokens = json_is_integer(pt) && json_integer_value(pt) >= 0 ? (size_t)json_integer_value(pt)
                                                                                   : (est + strlen(m->system)) / 4;
        usage->tokens = json_is_integer(ct) && json_integer_value(ct) >= 0 ? (size_t)json_integer_value(ct)
                                                                             : strlen(*out) / 4;
        usage->cached_tokens = json_is_integer(cached) && json_integer_value(cached) >= 0
                                   ? (size_t)json_integer_value(cached) : 0;
        usage->decode_s = t1 - t0;
        json_t *fr = json_object_get(c0, "finish_reason");
        usage->cut = json_is_string(fr) && !strcmp(json_string_value(fr), "length");
    }
done:
    json_decref(j);
    cm_buf_release(&r.body);
    return rc;
}

static int remote_count(struct lm *lm, size_t *n_tokens, const struct assistant_turn *turns, size_t n)
{
    const struct lm_remote *m = (const struct lm_remote *)lm;
    size_t bytes = strlen(m->system);
    for (size_t i = 0; i < n; i++)
        bytes += (turns[i].question ? strlen(turns[i].question) : 0) + (turns[i].context ? strlen(turns[i].context) : 0) +
                 (turns[i].answer ? strlen(turns[i].answer) : 0) + 16;
    *n_tokens = bytes / 4;
    return 0;
}

static void remote_close(struct lm *lm)
{
    struct lm_remote *m = (struct lm_remote *)lm;
    free(m->url), free(m->model), free(m->system);
    if (m->key) {
        memset(m->key, 0, strlen(m->key));
        free(m->key);
    }
    for (size_t i = 0; i < m->n_stops; i++) free(m->stops[i]);
    free(m->stops);
}

static const struct lm_ops remote_ops = {remote_chat, remote_count, remote_close};

/* No model named: the first the server lists at /models. */
static int first_model(struct lm_remote *m)
{
    struct reply r = {0};
    cm_buf_init(&r.body);
    json_t *j = NULL;
    int rc = request(m, &r, "/models", NULL);
    if (!rc) rc = reply_json(m, &j, &r);
    if (!rc) {
        json_t *d = json_object_get(j, "data");
        json_t *id = json_is_array(d) ? json_object_get(json_array_get(d, 0), "id") : NULL;
        if (json_is_string(id)) m->model = cm_strdup(json_string_value(id));
        else rc = cm_error_set(CM_EFORMAT, "the server at '%s' lists no model at /models (no data[0].id)", m->url);
        if (rc) cm_error_hint("name the model with --api-model");
    }
    json_decref(j);
    cm_buf_release(&r.body);
    return rc;
}

int lm_open_remote(struct lm **out, const struct lm_remote_opts *o)
{
    *out = NULL;
    if (!o->base_url || (strncmp(o->base_url, "http://", 7) && strncmp(o->base_url, "https://", 8))) {
        cm_error_set(CM_EINVAL, "the endpoint '%s' is not an http:// or https:// URL", o->base_url ? o->base_url : "");
        cm_error_hint("give the API's base URL, e.g. --endpoint http://gpu-node:8000/v1");
        return CM_EINVAL;
    }
    for (size_t i = 0; i < o->n_stops; i++)
        if (!o->stops[i] || !*o->stops[i]) return cm_error_set(CM_EINVAL, "an empty stop string");
    const char *key = NULL;
    if (o->api_key_env) {
        key = getenv(o->api_key_env);
        if (!key || !*key) {
            cm_error_set(CM_EENV, "the environment variable '%s' (--api-key-env) is not set or empty", o->api_key_env);
            cm_error_hint("export the API key in it, or leave out --api-key-env for a server without keys");
            return CM_EENV;
        }
        for (const char *p = key; *p; p++)
            if (*p == '\r' || *p == '\n')
                return cm_error_set(CM_EINVAL, "the API key in '%s' holds a line break", o->api_key_env);
    }
    pthread_once(&curl_once, curl_init_once);
    struct lm_remote *m = cm_calloc(1, sizeof(*m));
    m->o = *o;
    m->o.base_url = m->o.model = m->o.api_key_env = m->o.system = NULL;
    m->o.stops = NULL;
    if (!m->o.max_tokens) m->o.max_tokens = 4096;
    m->url = cm_strdup(o->base_url);
    size_t len = strlen(m->url);
    while (len && m->url[len - 1] == '/') m->url[--len] = '\0';
    m->key = key ? cm_strdup(key) : NULL;
    m->system = cm_strdup(o->system ? o->system : tmpl_mpi_system);
    m->stops = cm_calloc(o->n_stops + 1, sizeof(*m->stops));
    for (size_t i = 0; i < o->n_stops; i++) m->stops[m->n_stops++] = cm_strdup(o->stops[i]);
    m->base.ops = &remote_ops;
    m->base.chat = 1;
    int rc = 0;
    if (o->model && *o->model) m->model = cm_strdup(o->model);
    else rc = first_model(m);
    if (rc) {
        remote_close(&m->base);
        free(m);
        return rc;
    }
    struct cm_buf name;
    cm_buf_init(&name);
    cm_buf_puts(&name, m->model);
    cm_buf_puts(&name, " at ");
    cm_buf_puts(&name, m->url);
    m->base.name = cm_buf_detach(&name);
    *out = &m->base;
    return 0;
}
