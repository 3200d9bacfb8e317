/* parallelize.c — POST /v1/chatmpi/parallelize: the candidate loop as a route.
 *
 *   {"program": "<sequential C>", "samples": K, "repair": R, "examples": E, "frame": bool,
 *    "np": [1, 2], "args": ["100", "7"], "timeout": S, "max_tokens": N, "temperature": T, "seed": S}
 *   -> {"verified": bool, "program": the fastest verified candidate, else the closest (or null),
 *       "report": its check report (check_report_to_json, or null), "rounds": loop_result_to_json}
 *
 * As `chatmpi run FILE.c`: the program is written to a fresh temporary directory, must keep
 * the program contract (else 400 with the harness's reason), then K candidates are drawn,
 * checked by the harness and repaired. The job holds the model for the whole loop. With
 * "frame" (as --frame) the program's loops are marked under gcov first (with the first "args")
 * and the model rewrites each marked loop inside chatmpi's MPI frame.
 * Left out: bench sizes and timing (--bench-args), saving transcripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "harness/harness.h"
#include "harness/hotloops.h"
#include "loop/loop.h"
#include "serve/serve_impl.h"

static int bad(char *err, size_t cap, const char *fmt, const char *what)
{
    snprintf(err, cap, fmt, what);
    return 1;
}

static const char *kind_of(const json_t *v)
{
    return json_is_array(v) ? "an array" : json_is_object(v) ? "an object" : json_is_string(v) ? "a string" : "a number or literal";
}

static int get_count(const json_t *req, const char *key, long hi, size_t *v, char *err, size_t cap)
{
    const json_t *x = json_object_get(req, key);
    if (!x) return 0;
    if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > hi) {
        snprintf(err, cap, "\"%s\" must be an integer from %d to %ld", key, !strcmp(key, "samples"), hi);
        return 1;
    }
    *v = (size_t)json_integer_value(x);
    return 0;
}

int serve_parse_parallelize(struct serve_job *j, char *err, size_t cap)
{
    struct serve_par *p = &j->p;
    cm_strlist_init(&j->g.own);
    cm_strlist_init(&p->args);
    const json_t *req = j->req;
    if (!json_is_object(req)) return bad(err, cap, "the body must be a JSON object, not %s", kind_of(req));
    const json_t *prog = json_object_get(req, "program");
    if (!json_is_string(prog) || !*json_string_value(prog))
        return bad(err, cap, "\"program\" (the sequential C program) must be a non-empty string, not %s",
                   prog ? kind_of(prog) : "missing");
    p->program = json_string_value(prog);
    p->samples = 1;
    p->timeout_s = 10;
    if (get_count(req, "samples", 16, &p->samples, err, cap) || get_count(req, "repair", 8, &p->repair, err, cap) ||
        get_count(req, "examples", 8, &p->examples, err, cap))
        return 1;
    if (!p->samples) return bad(err, cap, "\"samples\" must be at least 1%s", "");
    const json_t *np = json_object_get(req, "np"), *args = json_object_get(req, "args");
    if (np) {
        if (!json_is_array(np) || !json_array_size(np) || json_array_size(np) > 16)
            return bad(err, cap, "\"np\" must be an array of 1 to 16 rank counts, not %s", kind_of(np));
        for (size_t i = 0; i < json_array_size(np); i++) {
            const json_t *x = json_array_get(np, i);
            if (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > 64)
                return bad(err, cap, "\"np\" must hold integers from 1 to 64%s", "");
            p->np[p->n_np++] = (long)json_integer_value(x);
        }
    } else {
        for (long k = 1; k <= 4; k++) p->np[p->n_np++] = k;
    }
    if (args) {
        if (!json_is_array(args) || json_array_size(args) > 16)
            return bad(err, cap, "\"args\" must be an array of at most 16 argument strings, not %s", kind_of(args));
        for (size_t i = 0; i < json_array_size(args); i++) {
            const json_t *x = json_array_get(args, i);
            if (!json_is_string(x)) return bad(err, cap, "\"args\" must hold strings (\"100 7\"), not %s", kind_of(x));
            cm_strlist_push(&p->args, json_string_value(x));
        }
    }
    const json_t *fr = json_object_get(req, "frame");
    if (fr) {
        if (!json_is_boolean(fr)) return bad(err, cap, "\"frame\" must be true or false, not %s", kind_of(fr));
        p->frame = json_is_true(fr);
    }
    const json_t *t = json_object_get(req, "timeout");
    if (t) {
        if (!json_is_number(t) || json_number_value(t) < 0.1 || json_number_value(t) > 600)
            return bad(err, cap, "\"timeout\" must be a number of seconds from 0.1 to 600%s", "");
        p->timeout_s = json_number_value(t);
    }
    return serve_parse_sampling(j, &p->max_tokens, &p->sp, err, cap);
}

/* The server's model with this request's answer limit, behind lm.h. */
struct lm_capped {
    struct lm base;
    struct assistant *a;
    size_t max_tokens;
};

static int capped_chat(struct lm *m, char **out, const struct assistant_turn *turns, size_t n,
                       const struct sampler_params *sp, const char *prefix, struct assistant_usage *usage)
{
    const struct lm_capped *c = (const struct lm_capped *)m;
    const struct assistant_call call = {.max_tokens = c->max_tokens, .answer_prefix = prefix};
    return assistant_chat_call(c->a, out, turns, n, sp, &call, usage);
}

static int capped_count(struct lm *m, size_t *n_tokens, const struct assistant_turn *turns, size_t n)
{
    return assistant_count_tokens(((struct lm_capped *)m)->a, n_tokens, turns, n);
}

static void capped_close(struct lm *m) { (void)m; }

static const struct lm_ops capped_ops = {capped_chat, capped_count, capped_close};

struct par_ctx {
    const char *seq;
    const struct check_opts *co;
};

static int par_check(void *ctx, const char *path, struct check_report *rep)
{
    const struct par_ctx *p = ctx;
    return harness_check(rep, p->seq, path, p->co);
}

static void fail(struct serve_job *j, int status, const char *msg)
{
    serve_job_reply(j, status, serve_error_body(msg, status == 400 ? "invalid_request_error" : "server_error"));
}

void serve_run_parallelize(struct serve_job *j)
{
    struct serve *s = j->s;
    const struct serve_par *p = &j->p;
    char *dir = NULL, *seq = NULL;
    struct check_opts co;
    check_opts_init(&co);
    struct loop_result res;
    loop_result_init(&res);
    struct check_report rep;
    memset(&rep, 0, sizeof(rep));
    int have_rep = 0;
    if (cm_make_temp_dir(&dir, "chatmpi-serve")) {
        fail(j, 500, cm_error_message());
        goto done;
    }
    seq = cm_path_join(dir, "seq.c");
    if (cm_write_file_atomic(seq, p->program, strlen(p->program))) {
        fail(j, 500, cm_error_message());
        goto done;
    }
    memcpy(co.np, p->np, p->n_np * sizeof(p->np[0]));
    co.n_np = p->n_np;
    for (size_t i = 0; i < p->args.n; i++) cm_strlist_push(&co.args, p->args.items[i]);
    co.timeout_s = p->timeout_s;
    /* the program must keep the contract before any generation (as `run FILE.c`) */
    int rc = harness_check_sequential(&rep, seq, &co);
    have_rep = !rc;
    if (rc) {
        fail(j, 500, cm_error_message());
        goto done;
    }
    if (rep.outcome == CHECK_SEQ_ERROR) {
        struct cm_buf m;
        cm_buf_init(&m);
        cm_buf_printf(&m, "the program does not keep the program contract (docs/run.md): %s",
                      rep.seq_error ? rep.seq_error : "");
        fail(j, 400, m.data);
        cm_buf_release(&m);
        goto done;
    }
    if (p->examples && !s->pool_loaded) {
        if (example_pool_add_default(&s->pool)) {
            fail(j, 500, cm_error_message());
            goto done;
        }
        s->pool_loaded = 1;
    }
    struct lm_capped lm = {{&capped_ops, s->m->name, s->m->n_ctx}, s->a, p->max_tokens};
    struct par_ctx pc = {seq, &co};
    char *marked = NULL; /* --frame: the program with its loops to split marked (gcov) */
    if (p->frame) {
        struct hotloops_counts hc;
        size_t n_marked = 0;
        int mrc = hotloops_profile(&hc, seq, p->args.n ? p->args.items[0] : NULL, 120);
        if (!mrc) mrc = hotloops_mark(&marked, &n_marked, p->program, &hc);
        hotloops_counts_release(&hc);
        cm_error_clear(); /* unmarked: the frame asks for the whole program and says why (rounds' frame_skipped) */
    }
    struct loop_opts o = {0};
    o.frame = p->frame;
    o.samples = p->samples;
    o.repair = p->repair;
    o.examples = p->examples;
    o.pool = p->examples ? &s->pool : NULL;
    lm.base.chat = s->m->chat, lm.base.prefix = 1; /* the local runtime continues a prefix */
    o.answer_prefix = loop_default_answer_prefix(&lm.base);
    o.sampling = p->sp;
    o.check = par_check;
    o.check_ctx = &pc;
    o.interrupted = serve_job_interrupted;
    rc = loop_run(&res, &lm.base, marked ? marked : p->program, &o);
    free(marked);
    if (rc) {
        fail(j, serve_job_cancelled(j) ? 503 : 500, serve_job_cancelled(j) ? "the request was cancelled" : cm_error_message());
        goto done;
    }
    long pick = res.best >= 0 ? res.best : res.closest;
    const struct loop_round *r = pick >= 0 ? &res.rounds[pick] : NULL;
    json_t *out = json_object();
    json_object_set_new(out, "verified", json_boolean(res.best >= 0));
    json_object_set_new(out, "program", cm_json_str(r ? r->program : NULL));
    json_object_set_new(out, "report", r && r->checked ? (json_t *)check_report_to_json(&r->rep) : json_null());
    json_object_set_new(out, "rounds", (json_t *)loop_result_to_json(&res, 0));
    json_object_set_new(out, "model", json_string(s->name));
    serve_job_reply(j, 200, json_dumps(out, JSON_COMPACT));
    json_decref(out);
done:
    if (have_rep) check_report_release(&rep);
    loop_result_release(&res);
    check_opts_release(&co);
    if (dir) cm_remove_tree(dir);
    free(dir), free(seq);
}
