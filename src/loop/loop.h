/* loop.h — the candidate loop: one sequential program in, verified MPI programs out.
 *
 *   prompt (worked examples, then the question) -> model -> extract -> harness check
 *   -> (repair: the check's diagnosis goes back to the model, up to R rounds)
 *   -> choose the fastest verified candidate, else the closest.
 *
 * K candidates are drawn independently (candidate k uses seed + k; the first is greedy when
 * the temperature is 0, the others sample at 0.7: K greedy answers would be one answer).
 * A candidate that fails goes back to the model as a new question: the sequential program
 * and a short diagnosis of the failure (loop_diagnose), the answer begun with the prefix again
 * (Qwen2.5-Coder-1.5B copied a quoted failing program back unchanged, even with the faulty
 * lines marked; asked afresh it changed the code: docs/default-model.md); with repair_quote,
 * the failing MPI program quoted (loop_annotate) before the diagnosis. The examples and the
 * start of the question are the same prompt as before, so the local model evaluates only the
 * new part (its KV cache keeps the rest). (As the model's own previous
 * turn followed by the diagnosis, Qwen2.5-Coder-1.5B gave the program back byte for byte, greedy
 * or sampled: docs/default-model.md.) Every round is checked; a
 * candidate's chain ends at its first verified round or after R repairs. Budgets (tokens
 * generated, wall seconds) end the loop early: rounds not run are reported as not run.
 *
 * The model sits behind lm.h; the check behind a callback, so `run FILE.c` (the user's
 * program and options) and `test`/`verify` (a corpus case's sizes and tolerances) share
 * the loop. Used by run, the interactive /file, verify and test.
 */
#ifndef CM_LOOP_H
#define CM_LOOP_H

#include <stddef.h>

#include "harness/harness.h"
#include "loop/examples.h"
#include "loop/lm.h"

/* The question every record of the corpus asks, and its context. */
#define LOOP_QUESTION "Can you parallelize this sequential code to MPI?\n"
#define LOOP_CONTEXT "Sequential to MPI translation"
/* The start of a pretrained chat model's answer (loop_opts.answer_prefix): the code block and
 * the MPI header, which the 1.5B base left out in 6 of 28 answers (docs/default-model.md) */
#define LOOP_ANSWER_PREFIX "```c\n#include <mpi.h>\n"

/* The answer prefix a model gets unless told otherwise: LOOP_ANSWER_PREFIX for a pretrained
 * chat model that can continue one (the local runtime), else none. run, verify, test and
 * serve's parallelize all take it from here. */
static inline const char *loop_default_answer_prefix(const struct lm *m)
{
    return m->chat && m->prefix ? LOOP_ANSWER_PREFIX : NULL;
}

/* Checks a program (written to a file of its own) and fills rep (always released by the
 * loop). Returns 0 when a verdict was reached, an error code when the harness failed. */
typedef int (*loop_check_fn)(void *ctx, const char *program_path, struct check_report *rep);

enum loop_phase { LOOP_GENERATING, LOOP_CHECKING, LOOP_DONE };

struct loop_round;

struct loop_opts {
    size_t samples;              /* K >= 1 */
    const char *question;        /* the whole question (NULL: LOOP_QUESTION then the program) */
    const char *context;         /* with question: its context (may be NULL); else LOOP_CONTEXT */
    size_t repair;               /* R: repair rounds per failed candidate */
    double repair_temperature;   /* a repair round's temperature; 0: its candidate's (greedy asked
                                  * afresh, Qwen2.5-Coder-1.5B often wrote the same program again) */
    int repair_quote;            /* a repair quotes the failing program (loop_annotate) and its answer
                                  * has no prefix; 0: the question is asked afresh with the diagnosis
                                  * (measured: docs/default-model.md) */
    size_t examples;             /* worked examples in the prompt */
    const char *answer_prefix;   /* a candidate's first answer begins so, the model continuing it
                                  * (NULL: none); repair rounds get none */
    const struct example_pool *pool; /* where they come from (NULL: none) */
    const char *exclude_splits;  /* never shown as examples (the split being tested), or NULL */
    const char *exclude_id;      /* nor this record, or NULL */
    int frame;                   /* loop-by-loop answers (loop/frame.h): seq_src is a program marked by
                                  * hotloops; each round asks one question per marked loop (question,
                                  * examples and answer_prefix are not used) and puts the rewrites into
                                  * the frame. When no frame can be built (no marked loop, no main), whole
                                  * programs are asked for and loop_result.frame_skipped says why */
    struct sampler_params sampling;
    size_t max_tokens;           /* budget: tokens generated over all rounds (0: none) */
    double max_seconds;          /* budget: wall seconds of the whole loop (0: none) */
    int stop_when_verified;      /* stop drawing candidates once one verifies */
    /* answers given instead of generated (a transcript reused, e.g. loop_reuse_answer):
     * candidate k's round r as text the caller frees, or NULL to ask the model; may be NULL */
    char *(*given)(void *given_ctx, size_t candidate, size_t round);
    void *given_ctx;
    loop_check_fn check;
    void *check_ctx;
    int (*interrupted)(void);    /* polled between rounds; may be NULL */
    /* progress: each round as it is generated, checked and done; may be NULL */
    void (*on_round)(void *ctx, const struct loop_round *r, enum loop_phase phase);
    void *ctx;
};

struct loop_round {
    size_t candidate, round;   /* 0-based; round 0 is the candidate's first answer */
    char *answer, *program;    /* program NULL: none extracted (why) */
    const char *why;
    int checked;               /* rep is valid */
    struct check_report rep;
    enum check_outcome outcome; /* BUILD_FAIL when no program */
    size_t passes;             /* passing runs */
    double speedup2;           /* at 2 ranks, when timed */
    char *diagnosis;           /* what the next round was told (NULL: no next round) */
    struct assistant_usage usage;
    double check_s;
    int given;                 /* the answer came from loop_opts.given, not the model */
};

struct loop_result {
    struct loop_round *rounds; /* in the order they ran */
    size_t n;
    long best;                 /* the fastest verified round (index), or -1 */
    long closest;              /* else the round with the most passing runs, or -1 */
    size_t n_verified;         /* candidates with a verified round */
    size_t candidates;         /* candidates drawn */
    char **example_ids;        /* (n_examples) the examples shown, in prompt order (the most similar last) */
    double *example_sim;
    size_t n_examples;
    size_t tokens, prompt_tokens, cached_tokens;
    double gen_s, check_s, wall_s;
    int budget;                /* 1: a budget ended the loop early */
    size_t frame_loops;        /* with loop_opts.frame: the loops answered one by one (0: none) */
    char *frame_skipped;       /* with loop_opts.frame: why whole programs were asked for instead, or NULL */
};

void loop_result_init(struct loop_result *r);
void loop_result_release(struct loop_result *r);

/* Runs the loop for a sequential program's source. Returns 0 with *res filled (whatever the
 * verdicts), or an error (the model or the harness failed, or interrupted: CM_EENV); the
 * rounds done so far stay in *res. */
int loop_run(struct loop_result *res, struct lm *m, const char *seq_src, const struct loop_opts *o);

/* The short diagnosis of a failed round for the model: the first compiler errors with their
 * lines; the first failing run (rank count, arguments, what differed); a timeout; a crash
 * with its last stderr lines. Caller frees. */
char *loop_diagnose(const struct loop_round *r);

/* The failing program as a repair round quotes it (repair_quote): the lines where the check found
 * the problem (the compiler's errors; the printing, when every rank printed the output) end with
 * a comment "<-- what is wrong". Caller frees. */
char *loop_annotate(const struct loop_round *r);

/* Keeps a transcript in dir (created): every round's answer as candidate_KK_round_R.txt and
 * loop_result_to_json with the answers as loop.json. */
int loop_save(const struct loop_result *r, const char *dir);

/* A loop_opts.given that reads the answers loop_save wrote: given_ctx is the directory (a
 * const char *), candidate_KK_round_R.txt in it, NULL when there is no such file. */
char *loop_reuse_answer(void *dir, size_t candidate, size_t round);

/* The result as JSON (jansson json_t *, as void *): examples, every round with its outcome,
 * tokens, seconds, diagnosis and (with_text) answer; the caller owns the reference. */
void *loop_result_to_json(const struct loop_result *r, int with_text);

#endif
