/* report.c — `chatmpi check`'s reports: the compact human table and the JSON document
 * (docs/check.md describes both). Reads a finished check_report; computes nothing new. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/error.h"
#include "core/fs.h"
#include "harness/harness.h"

#define CHATMPI_REPORT_VERSION 1

static const char *args_of(const struct check_report *rep, const struct check_run *r)
{
    if (r->args_index < 0) return rep->opts->bench_args;
    return rep->opts->args.n ? rep->opts->args.items[r->args_index] : "";
}

static void human_bytes(char *buf, size_t n, unsigned long long b)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    int k = 0;
    while (v >= 1024 && k < 4) v /= 1024, k++;
    if (k == 0)
        snprintf(buf, n, "%llu B", b);
    else
        snprintf(buf, n, "%.1f %s", v, u[k]);
}

static void print_diag(FILE *f, const char *diag, int max_lines)
{
    if (!diag) return;
    int lines = 0;
    for (const char *p = diag; *p && lines < max_lines; lines++) {
        size_t k = strcspn(p, "\n");
        fprintf(f, "    %.*s\n", (int)k, p);
        p += k + (p[k] == '\n');
        if (lines + 1 == max_lines && *p) fprintf(f, "    ... (diagnostics cut; see --json)\n");
    }
}

static void print_verdict_rows(const struct check_report *rep, FILE *f)
{
    const struct check_opts *o = rep->opts;
    int n_sets = (int)(o->args.n ? o->args.n : 1);
    for (int k = 0; k <= n_sets; k++) {
        int a = k < n_sets ? k : -1, any = 0; /* the size sets, then the bench size */
        for (size_t i = 0; i < rep->n_runs; i++) {
            const struct check_run *r = &rep->runs[i];
            if (r->args_index != a) continue;
            if (!any) fprintf(f, "%s \"%s\":", a < 0 ? "bench" : "args", args_of(rep, r));
            fprintf(f, "  np=%ld %s", r->np, check_verdict_name(r->verdict));
            any = 1;
        }
        if (any) fputc('\n', f);
    }
    for (size_t i = 0; i < rep->n_runs; i++) {
        const struct check_run *r = &rep->runs[i];
        if (r->verdict == VERDICT_PASS || r->verdict == VERDICT_BUILD_FAIL) continue;
        fprintf(f, "  np=%ld %s \"%s\": %s: %s\n", r->np, r->args_index < 0 ? "bench" : "args", args_of(rep, r),
                check_verdict_name(r->verdict), r->detail);
        if (r->stderr_tail) print_diag(f, r->stderr_tail, 6);
    }
}

static void print_perf(const struct check_report *rep, FILE *f)
{
    if (!rep->n_perf) return;
    const struct check_perf *s = &rep->perf[0];
    int peer = rep->opts->peer_path != NULL;
    fprintf(f, "\nperformance (args \"%s\", median of %d runs; start-up = an empty MPI program's run at the same\n"
               "rank count, subtracted from the wall time):\n",
            rep->opts->bench_args, rep->perf_runs);
    if (peer)
        fprintf(f, "the peer %s was timed beside it, the two taking turns run by run at each rank count\n",
                rep->opts->peer_path);
    fprintf(f, "    np    wall(s)  start-up(s)   time(s)   speedup  efficiency%s\n",
            peer ? "   peer time(s)  peer speedup  ratio" : "");
    fprintf(f, "   seq  %9.4f            -  %8.4f      1.00           -\n", s->median_s, s->time_s);
    int over = 0;
    for (size_t i = 1; i < rep->n_perf; i++) {
        const struct check_perf *p = &rep->perf[i];
        over |= p->oversubscribed;
        if (!p->ok && p->median_s == 0) {
            fprintf(f, "  %4ld%c  not timed: the run did not pass\n", p->np, p->oversubscribed ? '*' : ' ');
            continue;
        }
        fprintf(f, "  %4ld%c %9.4f  %11.4f  %8.4f  %8.2f  %9.0f%%", p->np, p->oversubscribed ? '*' : ' ',
                p->median_s, p->overhead_s, p->time_s, p->speedup, 100 * p->efficiency);
        if (peer && p->peer_median_s > 0)
            fprintf(f, "  %13.4f  %12.2f  %5.2f", p->peer_time_s, p->peer_speedup, p->speedup / p->peer_speedup);
        else if (peer)
            fprintf(f, "  %13s  %12s  %5s", "-", "-", "-");
        fprintf(f, "%s%s\n", p->ok ? "" : "  (some timed runs failed)",
                peer && p->peer_median_s > 0 && !p->peer_ok ? "  (some timed runs of the peer failed)" : "");
    }
    if (over)
        fprintf(f, "  * more ranks than the machine's %d physical cores: these timings mean nothing\n",
                rep->env.cores_physical);
    if (peer)
        fprintf(f, "ratio = speedup / peer speedup = peer time / time%s%s\n", rep->peer_error ? "; " : "",
                rep->peer_error ? rep->peer_error : "");
}

static void print_comm(const struct check_report *rep, FILE *f)
{
    int bench = rep->opts->bench_args != NULL, header = 0;
    for (size_t i = 0; i < rep->n_runs; i++) {
        const struct check_run *r = &rep->runs[i];
        if (!r->has_profile || (bench ? r->args_index != -1 : r->args_index != 0)) continue;
        if (!header) {
            fprintf(f, "\ncommunication (PMPI profile, args \"%s\"):\n", args_of(rep, r));
            fprintf(f, "    np   bytes moved  max rank bytes   p2p msgs  collectives  max MPI time\n");
            header = 1;
        }
        const struct prof_run *p = &r->prof;
        unsigned long long coll = 0;
        for (int k = 0; k < p->n_ranks; k++) coll += p->ranks[k].coll_calls;
        char tb[32], mb[32];
        human_bytes(tb, sizeof(tb), p->total_bytes);
        human_bytes(mb, sizeof(mb), p->max_rank_bytes);
        fprintf(f, "  %4ld  %12s  %14s  %9llu  %11llu  %11.1f%%\n", r->np, tb, mb, p->total_msgs, coll,
                100 * p->max_mpi_frac);
    }
}

void check_report_print(const struct check_report *rep, FILE *f)
{
    const struct check_env *e = &rep->env;
    fprintf(f, "chatmpi check: %s vs %s\n", rep->seq_path, rep->mpi_path);
    fprintf(f, "  %s (%s); %s; %d physical cores (%d logical)\n", e->mpi_version, e->launcher, e->cc_version,
            e->cores_physical, e->cores_logical);
    fprintf(f, "  isolation: %s\n", e->isolation);
    if (rep->cache_hits + rep->cache_misses)
        fprintf(f, "  run cache: %zu of %zu runs taken from %s (the same executable image run before)\n",
                rep->cache_hits, rep->cache_hits + rep->cache_misses, rep->opts->run_cache);
    if (rep->outcome == CHECK_SEQ_ERROR) {
        fprintf(f, "error: ");
        print_diag(f, rep->seq_error, 30);
        fprintf(f, "verdict: SEQ_ERROR (nothing to compare with: fix the sequential program)\n");
        return;
    }
    fprintf(f, "build: seq ok, mpi %s\n", rep->outcome == CHECK_BUILD_FAIL ? "FAILED" : "ok");
    if (rep->outcome == CHECK_BUILD_FAIL) print_diag(f, rep->mpi_diag, 30);
    print_verdict_rows(rep, f);
    print_perf(rep, f);
    print_comm(rep, f);
    if (rep->workdir) fprintf(f, "\nwork directory kept: %s\n", rep->workdir);
    size_t sets = rep->opts->args.n ? rep->opts->args.n : 1, bad = 0;
    for (size_t i = 0; i < rep->n_runs; i++) bad += rep->runs[i].verdict != VERDICT_PASS;
    switch (rep->outcome) {
    case CHECK_CORRECT:
        fprintf(f, "verdict: CORRECT (PASS at %zu rank counts x %zu size sets%s)\n", rep->opts->n_np, sets,
                rep->opts->bench_args ? " and the bench size" : "");
        break;
    case CHECK_INCORRECT:
        if (rep->opts->fail_fast)
            fprintf(f, "verdict: INCORRECT (stopped at the first failing run, --fail-fast: %zu run%s not made%s)\n",
                    rep->not_run, rep->not_run == 1 ? "" : "s",
                    rep->opts->bench_args && !rep->n_perf ? ", no timing" : "");
        else
            fprintf(f, "verdict: INCORRECT (%zu of %zu runs did not pass)\n", bad, rep->n_runs);
        break;
    case CHECK_SERIAL:
        fprintf(f, "verdict: SERIAL (PASS everywhere, but the ranks moved no data at the bench size: rank 0 "
                   "computed the whole problem, nothing is parallel)\n");
        break;
    default:
        fprintf(f, "verdict: %s\n", check_outcome_name(rep->outcome));
        break;
    }
}

static json_t *str_or_null(const char *s) { return cm_json_str(s); } /* program output may not be UTF-8 */

static json_t *profile_json(const struct prof_run *p)
{
    json_t *ranks = json_array();
    for (int k = 0; k < p->n_ranks; k++) {
        const struct prof_rank *r = &p->ranks[k];
        json_t *ops = json_array();
        for (size_t i = 0; i < r->n_ops; i++)
            json_array_append_new(ops, json_pack("{s:s, s:I, s:I, s:f}", "op", r->ops[i].name, "calls",
                                                 (json_int_t)r->ops[i].calls, "bytes", (json_int_t)r->ops[i].bytes,
                                                 "time_s", r->ops[i].time_s));
        json_array_append_new(ranks, json_pack("{s:i, s:f, s:f, s:I, s:I, s:I, s:I, s:o}", "rank", r->rank,
                                               "mpi_time_s", r->mpi_time_s, "total_time_s", r->total_time_s,
                                               "p2p_messages", (json_int_t)r->p2p_msgs, "p2p_bytes",
                                               (json_int_t)r->p2p_bytes, "collective_calls",
                                               (json_int_t)r->coll_calls, "collective_bytes",
                                               (json_int_t)r->coll_bytes, "ops", ops));
    }
    return json_pack("{s:I, s:I, s:I, s:f, s:o}", "total_bytes", (json_int_t)p->total_bytes, "max_rank_bytes",
                     (json_int_t)p->max_rank_bytes, "p2p_messages", (json_int_t)p->total_msgs, "max_mpi_fraction",
                     p->max_mpi_frac, "ranks", ranks);
}

void *check_report_to_json(const struct check_report *rep)
{
    const struct check_opts *o = rep->opts;
    const struct check_env *e = &rep->env;
    json_t *np = json_array(), *args = json_array(), *runs = json_array();
    for (size_t i = 0; i < o->n_np; i++) json_array_append_new(np, json_integer(o->np[i]));
    for (size_t i = 0; i < o->args.n; i++) json_array_append_new(args, json_string(o->args.items[i]));
    for (size_t i = 0; i < rep->n_runs; i++) {
        const struct check_run *r = &rep->runs[i];
        json_t *j = json_pack("{s:s, s:b, s:I, s:s, s:f, s:o, s:o, s:b}", "args", args_of(rep, r), "bench",
                              r->args_index < 0, "np", (json_int_t)r->np, "verdict", check_verdict_name(r->verdict),
                              "wall_s", r->wall_s, "detail", cm_json_str(r->detail), "stderr_tail", str_or_null(r->stderr_tail),
                              "output_truncated", r->out_truncated);
        CM_ASSERT(j != NULL); /* json_pack fails only on a NULL string: a broken invariant */
        json_object_set_new(j, "profile", r->has_profile ? profile_json(&r->prof) : json_null());
        json_object_set_new(j, "cached", json_boolean(r->cached));
        json_array_append_new(runs, j);
    }
    json_t *perf = json_null();
    if (rep->n_perf) {
        json_t *rows = json_array();
        for (size_t i = 1; i < rep->n_perf; i++) {
            const struct check_perf *p = &rep->perf[i];
            json_t *row = json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:b, s:b}", "np", (json_int_t)p->np, "wall_s",
                                    p->median_s, "startup_s", p->overhead_s, "time_s", p->time_s, "speedup",
                                    p->speedup, "efficiency", p->efficiency, "oversubscribed", p->oversubscribed,
                                    "ok", p->ok);
            if (o->peer_path && p->peer_median_s > 0)
                json_object_set_new(row, "peer", json_pack("{s:f, s:f, s:f, s:b}", "wall_s", p->peer_median_s,
                                                           "time_s", p->peer_time_s, "speedup", p->peer_speedup,
                                                           "ok", p->peer_ok));
            json_array_append_new(rows, row);
        }
        perf = json_pack("{s:s, s:i, s:f, s:o}", "args", o->bench_args, "runs", rep->perf_runs, "sequential_s",
                         rep->perf[0].time_s, "mpi", rows);
        if (o->peer_path)
            json_object_set_new(perf, "peer", json_pack("{s:s, s:o}", "path", o->peer_path, "error",
                                                        str_or_null(rep->peer_error)));
    }
    const char *cmp = o->compare == COMPARE_STDOUT ? "stdout" : o->compare == COMPARE_STDERR ? "stderr" : "both";
    json_t *root = json_pack(
        "{s:i, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:b}, "
        "s:{s:o, s:o, s:o, s:i, s:f, s:f, s:f, s:s}, s:{s:o, s:o}, s:o, s:o, s:o, s:o}",
        "report_version", CHATMPI_REPORT_VERSION, "chatmpi_version", "0.1.0", "seq", rep->seq_path, "mpi",
        rep->mpi_path, "outcome", check_outcome_name(rep->outcome), "correct", rep->outcome == CHECK_CORRECT,
        "environment", "mpi_implementation", e->mpi_impl, "mpi_version", e->mpi_version, "compiler", e->cc_version,
        "launcher", e->launcher, "cores_physical", e->cores_physical, "cores_logical", e->cores_logical, "isolation",
        e->isolation, "isolated", sandbox_mode() == SANDBOX_ISOLATED, "options", "np", np, "args", args,
        "bench_args", str_or_null(o->bench_args), "runs", o->runs, "rtol", o->rtol, "atol", o->atol, "timeout_s",
        o->timeout_s, "compare", cmp, "build", "seq_diagnostics", str_or_null(rep->seq_diag), "mpi_diagnostics",
        str_or_null(rep->mpi_diag), "seq_error", str_or_null(rep->seq_error), "runs", runs, "performance", perf,
        "work_directory", str_or_null(rep->workdir));
    if (root && o->fail_fast)
        json_object_set_new(root, "fail_fast", json_pack("{s:I}", "runs_not_made", (json_int_t)rep->not_run));
    if (root && o->run_cache)
        json_object_set_new(root, "run_cache", json_pack("{s:s, s:I, s:I}", "directory", o->run_cache, "hits",
                                                         (json_int_t)rep->cache_hits, "misses",
                                                         (json_int_t)rep->cache_misses));
    return root;
}

int check_report_write_json(const struct check_report *rep, const char *path)
{
    json_t *j = check_report_to_json(rep);
    if (!j) return cm_error_set(CM_EINTERNAL, "cannot build the JSON report");
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s) return cm_error_set(CM_ENOMEM, "cannot serialize the JSON report");
    size_t n = strlen(s);
    s[n] = '\0';
    int rc;
    if (!strcmp(path, "-")) {
        rc = fwrite(s, 1, n, stdout) == n && fputc('\n', stdout) != EOF ? 0 : cm_error_set(CM_EIO, "cannot write the JSON report to stdout");
    } else {
        char *t = malloc(n + 2);
        if (!t) {
            free(s);
            return cm_error_set(CM_ENOMEM, "out of memory");
        }
        memcpy(t, s, n);
        t[n] = '\n';
        rc = cm_write_file_atomic(path, t, n + 1);
        free(t);
    }
    free(s);
    return rc;
}
