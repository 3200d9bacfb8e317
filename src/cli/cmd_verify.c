/* cmd_verify.c — `chatmpi verify` (the training split, as ChatHPC's verify) and `chatmpi test
 * [FILE | --split S]`: generate answers with the model for corpus records and score them on
 * the harness with the table `eval` prints (src/eval). Answers can be saved in eval's layout
 * (--save-answers DIR) and scored again later with `chatmpi eval --answers DIR`. --lora adds
 * adapters to the model (applied unmerged). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opt.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "corpus/corpus.h"
#include "eval/eval.h"
#include "cli/loop_args.h"
#include "loop/loop.h"
#include "model/assistant.h"
#include "prompt/dataset.h"


struct job {
    struct eval_case ec;
    char *question, *context; /* a dataset file's record (owned); NULL: the corpus's question */
    char *program;            /* a corpus case's seq.c (owned); NULL for a record */
};

struct verify_ctx {
    const struct corpus_case *cc;
    const struct eval_opts *o;
    size_t i, n_jobs, samples;
    int tty;
};

static int verify_check(void *ctx, const char *path, struct check_report *rep)
{
    const struct verify_ctx *v = ctx;
    return eval_check_program(rep, v->cc, path, v->o);
}

static void verify_progress(void *ctx, const struct loop_round *x, enum loop_phase ph)
{
    const struct verify_ctx *v = ctx;
    if (!v->tty || ph == LOOP_DONE) return;
    fprintf(stderr, "\r\033[K[%zu/%zu] %s: %s sample %zu%s%.0zu", v->i + 1, v->n_jobs, v->cc->id,
            ph == LOOP_GENERATING ? "generating" : "checking", x->candidate + 1, x->round ? ", repair " : "", x->round);
}

static int save_answer(const char *dir, const char *id, size_t k, const char *answer)
{
    char *d = cm_path_join(dir, id);
    char rel[64];
    snprintf(rel, sizeof(rel), "sample_%02zu.txt", k + 1);
    int rc = cm_make_dirs(d, 0755);
    char *f = cm_path_join(d, rel);
    if (!rc) rc = cm_write_file_atomic(f, answer, strlen(answer));
    free(f), free(d);
    return rc;
}

static const char *record_id(const struct dataset_record *r)
{
    for (size_t i = 0; i < r->n_extra; i++)
        if (!strcmp(r->extra[i].key, "id")) return r->extra[i].value;
    return NULL;
}

/* --mark-loops profiles a case's sequential program at its timing size (the last check size
 * when it has none), where the main loops dominate the set-up. */
static const char *profile_args(const struct corpus_case *cc)
{
    if (cc->bench_args && *cc->bench_args) return cc->bench_args;
    return cc->check_args.n ? cc->check_args.items[cc->check_args.n - 1] : NULL;
}

/* --mark-loops: the case's seq.c (its text given) marked, or NULL (not asked, or a warning said why). */
static char *mark_case(const struct corpus_case *cc, const char *seq, const struct loop_args *la, const char *name)
{
    if (!la->mark_loops) return NULL;
    char *path = cm_path_join(cc->dir, "seq.c"), *marked = loop_args_mark(la, path, seq, profile_args(cc), name);
    free(path);
    return marked;
}

/* --mark-loops on a dataset record: its question's copy of the case's seq.c is marked. */
static void mark_question(struct job *j, const struct loop_args *la, const char *name)
{
    char *seq = NULL, *marked = NULL;
    if (!la->mark_loops || corpus_case_read(&seq, j->ec.cc, "seq.c")) goto done;
    const char *at = strstr(j->question, seq);
    if (!at) {
        fprintf(stderr, "chatmpi %s: warning: --mark-loops: the question of '%s' does not hold its seq.c; left "
                        "unmarked\n", name, j->ec.cc->id);
        goto done;
    }
    if (!(marked = mark_case(j->ec.cc, seq, la, name))) goto done;
    struct cm_buf b;
    cm_buf_init(&b);
    cm_buf_append(&b, j->question, (size_t)(at - j->question));
    cm_buf_append(&b, marked, strlen(marked));
    cm_buf_append(&b, at + strlen(seq), strlen(at + strlen(seq)));
    free(j->question);
    j->question = cm_buf_detach(&b);
    cm_buf_release(&b);
done:
    cm_error_clear();
    free(seq), free(marked);
}

static int run_jobs(const char *name, int argc, char **argv, int is_test)
{
    const char *model = NULL, *split = is_test ? "test" : "train", *json = NULL, *markdown = NULL, *tmpl = NULL,
               *run_cache = NULL;
    const char *save = NULL;
    struct opt_ints np = {{1, 2, 3, 4}, 4}, ks = {{0}, 0};
    long samples = 1, runs = 3, max_tokens = 4096, seed = 1, threads = 0;
    double timeout = 20, temperature = 0, top_p = 0.95;
    int bench = 0, expert = 0, quiet = 0, fail_fast = 0;
    struct cm_strlist loras, stops;
    cm_strlist_init(&loras), cm_strlist_init(&stops);
    struct loop_args la;
    loop_args_init(&la);
    const struct opt_spec specs_all[] = {
        {OPT_STR, "model", 'm', "MODEL", "a GGUF with a tokenizer, or a fetched base's name (default $CHATMPI_MODEL, else the default assistant's base if fetched, else models/default.gguf)",
         &model},
        {OPT_STR_LIST, "lora", 0, "FILE[:SCALE]", "apply a LoRA adapter, scaled (default 1)", &loras},
        {OPT_STR, "split", 's', "SPLIT", is_test ? "corpus split(s): train, test, refine, a comma list or all (default test)" : "corpus split(s): train, test, refine, a comma list or all (default train)", &split},
        {OPT_INT, "samples", 'k', "N", "answers per record (default 1); pass@k needs N >= k", &samples, 1, 64},
        {OPT_INT_LIST, "pass-k", 0, "K,K,...", "pass@k values (default 1,2,4,8 up to N)", &ks, 1, EVAL_MAX_K},
        {OPT_INT_LIST, "np", 0, "N,N,...", "rank counts (default 1,2,3,4)", &np, 1, 1024},
        {OPT_FLAG, "bench", 'b', NULL, "time correct answers (speedup at 2 ranks)", &bench},
        {OPT_INT, "runs", 'r', NULL, "timed repetitions with --bench (default 3)", &runs, 1, 64},
        {OPT_FLAG, "compare-expert", 0, NULL, "with --bench, also time the expert mpi.c (beside each correct answer, in turns) and baseline.c", &expert},
        {OPT_DOUBLE, "timeout", 't', "SECONDS", "limit of each check run (default 20)", &timeout, 0, 0, 0.1, 86400},
        {OPT_STR, "template", 0, "NAME|FILE", "prompt template: chathpc, chatml, codellama or a file (default: the model's own, else chathpc)", &tmpl},
        {OPT_DOUBLE, "temperature", 'T', NULL, "sampling temperature (default 0; 0.7 for samples 2..N)", &temperature,
         0, 0, 0, 10},
        {OPT_DOUBLE, "top-p", 0, NULL, "nucleus sampling (default 0.95)", &top_p, 0, 0, 0, 1},
        {OPT_STR_LIST, "stop", 0, "STR", "end an answer where its text contains STR (not kept)", &stops},
        {OPT_INT, "seed", 0, NULL, "sampling seed (default 1)", &seed, 0, 1L << 62},
        {OPT_INT, "max-tokens", 'n', NULL, "answer length limit (default 4096; at most what the context leaves)", &max_tokens, 1, 1 << 20},
        {OPT_INT, "threads", 0, NULL, "threads (default all cores)", &threads, 0, 1024},
        {OPT_STR, "save-answers", 0, "DIR", "keep every answer (DIR/<id>/sample_NN.txt, eval's layout)", &save},
        {OPT_STR, "json", 'j', "FILE", "every answer's result as JSON", &json},
        {OPT_STR, "markdown", 0, "FILE", "the tables as Markdown", &markdown},
        {OPT_STR, "run-cache", 0, "DIR", "reuse runs of the same executable image from DIR (created)", &run_cache},
        {OPT_FLAG, "fail-fast", 0, NULL, "stop checking a program at its first failing run (the rest not made, no timing)", &fail_fast},
        {OPT_FLAG, "quiet", 'q', NULL, "no progress line", &quiet},
        LOOP_ARGS_SPECS(la),
        {0},
    };
    const struct opt_cmd cmd = {
        name, is_test ? "[FILE] [options] [CORPUS_PATH...]" : "[options] [CORPUS_PATH...]",
        is_test ? "Generate answers with the model for unseen records (the test split, or a ChatHPC dataset\n"
                  "FILE whose records carry corpus ids, such as data/test.json) and score them on the harness."
                : "Generate answers with the model for the training split (ChatHPC's verify) and score them\n"
                  "on the harness: does the model reproduce what it was taught?",
        "The table is eval's (see 'chatmpi eval --help'): build rate, correctness at every rank count\n"
        "and check size, pass@k, speedup at 2 ranks, bytes moved, exact matches with the expert answer.\n"
        "exit status: 0 the evaluation ran, 2 usage or an adapter that does not fit the model,\n"
        "3 environment (no model, no MPI).",
        0, -1, specs_all};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    struct corpus c;
    corpus_init(&c);
    struct dataset ds;
    dataset_init(&ds);
    struct job *jobs = NULL;
    size_t n_jobs = 0;
    struct lm *m = NULL;
    struct eval_opts o;
    memset(&o, 0, sizeof(o));
    check_opts_init(&o.check);
    char *model_path = NULL, *file = NULL;
    int rc = opt_parse(&cmd, argc, argv, &pos);
    if (rc != OPT_OK || (rc = cli_check_stops(name, &stops))) goto done;
    if ((rc = cli_check_output(name, "--json", json, 0)) || (rc = cli_check_output(name, "--markdown", markdown, 0)) ||
        (rc = cli_check_output(name, "--save-answers", save, 1)) ||
        (rc = cli_check_output(name, "--run-cache", run_cache, 1)))
        goto done;
    if ((rc = cli_model_path(&model_path, model, la.endpoint != NULL, !quiet, name))) goto done;
    if ((rc = loop_args_frame_default(&la, model_path, tmpl, 1, !quiet, name))) goto done;
    rc = EXIT_USAGE;
    if (is_test && pos.n && cm_is_file(pos.items[0])) { /* test FILE [CORPUS_PATH...]: file takes it */
        file = pos.items[0];
        memmove(pos.items, pos.items + 1, (pos.n - 1) * sizeof(*pos.items));
        pos.n--;
    }
    int err = corpus_load(&c, pos.items, pos.n);
    if (err) {
        cli_report_error(err);
        goto done;
    }
    jobs = cm_calloc(c.n + 1, sizeof(*jobs));
    la.mark_loops |= la.frame; /* --frame marks the loops */
    if (la.mark_loops && !quiet)
        fprintf(stderr, "chatmpi %s: --mark-loops: profiling each program under gcov first (seconds each)\n", name);
    if (file) {
        if ((err = dataset_load(&ds, file))) {
            cli_report_error(err);
            goto done;
        }
        jobs = cm_realloc(jobs, (ds.n + 1) * sizeof(*jobs));
        for (size_t i = 0; i < ds.n; i++) {
            const char *id = record_id(&ds.recs[i]);
            const struct corpus_case *cc = NULL;
            for (size_t k = 0; id && k < c.n && !cc; k++)
                if (!strcmp(c.cases[k].id, id)) cc = &c.cases[k];
            if (!cc) {
                char where[64] = "";
                if (ds.recs[i].line) snprintf(where, sizeof(where), " (line %zu)", ds.recs[i].line);
                fprintf(stderr, "chatmpi %s: record %zu of '%s'%s has no corpus case%s%s%s\n", name, i + 1, file,
                        where, id ? " with id '" : " (no id key)", id ? id : "", id ? "'" : "");
                fprintf(stderr, "hint: answers are checked against corpus cases (their seq.c and check sizes); "
                                "records need an id such as \"blas1/dot\"\n");
                goto done;
            }
            struct job *j = &jobs[n_jobs++];
            j->ec.cc = cc;
            j->question = cm_strdup(ds.recs[i].question);
            mark_question(j, &la, name);
            j->context = ds.recs[i].context ? cm_strdup(ds.recs[i].context) : NULL;
        }
    } else {
        if (corpus_split_check(split)) {
            cli_report_error(CM_EINVAL);
            goto done;
        }
        for (size_t i = 0; i < c.n; i++) {
            if (!corpus_split_selects(split, c.cases[i].split)) continue;
            char *seq = NULL;
            if (corpus_case_read(&seq, &c.cases[i], "seq.c")) {
                cli_report_error(CM_EIO);
                goto done;
            }
            struct job *j = &jobs[n_jobs++];
            j->ec.cc = &c.cases[i];
            j->program = seq; /* the loop asks the corpus's question about it */
            char *marked = mark_case(&c.cases[i], seq, &la, name);
            if (marked) free(j->program), j->program = marked;
        }
    }
    if (!n_jobs) {
        fprintf(stderr, "chatmpi %s: no records to answer\n", name);
        goto done;
    }
    if ((err = eval_choose_ks(&o, ks.v, ks.n, (size_t)samples)) != 0) {
        cli_report_error(err);
        goto done;
    }
    memcpy(o.check.np, np.v, np.n * sizeof(np.v[0]));
    o.check.n_np = np.n;
    o.check.runs = (int)runs;
    o.check.timeout_s = timeout;
    o.check.run_cache = run_cache;
    o.check.fail_fast = fail_fast;
    o.bench = bench;
    o.compare_expert = expert;

    tmpl = loop_args_template(&la, tmpl, name);
    struct assistant_opts ao = {model_path, tmpl, {temperature, 0, top_p, (uint64_t)seed}, (size_t)max_tokens, 0,
                                (int)threads};
    ao.lora = (const char *const *)loras.items;
    ao.n_lora = loras.n;
    ao.stops = (const char *const *)stops.items;
    ao.n_stops = stops.n;
    ao.interrupted = sandbox_interrupted;
    if ((rc = loop_args_open_lm(&la, &m, &ao, model != NULL, name)) != EXIT_OK) goto done;
    sandbox_catch_signals();
    int tty = isatty(2) && !quiet;
    rc = EXIT_OK;
    struct loop_opts lo = {0};
    if ((rc = loop_args_apply(&la, &lo, name)) != EXIT_OK || (rc = loop_args_model(&la, &lo, m, name)) != EXIT_OK)
        goto done;
    lo.samples = (size_t)samples;
    lo.sampling = ao.sampling;
    lo.exclude_splits = file ? NULL : split; /* never an example from the split being answered */
    lo.check = verify_check;
    lo.on_round = verify_progress;
    lo.interrupted = sandbox_interrupted;
    for (size_t i = 0; i < n_jobs && rc == EXIT_OK; i++) {
        struct job *j = &jobs[i];
        struct verify_ctx vc = {j->ec.cc, &o, i, n_jobs, (size_t)samples, tty};
        lo.check_ctx = lo.ctx = &vc;
        lo.exclude_id = j->ec.cc->id;
        char *reuse_dir = la.reuse ? cm_path_join(la.reuse, j->ec.cc->id) : NULL;
        lo.given_ctx = reuse_dir;
        lo.question = j->question;
        lo.context = j->context;
        struct loop_result res;
        loop_result_init(&res);
        lo.frame = la.frame && j->program; /* a dataset record's question is not a program */
        err = loop_run(&res, m, j->program ? j->program : j->question, &lo);
        if (res.frame_skipped)
            fprintf(stderr, "chatmpi %s: %s: --frame: %s; the whole program was asked for\n", name, j->ec.cc->id,
                    res.frame_skipped);
        free(reuse_dir);
        /* a sample is a candidate: its last round (the verified one, or the last repair); a
         * candidate a budget left undrawn is a sample without a program */
        j->ec.n = (size_t)samples;
        j->ec.samples = cm_calloc(j->ec.n, sizeof(*j->ec.samples));
        long *last = cm_calloc(j->ec.n, sizeof(long));
        for (size_t k = 0; k < j->ec.n; k++) last[k] = -1;
        for (size_t r = 0; r < res.n; r++) {
            const struct loop_round *x = &res.rounds[r];
            last[x->candidate] = (long)r;
            j->ec.prompt_tokens += x->usage.prompt_tokens, j->ec.cached_tokens += x->usage.cached_tokens;
            j->ec.tokens += x->usage.tokens;
            j->ec.prefill_s += x->usage.prefill_s, j->ec.decode_s += x->usage.decode_s, j->ec.check_s += x->check_s;
            if (x->round) continue;
            j->ec.n_first_built += x->outcome == CHECK_CORRECT || x->outcome == CHECK_INCORRECT || x->outcome == CHECK_SERIAL;
            j->ec.n_first_correct += x->outcome == CHECK_CORRECT;
        }
        j->ec.has_rounds = 1;
        j->ec.n_rounds = res.n;
        for (size_t k = 0; k < j->ec.n && !err; k++) {
            struct eval_sample *s = &j->ec.samples[k];
            char src[64];
            snprintf(src, sizeof(src), "sample %zu", k + 1);
            s->source = cm_strdup(src);
            const struct loop_round *x = last[k] >= 0 ? &res.rounds[last[k]] : NULL;
            if (x && x->checked) eval_sample_from_report(s, j->ec.cc, x->program, &x->rep);
            else eval_sample_no_program(s, x ? x->why : "not drawn: a budget was reached");
            if (x && x->answer && save) err = save_answer(save, j->ec.cc->id, k, x->answer);
        }
        free(last);
        if (!err && save) { /* the transcript too: --reuse-answers reads it */
            char *d = cm_path_join(save, j->ec.cc->id);
            err = loop_save(&res, d);
            free(d);
        }
        j->ec.loop_json = loop_result_to_json(&res, 0);
        loop_result_release(&res);
        if (!err) err = eval_finish_case(&j->ec, &o);
        if (err) {
            if (tty) fprintf(stderr, "\r\033[K");
            rc = cli_report_error(err);
        }
    }
    if (tty) fprintf(stderr, "\r\033[K");
    if (rc == EXIT_OK) {
        struct eval_case *cases = cm_calloc(n_jobs, sizeof(*cases));
        for (size_t i = 0; i < n_jobs; i++) cases[i] = jobs[i].ec;
        char title[64];
        snprintf(title, sizeof(title), "chatmpi %s", name);
        printf("chatmpi %s: model %s", name, m->name);
        for (size_t i = 0; i < loras.n && !la.endpoint; i++) printf("%s%s", i ? ", " : " with LoRA ", loras.items[i]);
        printf("\n");
        eval_report_print(cases, n_jobs, &o, title, stdout);
        if (markdown && (err = eval_report_markdown(cases, n_jobs, &o, markdown))) rc = cli_report_error(err);
        if (json && (err = eval_report_json(cases, n_jobs, &o, json))) rc = cli_report_error(err);
        free(cases);
    }
done:
    for (size_t i = 0; i < n_jobs; i++) {
        eval_case_release(&jobs[i].ec);
        free(jobs[i].question), free(jobs[i].context), free(jobs[i].program);
    }
    free(jobs);
    lm_close(m);
    loop_args_release(&la);
    free(model_path);
    free(file);
    check_opts_release(&o.check);
    dataset_release(&ds);
    corpus_release(&c);
    cm_strlist_release(&pos);
    cm_strlist_release(&loras);
    cm_strlist_release(&stops);
    return rc == OPT_HELP ? EXIT_OK : rc;
}

int cmd_verify(int argc, char **argv) { return run_jobs("verify", argc, argv, 0); }
int cmd_test(int argc, char **argv) { return run_jobs("test", argc, argv, 1); }
