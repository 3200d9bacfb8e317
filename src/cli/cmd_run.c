/* cmd_run.c — `chatmpi run`: the assistant.
 *   chatmpi run FILE.c   parallelize a sequential program: generate K candidates, verify each
 *                        with the harness, write the fastest verified one, print its report;
 *                        when none verifies, say so, show the closest and why, exit 1.
 *   chatmpi run          the interactive assistant of the seed: one question at a time.
 * Default model: assistant_default_model (model/assistant.h); --lora adds adapters (applied
 * unmerged). A pretrained chat model parallelizes with the MPI frame unless --no-frame. */
#include <editline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opt.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "harness/harness.h"
#include "cli/loop_args.h"
#include "loop/loop.h"

/* The loop's settings from the command line, and --save-answers. */
struct run_loop {
    struct loop_opts o;
    const char *save;
    const struct loop_args *la; /* --mark-loops */
};

/* ---- interactive ---- */

static int parallelize(struct lm *m, const struct run_loop *rl, const char *file, const char *out_path, int no_verify,
                       struct check_opts *co, const char *json);
static int check_outputs(const char *file, const char *out_path, const char *json);
static char *default_output(const char *file);

#define INTERACTIVE_HELP                                                                                  \
    "/file FILE.c [OUT.c]  parallelize FILE.c and prove it, as 'chatmpi run FILE.c' (writes OUT.c,\n"  \
    "                      default FILE_mpi.c, only when the program verifies)\n"                        \
    "/context [text]       set or clear the context\n"                                                  \
    "/help                 this list\n"                                                                 \
    "/bye                  leave (or end of input)\n"                                                   \
    "Anything else is a question to the model (not verified); end a line with \\ to continue it.\n"   \
    "Ctrl-C stops the answer or the /file run in progress.\n"

/* /file FILE.c [OUT.c]: the main job inside the chat; Ctrl-C ends it, not the session. */
static void interactive_file(struct lm *m, const struct run_loop *rl, struct check_opts *co, const char *args)
{
    struct cm_strlist w;
    cm_strlist_init(&w);
    cm_strlist_split_ws(&w, args);
    if (w.n < 1 || w.n > 2) {
        fprintf(stderr, "chatmpi: usage: /file FILE.c [OUT.c]\n");
        cm_strlist_release(&w);
        return;
    }
    char *out = w.n > 1 ? cm_strdup(w.items[1]) : default_output(w.items[0]);
    if (check_outputs(w.items[0], out, NULL) == EXIT_OK) {
        sandbox_catch_signals();
        parallelize(m, rl, w.items[0], out, 0, co, NULL);
        sandbox_release_signals();
    }
    free(out);
    cm_strlist_release(&w);
}

static int interactive(struct loop_args *la, int model_given, const struct assistant_opts *ao, struct run_loop *rl,
                       struct check_opts *co)
{
    struct lm *m = NULL;
    int rc = loop_args_open_lm(la, &m, ao, model_given, "run");
    if (!rc && (rc = loop_args_model(la, &rl->o, m, "run"))) lm_close(m);
    if (rc) return rc;
    char *hist = NULL;
    const char *home = getenv("HOME");
    if (home && *home) hist = cm_path_join(home, ".chatmpi_history");
    using_history();
    if (hist) read_history(hist);
    char *context = cm_strdup(LOOP_CONTEXT);
    printf("chatmpi assistant (model %s). One question at a time; end a line with \\ to continue it.\n"
           "/file FILE.c parallelizes a file and proves the result, /context [text] sets or clears the\n"
           "context, /help lists the commands, /bye leaves.\n",
           m->name);
    struct cm_buf q;
    cm_buf_init(&q);
    uint64_t seed = ao->sampling.seed;
    for (;;) {
        char prompt[600];
        if (q.len)
            snprintf(prompt, sizeof(prompt), "... ");
        else
            snprintf(prompt, sizeof(prompt), "chatmpi%s%.500s%s> ", *context ? " (" : "", context, *context ? ")" : "");
        char *line = readline(prompt);
        if (!line) break; /* end of input */
        size_t n = strlen(line);
        if (n && !q.len) add_history(line);
        if (!q.len && !strcmp(line, "/bye")) {
            free(line);
            break;
        }
        if (!q.len && !strncmp(line, "/context", 8) && (line[8] == ' ' || !line[8])) {
            const char *t = line + 8;
            while (*t == ' ') t++;
            free(context);
            context = cm_strdup(t);
            printf(*t ? "context set\n" : "context cleared\n");
            free(line);
            continue;
        }
        if (!q.len && !strcmp(line, "/help")) {
            fputs(INTERACTIVE_HELP, stdout);
            free(line);
            continue;
        }
        if (!q.len && !strncmp(line, "/file", 5) && (line[5] == ' ' || !line[5])) {
            interactive_file(m, rl, co, line + 5);
            fflush(stdout);
            free(line);
            continue;
        }
        /* "/word": a command; a "//" or "/ *" comment begins C code, a question like any other */
        if (!q.len && line[0] == '/' && ((line[1] >= 'a' && line[1] <= 'z') || (line[1] >= 'A' && line[1] <= 'Z'))) {
            fprintf(stderr, "chatmpi: unknown command '%.*s' (/help lists them)\n", (int)strcspn(line, " "), line);
            free(line);
            continue;
        }
        if (n && line[n - 1] == '\\') {
            cm_buf_append(&q, line, n - 1);
            cm_buf_puts(&q, "\n");
            free(line);
            continue;
        } else {
            cm_buf_puts(&q, line);
        }
        free(line);
        if (!q.len) continue;
        char *answer = NULL;
        struct sampler_params sp = ao->sampling;
        sp.seed = seed++;
        const struct assistant_turn turn = {q.data, context, NULL};
        struct assistant_usage u;
        sandbox_catch_signals(); /* Ctrl-C ends this answer, not the session */
        int arc = lm_chat(m, &answer, &turn, 1, &sp, NULL, &u);
        int lim = u.cut;
        sandbox_release_signals();
        if (arc != 0)
            fprintf(stderr, "chatmpi: %s\n", cm_error_message());
        else
            printf("%s\n%s", answer, lim ? "(answer cut at the token limit)\n" : "");
        free(answer);
        cm_buf_release(&q);
    }
    if (hist) write_history(hist);
    free(hist);
    free(context);
    cm_buf_release(&q);
    lm_close(m);
    return EXIT_OK;
}

/* ---- FILE.c ---- */

/* The user's program must keep the contract (builds, prints, deterministic at every check size)
 * before minutes of generation: otherwise no candidate can be judged. */
static int check_sequential(const char *file, const struct check_opts *co)
{
    struct check_report rep;
    if (isatty(2)) fprintf(stderr, "checking the sequential program\r");
    int rc = harness_check_sequential(&rep, file, co);
    if (rc) {
        rc = cli_report_error(rc);
    } else if (rep.outcome == CHECK_SEQ_ERROR) {
        fprintf(stderr, "chatmpi run: '%s' does not keep the program contract (docs/run.md), nothing generated:\n%s\n",
                file, rep.seq_error ? rep.seq_error : "");
        rc = EXIT_USAGE;
    }
    if (isatty(2)) fprintf(stderr, "\033[K");
    check_report_release(&rep);
    return rc;
}

static char *default_output(const char *file)
{
    size_t n = strlen(file);
    char *out = cm_malloc(n + 8);
    snprintf(out, n + 8, "%.*s_mpi.c", (int)(n > 2 && !strcmp(file + n - 2, ".c") ? n - 2 : n), file);
    return out;
}

/* Before minutes of generation: where the verified program and its report go. */
static int check_outputs(const char *file, const char *out_path, const char *json)
{
    struct stat in_st, out_st;
    int rc;
    if ((rc = cli_check_output("run", "-o", out_path, 0)) || (rc = cli_check_output("run", "--json", json, 0)))
        return rc;
    if (stat(file, &in_st) == 0 && stat(out_path, &out_st) == 0 && in_st.st_dev == out_st.st_dev &&
        in_st.st_ino == out_st.st_ino) {
        fprintf(stderr, "chatmpi run: -o '%s' is FILE.c itself: the sequential program would be overwritten\n",
                out_path);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

struct run_ctx {
    const char *file;
    const struct check_opts *co;
    size_t samples, repair;
    int tty;
};

static int run_check(void *ctx, const char *path, struct check_report *rep)
{
    const struct run_ctx *r = ctx;
    return harness_check(rep, r->file, path, r->co);
}

/* One short line a round: candidate, round, verdict, cost. */
static void run_progress(void *ctx, const struct loop_round *x, enum loop_phase ph)
{
    const struct run_ctx *r = ctx;
    if (ph != LOOP_DONE) {
        if (r->tty)
            fprintf(stderr, "\r\033[K[candidate %zu/%zu%s%.0zu] %s", x->candidate + 1, r->samples,
                    x->round ? ", repair " : "", x->round, ph == LOOP_GENERATING ? "generating" : "checking");
        return;
    }
    if (r->tty) fprintf(stderr, "\r\033[K");
    char what[160] = "";
    if (!x->program) {
        snprintf(what, sizeof(what), "no program (%s)", x->why ? x->why : "");
    } else if (x->checked) {
        snprintf(what, sizeof(what), "%s", check_outcome_name(x->outcome));
        for (size_t i = 0; i < x->rep.n_runs; i++)
            if (x->rep.runs[i].verdict != VERDICT_PASS) {
                snprintf(what + strlen(what), sizeof(what) - strlen(what), " (np=%ld %s)", x->rep.runs[i].np,
                         check_verdict_name(x->rep.runs[i].verdict));
                break;
            }
    } else {
        snprintf(what, sizeof(what), "not checked");
    }
    if (x->given)
        fprintf(stderr, "candidate %zu%s%.0zu: %s; the saved answer reused\n", x->candidate + 1,
                x->round ? ", repair " : "", x->round, what);
    else
        fprintf(stderr, "candidate %zu%s%.0zu: %s; %zu tokens in %.1f s\n", x->candidate + 1,
                x->round ? ", repair " : "", x->round, what, x->usage.tokens, x->usage.prefill_s + x->usage.decode_s);
}

static int parallelize(struct lm *m, const struct run_loop *rl, const char *file, const char *out_path, int no_verify,
                       struct check_opts *co, const char *json)
{
    char *src = NULL;
    int rc = cm_read_file(&src, NULL, file, 1u << 20);
    if (rc) {
        fprintf(stderr, "chatmpi run: cannot read '%s'\n", file);
        return EXIT_USAGE;
    }
    struct loop_result res;
    loop_result_init(&res);
    if (!no_verify && (rc = check_sequential(file, co)) != EXIT_OK) goto done;
    struct run_ctx ctx = {file, co, rl->o.samples, no_verify ? 0 : rl->o.repair, isatty(2)};
    struct loop_opts o = rl->o;
    o.check = no_verify ? NULL : run_check;
    o.check_ctx = &ctx;
    if (no_verify) o.repair = 0;
    o.on_round = run_progress;
    o.ctx = &ctx;
    o.interrupted = sandbox_interrupted;
    /* --mark-loops: profiled at the timing size, else the last check size, else its defaults */
    const char *pargs = co->bench_args ? co->bench_args : co->args.n ? co->args.items[co->args.n - 1] : NULL;
    char *marked = rl->la ? loop_args_mark(rl->la, file, src, pargs, "run") : NULL;
    rc = loop_run(&res, m, marked ? marked : src, &o);
    free(marked);
    if (res.frame_skipped) fprintf(stderr, "chatmpi run: --frame: %s; the whole program was asked for\n", res.frame_skipped);
    if (rl->save && res.n && loop_save(&res, rl->save)) {
        cli_report_error(CM_EIO);
        if (!rc) rc = CM_EIO;
    }
    if (rc) {
        if (ctx.tty) fprintf(stderr, "\r\033[K");
        rc = cli_report_error(rc);
        goto done;
    }
    if (res.n_examples) {
        fprintf(stderr, "worked examples:");
        for (size_t i = 0; i < res.n_examples; i++) fprintf(stderr, " %s", res.example_ids[i]);
        fprintf(stderr, "\n");
    }
    if (no_verify) {
        for (size_t i = 0; i < res.n; i++)
            printf("=== candidate %zu of %zu (not verified)\n%s\n", res.rounds[i].candidate + 1, rl->o.samples,
                   res.rounds[i].answer);
        rc = EXIT_OK;
        goto done;
    }
    for (size_t i = 0; i < res.n; i++)
        if (res.rounds[i].checked && res.rounds[i].outcome == CHECK_SEQ_ERROR) {
            check_report_print(&res.rounds[i].rep, stdout);
            rc = EXIT_USAGE;
            goto done;
        }
    const char *budget = res.budget ? " (a budget ended the loop early)" : "";
    if (res.best >= 0) {
        struct loop_round *b = &res.rounds[res.best];
        free(b->rep.mpi_path);
        b->rep.mpi_path = cm_strdup(out_path);
        check_report_print(&b->rep, stdout);
        if ((rc = cm_write_file_atomic(out_path, b->program, strlen(b->program)))) {
            /* checked writable before generation, but a disk can fill: the program is not lost */
            printf("\n--- the verified program (candidate %zu), which could not be written ---\n%s", b->candidate + 1,
                   b->program);
            fflush(stdout);
            rc = cli_report_error(rc);
            goto done;
        }
        char rounds[64] = "";
        if (b->round) snprintf(rounds, sizeof(rounds), " after %zu repair round%s", b->round, b->round > 1 ? "s" : "");
        if (res.n_verified > 1)
            printf("\nchatmpi run: %zu of %zu candidates verified; candidate %zu%s, the fastest, written to %s\n",
                   res.n_verified, res.candidates, b->candidate + 1, rounds, out_path);
        else
            printf("\nchatmpi run: candidate %zu of %zu verified%s; written to %s%s\n", b->candidate + 1,
                   res.candidates, rounds, out_path, budget);
        if (json) rc = check_report_write_json(&b->rep, json) ? cli_report_error(CM_EIO) : EXIT_OK;
        else rc = EXIT_OK;
        goto done;
    }
    char rounds[64] = "";
    if (res.n > res.candidates) snprintf(rounds, sizeof(rounds), " (%zu answers with repair rounds)", res.n);
    if (res.candidates > 1)
        printf("chatmpi run: none of the %zu candidates verified%s; nothing was written%s.\n", res.candidates, rounds,
               budget);
    else
        printf("chatmpi run: the candidate did not verify%s; nothing was written%s.\n", rounds, budget);
    if (res.closest >= 0) {
        const struct loop_round *c = &res.rounds[res.closest];
        printf("The closest (candidate %zu%s%.0zu, %zu of %zu runs passed):\n\n", c->candidate + 1,
               c->round ? ", repair " : "", c->round, c->passes, c->rep.n_runs);
        check_report_print(&c->rep, stdout);
        printf("\n--- its program (NOT verified) ---\n%s", c->program);
    } else if (res.n) {
        printf("No answer held a program: %s\n--- the first answer ---\n%s\n",
               res.rounds[0].why ? res.rounds[0].why : "", res.rounds[0].answer ? res.rounds[0].answer : "");
    }
    rc = EXIT_FAILED;
done:
    loop_result_release(&res);
    free(src);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    const char *model = NULL, *out = NULL, *tmpl = NULL, *json = NULL;
    struct run_loop rl;
    memset(&rl, 0, sizeof(rl));
    struct loop_args la;
    loop_args_init(&la);
    struct check_opts co;
    check_opts_init(&co);
    struct opt_ints np = {{1, 2, 3, 4}, 4};
    long samples = 1, max_tokens = 4096, seed = 1, threads = 0, runs = 3;
    double temperature = 0, top_p = 0.95, timeout = 10;
    int no_verify = 0;
    struct cm_strlist loras, stops;
    cm_strlist_init(&loras), cm_strlist_init(&stops);
    const struct opt_spec specs[] = {
        {OPT_STR, "model", 'm', "MODEL", "a GGUF with a tokenizer, or a fetched base's name (default $CHATMPI_MODEL, else the default assistant's base if fetched, else models/default.gguf)",
         &model},
        {OPT_STR_LIST, "lora", 0, "FILE[:SCALE]", "apply a LoRA adapter, scaled (default 1)", &loras},
        {OPT_STR, "output", 'o', "OUT.c", "where the verified program goes (default FILE_mpi.c)", &out},
        {OPT_INT, "samples", 'k', "K", "candidates to generate and verify (default 1)", &samples, 1, 64},
        {OPT_INT_LIST, "np", 0, "N,N,...", "rank counts to verify at (default 1,2,3,4)", &np, 1, 1024},
        {OPT_STR_LIST, "args", 'a', "\"ARGS\"", "a check size set for FILE.c (default: its own defaults)", &co.args},
        {OPT_STR, "bench-args", 'b', "\"ARGS\"", "time candidates at this size; the fastest verified wins", &co.bench_args},
        {OPT_INT, "runs", 'r', NULL, "timed repetitions with --bench-args (default 3)", &runs, 1, 64},
        {OPT_DOUBLE, "rtol", 0, NULL, "relative tolerance (default 1e-6)", &co.rtol, 0, 0, 0, 1},
        {OPT_DOUBLE, "atol", 0, NULL, "absolute tolerance (default 1e-9)", &co.atol, 0, 0, 0, 1e300},
        {OPT_DOUBLE, "timeout", 't', "SECONDS", "limit of each check run (default 10)", &timeout, 0, 0, 0.1, 86400},
        {OPT_FLAG, "no-verify", 0, NULL, "print the raw generations without checking them", &no_verify},
        {OPT_STR, "template", 0, "NAME|FILE", "prompt template: chathpc, chatml, codellama or a file (default: the model's own, else chathpc)", &tmpl},
        {OPT_DOUBLE, "temperature", 'T', NULL, "sampling temperature (default 0: greedy; 0.7 for samples 2..K)",
         &temperature, 0, 0, 0, 10},
        {OPT_DOUBLE, "top-p", 0, NULL, "nucleus sampling (default 0.95)", &top_p, 0, 0, 0, 1},
        {OPT_STR_LIST, "stop", 0, "STR", "end an answer where its text contains STR (not kept)", &stops},
        {OPT_INT, "seed", 's', NULL, "sampling seed (default 1)", &seed, 0, 1L << 62},
        {OPT_INT, "max-tokens", 'n', NULL, "answer length limit (default 4096; at most what the context leaves)", &max_tokens, 1, 1 << 20},
        {OPT_INT, "threads", 0, NULL, "threads (default all cores)", &threads, 0, 1024},
        {OPT_STR, "json", 'j', "FILE", "the verified program's check report as JSON", &json},
        {OPT_STR, "run-cache", 0, "DIR", "reuse runs of the same executable image from DIR (created)", &co.run_cache},
        {OPT_FLAG, "fail-fast", 0, NULL, "stop checking a program at its first failing run (the rest not made, no timing)", &co.fail_fast},
        LOOP_ARGS_SPECS(la),
        {OPT_STR, "save-answers", 0, "DIR", "keep every answer of every round and the transcript (DIR/loop.json)",
         &rl.save},
        {0},
    };
    const struct opt_cmd cmd = {
        "run", "[FILE.c] [options]",
        "Parallelize a sequential C program with the model and prove the result: generate K\n"
        "candidates, check each with the harness against FILE.c, write the fastest verified one.\n"
        "Without FILE.c: the interactive assistant.",
        "exit status: 0 a candidate verified (written to OUT.c), 1 none verified (nothing written;\n"
        "the closest is shown with why it failed), 2 usage or a sequential program that breaks the\n"
        "contract or an adapter that does not fit the model, 3 environment (no model, no MPI).",
        0, 1, specs};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    char *model_path = NULL, *out_path = NULL;
    int rc = opt_parse(&cmd, argc, argv, &pos);
    if (rc != OPT_OK || (rc = cli_check_stops("run", &stops)) ||
        (rc = cli_check_output("run", "--run-cache", co.run_cache, 1)) ||
        (rc = cli_check_output("run", "--save-answers", rl.save, 1)))
        goto done;
    if ((rc = cli_model_path(&model_path, model, la.endpoint != NULL, pos.n > 0 && !no_verify, "run"))) goto done;
    if ((rc = loop_args_frame_default(&la, model_path, tmpl, pos.n > 0, !no_verify, "run")) ||
        (rc = loop_args_apply(&la, &rl.o, "run")))
        goto done;
    rl.o.samples = (size_t)samples;
    rl.la = &la;
    struct assistant_opts ao = {0};
    ao.template_name = loop_args_template(&la, tmpl, "run");
    ao.sampling.temperature = temperature;
    ao.sampling.top_p = top_p;
    ao.sampling.top_k = 0;
    ao.sampling.seed = (uint64_t)seed;
    ao.max_tokens = (size_t)max_tokens;
    ao.threads = (int)threads;
    ao.lora = (const char *const *)loras.items;
    ao.n_lora = loras.n;
    ao.stops = (const char *const *)stops.items;
    ao.n_stops = stops.n;
    memcpy(co.np, np.v, np.n * sizeof(np.v[0]));
    co.n_np = np.n;
    co.runs = (int)runs;
    co.timeout_s = timeout;
    ao.interrupted = sandbox_interrupted; /* 0 until sandbox_catch_signals: then Ctrl-C ends the answer */
    if (!pos.n) {
        rl.o.sampling = ao.sampling;
        ao.model_path = model_path;
        rc = interactive(&la, model != NULL, &ao, &rl, &co);
        goto done;
    }
    out_path = out ? cm_strdup(out) : default_output(pos.items[0]);
    if (!no_verify && (rc = check_outputs(pos.items[0], out_path, json))) goto done;
    sandbox_catch_signals();
    struct lm *m = NULL;
    ao.model_path = model_path;
    if ((rc = loop_args_open_lm(&la, &m, &ao, model != NULL, "run"))) goto done;
    if ((rc = loop_args_model(&la, &rl.o, m, "run"))) {
        lm_close(m);
        goto done;
    }
    rl.o.sampling = ao.sampling;
    rc = parallelize(m, &rl, pos.items[0], out_path, no_verify, &co, json);
    lm_close(m);
done:
    loop_args_release(&la);
    free(model_path), free(out_path);
    check_opts_release(&co);
    cm_strlist_release(&pos);
    cm_strlist_release(&loras);
    cm_strlist_release(&stops);
    return rc == OPT_HELP ? EXIT_OK : rc;
}
