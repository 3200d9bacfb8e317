/* loop_args.c — see loop_args.h. */
#include "cli/loop_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "harness/hotloops.h"
#include "prompt/template.h"

void loop_args_init(struct loop_args *la)
{
    memset(la, 0, sizeof(*la));
    la->examples = -1; /* not given: chosen for the model (loop_args_model) */
    cm_strlist_init(&la->examples_from);
    example_pool_init(&la->pool);
}

void loop_args_release(struct loop_args *la)
{
    free(la->prefix);
    free(la->recipe);
    cm_strlist_release(&la->examples_from);
    example_pool_release(&la->pool);
}

static int load_pool(struct loop_args *la, struct loop_opts *o, const char *cmd);

/* 1 when the GGUF at path says it is a chat model (its tokenizer.chat_template is a known one). */
static int chat_model(const char *path)
{
    struct gguf *g = NULL;
    const char *jinja = NULL;
    if (!path || !cm_is_file(path) || gguf_open(&g, path)) {
        cm_error_clear(); /* not readable: opening the model says why */
        return 0;
    }
    int chat = gguf_find_key(g, "tokenizer.chat_template") && !gguf_get_str(g, "tokenizer.chat_template", &jinja) &&
               tmpl_detect(jinja) != NULL;
    gguf_close(g);
    return chat;
}

int loop_args_frame_default(struct loop_args *la, const char *model_path, const char *template_given, int programs,
                            int verbose, const char *cmd)
{
    if (la->frame && la->no_frame) {
        fprintf(stderr, "chatmpi %s: --frame and --no-frame together: give one\n", cmd);
        return EXIT_USAGE;
    }
    if (la->frame || la->no_frame || !programs) return EXIT_OK;
    if (la->endpoint || template_given || la->mark_loops || la->examples > 0 || la->answer_prefix) return EXIT_OK;
    if (!chat_model(model_path)) return EXIT_OK;
    la->frame = 1;
    if (verbose)
        fprintf(stderr, "chatmpi %s: a pretrained chat model: chatmpi writes the MPI frame and the model each marked "
                        "loop (--frame; --no-frame asks for the whole program)\n", cmd);
    return EXIT_OK;
}

int loop_args_apply(struct loop_args *la, struct loop_opts *o, const char *cmd)
{
    if (la->frame) {
        la->mark_loops = 1;
        if (la->examples > 0)
            fprintf(stderr, "chatmpi %s: --examples is not used with --frame (each question is about one loop)\n", cmd);
        if (la->answer_prefix)
            fprintf(stderr, "chatmpi %s: --answer-prefix is not used with --frame (its answers begin with the loop's "
                            "share)\n", cmd);
        la->examples = 0;
    }
    o->frame = la->frame;
    o->examples = la->examples > 0 ? (size_t)la->examples : 0;
    o->repair = (size_t)la->repair;
    o->repair_quote = la->repair_quote;
    o->repair_temperature = la->repair_temperature;
    o->max_tokens = (size_t)la->budget_tokens;
    o->max_seconds = la->budget_seconds;
    o->pool = NULL;
    o->given = NULL, o->given_ctx = NULL;
    if (la->reuse) {
        if (!cm_is_dir(la->reuse)) {
            fprintf(stderr, "chatmpi %s: --reuse-answers: '%s' is not a directory (one that --save-answers wrote)\n",
                    cmd, la->reuse);
            return EXIT_USAGE;
        }
        o->given = loop_reuse_answer;
        o->given_ctx = (void *)la->reuse;
    }
    if (la->examples <= 0) return EXIT_OK;
    return load_pool(la, o, cmd);
}

/* The option's text with \n, \t and \\ read; other backslashes kept as they are. */
static char *unescape(const char *s)
{
    char *out = cm_malloc(strlen(s) + 1), *w = out;
    for (; *s; s++) {
        if (s[0] == '\\' && (s[1] == 'n' || s[1] == 't' || s[1] == '\\')) {
            *w++ = s[1] == 'n' ? '\n' : s[1] == 't' ? '\t' : '\\';
            s++;
        } else {
            *w++ = *s;
        }
    }
    *w = '\0';
    return out;
}

int loop_args_model(struct loop_args *la, struct loop_opts *o, const struct lm *m, const char *cmd)
{
    free(la->prefix);
    la->prefix = NULL;
    if (la->answer_prefix && *la->answer_prefix && !m->prefix)
        fprintf(stderr, "chatmpi %s: --answer-prefix is not used with --endpoint (a chat API is not given the start "
                        "of its answer)\n", cmd);
    else if (la->answer_prefix && *la->answer_prefix)
        la->prefix = unescape(la->answer_prefix);
    else if (!la->answer_prefix && loop_default_answer_prefix(m))
        la->prefix = cm_strdup(loop_default_answer_prefix(m));
    o->answer_prefix = la->prefix;
    if (la->examples >= 0) return EXIT_OK;
    la->examples = m->chat && !la->mark_loops ? 1 : 0; /* the marked-loop prompt has its own example */
    o->examples = (size_t)la->examples;
    if (!la->examples) return EXIT_OK;
    if (!la->examples_from.n && example_pool_add_default(&la->pool)) { /* not asked for: go on without */
        fprintf(stderr, "chatmpi %s: no worked examples (%s); going on without them\n", cmd, cm_error_message());
        cm_error_clear();
        la->examples = 0, o->examples = 0;
        return EXIT_OK;
    }
    return load_pool(la, o, cmd);
}

static int load_pool(struct loop_args *la, struct loop_opts *o, const char *cmd)
{
    int rc = 0;
    for (size_t i = 0; i < la->examples_from.n && !rc; i++) rc = example_pool_add_file(&la->pool, la->examples_from.items[i]);
    if (!rc && !la->examples_from.n && !la->pool.n) rc = example_pool_add_default(&la->pool);
    (void)cmd;
    if (rc) return cli_report_error(rc);
    o->pool = &la->pool;
    return EXIT_OK;
}

int loop_args_open_lm(const struct loop_args *la, struct lm **out, const struct assistant_opts *ao, int model_given,
                      const char *cmd)
{
    *out = NULL;
    if (!la->endpoint) {
        if (la->api_model || la->api_key_env || la->api_timeout || la->api_stream)
            fprintf(stderr, "chatmpi %s: --api-model, --api-key-env, --api-timeout and --api-stream are used only with "
                            "--endpoint\n", cmd);
        if (!cm_is_file(ao->model_path)) {
            fprintf(stderr, "chatmpi %s: no model at '%s'\nhint: pass -m MODEL.gguf (a llama or qwen2 GGUF with a tokenizer) or "
                            "a base's name from models/bases.tsv, set CHATMPI_MODEL, or use a server with --endpoint "
                            "URL; 'make model' rebuilds chatmpi's default model\n", cmd, ao->model_path);
            return EXIT_ENV;
        }
        int rc = lm_open_local(out, ao);
        return rc ? cli_report_error(rc) : EXIT_OK;
    }
    if (model_given || ao->n_lora || ao->template_name) {
        const char *given[3];
        int n = 0;
        if (model_given) given[n++] = "-m";
        if (ao->n_lora) given[n++] = "--lora";
        if (ao->template_name) given[n++] = "--template";
        fprintf(stderr, "chatmpi %s: with --endpoint the server's model answers; %s%s%s%s%s %s not used\n", cmd, given[0],
                n > 1 ? (n > 2 ? ", " : " and ") : "", n > 1 ? given[1] : "", n > 2 ? " and " : "", n > 2 ? given[2] : "",
                n > 1 ? "are" : "is");
    }
    struct lm_remote_opts ro = {0};
    ro.base_url = la->endpoint;
    ro.model = la->api_model;
    ro.api_key_env = la->api_key_env;
    ro.timeout_s = la->api_timeout;
    ro.stream = la->api_stream;
    ro.retries = -1;
    ro.sampling = ao->sampling;
    ro.max_tokens = ao->max_tokens;
    ro.stops = ao->stops;
    ro.n_stops = ao->n_stops;
    ro.interrupted = ao->interrupted;
    int rc = lm_open_remote(out, &ro);
    return rc ? cli_report_error(rc) : EXIT_OK;
}

char *loop_args_mark(const struct loop_args *la, const char *src_path, const char *src, const char *args,
                     const char *cmd)
{
    if (!la->mark_loops) return NULL;
    struct hotloops_counts hc;
    char *out = NULL;
    size_t n = 0;
    int rc = hotloops_profile(&hc, src_path, args, 120);
    if (!rc) rc = hotloops_mark(&out, &n, src, &hc);
    hotloops_counts_release(&hc);
    if (rc) {
        fprintf(stderr, "chatmpi %s: warning: --mark-loops: %s; the model reads the program unmarked\n", cmd,
                cm_error_message());
        cm_error_clear();
        return NULL;
    }
    return out;
}

const char *loop_args_template(struct loop_args *la, const char *given, const char *cmd)
{
    if (given || !la->mark_loops || la->endpoint) return given;
    char *dir = cm_exe_dir();
    const char *bases[] = {dir, "."};
    const char *want = la->frame ? LOOP_ARGS_FRAME : LOOP_ARGS_RECIPE;
    for (size_t b = 0; b < 2 && !la->recipe; b++) {
        if (!bases[b]) continue;
        char *f = cm_path_join(bases[b], want);
        if (cm_is_file(f)) la->recipe = f;
        else free(f);
    }
    free(dir);
    if (!la->recipe)
        fprintf(stderr, "chatmpi %s: warning: %s: no %s beside chatmpi or here; the model's own template is used\n",
                cmd, la->frame ? "--frame" : "--mark-loops", want);
    return la->recipe;
}
