/* eval.c — scoring samples with the harness and aggregating per case (see eval.h). */
#include "eval/eval.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "prompt/extract.h"

double eval_pass_at_k(size_t n, size_t c, size_t k)
{
    if (k == 0 || k > n) return 0.0;
    if (n - c < k) return 1.0;
    double p = 1.0; /* C(n-c, k) / C(n, k) as a product */
    for (size_t i = n - c + 1; i <= n; i++) p *= 1.0 - (double)k / (double)i;
    return 1.0 - p;
}

int eval_choose_ks(struct eval_opts *o, const long *ks, size_t n, size_t min_samples)
{
    o->n_ks = 0;
    for (size_t i = 0; i < n; i++)
        if ((size_t)ks[i] > min_samples)
            return cm_error_set(CM_EINVAL, "pass@%ld needs at least %ld samples per case; some case has %zu", ks[i],
                                ks[i], min_samples);
    for (size_t i = 0; i < n && i < EVAL_MAX_K; i++) o->ks[o->n_ks++] = ks[i];
    for (long k = 1; !n && k <= EVAL_MAX_K && (size_t)k <= min_samples; k *= 2) o->ks[o->n_ks++] = k;
    return 0;
}

/* Equal after dropping all whitespace differences (runs collapse, ends trimmed). */
static int same_modulo_space(const char *a, const char *b)
{
    for (;;) {
        while (isspace((unsigned char)*a)) a++;
        while (isspace((unsigned char)*b)) b++;
        if (!*a || !*b) return !*a && !*b;
        int sa = 0, sb = 0;
        while (*a && *b && !isspace((unsigned char)*a) && !isspace((unsigned char)*b)) {
            if (*a != *b) return 0;
            a++, b++;
        }
        sa = isspace((unsigned char)*a), sb = isspace((unsigned char)*b);
        if ((sa != sb) && *a && *b) return 0;
    }
}

/* The check of one program of a case; with peer, the case's expert mpi.c is timed beside it. */
static int check_case_program(struct check_report *rep, const struct corpus_case *cc, const char *mpi_path,
                              const struct eval_opts *o, int peer)
{
    struct check_opts co = o->check;
    char *expert = peer && o->bench && o->compare_expert ? cm_path_join(cc->dir, "mpi.c") : NULL;
    co.peer_path = expert;
    cm_strlist_init(&co.args);
    for (size_t i = 0; i < cc->check_args.n; i++) cm_strlist_push(&co.args, cc->check_args.items[i]);
    co.bench_args = o->bench ? cc->bench_args : NULL;
    co.rtol = cc->rtol;
    co.atol = cc->atol;
    co.progress = 0;
    char *seq = cm_path_join(cc->dir, "seq.c");
    int rc = harness_check(rep, seq, mpi_path, &co);
    free(seq);
    free(expert);
    cm_strlist_release(&co.args);
    return rc;
}

int eval_check_program(struct check_report *rep, const struct corpus_case *cc, const char *mpi_path,
                       const struct eval_opts *o)
{
    return check_case_program(rep, cc, mpi_path, o, 1);
}

static void perf_at2(const struct check_report *rep, double *speedup, double *eff)
{
    *speedup = *eff = 0;
    for (size_t i = 1; i < rep->n_perf; i++)
        if (rep->perf[i].np == 2 && rep->perf[i].ok) *speedup = rep->perf[i].speedup, *eff = rep->perf[i].efficiency;
}

/* The peer's (the expert's) speedup at 2 ranks, timed beside the program; 0 when not. */
static double peer_at2(const struct check_report *rep)
{
    for (size_t i = 1; i < rep->n_perf; i++)
        if (rep->perf[i].np == 2 && rep->perf[i].ok && rep->perf[i].peer_ok && rep->perf[i].peer_median_s > 0)
            return rep->perf[i].peer_speedup;
    return 0;
}

static int bytes_at2(const struct check_report *rep, unsigned long long *bytes)
{
    int bench = 0;
    for (size_t i = 0; i < rep->n_runs; i++) bench |= rep->runs[i].args_index < 0;
    for (size_t i = 0; i < rep->n_runs; i++) {
        const struct check_run *r = &rep->runs[i];
        if (r->np == 2 && r->has_profile && r->args_index == (bench ? -1 : 0)) {
            *bytes = r->prof.total_bytes;
            return 1;
        }
    }
    return 0;
}

void eval_sample_no_program(struct eval_sample *s, const char *why)
{
    s->why = why;
    snprintf(s->detail, sizeof(s->detail), "no program in the answer: %s", why ? why : "");
    s->outcome = CHECK_BUILD_FAIL;
}

void eval_sample_from_report(struct eval_sample *s, const struct corpus_case *cc, const char *program,
                             const struct check_report *rep)
{
    char *expert = NULL;
    s->extracted = 1;
    if (corpus_case_read(&expert, cc, "mpi.c") == 0) s->exact = same_modulo_space(program, expert);
    else cm_error_clear();
    free(expert);
    s->outcome = rep->outcome;
    s->built = rep->outcome == CHECK_CORRECT || rep->outcome == CHECK_INCORRECT || rep->outcome == CHECK_SERIAL;
    s->correct = rep->outcome == CHECK_CORRECT;
    s->detail[0] = '\0';
    if (rep->outcome == CHECK_SEQ_ERROR)
        snprintf(s->detail, sizeof(s->detail), "the case's sequential program failed: %s", rep->seq_error);
    if (rep->outcome == CHECK_SERIAL)
        snprintf(s->detail, sizeof(s->detail), "SERIAL: right at every rank count, but no data moved between ranks "
                                               "at the bench size (rank 0 computed everything)");
    for (size_t i = 0; i < rep->n_runs && !s->detail[0]; i++)
        if (rep->runs[i].verdict != VERDICT_PASS)
            snprintf(s->detail, sizeof(s->detail), "np=%ld: %s: %s", rep->runs[i].np,
                     check_verdict_name(rep->runs[i].verdict), rep->runs[i].detail);
    if (s->correct) perf_at2(rep, &s->speedup2, &s->efficiency2);
    s->expert_speedup2 = s->correct && s->speedup2 > 0 ? peer_at2(rep) : 0;
    s->has_bytes = bytes_at2(rep, &s->bytes2);
}

int eval_score_sample(struct eval_sample *s, const struct corpus_case *cc, const char *answer, size_t len,
                      int is_program, const struct eval_opts *o)
{
    char *prog = NULL, *dir = NULL, *path = NULL;
    enum extract_how how;
    const char *why = NULL;
    int rc = 0;
    if (is_program)
        prog = cm_strndup(answer, len);
    else
        prog = extract_program(answer, len, &how, &why);
    if (!prog) {
        eval_sample_no_program(s, why);
        return 0;
    }
    if ((rc = cm_make_temp_dir(&dir, "chatmpi-eval-"))) goto done;
    path = cm_path_join(dir, "answer.c");
    if ((rc = cm_write_file_atomic(path, prog, strlen(prog)))) goto done;
    struct check_report rep;
    rc = eval_check_program(&rep, cc, path, o);
    if (!rc) eval_sample_from_report(s, cc, prog, &rep);
    check_report_release(&rep);
done:
    if (dir) cm_remove_tree(dir);
    free(dir);
    free(path);
    free(prog);
    return rc;
}

static int time_file(double *speedup, unsigned long long *bytes, const struct corpus_case *cc, const char *file,
                     const struct eval_opts *o)
{
    char *p = cm_path_join(cc->dir, file);
    struct check_report rep;
    int rc = check_case_program(&rep, cc, p, o, 0);
    double eff;
    if (!rc && rep.outcome == CHECK_CORRECT) {
        perf_at2(&rep, speedup, &eff);
        if (bytes) bytes_at2(&rep, bytes);
    }
    check_report_release(&rep);
    free(p);
    return rc;
}

int eval_finish_case(struct eval_case *ec, const struct eval_opts *o)
{
    ec->n_built = ec->n_correct = ec->n_exact = 0;
    ec->best_speedup2 = 0;
    ec->expert_beside = 0;
    double beside = 0;
    for (size_t i = 0; i < ec->n; i++) {
        const struct eval_sample *s = &ec->samples[i];
        ec->n_built += s->built;
        ec->n_correct += s->correct;
        ec->n_exact += s->exact;
        if (s->correct && s->speedup2 > ec->best_speedup2) ec->best_speedup2 = s->speedup2, beside = s->expert_speedup2;
    }
    for (size_t k = 1; k <= EVAL_MAX_K; k++) ec->pass_at[k] = eval_pass_at_k(ec->n, ec->n_correct, k);
    int rc = 0;
    if (o->compare_expert && o->bench && beside > 0) { /* timed beside the best sample: that pair */
        ec->expert_speedup2 = beside;
        ec->expert_beside = 1;
        if (ec->cc->has_baseline) rc = time_file(&ec->baseline_speedup2, NULL, ec->cc, "baseline.c", o);
    } else if (o->compare_expert && o->bench) {
        rc = time_file(&ec->expert_speedup2, &ec->expert_bytes2, ec->cc, "mpi.c", o);
        if (!rc && ec->cc->has_baseline) rc = time_file(&ec->baseline_speedup2, NULL, ec->cc, "baseline.c", o);
    }
    return rc;
}

void eval_case_release(struct eval_case *ec)
{
    for (size_t i = 0; i < ec->n; i++) free(ec->samples[i].source);
    free(ec->samples);
    if (ec->loop_json) json_decref(ec->loop_json);
    memset(ec, 0, sizeof(*ec));
}
