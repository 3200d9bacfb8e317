/* eval.h — scoring generated MPI programs the way the seed paper's results table does, but
 * by machine: every answer is extracted, built and run by the harness against the record's
 * sequential program, at the corpus's check sizes and rank counts.
 *
 * One case has n samples (answers); each sample gets a harness verdict. A case's numbers:
 * samples built, samples correct, pass@k (unbiased estimator), speedup and efficiency at 2
 * ranks of its best correct sample (with --bench), bytes communicated, exact match with the
 * expert answer. Domains and the whole set aggregate them. Optionally the expert mpi.c and
 * baseline.c are timed on the same harness for comparison.
 *
 * Left out: producing answers (verify/test generate them with the model; eval reads files).
 */
#ifndef CM_EVAL_H
#define CM_EVAL_H

#include <stddef.h>

#include "corpus/corpus.h"
#include "harness/harness.h"

#define EVAL_MAX_K 8

struct eval_sample {
    char *source;        /* where the answer came from (file name); owned */
    int extracted;       /* a program was found in the answer */
    const char *why;     /* when not: why (static) */
    int built, correct;
    int exact;           /* equal to the expert answer (whitespace-normalized) */
    enum check_outcome outcome;
    char detail[256];    /* first failing run, or the extraction failure */
    double speedup2, efficiency2; /* at 2 ranks, with bench; 0 when not timed */
    unsigned long long bytes2;    /* bytes moved at 2 ranks (profile), 0 when unknown */
    int has_bytes;
    double expert_speedup2;       /* compare_expert: the expert's mpi.c at 2 ranks, timed beside this
                                   * sample in the same check (runs taking turns); 0 = not */
};

struct eval_case {
    const struct corpus_case *cc; /* borrowed */
    struct eval_sample *samples;
    size_t n;
    size_t n_built, n_correct, n_exact;
    double pass_at[EVAL_MAX_K + 1]; /* index k; valid for k <= n */
    double best_speedup2;           /* best correct sample; 0 = none timed */
    double expert_speedup2, baseline_speedup2; /* with --compare-expert; 0 = not measured */
    unsigned long long expert_bytes2;
    int expert_beside;              /* expert_speedup2 was timed beside the best sample, not alone */
    /* the candidate loop (verify/test --repair): answers drawn, and each sample's first
     * answer's result (before any repair); has_rounds 0: no loop data (eval --answers) */
    int has_rounds;
    size_t n_rounds, n_first_built, n_first_correct;
    size_t prompt_tokens, cached_tokens, tokens; /* over every answer drawn */
    double prefill_s, decode_s, check_s;
    void *loop_json; /* the candidate loop's transcript (jansson json_t *, owned) for the JSON report, or NULL */
};

struct eval_opts {
    struct check_opts check; /* np, timeouts, limits; args/tolerances come from each case */
    int bench;               /* time at bench_args */
    int compare_expert;      /* also time mpi.c and baseline.c */
    long ks[EVAL_MAX_K];     /* k values for pass@k */
    size_t n_ks;
    int progress;
};

/* Sets o->ks: the given k values (n > 0), each at most min_samples, or by default 1, 2, 4, 8
 * up to min_samples. Fails (CM_EINVAL, "pass@K needs at least K samples per case") on a k
 * above min_samples. */
int eval_choose_ks(struct eval_opts *o, const long *ks, size_t n, size_t min_samples);

/* Unbiased pass@k = 1 - C(n-c, k) / C(n, k) (Chen et al. 2021); k <= n. */
double eval_pass_at_k(size_t n, size_t c, size_t k);

/* Runs the harness on a program file against the case's seq.c, at the case's check sizes
 * and tolerances (o->check gives rank counts and limits; with o->bench, its bench size). */
int eval_check_program(struct check_report *rep, const struct corpus_case *cc, const char *mpi_path,
                       const struct eval_opts *o);
/* Fills a sample from a finished check of program (the candidate loop checks itself). */
void eval_sample_from_report(struct eval_sample *s, const struct corpus_case *cc, const char *program,
                             const struct check_report *rep);
/* Fills a sample whose answer held no program. */
void eval_sample_no_program(struct eval_sample *s, const char *why);
/* Scores one sample (answer text or program) of a case. */
int eval_score_sample(struct eval_sample *s, const struct corpus_case *cc, const char *answer, size_t len,
                      int is_program, const struct eval_opts *o);
/* Fills a case's aggregates from its samples (and, with compare_expert, runs the expert). */
int eval_finish_case(struct eval_case *ec, const struct eval_opts *o);
void eval_case_release(struct eval_case *ec);

/* Reports (eval_report.c). */
/* title: the command, e.g. "chatmpi eval" */
void eval_report_print(const struct eval_case *cases, size_t n, const struct eval_opts *o, const char *title,
                       FILE *f);
int eval_report_markdown(const struct eval_case *cases, size_t n, const struct eval_opts *o, const char *path);
int eval_report_json(const struct eval_case *cases, size_t n, const struct eval_opts *o, const char *path);

#endif
