/* eval_report.c — the evaluation table, per domain then per kernel, as text, Markdown and
 * JSON. The columns mirror the seed paper's results table with machine-checked numbers. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "eval/eval.h"

static const char *const domain_order[] = {"blas1", "blas2", "blas3", "spmv", "stencil", "cg", NULL};
enum { N_DOMAINS = 6 }; /* the per-domain tables' rows: the domains, then row N_DOMAINS, all */

static const char *row_label(int d) { return d < N_DOMAINS ? domain_order[d] : "all"; }

/* A case with loop data that row d of the per-domain loop tables counts. */
static int in_loop_row(const struct eval_case *ec, int d)
{
    return ec->has_rounds && (d == N_DOMAINS || !strcmp(ec->cc->domain, domain_order[d]));
}

struct agg {
    size_t cases, samples, built, correct, exact, timed;
    double pass[EVAL_MAX_K + 1];
    double log_speedup, log_expert, log_ratio;
    size_t expert_timed, n_ratio; /* ratio: the best sample's speedup@2 over the expert's, both timed */
    double bytes;
    size_t n_bytes;
};

static void add_case(struct agg *a, const struct eval_case *ec)
{
    a->cases++;
    a->samples += ec->n;
    a->built += ec->n_built;
    a->correct += ec->n_correct;
    a->exact += ec->n_exact;
    for (int k = 1; k <= EVAL_MAX_K; k++) a->pass[k] += ec->pass_at[k];
    if (ec->best_speedup2 > 0) a->log_speedup += log(ec->best_speedup2), a->timed++;
    if (ec->expert_speedup2 > 0) a->log_expert += log(ec->expert_speedup2), a->expert_timed++;
    if (ec->expert_speedup2 > 0 && ec->best_speedup2 > 0)
        a->log_ratio += log(ec->best_speedup2 / ec->expert_speedup2), a->n_ratio++;
    for (size_t i = 0; i < ec->n; i++)
        if (ec->samples[i].correct && ec->samples[i].has_bytes) a->bytes += (double)ec->samples[i].bytes2, a->n_bytes++;
}

static size_t min_samples(const struct eval_case *cases, size_t n)
{
    size_t m = (size_t)-1;
    for (size_t i = 0; i < n; i++)
        if (cases[i].n < m) m = cases[i].n;
    return n ? m : 0;
}

static void pct(char *b, size_t n, size_t num, size_t den)
{
    if (den)
        snprintf(b, n, "%5.1f%%", 100.0 * (double)num / (double)den);
    else
        snprintf(b, n, "     -");
}

/* Repair rounds: per domain, the samples' first answers against their last (the table's). */
static void repairs(const struct eval_case *cases, size_t n, FILE *f, int md)
{
    int any = 0;
    for (size_t i = 0; i < n; i++) any |= cases[i].has_rounds && cases[i].n_rounds > cases[i].n;
    if (!any) return;
    fprintf(f, md ? "\nRepair rounds: first answers, then after the repairs (the table above).\n\n"
                    "| domain | samples | answers drawn | built first | pass first | built after | pass after |\n"
                    "| --- | --- | --- | --- | --- | --- | --- |\n"
                  : "\nrepair rounds: first answers, then after the repairs (the table above)\n"
                    "  domain     samples  answers  built@first  pass@first  built   pass\n");
    for (int d = 0; d <= N_DOMAINS; d++) {
        const char *dom = row_label(d);
        size_t s = 0, r = 0, fb = 0, fc = 0, b = 0, c = 0;
        for (size_t i = 0; i < n; i++) {
            const struct eval_case *ec = &cases[i];
            if (!in_loop_row(ec, d)) continue;
            s += ec->n, r += ec->n_rounds, fb += ec->n_first_built, fc += ec->n_first_correct;
            b += ec->n_built, c += ec->n_correct;
        }
        if (!s) continue;
        char x[16], y[16], z[16], w[16];
        pct(x, sizeof(x), fb, s), pct(y, sizeof(y), fc, s), pct(z, sizeof(z), b, s), pct(w, sizeof(w), c, s);
        if (md)
            fprintf(f, "| %s | %zu | %zu | %s | %s | %s | %s |\n", dom, s, r, x, y, z, w);
        else
            fprintf(f, "  %-9s %8zu %8zu  %11s %11s  %6s %6s\n", dom, s, r, x, y, z, w);
    }
}

/* Samples right at every rank count whose ranks moved no data (harness.c): not passing. */
static void serial_note(const struct eval_case *cases, size_t n, FILE *f)
{
    size_t k = 0, all = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < cases[i].n; j++) k += cases[i].samples[j].outcome == CHECK_SERIAL, all++;
    if (k)
        fprintf(f, "\n%zu of %zu samples gave the right output at every rank count but were SERIAL (the ranks moved "
                   "no data at the bench size: rank 0 computed everything); they count as built, not as passing.\n",
                k, all);
}

/* Answer speed (the candidate loop's answers): per domain, answers drawn, the prompt tokens
 * evaluated (those not taken from the cache) and their rate, answer tokens and their rate,
 * and the seconds an answer took to write (prompt + answer) and to check. */
static void speed(const struct eval_case *cases, size_t n, FILE *f, int md)
{
    int any = 0;
    for (size_t i = 0; i < n; i++) any |= cases[i].has_rounds && cases[i].n_rounds > 0;
    if (!any) return;
    fprintf(f, md ? "\nAnswer speed: prompt tokens evaluated (not from the cache), answer tokens, and seconds an answer.\n\n"
                    "| domain | answers | prompt tok | prompt tok/s | answer tok | answer tok/s | s/answer | check s/answer |\n"
                    "| --- | --- | --- | --- | --- | --- | --- | --- |\n"
                  : "\nanswer speed: prompt tokens evaluated (not from the cache), answer tokens, seconds an answer\n"
                    "  domain     answers  prompt tok  tok/s  answer tok  tok/s  s/answer  check s\n");
    for (int d = 0; d <= N_DOMAINS; d++) {
        const char *dom = row_label(d);
        size_t r = 0, pt = 0, t = 0;
        double ps = 0, ds = 0, cs = 0;
        for (size_t i = 0; i < n; i++) {
            const struct eval_case *ec = &cases[i];
            if (!in_loop_row(ec, d)) continue;
            r += ec->n_rounds, pt += ec->prompt_tokens - ec->cached_tokens, t += ec->tokens;
            ps += ec->prefill_s, ds += ec->decode_s, cs += ec->check_s;
        }
        if (!r) continue;
        double prate = ps > 0 ? (double)pt / ps : 0, arate = ds > 0 ? (double)t / ds : 0;
        if (md)
            fprintf(f, "| %s | %zu | %zu | %.1f | %zu | %.1f | %.1f | %.1f |\n", dom, r, pt, prate, t, arate,
                    (ps + ds) / (double)r, cs / (double)r);
        else
            fprintf(f, "  %-9s %8zu %11zu %6.1f %11zu %6.1f %9.1f %8.1f\n", dom, r, pt, prate, t, arate,
                    (ps + ds) / (double)r, cs / (double)r);
    }
}

/* One row: label, cases, samples, build%, correct%, pass@k..., speedup@2, expert@2, bytes, exact% */
static void row(FILE *f, int md, const char *label, const struct agg *a, const struct eval_opts *o)
{
    char b[16], c[16], e[16];
    pct(b, sizeof(b), a->built, a->samples);
    pct(c, sizeof(c), a->correct, a->samples);
    pct(e, sizeof(e), a->exact, a->samples);
    const char *sep = md ? " | " : "  ";
    fprintf(f, md ? "| %-9s" : "  %-9s", label);
    fprintf(f, "%s%5zu%s%7zu%s%s%s%s", sep, a->cases, sep, a->samples, sep, b, sep, c);
    for (size_t i = 0; i < o->n_ks; i++)
        if (a->cases) fprintf(f, "%s%6.1f%%", sep, 100.0 * a->pass[o->ks[i]] / (double)a->cases);
    if (o->bench) {
        double sp2 = a->timed ? exp(a->log_speedup / (double)a->timed) : 0;
        if (a->timed) /* and the parallel efficiency at 2 ranks: the speedup over the 2 ranks */
            fprintf(f, "%s%9.2f%s%5.2f", sep, sp2, sep, sp2 / 2);
        else
            fprintf(f, "%s%9s%s%5s", sep, "-", sep, "-");
        if (o->compare_expert) {
            if (a->expert_timed)
                fprintf(f, "%s%9.2f", sep, exp(a->log_expert / (double)a->expert_timed));
            else
                fprintf(f, "%s%9s", sep, "-");
            if (a->n_ratio)
                fprintf(f, "%s%9.2f", sep, exp(a->log_ratio / (double)a->n_ratio));
            else
                fprintf(f, "%s%9s", sep, "-");
        }
    }
    if (a->n_bytes)
        fprintf(f, "%s%11.0f", sep, a->bytes / (double)a->n_bytes);
    else
        fprintf(f, "%s%11s", sep, "-");
    fprintf(f, "%s%s%s\n", sep, e, md ? " |" : "");
}

static void header(FILE *f, int md, const struct eval_opts *o)
{
    const char *sep = md ? " | " : "  ";
    fprintf(f, md ? "| %-9s" : "  %-9s", "domain");
    fprintf(f, "%s%5s%s%7s%s%6s%s%6s", sep, "cases", sep, "samples", sep, "build", sep, "pass");
    for (size_t i = 0; i < o->n_ks; i++) fprintf(f, "%spass@%-2ld", sep, o->ks[i]);
    if (o->bench) fprintf(f, "%s%9s%s%5s", sep, "speedup@2", sep, "eff@2");
    if (o->bench && o->compare_expert) fprintf(f, "%s%9s%s%9s", sep, "expert@2", sep, "of expert");
    fprintf(f, "%s%11s%s%6s%s\n", sep, "bytes@2", sep, "exact", md ? " |" : "");
    if (md) {
        fprintf(f, "|---|---:|---:|---:|---:|");
        for (size_t i = 0; i < o->n_ks; i++) fprintf(f, "---:|");
        if (o->bench) fprintf(f, "---:|---:|");
        if (o->bench && o->compare_expert) fprintf(f, "---:|---:|");
        fprintf(f, "---:|---:|\n");
    }
}

static void table(const struct eval_case *cases, size_t n, const struct eval_opts *o, FILE *f, int md)
{
    header(f, md, o);
    struct agg all = {0};
    for (int d = 0; domain_order[d]; d++) {
        struct agg a = {0};
        for (size_t i = 0; i < n; i++)
            if (!strcmp(cases[i].cc->domain, domain_order[d])) add_case(&a, &cases[i]);
        if (!a.cases) continue;
        row(f, md, domain_order[d], &a, o);
        for (size_t i = 0; i < n; i++)
            if (!strcmp(cases[i].cc->domain, domain_order[d])) add_case(&all, &cases[i]);
    }
    row(f, md, "all", &all, o);
}

static void per_case(const struct eval_case *cases, size_t n, const struct eval_opts *o, FILE *f, int md)
{
    if (md)
        fprintf(f, "\n| case | split | correct | speedup@2 | eff@2 | expert@2 | baseline@2 | first failure |\n"
                   "|---|---|---:|---:|---:|---:|---:|---|\n");
    else
        fprintf(f, "\n  %-34s %-6s %8s %10s %6s %9s %10s  %s\n", "case", "split", "correct", "speedup@2", "eff@2",
                "expert@2", "baseline@2", "first failure");
    for (size_t i = 0; i < n; i++) {
        const struct eval_case *ec = &cases[i];
        char cor[16], sp[16] = "-", ef[16] = "-", ex[16] = "-", bl[16] = "-";
        snprintf(cor, sizeof(cor), "%zu/%zu", ec->n_correct, ec->n);
        if (ec->best_speedup2 > 0) snprintf(sp, sizeof(sp), "%.2f", ec->best_speedup2);
        if (ec->best_speedup2 > 0) snprintf(ef, sizeof(ef), "%.2f", ec->best_speedup2 / 2);
        if (ec->expert_speedup2 > 0) snprintf(ex, sizeof(ex), "%.2f", ec->expert_speedup2);
        if (ec->baseline_speedup2 > 0) snprintf(bl, sizeof(bl), "%.2f", ec->baseline_speedup2);
        const char *fail = "";
        for (size_t k = 0; k < ec->n && !*fail; k++)
            if (!ec->samples[k].correct) fail = ec->samples[k].detail;
        if (md)
            fprintf(f, "| %s | %s | %s | %s | %s | %s | %s | %.120s |\n", ec->cc->id, ec->cc->split, cor, sp, ef, ex, bl,
                    fail);
        else
            fprintf(f, "  %-34s %-6s %8s %10s %6s %9s %10s  %.90s\n", ec->cc->id, ec->cc->split, cor, sp, ef, ex, bl,
                    fail);
    }
}

void eval_report_print(const struct eval_case *cases, size_t n, const struct eval_opts *o, const char *title,
                       FILE *f)
{
    fprintf(f, "%s: %zu cases, at least %zu sample(s) each; correct = PASS at np ", title, n, min_samples(cases, n));
    for (size_t i = 0; i < o->check.n_np; i++) fprintf(f, "%s%ld", i ? "," : "", o->check.np[i]);
    fprintf(f, " on every check size\n");
    table(cases, n, o, f, 0);
    serial_note(cases, n, f);
    repairs(cases, n, f, 0);
    speed(cases, n, f, 0);
    per_case(cases, n, o, f, 0);
    fprintf(f, "\nbuild and pass are shares of samples; pass@k is the unbiased estimator averaged over cases;\n"
               "speedup@2 is the geometric mean over cases of the best correct sample's speedup at 2 ranks\n"
               "(launcher start-up subtracted) and eff@2 the parallel efficiency there (speedup@2 / 2);\n");
    if (o->bench && o->compare_expert)
        fprintf(f, "expert@2 is the same for the expert answers (mpi.c), timed beside the best correct sample, the\n"
                   "two taking turns run by run (alone when no sample is correct), and 'of expert' the geometric\n"
                   "mean over the cases with both of speedup@2 / expert@2;\n");
    fprintf(f, "bytes@2 is the mean bytes moved at 2 ranks by correct samples;\n"
               "exact is the share of samples equal to the expert answer up to whitespace.\n");
}

int eval_report_markdown(const struct eval_case *cases, size_t n, const struct eval_opts *o, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return cm_error_set(CM_EIO, "cannot write '%s'", path);
    fprintf(f, "# chatmpi evaluation\n\n%zu cases. Correct = PASS at every rank count and check size.\n\n", n);
    table(cases, n, o, f, 1);
    serial_note(cases, n, f);
    repairs(cases, n, f, 1);
    speed(cases, n, f, 1);
    per_case(cases, n, o, f, 1);
    int rc = fclose(f) == 0 ? 0 : cm_error_set(CM_EIO, "cannot write '%s'", path);
    return rc;
}

int eval_report_json(const struct eval_case *cases, size_t n, const struct eval_opts *o, const char *path)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct eval_case *ec = &cases[i];
        json_t *samples = json_array(), *pass = json_object();
        for (size_t k = 0; k < ec->n; k++) {
            const struct eval_sample *s = &ec->samples[k];
            json_t *j = json_pack("{s:s, s:b, s:b, s:b, s:b, s:s, s:s}", "source", s->source ? s->source : "",
                                  "extracted", s->extracted, "built", s->built, "correct", s->correct, "exact",
                                  s->exact, "outcome", check_outcome_name(s->outcome), "detail", s->detail);
            if (s->speedup2 > 0) json_object_set_new(j, "speedup2", json_real(s->speedup2));
            if (s->speedup2 > 0) json_object_set_new(j, "efficiency2", json_real(s->efficiency2));
            if (s->has_bytes) json_object_set_new(j, "bytes2", json_integer((json_int_t)s->bytes2));
            json_array_append_new(samples, j);
        }
        for (size_t q = 0; q < o->n_ks; q++) {
            char key[16];
            snprintf(key, sizeof(key), "%ld", o->ks[q]);
            if ((size_t)o->ks[q] <= ec->n) json_object_set_new(pass, key, json_real(ec->pass_at[o->ks[q]]));
        }
        json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:o}", "id", ec->cc->id, "domain",
                              ec->cc->domain, "kernel", ec->cc->kernel, "split", ec->cc->split, "samples",
                              (json_int_t)ec->n, "built", (json_int_t)ec->n_built, "correct",
                              (json_int_t)ec->n_correct, "pass_at_k", pass, "results", samples);
        if (ec->loop_json) json_object_set(c, "loop", ec->loop_json);
        if (ec->has_rounds) {
            json_object_set_new(c, "answers_drawn", json_integer((json_int_t)ec->n_rounds));
            json_object_set_new(c, "built_first", json_integer((json_int_t)ec->n_first_built));
            json_object_set_new(c, "correct_first", json_integer((json_int_t)ec->n_first_correct));
            json_object_set_new(c, "answer_speed",
                                json_pack("{s:I, s:I, s:I, s:f, s:f, s:f}", "prompt_tokens", (json_int_t)ec->prompt_tokens,
                                          "cached_tokens", (json_int_t)ec->cached_tokens, "tokens",
                                          (json_int_t)ec->tokens, "prefill_s", ec->prefill_s, "decode_s",
                                          ec->decode_s, "check_s", ec->check_s));
        }
        if (ec->best_speedup2 > 0) json_object_set_new(c, "speedup2", json_real(ec->best_speedup2));
        if (ec->best_speedup2 > 0) json_object_set_new(c, "efficiency2", json_real(ec->best_speedup2 / 2));
        if (ec->expert_speedup2 > 0) json_object_set_new(c, "expert_speedup2", json_real(ec->expert_speedup2));
        if (ec->expert_speedup2 > 0) json_object_set_new(c, "expert_beside", json_boolean(ec->expert_beside));
        if (ec->baseline_speedup2 > 0) json_object_set_new(c, "baseline_speedup2", json_real(ec->baseline_speedup2));
        json_array_append_new(arr, c);
    }
    int rc = json_dump_file(arr, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0
                 ? 0
                 : cm_error_set(CM_EIO, "cannot write '%s'", path);
    json_decref(arr);
    return rc;
}
