/* cmd_data_augment.c — `chatmpi data augment`: verified variants of corpus cases, for training.
 * Each variant (renamed identifiers, other loop indices, other default sizes, single precision,
 * another layout, a changed formula: src/corpus/augment.h) is checked with the harness at
 * np 1,2,3,4 on the case's check_args before it is written as DIR/<domain>/<case>_<tag><k>/;
 * one that fails is dropped.
 * Deliberately leaves out baseline.c (variants are seq/mpi pairs) and parallel checking (the
 * harness already runs up to four ranks at a time). */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opt.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "corpus/augment.h"
#include "corpus/corpus.h"
#include "harness/harness.h"

#define AUG_MAX_ATTEMPTS 8


static int make_dir(const char *p)
{
    if (cm_make_dirs(p, 0777) == 0 && cm_is_dir(p)) return 0;
    return cm_error_set(CM_EIO, "cannot create the directory '%s'", p);
}

static int write_text(const char *dir, const char *name, const char *text)
{
    char *p = cm_path_join(dir, name);
    int rc = cm_write_file_atomic(p, text, strlen(text));
    free(p);
    return rc;
}

static int write_case_json(const char *dir, const struct corpus_case *cc, const char *id, int to_float,
                           double rtol, double atol, const char *notes)
{
    json_t *args = json_array();
    for (size_t i = 0; i < cc->check_args.n; i++) json_array_append_new(args, json_string(cc->check_args.items[i]));
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:f, s:f, s:s}", "id", id, "domain", cc->domain,
                          "kernel", cc->kernel, "split", cc->split, "precision", to_float ? "float" : cc->precision,
                          "check_args", args, "bench_args", cc->bench_args, "rtol", rtol, "atol", atol, "notes",
                          notes);
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    json_decref(j);
    size_t n = strlen(s);
    s = cm_realloc(s, n + 2);
    s[n] = '\n', s[n + 1] = '\0';
    int rc = write_text(dir, "case.json", s);
    free(s);
    return rc;
}

/* Why a check failed, in one line. */
static void fail_reason(char *buf, size_t n, const struct check_report *rep, const struct corpus_case *cc)
{
    snprintf(buf, n, "%s", check_outcome_name(rep->outcome));
    if (rep->seq_error) snprintf(buf, n, "%s: %s", check_outcome_name(rep->outcome), rep->seq_error);
    if (rep->outcome == CHECK_BUILD_FAIL && rep->mpi_diag) snprintf(buf, n, "BUILD_FAIL: %.200s", rep->mpi_diag);
    for (size_t k = 0; k < rep->n_runs; k++)
        if (rep->runs[k].verdict != VERDICT_PASS) {
            snprintf(buf, n, "np=%ld args \"%s\": %s: %s", rep->runs[k].np,
                     rep->runs[k].args_index >= 0 ? cc->check_args.items[rep->runs[k].args_index] : "",
                     check_verdict_name(rep->runs[k].verdict), rep->runs[k].detail);
            break;
        }
}

int cmd_data_augment(int argc, char **argv)
{
    long per_case = 3, seed = 1;
    const char *out = NULL, *split = NULL, *only = "all", *tag = "aug", *run_cache = NULL;
    double timeout = 20;
    int verbose = 0;
    const struct opt_spec specs[] = {
        {OPT_INT, "per-case", 'n', "N", "variants to make of each case (default 3)", &per_case, 1, 100},
        {OPT_INT, "seed", 0, "S", "seed of every random choice (default 1)", &seed, 0, LONG_MAX},
        {OPT_STR, "output", 'o', "DIR", "where the variant case directories go (required)", &out},
        {OPT_STR, "split", 's', "SPLIT", "only cases of these splits (train, test, refine; comma list)", &split},
        {OPT_STR, "only", 0, "LIST",
         "transformations to draw from: rename,loops,sizes,float,format,formula (default all: all but formula)", &only},
        {OPT_DOUBLE, "timeout", 't', "SECONDS", "limit of each check run (default 20)", &timeout, 0, 0, 0.1, 86400},
        {OPT_STR, "tag", 0, "NAME", "variants are named <case>_<NAME><k> (default aug; a-z, 0-9, _)", &tag},
        {OPT_STR, "run-cache", 0, "DIR", "reuse runs of the same executable image from DIR (created)", &run_cache},
        {OPT_FLAG, "verbose", 'v', NULL, "say why each dropped variant failed", &verbose},
        {0},
    };
    const struct opt_cmd cmd = {
        "data augment", "-o DIR [options] [PATH...]",
        "Make verified variants of corpus cases for training: consistent renaming of user identifiers\n"
        "and loop indices, other default sizes, double -> float, other layouts and, only when named,\n"
        "a changed constant or operator in a formula both programs share, applied to seq.c and\n"
        "mpi.c alike. Every variant is checked with the harness (np 1,2,3,4, the case's check_args\n"
        "and tolerances) and written as DIR/<domain>/<case>_aug<k>/ (the tag set by --tag) only\n"
        "when it verifies. PATH: case directories, domains or the corpus root (default data/corpus).",
        "With --run-cache DIR, a check run made before by an executable of the same image (a variant\n"
        "that only renamed locals or changed the layout, a repeated draw) is taken from DIR, shared\n"
        "by processes and runs, instead of launched again (docs/check.md).\n"
        "The same seed gives byte-identical output. exit status: 0 done (dropped variants are counted,\n"
        "not errors), 1 every variant failed, 2 usage or invalid case.json, 3 environment error.",
        0, -1, specs};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    struct corpus c;
    corpus_init(&c);
    struct check_opts o;
    check_opts_init(&o);
    char *work = NULL;
    unsigned allowed = 0;
    int rc = opt_parse(&cmd, argc, argv, &pos);
    if (rc != OPT_OK) {
        rc = rc == OPT_HELP ? EXIT_OK : EXIT_USAGE; /* OPT_HELP and EXIT_FAILED are both 1 */
        goto done;
    }
    rc = EXIT_USAGE;
    if (!out) {
        fprintf(stderr, "chatmpi data augment: -o DIR is required\nhint: see 'chatmpi data augment --help'\n");
        goto done;
    }
    if (split && corpus_split_check(split)) {
        cli_report_error(CM_EINVAL);
        goto done;
    }
    if (!*tag || strspn(tag, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(tag) || strlen(tag) > 32) {
        fprintf(stderr, "chatmpi data augment: --tag '%s': use 1 to 32 of a-z, 0-9 and _\n", tag);
        goto done;
    }
    if (aug_parse_what(&allowed, only)) {
        rc = cli_report_error(CM_EINVAL);
        goto done;
    }
    if ((rc = corpus_load(&c, pos.items, pos.n))) {
        rc = cli_report_error(rc);
        goto done;
    }
    size_t k = 0;
    for (size_t i = 0; i < c.n; i++) {
        if (corpus_split_selects(split, c.cases[i].split))
            c.cases[k++] = c.cases[i];
        else
            corpus_case_release(&c.cases[i]);
    }
    c.n = k;
    if (!c.n) {
        fprintf(stderr, "chatmpi data augment: no cases found\n");
        rc = EXIT_USAGE;
        goto done;
    }
    if (cli_check_output("data augment", "--run-cache", run_cache, 1)) {
        rc = EXIT_USAGE;
        goto done;
    }
    if (make_dir(out) || cm_make_temp_dir(&work, "chatmpi-augment-")) {
        rc = cli_report_error(CM_EIO);
        goto done;
    }
    o.timeout_s = timeout;
    o.profile = 0;
    o.run_cache = run_cache;
    sandbox_catch_signals();
    int tty = isatty(2);
    size_t written = 0, dropped = 0, same = 0, total = c.n * (size_t)per_case, done_n = 0;
    size_t cache_hits = 0, cache_runs = 0;
    double t0 = cm_now();
    rc = EXIT_OK;
    for (size_t i = 0; i < c.n && !sandbox_interrupted(); i++) {
        const struct corpus_case *cc = &c.cases[i];
        char *seq = NULL, *mpi = NULL;
        if (corpus_case_read(&seq, cc, "seq.c") || corpus_case_read(&mpi, cc, "mpi.c")) {
            free(seq);
            rc = cli_report_error(CM_EIO);
            goto done;
        }
        char *ddir = cm_path_join(out, cc->domain);
        if (make_dir(ddir)) {
            free(seq), free(mpi), free(ddir);
            rc = cli_report_error(CM_EIO);
            goto done;
        }
        struct cm_strlist seen; /* this case's texts so far: variants must differ from all */
        cm_strlist_init(&seen);
        cm_strlist_push(&seen, seq), cm_strlist_push(&seen, mpi);
        const char *name = strrchr(cc->id, '/') + 1;
        for (unsigned kv = 1; kv <= (unsigned)per_case && !sandbox_interrupted(); kv++, done_n++) {
            char vname[256], id[300];
            snprintf(vname, sizeof(vname), "%s_%s%u", name, tag, kv);
            snprintf(id, sizeof(id), "%s/%s", cc->domain, vname);
            char *vdir = cm_path_join(ddir, vname);
            if (tty)
                fprintf(stderr, "\r\033[K[%zu/%zu] %s (%zu written, %zu dropped)", done_n + 1, total, id, written,
                        dropped);
            struct aug_variant v;
            aug_variant_init(&v);
            int found = 0, err = 0;
            for (unsigned a = 0; a < AUG_MAX_ATTEMPTS && !found && !err; a++) {
                uint64_t s = aug_case_seed((uint64_t)seed, cc->id, kv, a);
                unsigned what = aug_pick_what(s, allowed, !strcmp(cc->precision, "double"));
                aug_variant_release(&v);
                if ((err = aug_variant_make(&v, seq, mpi, what, aug_rng_next(&s)))) break;
                found = v.applied != 0;
                for (size_t q = 0; found && q + 1 < seen.n; q += 2)
                    if (!strcmp(seen.items[q], v.seq) && !strcmp(seen.items[q + 1], v.mpi)) found = 0;
            }
            if (err) {
                fprintf(stderr, "%schatmpi data augment: %s: %s\n", tty ? "\r\033[K" : "", cc->id,
                        cm_error_message());
                dropped++;
            } else if (!found) {
                same++;
                if (verbose)
                    fprintf(stderr, "%s%s: no variant distinct from the earlier ones\n", tty ? "\r\033[K" : "", id);
            } else {
                cm_strlist_push(&seen, v.seq), cm_strlist_push(&seen, v.mpi);
                int to_float = (v.applied & AUG_FLOAT) != 0;
                double rtol = to_float && cc->rtol < AUG_FLOAT_RTOL ? AUG_FLOAT_RTOL : cc->rtol;
                double atol = to_float && cc->atol < AUG_FLOAT_ATOL ? AUG_FLOAT_ATOL : cc->atol;
                char *ws = cm_path_join(work, "seq.c"), *wm = cm_path_join(work, "mpi.c");
                struct check_report rep;
                cm_strlist_release(&o.args);
                for (size_t q = 0; q < cc->check_args.n; q++) cm_strlist_push(&o.args, cc->check_args.items[q]);
                o.rtol = rtol, o.atol = atol;
                int hrc = write_text(work, "seq.c", v.seq);
                if (!hrc) hrc = write_text(work, "mpi.c", v.mpi);
                if (!hrc) hrc = harness_check(&rep, ws, wm, &o);
                free(ws), free(wm);
                if (hrc) {
                    fprintf(stderr, "%s", tty ? "\r\033[K" : "");
                    rc = cli_report_error(hrc);
                    aug_variant_release(&v), free(vdir), free(ddir), free(seq), free(mpi);
                    cm_strlist_release(&seen);
                    goto done;
                }
                cache_hits += rep.cache_hits, cache_runs += rep.cache_hits + rep.cache_misses;
                if (rep.outcome == CHECK_CORRECT) {
                    size_t nn = strlen(cc->id) + strlen(v.notes) + 32;
                    char *notes = cm_malloc(nn);
                    snprintf(notes, nn, "augmented from %s: %s", cc->id, v.notes);
                    int wrc = make_dir(vdir);
                    if (!wrc) wrc = write_text(vdir, "seq.c", v.seq);
                    if (!wrc) wrc = write_text(vdir, "mpi.c", v.mpi);
                    if (!wrc) wrc = write_case_json(vdir, cc, id, to_float, rtol, atol, notes);
                    free(notes);
                    if (wrc) {
                        check_report_release(&rep);
                        aug_variant_release(&v), free(vdir), free(ddir), free(seq), free(mpi);
                        cm_strlist_release(&seen);
                        fprintf(stderr, "%s", tty ? "\r\033[K" : "");
                        rc = cli_report_error(wrc);
                        goto done;
                    }
                    written++;
                } else {
                    dropped++;
                    if (cm_is_dir(vdir)) cm_remove_tree(vdir); /* a stale variant of an earlier run */
                    if (verbose) {
                        char why[600];
                        fail_reason(why, sizeof(why), &rep, cc);
                        char names[64];
                        aug_what_names(names, sizeof(names), v.applied);
                        fprintf(stderr, "%sdropped %s [%s]: %s\n", tty ? "\r\033[K" : "", id, names, why);
                    }
                }
                check_report_release(&rep);
            }
            aug_variant_release(&v);
            free(vdir);
        }
        cm_strlist_release(&seen);
        free(ddir), free(seq), free(mpi);
    }
    if (tty) fprintf(stderr, "\r\033[K");
    if (sandbox_interrupted()) {
        fprintf(stderr, "chatmpi data augment: interrupted\n");
        rc = EXIT_ENV;
    }
    printf("data augment: %zu variants written, %zu dropped (did not verify) from %zu cases in %.0f s -> %s\n",
           written, dropped, c.n, cm_now() - t0, out);
    if (same) printf("data augment: %zu variants not made (no distinct variant found)\n", same);
    if (run_cache)
        printf("data augment: %zu of %zu check runs taken from the run cache %s\n", cache_hits, cache_runs,
               run_cache);
    if (rc == EXIT_OK && !written && dropped) rc = EXIT_FAILED;
done:
    if (work) cm_remove_tree(work), free(work);
    check_opts_release(&o);
    corpus_release(&c);
    cm_strlist_release(&pos);
    return rc;
}
