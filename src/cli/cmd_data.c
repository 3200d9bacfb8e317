/* cmd_data.c — `chatmpi data verify|export|stats|augment`: the expert corpus's tools.
 *   verify  runs every case (and its baseline.c) through the harness and prints a table
 *   export  writes a split in ChatHPC's JSON format (question / context / answer)
 *   stats   counts cases per domain, kernel and split, and their sizes in lines
 *   augment verified variants of cases for training (cmd_data_augment.c)
 *   names   a program with normalized names (src/corpus/names.h)
 * Loading and validation live in src/corpus, checking in src/harness. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opt.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "corpus/corpus.h"
#include "corpus/names.h"
#include "corpus/shape.h"
#include "tokenizer/tok_load.h"
#include "tokenizer/tokenizer.h"
#include "harness/harness.h"
#include "harness/hotloops.h"
#include "loop/loop.h"



static int load(struct corpus *c, struct cm_strlist *pos, const char *split)
{
    corpus_init(c);
    int rc = corpus_load(c, pos->items, pos->n);
    if (rc) {
        cli_report_error(rc); /* a bad path or an invalid case.json: the user's to fix */
        return EXIT_USAGE;
    }
    if (split) { /* keep only that split */
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++) {
            if (corpus_split_selects(split, c->cases[i].split))
                c->cases[k++] = c->cases[i];
            else
                corpus_case_release(&c->cases[i]);
        }
        c->n = k;
    }
    return 0;
}

static int check_split_opt(const char *cmd, const char *split)
{
    if (!split || !corpus_split_check(split)) return 0;
    cli_report_error(CM_EINVAL);
    return EXIT_USAGE;
}

/* One harness run of a case's seq.c against `file` (mpi.c or baseline.c). */
static int verify_one(const struct corpus_case *cc, const char *file, const struct check_opts *base, int bench,
                      struct check_report *rep)
{
    struct check_opts o = *base;
    cm_strlist_init(&o.args);
    for (size_t i = 0; i < cc->check_args.n; i++) cm_strlist_push(&o.args, cc->check_args.items[i]);
    o.bench_args = bench ? cc->bench_args : NULL;
    o.rtol = cc->rtol;
    o.atol = cc->atol;
    char *seq = cm_path_join(cc->dir, "seq.c"), *mpi = cm_path_join(cc->dir, file);
    int rc = harness_check(rep, seq, mpi, &o);
    free(seq), free(mpi);
    cm_strlist_release(&o.args);
    return rc;
}

static int data_verify(int argc, char **argv)
{
    struct opt_ints np = {{1, 2, 3, 4}, 4};
    const char *split = NULL, *json = NULL;
    int bench = 0, no_baselines = 0, quiet = 0;
    long runs = 3;
    double timeout = 20;
    const struct opt_spec specs[] = {
        {OPT_INT_LIST, "np", 0, "N,N,...", "rank counts (default 1,2,3,4)", &np, 1, 1024},
        {OPT_STR, "split", 's', "SPLIT", "only cases of these splits (train, test, refine; comma list)", &split},
        {OPT_FLAG, "bench", 'b', NULL, "also time each case at its bench_args (slow)", &bench},
        {OPT_INT, "runs", 'r', NULL, "timed repetitions with --bench (default 3)", &runs, 1, 64},
        {OPT_DOUBLE, "timeout", 't', "SECONDS", "limit of each check run (default 20)", &timeout, 0, 0, 0.1, 86400},
        {OPT_FLAG, "no-baselines", 0, NULL, "skip the baseline.c programs", &no_baselines},
        {OPT_STR, "json", 'j', "FILE", "write every case's full report as JSON", &json},
        {OPT_FLAG, "quiet", 'q', NULL, "print only failures and the summary", &quiet},
        {0},
    };
    const struct opt_cmd cmd = {"data verify", "[options] [PATH...]",
                                "Check every corpus case (seq.c against mpi.c, and baseline.c where present) with "
                                "the harness,\nat its check_args, rank counts and tolerances. PATH: case "
                                "directories, domains or the corpus\nroot (default data/corpus).",
                                "exit status: 0 every case correct, 1 some case failed, 2 usage or invalid "
                                "case.json, 3 environment error.",
                                0, -1, specs};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    struct corpus c;
    corpus_init(&c);
    int rc = opt_parse(&cmd, argc, argv, &pos);
    if (rc != OPT_OK) {
        rc = rc == OPT_HELP ? EXIT_OK : EXIT_USAGE; /* OPT_HELP and EXIT_FAILED are both 1 */
        goto done;
    }
    if ((rc = check_split_opt("verify", split)) || (rc = cli_check_output("data verify", "--json", json, 0)) ||
        (rc = load(&c, &pos, split)))
        goto done;
    if (!c.n) {
        fprintf(stderr, "chatmpi data verify: no cases found\n");
        rc = EXIT_USAGE;
        goto done;
    }
    struct check_opts o;
    check_opts_init(&o);
    memcpy(o.np, np.v, np.n * sizeof(np.v[0]));
    o.n_np = np.n;
    o.runs = (int)runs;
    o.timeout_s = timeout;
    sandbox_catch_signals();
    json_t *all = json ? json_array() : NULL;
    size_t pass = 0, fail = 0;
    double t_all = cm_now();
    printf("data verify: %zu cases, np %s\n", c.n, np.n == 4 && np.v[3] == 4 ? "1,2,3,4" : "(custom)");
    printf("  %-34s %-7s %-7s %-9s %-10s %8s%s\n", "case", "split", "prec", "program", "verdict", "time",
           bench ? "  speedup@2" : "");
    for (size_t i = 0; i < c.n; i++) {
        const struct corpus_case *cc = &c.cases[i];
        const char *files[] = {"mpi.c", cc->has_baseline && !no_baselines ? "baseline.c" : NULL};
        for (int f = 0; f < 2 && files[f]; f++) {
            struct check_report rep;
            if (isatty(2) && !quiet) fprintf(stderr, "\r\033[K[%zu/%zu] %s %s", i + 1, c.n, cc->id, files[f]);
            double t0 = cm_now();
            int err = verify_one(cc, files[f], &o, bench, &rep);
            if (isatty(2) && !quiet) fprintf(stderr, "\r\033[K");
            if (err) {
                fprintf(stderr, "chatmpi data verify: %s: %s\n", cc->id, cm_error_message());
                check_report_release(&rep);
                rc = err == CM_EINVAL ? EXIT_USAGE : EXIT_ENV;
                check_opts_release(&o);
                if (all) json_decref(all);
                goto done;
            }
            int ok = rep.outcome == CHECK_CORRECT;
            ok ? pass++ : fail++;
            char sp[32] = "";
            for (size_t k = 1; bench && k < rep.n_perf; k++)
                if (rep.perf[k].np == 2) snprintf(sp, sizeof(sp), "  %9.2f", rep.perf[k].speedup);
            if (!quiet || !ok)
                printf("  %-34s %-7s %-7s %-9s %-10s %7.1fs%s\n", cc->id, cc->split, cc->precision, files[f],
                       check_outcome_name(rep.outcome), cm_now() - t0, sp);
            if (!ok) {
                for (size_t k = 0; k < rep.n_runs; k++)
                    if (rep.runs[k].verdict != VERDICT_PASS) {
                        printf("      np=%ld args \"%s\": %s: %s\n", rep.runs[k].np,
                               rep.runs[k].args_index >= 0 ? cc->check_args.items[rep.runs[k].args_index]
                                                           : cc->bench_args,
                               check_verdict_name(rep.runs[k].verdict), rep.runs[k].detail);
                        if (rep.runs[k].stderr_tail) printf("        stderr: %.300s\n", rep.runs[k].stderr_tail);
                        break;
                    }
                if (rep.seq_error) printf("      %s\n", rep.seq_error);
            }
            if (all) {
                json_t *j = check_report_to_json(&rep);
                json_object_set_new(j, "case", json_string(cc->id));
                json_object_set_new(j, "program", json_string(files[f]));
                json_array_append_new(all, j);
            }
            check_report_release(&rep);
            fflush(stdout);
        }
    }
    printf("data verify: %zu passed, %zu failed (%.0f s)\n", pass, fail, cm_now() - t_all);
    rc = fail ? EXIT_FAILED : EXIT_OK;
    if (all) {
        if (json_dump_file(all, json, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
            fprintf(stderr, "chatmpi data verify: cannot write '%s'\n", json);
            rc = EXIT_ENV;
        }
        json_decref(all);
    }
    check_opts_release(&o);
done:
    corpus_release(&c);
    cm_strlist_release(&pos);
    return rc;
}

static int data_export(int argc, char **argv)
{
    const char *split = NULL, *out = NULL;
    const struct opt_spec specs[] = {
        {OPT_STR, "split", 's', "SPLIT", "the split to export: train, test or refine, or a list: train,refine (required)", &split},
        {OPT_STR, "output", 'o', "FILE", "where to write the JSON array ('-' for stdout; required)", &out},
        {0},
    };
    const struct opt_cmd cmd = {
        "data export", "--split SPLIT -o FILE [PATH...]",
        "Write one split of the corpus in ChatHPC's dataset format: a JSON array of\n"
        "{\"question\", \"context\", \"answer\"} records plus chatmpi's keys id, domain and kernel, sorted by id.",
        "The question is \"" "Can you parallelize this sequential code to MPI?\\n\" followed by seq.c; the\n"
        "context is \"" LOOP_CONTEXT "\"; the answer is mpi.c. data/<split>.json in the repository are\n"
        "made with this command, and a test fails when they drift from the corpus.",
        0, -1, specs};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    struct corpus c;
    corpus_init(&c);
    json_t *arr = NULL;
    int rc = opt_parse(&cmd, argc, argv, &pos);
    if (rc != OPT_OK) {
        rc = rc == OPT_HELP ? EXIT_OK : EXIT_USAGE; /* OPT_HELP and EXIT_FAILED are both 1 */
        goto done;
    }
    rc = EXIT_USAGE;
    if (!split || !out) {
        fprintf(stderr, "chatmpi data export: --split and -o are required\nhint: see 'chatmpi data export --help'\n");
        goto done;
    }
    if ((rc = check_split_opt("export", split)) || (rc = load(&c, &pos, split))) goto done;
    arr = json_array();
    for (size_t i = 0; i < c.n; i++) {
        const struct corpus_case *cc = &c.cases[i];
        char *seq = NULL, *mpi = NULL;
        if (corpus_case_read(&seq, cc, "seq.c") || corpus_case_read(&mpi, cc, "mpi.c")) {
            free(seq);
            rc = cli_report_error(CM_EIO);
            goto done;
        }
        size_t qn = strlen(LOOP_QUESTION) + strlen(seq) + 1;
        char *q = cm_malloc(qn);
        snprintf(q, qn, "%s%s", LOOP_QUESTION, seq);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "question", q, "context",
                                             LOOP_CONTEXT, "answer", mpi, "id", cc->id, "domain", cc->domain,
                                             "kernel", cc->kernel));
        free(q), free(seq), free(mpi);
    }
    char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    size_t n = strlen(s);
    s = cm_realloc(s, n + 2);
    s[n] = '\n', s[n + 1] = '\0';
    if (!strcmp(out, "-")) {
        fputs(s, stdout);
        rc = EXIT_OK;
    } else if (cm_write_file_atomic(out, s, n + 1) != 0) {
        rc = cli_report_error(CM_EIO);
    } else {
        fprintf(stderr, "chatmpi data export: %zu %s records written to %s\n", c.n, split, out);
        rc = EXIT_OK;
    }
    free(s);
done:
    if (arr) json_decref(arr);
    corpus_release(&c);
    cm_strlist_release(&pos);
    return rc;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* Token count of a file of a case, or 0 without a tokenizer. */
static size_t count_tokens(const struct tokenizer *tk, const char *text)
{
    if (!tk) return 0;
    struct tok_ids ids;
    tok_ids_init(&ids);
    size_t n = tok_encode(tk, &ids, text, strlen(text), 0) == 0 ? ids.n : 0;
    tok_ids_release(&ids);
    return n;
}

static int data_stats(int argc, char **argv)
{
    const char *tokenizer = NULL;
    const struct opt_spec specs[] = {
        {OPT_STR, "tokenizer", 'T', "FILE", "also count tokens (a GGUF model/tokenizer or a sentencepiece .model)",
         &tokenizer},
        {0},
    };
    const struct opt_cmd cmd = {"data stats", "[--tokenizer FILE] [PATH...]",
                                "Count corpus cases per domain, kernel and split, with their sizes in lines (and\n"
                                "tokens), and list cases that are the same program under other names.",
                                NULL, 0, -1, specs};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    struct corpus c;
    corpus_init(&c);
    struct tokenizer *tk = NULL;
    uint64_t(*shape)[2] = NULL;
    int rc = opt_parse(&cmd, argc, argv, &pos);
    if (rc != OPT_OK || (rc = load(&c, &pos, NULL))) goto done;
    if (tokenizer && (rc = tok_load(&tk, tokenizer)) != 0) {
        rc = cli_report_error(rc);
        goto done;
    }
    const char *splits[] = {"train", "test", "refine"};
    printf("%-10s %6s %6s %7s %6s %10s %10s", "domain", "train", "test", "refine", "total", "seq lines", "mpi lines");
    if (tk) printf(" %10s %10s", "seq tokens", "mpi tokens");
    printf(" %9s\n", "baselines");
    size_t tot[3] = {0}, all = 0, tl_s = 0, tl_m = 0, tt_s = 0, tt_m = 0, tb = 0;
    const char *doms[] = {"blas1", "blas2", "blas3", "spmv", "stencil", "cg"};
    shape = cm_calloc(c.n ? c.n : 1, sizeof(*shape));
    for (int d = 0; d < 6; d++) {
        size_t cnt[3] = {0}, n = 0, ls = 0, lm = 0, ts = 0, tm = 0, nb = 0;
        for (size_t i = 0; i < c.n; i++) {
            const struct corpus_case *cc = &c.cases[i];
            if (strcmp(cc->domain, doms[d])) continue;
            for (int s = 0; s < 3; s++) cnt[s] += !strcmp(cc->split, splits[s]);
            char *seq = NULL, *mpi = NULL;
            if (!corpus_case_read(&seq, cc, "seq.c")) {
                ls += count_lines(seq), ts += count_tokens(tk, seq);
                if (corpus_shape_hash(&shape[i][0], seq, strlen(seq))) shape[i][0] = i; /* unlexable: unique */
            }
            if (!corpus_case_read(&mpi, cc, "mpi.c")) {
                lm += count_lines(mpi), tm += count_tokens(tk, mpi);
                if (corpus_shape_hash(&shape[i][1], mpi, strlen(mpi))) shape[i][1] = i;
            }
            cm_error_clear();
            free(seq), free(mpi);
            n++, nb += cc->has_baseline;
        }
        if (!n) continue;
        printf("%-10s %6zu %6zu %7zu %6zu %10zu %10zu", doms[d], cnt[0], cnt[1], cnt[2], n, ls, lm);
        if (tk) printf(" %10zu %10zu", ts, tm);
        printf(" %9zu\n", nb);
        for (int s = 0; s < 3; s++) tot[s] += cnt[s];
        all += n, tl_s += ls, tl_m += lm, tt_s += ts, tt_m += tm, tb += nb;
    }
    printf("%-10s %6zu %6zu %7zu %6zu %10zu %10zu", "total", tot[0], tot[1], tot[2], all, tl_s, tl_m);
    if (tk) printf(" %10zu %10zu", tt_s, tt_m);
    printf(" %9zu\n", tb);
    printf("\nkernels:\n");
    for (size_t i = 0; i < c.n; i++) {
        int seen = 0;
        for (size_t k = 0; k < i; k++)
            seen |= !strcmp(c.cases[k].domain, c.cases[i].domain) && !strcmp(c.cases[k].kernel, c.cases[i].kernel);
        if (seen) continue;
        size_t cnt[3] = {0};
        for (size_t j = i; j < c.n; j++)
            if (!strcmp(c.cases[j].domain, c.cases[i].domain) && !strcmp(c.cases[j].kernel, c.cases[i].kernel))
                for (int s = 0; s < 3; s++) cnt[s] += !strcmp(c.cases[j].split, splits[s]);
        printf("  %-8s %-20s train %zu  test %zu  refine %zu\n", c.cases[i].domain, c.cases[i].kernel, cnt[0],
               cnt[1], cnt[2]);
    }
    size_t dups = 0;
    printf("\nsame program under other names (equal token shapes of seq.c and mpi.c):");
    for (size_t i = 0; i < c.n; i++)
        for (size_t j = i + 1; j < c.n; j++)
            if (shape[i][0] == shape[j][0] && shape[i][1] == shape[j][1])
                printf("%s%s and %s", dups++ ? ", " : " ", c.cases[i].id, c.cases[j].id);
    printf("%s\n", dups ? "" : " none");
    if (!tk) printf("(token counts: --tokenizer MODEL.gguf or SPM.model)\n");
done:
    free(shape);
    tok_free(tk);
    corpus_release(&c);
    cm_strlist_release(&pos);
    return rc == OPT_HELP ? EXIT_OK : rc;
}

/* `data names FILE.c [OTHER.c...]`: what a model trained with normalize_names reads. */
static int data_names(int argc, char **argv)
{
    int quiet = 0;
    const struct opt_spec specs[] = {
        {OPT_FLAG, "quiet", 'q', NULL, "print the programs only, not the map", &quiet},
        {0},
    };
    const struct opt_cmd cmd = {
        "data names", "[-q] FILE.c [OTHER.c...]",
        "Show a program as a model trained with normalize_names reads it: in the corpus's layout\n"
        "(4-space indentation, K&R braces), without comments, the names FILE.c declares or\n"
        "#defines replaced by v1, v2, ... in order of first appearance (strings and #include\n"
        "lines are kept). OTHER.c files (an MPI version, say) are rewritten with the same map\n"
        "and keep their comments, as the training records' answers are. The map goes to stderr.",
        NULL, 1, -1, specs};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    struct names_map map;
    names_map_init(&map);
    char *text = NULL;
    int rc = opt_parse(&cmd, argc, argv, &pos);
    if (rc != OPT_OK) goto done;
    for (size_t i = 0; i < pos.n; i++) {
        size_t len;
        free(text), text = NULL;
        if ((rc = cm_read_file(&text, &len, pos.items[i], (size_t)64 << 20))) {
            rc = cli_report_error(rc);
            goto done;
        }
        if (!i) {
            if (names_map_build(&map, text, NULL)) {
                fprintf(stderr, "chatmpi data names: warning: %s; nothing renamed\n", cm_error_message());
                cm_error_clear();
            }
            if (!quiet) {
                fprintf(stderr, "%s: %zu names", pos.items[0], map.from.n);
                for (size_t k = 0; k < map.from.n; k++)
                    fprintf(stderr, "%s%s->%s", k ? ", " : ": ", map.from.items[k], map.to.items[k]);
                fprintf(stderr, "\n");
            }
        }
        char *out = i ? names_normalize(text, &map) : names_normalize_prompt(text, &map);
        if (pos.n > 1 && !quiet) printf("%s==> %s <==\n", i ? "\n" : "", pos.items[i]);
        fputs(out, stdout);
        free(out);
    }
done:
    free(text);
    names_map_release(&map);
    cm_strlist_release(&pos);
    return rc == OPT_HELP ? EXIT_OK : rc;
}

/* `data hotloops`: the program with the loops the loop's --mark-loops asks to split marked. */
static int data_hotloops(int argc, char **argv)
{
    const char *args = NULL;
    double timeout = 60;
    int counts = 0;
    const struct opt_spec specs[] = {
        {OPT_STR, "args", 'a', "\"ARGS\"", "run the program with these arguments (default none)", &args},
        {OPT_DOUBLE, "timeout", 't', "SECONDS", "limit of the profiled run (default 60)", &timeout, 0, 0, 0.1, 86400},
        {OPT_FLAG, "counts", 'c', NULL, "print gcov's line counts beside the program instead", &counts},
        {0},
    };
    const struct opt_cmd cmd = {
        "data hotloops", "[-a \"ARGS\"] FILE.c",
        "Run FILE.c once under gcov (gcc --coverage -O0) and print it with the loops to split\n"
        "marked \"" HOTLOOPS_MARK "\": the outermost loops doing at least a quarter\n"
        "of the busiest one's work; a loop holding other loops that writes no array element\n"
        "indexed by its own variable (repetitions, time steps, solver iterations; while and do\n"
        "loops) is looked into instead. This is what --mark-loops shows the model (docs/run.md).",
        NULL, 1, 1, specs};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    struct hotloops_counts hc = {0};
    char *text = NULL, *out = NULL;
    int rc = opt_parse(&cmd, argc, argv, &pos);
    if (rc != OPT_OK) goto done;
    size_t len, n = 0;
    if ((rc = cm_read_file(&text, &len, pos.items[0], (size_t)16 << 20)) ||
        (rc = hotloops_profile(&hc, pos.items[0], args, timeout)) || (rc = hotloops_mark(&out, &n, text, &hc))) {
        rc = cli_report_error(rc);
        goto done;
    }
    if (counts) {
        const char *p = text;
        for (size_t line = 1; *p; line++) {
            const char *nl = strchr(p, '\n');
            int l = nl ? (int)(nl - p) : (int)strlen(p);
            long long v = line <= hc.n ? hc.v[line - 1] : -1;
            if (v < 0) printf("%12s  %.*s\n", "-", l, p);
            else printf("%12lld  %.*s\n", v, l, p);
            p += l + (nl ? 1 : 0);
        }
    } else
        fputs(out, stdout);
    fprintf(stderr, "%s: %zu loop%s marked\n", pos.items[0], n, n == 1 ? "" : "s");
done:
    free(text), free(out);
    hotloops_counts_release(&hc);
    cm_strlist_release(&pos);
    return rc == OPT_HELP ? EXIT_OK : rc;
}

static const struct cli_subcommand data_cmds[] = {
    {"verify", data_verify, "check every case with the harness"},
    {"export", data_export, "write a split in ChatHPC's JSON format"},
    {"stats", data_stats, "counts per domain, kernel and split"},
    {"augment", cmd_data_augment, "verified variants of cases for training"},
    {"names", data_names, "a program with normalized names, as such a model reads it"},
    {"hotloops", data_hotloops, "a program with the loops to split marked (gcov)"},
};

int cmd_data(int argc, char **argv)
{
    return cli_dispatch("data", "The expert corpus (data/corpus) and its exports.", data_cmds, sizeof(data_cmds) / sizeof(data_cmds[0]), argc, argv);
}
