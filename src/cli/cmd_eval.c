/* cmd_eval.c — `chatmpi eval --answers DIR`: score answers produced elsewhere (another model,
 * another tool) on the harness, with the same table `verify` and `test` print, so systems are
 * compared side by side as the seed paper compares ChatMPI with other models. */
#include <dirent.h>
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

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && !strcmp(name + n - e, ext);
}

static int is_answer(const char *name) { return has_ext(name, ".c") || has_ext(name, ".txt") || has_ext(name, ".md"); }

/* candidate_KK_round_R.txt: a round of the candidate loop's transcript (loop_save), kept beside
 * the samples by verify/test --save-answers; sample_NN.txt holds each candidate's last round */
static int is_round(const char *name)
{
    unsigned k, r;
    int end = 0;
    return sscanf(name, "candidate_%u_round_%u.txt%n", &k, &r, &end) == 2 && end && name[end] == '\0';
}

/* The answer files of a case: DIR/<id>.{c,txt,md}, or every such file in DIR/<id>/ (sorted). */
static void find_answers(struct cm_strlist *out, const char *dir, const char *id)
{
    char *base = cm_path_join(dir, id);
    const char *exts[] = {".c", ".txt", ".md"};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(base) + 5;
        char *p = cm_malloc(n);
        snprintf(p, n, "%s%s", base, exts[i]);
        if (cm_is_file(p)) cm_strlist_push_owned(out, p);
        else free(p);
    }
    if (cm_is_dir(base)) {
        struct dirent **list;
        int n = scandir(base, &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
            if (list[i]->d_name[0] != '.' && is_answer(list[i]->d_name) && !is_round(list[i]->d_name))
                cm_strlist_push_owned(out, cm_path_join(base, list[i]->d_name));
            free(list[i]);
        }
        if (n > 0) free(list);
    }
    free(base);
}

int cmd_eval(int argc, char **argv)
{
    const char *answers = NULL, *split = "test", *json = NULL, *markdown = NULL, *run_cache = NULL;
    struct opt_ints np = {{1, 2, 3, 4}, 4}, ks = {{0}, 0};
    long runs = 3;
    double timeout = 20;
    int bench = 0, expert = 0, quiet = 0, fail_fast = 0;
    const struct opt_spec specs[] = {
        {OPT_STR, "answers", 'A', "DIR", "answers to score: DIR/<domain>/<case>.{c,txt,md} or DIR/<domain>/<case>/*",
         &answers},
        {OPT_STR, "split", 's', "SPLIT", "train, test (default), refine or all", &split},
        {OPT_INT_LIST, "np", 0, "N,N,...", "rank counts (default 1,2,3,4)", &np, 1, 1024},
        {OPT_INT_LIST, "k", 0, "K,K,...", "pass@k values (default 1,2,4,8 up to the fewest samples)", &ks, 1,
         EVAL_MAX_K},
        {OPT_FLAG, "bench", 'b', NULL, "time correct answers at the case's bench_args (speedup at 2 ranks)", &bench},
        {OPT_INT, "runs", 'r', NULL, "timed repetitions with --bench (default 3)", &runs, 1, 64},
        {OPT_FLAG, "compare-expert", 0, NULL, "with --bench, also time the expert mpi.c (beside each correct answer, in turns) and baseline.c", &expert},
        {OPT_DOUBLE, "timeout", 't', "SECONDS", "limit of each check run (default 20)", &timeout, 0, 0, 0.1, 86400},
        {OPT_STR, "json", 'j', "FILE", "every sample's result as JSON", &json},
        {OPT_STR, "markdown", 0, "FILE", "the tables as Markdown", &markdown},
        {OPT_STR, "run-cache", 0, "DIR", "reuse runs of the same executable image from DIR (created)", &run_cache},
        {OPT_FLAG, "fail-fast", 0, NULL, "stop checking a program at its first failing run (the rest not made, no timing)", &fail_fast},
        {OPT_FLAG, "quiet", 'q', NULL, "no progress line", &quiet},
        {0},
    };
    const struct opt_cmd cmd = {
        "eval", "--answers DIR [options] [CORPUS_PATH...]",
        "Score MPI answers produced elsewhere against the corpus cases of a split: extract each\n"
        "program, check it with the harness (every rank count, every check size), and print the\n"
        "results table per domain and per case: build rate, correctness, pass@k, speedup at 2 ranks,\n"
        "bytes communicated, exact matches with the expert answers.",
        "Answer files are found by case id: DIR/blas1/dot.c (a program), DIR/blas1/dot.txt or .md\n"
        "(an answer text: the program is extracted from code fences or bare code), or a directory\n"
        "DIR/blas1/dot/ holding several samples (a transcript's candidate_KK_round_R.txt files, which\n"
        "test --save-answers keeps beside its sample_NN.txt, are not samples). A case without an\n"
        "answer counts as a failed sample.\n"
        "exit status: 0 when the evaluation ran (whatever the scores), 2 usage, 3 environment error.",
        0, -1, specs};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    struct corpus c;
    corpus_init(&c);
    struct eval_case *cases = NULL;
    size_t n_cases = 0;
    int rc = opt_parse(&cmd, argc, argv, &pos);
    if (rc != OPT_OK) goto done;
    rc = EXIT_USAGE;
    if (!answers) {
        fprintf(stderr, "chatmpi eval: --answers DIR is required\nhint: see 'chatmpi eval --help'\n");
        goto done;
    }
    if (!cm_is_dir(answers)) {
        fprintf(stderr, "chatmpi eval: '%s' is not a directory\n", answers);
        goto done;
    }
    if (corpus_split_check(split)) {
        cli_report_error(CM_EINVAL);
        goto done;
    }
    if (cli_check_output("eval", "--json", json, 0) || cli_check_output("eval", "--markdown", markdown, 0) ||
        cli_check_output("eval", "--run-cache", run_cache, 1))
        goto done;
    int err = corpus_load(&c, pos.items, pos.n);
    if (err) {
        cli_report_error(err);
        goto done;
    }
    struct eval_opts o;
    memset(&o, 0, sizeof(o));
    check_opts_init(&o.check);
    memcpy(o.check.np, np.v, np.n * sizeof(np.v[0]));
    o.check.n_np = np.n;
    o.check.runs = (int)runs;
    o.check.timeout_s = timeout;
    o.check.run_cache = run_cache;
    o.check.fail_fast = fail_fast;
    o.bench = bench;
    o.compare_expert = expert;
    cases = cm_calloc(c.n ? c.n : 1, sizeof(*cases));
    size_t min_n = (size_t)-1;
    for (size_t i = 0; i < c.n; i++) {
        if (!corpus_split_selects(split, c.cases[i].split)) continue;
        struct eval_case *ec = &cases[n_cases++];
        ec->cc = &c.cases[i];
        struct cm_strlist files;
        cm_strlist_init(&files);
        find_answers(&files, answers, ec->cc->id);
        ec->n = files.n ? files.n : 1;
        ec->samples = cm_calloc(ec->n, sizeof(*ec->samples));
        for (size_t k = 0; k < files.n; k++) ec->samples[k].source = cm_strdup(files.items[k]);
        if (!files.n) snprintf(ec->samples[0].detail, sizeof(ec->samples[0].detail), "no answer file");
        if (ec->n < min_n) min_n = ec->n;
        cm_strlist_release(&files);
    }
    if (!n_cases) {
        fprintf(stderr, "chatmpi eval: no cases in split '%s'\n", split);
        check_opts_release(&o.check);
        goto done;
    }
    if ((err = eval_choose_ks(&o, ks.v, ks.n, min_n)) != 0) {
        cli_report_error(err);
        check_opts_release(&o.check);
        goto done;
    }
    sandbox_catch_signals();
    int tty = isatty(2) && !quiet;
    rc = EXIT_OK;
    for (size_t i = 0; i < n_cases && rc == EXIT_OK; i++) {
        struct eval_case *ec = &cases[i];
        for (size_t k = 0; k < ec->n && ec->samples[k].source; k++) {
            struct eval_sample *s = &ec->samples[k];
            if (tty) fprintf(stderr, "\r\033[K[%zu/%zu] %s sample %zu/%zu", i + 1, n_cases, ec->cc->id, k + 1, ec->n);
            char *text = NULL;
            size_t len = 0;
            if (cm_read_file(&text, &len, s->source, 4u << 20) != 0) {
                snprintf(s->detail, sizeof(s->detail), "cannot read the answer: %s", cm_error_message());
                continue;
            }
            err = eval_score_sample(s, ec->cc, text, len, has_ext(s->source, ".c"), &o);
            free(text);
            if (err) {
                if (tty) fprintf(stderr, "\r\033[K");
                rc = cli_report_error(err);
                break;
            }
        }
        if (rc == EXIT_OK && (err = eval_finish_case(ec, &o)) != 0) rc = cli_report_error(err);
    }
    if (tty) fprintf(stderr, "\r\033[K");
    if (rc == EXIT_OK) {
        eval_report_print(cases, n_cases, &o, "chatmpi eval", stdout);
        if (markdown && (err = eval_report_markdown(cases, n_cases, &o, markdown))) rc = cli_report_error(err);
        if (json && (err = eval_report_json(cases, n_cases, &o, json))) rc = cli_report_error(err);
    }
    check_opts_release(&o.check);
done:
    for (size_t i = 0; i < n_cases; i++) eval_case_release(&cases[i]);
    free(cases);
    corpus_release(&c);
    cm_strlist_release(&pos);
    return rc == OPT_HELP ? EXIT_OK : rc;
}
