/* loop.c — the candidate loop (see loop.h). */
#include "loop/loop.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "loop/frame.h"
#include "prompt/extract.h"

void loop_result_init(struct loop_result *r)
{
    memset(r, 0, sizeof(*r));
    r->best = r->closest = -1;
}

void loop_result_release(struct loop_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        struct loop_round *x = &r->rounds[i];
        free(x->answer), free(x->program), free(x->diagnosis);
        if (x->checked) check_report_release(&x->rep);
    }
    free(r->rounds);
    for (size_t i = 0; i < r->n_examples; i++) free(r->example_ids[i]);
    free(r->example_ids), free(r->example_sim);
    free(r->frame_skipped);
    loop_result_init(r);
}

/* ---- the diagnosis ---- */

/* A compiler line "PATH:LINE[:COL]: MESSAGE" (n bytes): the message after the location, its
 * line in *line; NULL when there is no location. The first ":digits:" followed (after an
 * optional "digits:") by a space is the location, so a path holding ':' is passed over. */
static const char *diag_location(const char *s, size_t n, size_t *line)
{
    const char *end = s + n;
    for (const char *c = memchr(s, ':', n); c; c = memchr(c + 1, ':', (size_t)(end - c - 1))) {
        const char *e = c + 1;
        while (e < end && *e >= '0' && *e <= '9') e++;
        if (e == c + 1 || e >= end || *e != ':') continue;
        const char *rest = e + 1;
        const char *col = rest;
        while (col < end && *col >= '0' && *col <= '9') col++;
        if (col > rest && col < end && *col == ':') rest = col + 1; /* ":col" */
        if (rest < end && *rest != ' ') continue;
        while (rest < end && *rest == ' ') rest++;
        *line = strtoul(c + 1, NULL, 10);
        return rest;
    }
    return NULL;
}

/* "DIR/candidate.c:12:5: error: x" -> "line 12: error: x" */
static void put_diag_line(struct cm_buf *b, const char *s, size_t n)
{
    size_t line;
    const char *msg = diag_location(s, n, &line);
    if (msg) {
        cm_buf_printf(b, "line %zu: ", line);
        n -= (size_t)(msg - s), s = msg;
    }
    cm_buf_printf(b, "%.*s\n", (int)(n > 240 ? 240 : n), s);
}

static void compiler_errors(struct cm_buf *b, const char *diag)
{
    size_t shown = 0;
    for (int pass = 0; pass < 2 && !shown; pass++) /* the error lines; else whatever it said */
        for (const char *p = diag; *p && shown < 6;) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            /* the linker's own line names the missing symbol; its "error" line does not; gcc's
             * note names the header a type or function needs ("did you forget '#include
             * <stdint.h>'?", which the 1.5B base needed: docs/default-model.md) */
            int want = pass || memmem(p, n, "error", 5) || memmem(p, n, "undefined reference", 19) ||
                       memmem(p, n, "did you forget", 14);
            if (want && n) {
                size_t before = b->len;
                put_diag_line(b, p, n);
                /* the same line twice (an error at two columns of one line) is said once */
                size_t len = b->len - before;
                if (before >= len && !memcmp(b->data + before - len, b->data + before, len) &&
                    (before == len || b->data[before - len - 1] == '\n'))
                    b->len = before, b->data[before] = 0;
                else
                    shown++;
            }
            p += n + (e != NULL);
        }
}

static const char *run_args(const struct check_report *rep, const struct check_run *r)
{
    if (r->args_index < 0) return rep->opts->bench_args ? rep->opts->bench_args : "";
    if ((size_t)r->args_index < rep->opts->args.n) return rep->opts->args.items[r->args_index];
    return "";
}

/* Is s (n bytes, one line) a statement that writes to stdout? printf, puts, putchar, and
 * fprintf/fputs/fputc/fwrite naming stdout; not sprintf, snprintf or a write to stderr. */
static int prints_stdout(const char *s, size_t n)
{
    static const char *const calls[] = {"printf", "puts", "putchar", "fprintf", "fputs", "fputc", "fwrite"};
    for (size_t i = 0; i + 1 < n; i++) {
        if (i && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_')) continue;
        for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
            size_t k = strlen(calls[c]);
            if (i + k >= n || memcmp(s + i, calls[c], k)) continue;
            size_t j = i + k;
            while (j < n && s[j] == ' ') j++;
            if (j >= n || s[j] != '(') continue;
            if (c < 3) return 1;
            return memmem(s + j, n - j, "stdout", 6) != NULL;
        }
    }
    return 0;
}

/* The program's lines that print to stdout, quoted with their numbers in b (at most 8; b may
 * be NULL) and their numbers in lines (at most max); the count. */
static size_t output_lines(struct cm_buf *b, const char *program, size_t *lines, size_t max)
{
    size_t line = 1, found = 0;
    for (const char *p = program; *p; line++) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *t = p;
        while (t < p + n && (*t == ' ' || *t == '\t')) t++;
        size_t tn = n - (size_t)(t - p);
        if (tn && t[0] != '/' && t[0] != '*' && t[0] != '#' && prints_stdout(t, tn)) {
            if (b && found < 8) cm_buf_printf(b, "line %zu: %.*s\n", line, (int)(tn > 160 ? 160 : tn), t);
            if (lines && found < max) lines[found] = line;
            found++;
        }
        p += n + (e != NULL);
    }
    return found;
}

/* The first failing run printed the expected output once a rank. */
static int every_rank_printed(const struct loop_round *r)
{
    if (!r->checked || r->outcome != CHECK_INCORRECT) return 0;
    for (size_t i = 0; i < r->rep.n_runs; i++)
        if (r->rep.runs[i].verdict != VERDICT_PASS)
            return r->rep.runs[i].verdict == VERDICT_WRONG_OUTPUT && strstr(r->rep.runs[i].detail, "every rank printed it");
    return 0;
}

#define MAX_MARKS 16

struct mark {
    size_t line;
    char note[112];
};

/* The compiler's error lines: "PATH:LINE:COL: error: MSG" -> (LINE, "error: MSG"). */
static size_t compiler_marks(struct mark *m, size_t max, const char *diag)
{
    size_t n_m = 0;
    for (const char *p = diag; *p && n_m < max;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *msg = diag_location(p, n, &m[n_m].line);
        if (msg && !strncmp(msg, "error: ", 7)) {
            snprintf(m[n_m].note, sizeof(m[n_m].note), "%.*s", (int)(p + n - msg), msg);
            n_m += m[n_m].line > 0;
        }
        p += n + (e != NULL);
    }
    return n_m;
}

char *loop_annotate(const struct loop_round *r)
{
    struct mark marks[MAX_MARKS];
    size_t n_m = 0;
    if (r->checked && r->outcome == CHECK_BUILD_FAIL && r->rep.mpi_diag)
        n_m = compiler_marks(marks, MAX_MARKS, r->rep.mpi_diag);
    else if (every_rank_printed(r)) {
        size_t lines[MAX_MARKS];
        size_t n = output_lines(NULL, r->program, lines, MAX_MARKS);
        for (size_t i = 0; i < n && i < MAX_MARKS; i++) {
            marks[n_m].line = lines[i];
            snprintf(marks[n_m++].note, sizeof(marks[0].note), "every rank prints this: only rank 0 may print");
        }
    }
    struct cm_buf b;
    cm_buf_init(&b);
    size_t line = 1;
    for (const char *p = r->program; *p; line++) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        cm_buf_printf(&b, "%.*s", (int)n, p);
        int marked = 0;
        for (size_t i = 0; i < n_m; i++)
            if (marks[i].line == line) {
                for (char *q = marks[i].note; *q; q++) /* keep the comment a comment */
                    if (q[0] == '*' && q[1] == '/') q[1] = ' ';
                cm_buf_printf(&b, "%s%s", marked ? "; " : "  /* <-- ", marks[i].note);
                marked = 1;
            }
        cm_buf_puts(&b, marked ? " */\n" : "\n");
        p += n + (e != NULL);
    }
    return cm_buf_detach(&b);
}

/* The report's first run that did not pass, or NULL. */
static const struct check_run *first_failure(const struct check_report *rep)
{
    for (size_t i = 0; i < rep->n_runs; i++)
        if (rep->runs[i].verdict != VERDICT_PASS) return &rep->runs[i];
    return NULL;
}

char *loop_diagnose(const struct loop_round *r)
{
    struct cm_buf b;
    cm_buf_init(&b);
    if (!r->program) {
        cm_buf_printf(&b, "Your answer holds no complete C program (%s). Answer with the whole MPI program in one "
                          "```c code block.",
                      r->why ? r->why : "none found");
        return cm_buf_detach(&b);
    }
    const struct check_report *rep = &r->rep;
    if (r->outcome == CHECK_BUILD_FAIL) {
        cm_buf_puts(&b, "The program does not compile with mpicc:\n");
        compiler_errors(&b, rep->mpi_diag ? rep->mpi_diag : "");
        cm_buf_puts(&b, "Fix these errors and give the whole corrected MPI program.");
        return cm_buf_detach(&b);
    }
    if (r->outcome == CHECK_SERIAL) {
        cm_buf_puts(&b, "The program gives the right output with every number of ranks, but it is not parallel: the "
                        "ranks exchange no data, so rank 0 computes the whole problem by itself. Split the main loops "
                        "over the ranks in contiguous blocks (each rank computes only its own block, for any number "
                        "of ranks), then combine the partial results on rank 0 with MPI_Reduce or MPI_Gatherv (or "
                        "exchange neighbouring values with MPI_Sendrecv) before rank 0 prints. Give the whole "
                        "corrected MPI program.");
        return cm_buf_detach(&b);
    }
    const struct check_run *bad = first_failure(rep);
    if (!bad) {
        cm_buf_puts(&b, "The program does not pass the check. Give the whole corrected MPI program.");
        return cm_buf_detach(&b);
    }
    cm_buf_puts(&b, "The program builds but does not do what the sequential program does");
    /* which rank counts pass: a program right at np=1 only has a decomposition bug */
    struct cm_buf ok, ko;
    cm_buf_init(&ok), cm_buf_init(&ko);
    int one_right = 0, one_wrong = 0;
    for (size_t i = 0; i < rep->opts->n_np; i++) {
        long np = rep->opts->np[i];
        int fail = 0;
        for (size_t j = 0; j < rep->n_runs; j++) fail |= rep->runs[j].np == np && rep->runs[j].verdict != VERDICT_PASS;
        cm_buf_printf(fail ? &ko : &ok, "%s%ld", (fail ? ko.len : ok.len) ? ", " : "", np);
        if (np == 1) one_right = !fail, one_wrong = fail;
    }
    if (ok.len) cm_buf_printf(&b, " (right with %s rank%s, wrong with %s)", ok.data, strchr(ok.data, ',') ? "s" : "",
                              ko.data ? ko.data : "");
    cm_buf_release(&ok), cm_buf_release(&ko);
    const char *args = run_args(rep, bad);
    cm_buf_printf(&b, ".\nFirst failure: %s at np=%ld with arguments \"%s\": %s", check_verdict_name(bad->verdict),
                  bad->np, args, bad->detail);
    if (bad->verdict == VERDICT_TIMEOUT) cm_buf_puts(&b, " (a deadlock, or far too slow)");
    cm_buf_puts(&b, "\n");
    if (bad->verdict == VERDICT_RUNTIME_ERROR && bad->stderr_tail && *bad->stderr_tail) {
        size_t n = strlen(bad->stderr_tail);
        cm_buf_printf(&b, "Its stderr ends with:\n%s\n", n > 600 ? bad->stderr_tail + n - 600 : bad->stderr_tail);
    }
    /* what an expert would look at first, from the symptom: Qwen2.5-Coder-1.5B gave the
     * quoted program back unchanged after the bare diagnosis (docs/default-model.md) */
    /* every rank printed the right output: the fix is where it prints, so say where that is */
    struct cm_buf lines;
    cm_buf_init(&lines);
    size_t n_out = every_rank_printed(r) ? output_lines(&lines, r->program, NULL, 0) : 0;
    if (n_out) {
        cm_buf_printf(&b, "Each rank already prints the right output, so every rank runs the printing. The program "
                          "prints at %s:\n%s",
                      n_out == 1 ? "this line" : "these lines", lines.data);
        cm_buf_puts(&b, "Only rank 0 may print: put the printing inside `if (rank == 0) { ... }`. If a printed value "
                        "is one that every rank computed in full by itself, split that computation over the ranks "
                        "and combine the parts on rank 0 first (MPI_Reduce for sums, MPI_Gatherv for arrays), so "
                        "that the ranks share the work.\n");
    } else if (one_right && bad->verdict == VERDICT_WRONG_OUTPUT)
        cm_buf_puts(&b, "Since it is right with 1 rank, the bug is in how the work is split or combined. Check that: "
                        "every rank computes the same input values as the sequential program at the same global "
                        "indices (a seeded generator must be stepped through all the elements before the rank's own "
                        "block); values that rank 0 prints are first gathered from the ranks that own them; partial "
                        "results are combined with a reduction; only rank 0 prints.\n");
    else if (one_right && bad->verdict == VERDICT_TIMEOUT)
        cm_buf_puts(&b, "Since it ends with 1 rank, look for a send without a matching receive, ranks that wait for "
                        "each other in a cycle, or a collective that not every rank calls.\n");
    else if (one_wrong && bad->verdict == VERDICT_WRONG_OUTPUT)
        cm_buf_puts(&b, "It is wrong even with 1 rank: the computation or the printing differs from the sequential "
                        "program; compare them line by line.\n");
    cm_buf_release(&lines);
    cm_buf_puts(&b, "Rank 0 must print exactly what the sequential program prints, for any number of ranks. "
                    "Do not give the same program back: find the bug, change the code, and give the whole corrected "
                    "MPI program.");
    return cm_buf_detach(&b);
}

/* ---- loop-by-loop answers (o->frame) ---- */

/* What a frame round's repair is told: the compiler's errors with the code they are on (the
 * line numbers of the assembled program mean nothing to the model), the first failing run. */
static char *frame_diagnose(const struct loop_round *r)
{
    struct cm_buf b;
    cm_buf_init(&b);
    if (!r->program) {
        cm_buf_printf(&b, "The answer was not usable: %s. Answer with the loop's rewrite only, beginning with "
                          "mpi_share, in one ```c block.", r->why ? r->why : "no rewrite found");
        return cm_buf_detach(&b);
    }
    const struct check_report *rep = &r->rep;
    if (r->outcome == CHECK_BUILD_FAIL) {
        cm_buf_puts(&b, "The program with the rewrite does not compile:\n");
        const char *diag = rep->mpi_diag ? rep->mpi_diag : "";
        size_t shown = 0;
        for (const char *p = diag; *p && shown < 4;) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p), line = 0;
            const char *msg = diag_location(p, n, &line);
            if (msg && !strncmp(msg, "error", 5)) {
                cm_buf_printf(&b, "%.*s\n", (int)(p + n - msg > 200 ? 200 : p + n - msg), msg);
                const char *l = r->program;
                for (size_t k = 1; k < line && l; k++) l = strchr(l, '\n'), l = l ? l + 1 : NULL;
                if (l) {
                    l += strspn(l, " \t");
                    size_t ln = strcspn(l, "\n");
                    cm_buf_printf(&b, "  in: %.*s\n", (int)(ln > 160 ? 160 : ln), l);
                }
                shown++;
            }
            p += n + (e != NULL);
        }
        if (!shown) compiler_errors(&b, diag);
        return cm_buf_detach(&b);
    }
    if (r->outcome == CHECK_SERIAL) {
        cm_buf_puts(&b, "The ranks exchange no data: each rank must run only its part of the iterations and then "
                        "combine the results.");
        return cm_buf_detach(&b);
    }
    const struct check_run *bad = first_failure(rep);
    if (!bad) {
        cm_buf_puts(&b, "The program does not pass the check.");
        return cm_buf_detach(&b);
    }
    cm_buf_printf(&b, "The program gives a wrong result: %s at np=%ld with arguments \"%s\": %s%s\n",
                  check_verdict_name(bad->verdict), bad->np, run_args(rep, bad), bad->detail,
                  bad->verdict == VERDICT_TIMEOUT ? " (a deadlock, or far too slow)" : "");
    if (bad->np > 1)
        cm_buf_puts(&b, "With several ranks, every value the whole loop computes must reach every rank after it: "
                        "each sum reduced with MPI_Allreduce, each array element the loop writes gathered.");
    else
        cm_buf_puts(&b, "It is wrong with 1 rank: the rewritten loop must compute exactly what the loop did.");
    return cm_buf_detach(&b);
}

/* A round in the frame: one answer per marked loop (given ones first, from a saved transcript),
 * each question followed by extra (a repair's diagnosis, or NULL); the answers joined by
 * FRAME_SEPARATOR as the round's answer, the rewrites put into the frame as its program. */
static int frame_answer(struct loop_round *x, struct lm *m, const struct loop_opts *o, const struct frame *f,
                        char *const *questions, const char *extra, const struct sampler_params *sp)
{
    char **ans = cm_calloc(f->n, sizeof(char *)), **frags = cm_calloc(f->n, sizeof(char *));
    char *given = o->given ? o->given(o->given_ctx, x->candidate, x->round) : NULL;
    if (given) {
        size_t parts = 1;
        for (const char *p = given; (p = strstr(p, FRAME_SEPARATOR)); p += strlen(FRAME_SEPARATOR)) parts++;
        if (parts == f->n) {
            const char *p = given;
            for (size_t j = 0; j < f->n; j++) {
                const char *e = strstr(p, FRAME_SEPARATOR);
                ans[j] = e ? cm_strndup(p, (size_t)(e - p)) : cm_strdup(p);
                p = e ? e + strlen(FRAME_SEPARATOR) : p + strlen(p);
            }
            x->given = 1;
        }
        free(given);
    }
    int rc = 0;
    struct cm_buf q, all;
    cm_buf_init(&q), cm_buf_init(&all);
    for (size_t j = 0; j < f->n && !rc; j++) {
        if (ans[j]) continue;
        cm_buf_reset(&q);
        cm_buf_puts(&q, questions[j]);
        if (extra) cm_buf_puts(&q, extra);
        struct assistant_turn t = {q.data, NULL, NULL};
        struct assistant_usage u = {0};
        rc = lm_chat(m, &ans[j], &t, 1, sp, f->loops[j].prefix, &u);
        x->usage.prompt_tokens += u.prompt_tokens, x->usage.cached_tokens += u.cached_tokens;
        x->usage.tokens += u.tokens, x->usage.prefill_s += u.prefill_s, x->usage.decode_s += u.decode_s;
        x->usage.cut |= u.cut;
    }
    if (!rc) {
        for (size_t j = 0; j < f->n; j++) {
            if (j) cm_buf_puts(&all, FRAME_SEPARATOR);
            cm_buf_puts(&all, ans[j]);
        }
        x->answer = all.data ? cm_buf_detach(&all) : cm_strdup("");
        size_t j = 0;
        while (j < f->n && (frags[j] = frame_fragment(f, j, ans[j], &x->why))) j++;
        if (j == f->n) x->program = frame_program(f, frags);
    }
    for (size_t j = 0; j < f->n; j++) free(ans[j]), free(frags[j]);
    free(ans), free(frags);
    cm_buf_release(&q), cm_buf_release(&all);
    return rc;
}

/* ---- the loop ---- */

static int check_round(struct loop_round *x, const struct loop_opts *o)
{
    char *dir = NULL, *path = NULL;
    int rc = cm_make_temp_dir(&dir, "chatmpi-cand-");
    if (rc) return rc;
    path = cm_path_join(dir, "candidate.c");
    double t0 = cm_now();
    rc = cm_write_file_atomic(path, x->program, strlen(x->program));
    if (!rc) {
        rc = o->check(o->check_ctx, path, &x->rep);
        if (rc) check_report_release(&x->rep);
    }
    x->check_s = cm_now() - t0;
    cm_remove_tree(dir);
    free(dir), free(path);
    if (rc) return rc;
    x->checked = 1;
    x->outcome = x->rep.outcome;
    free(x->rep.mpi_path); /* the file is gone: name the candidate */
    x->rep.mpi_path = cm_malloc(64);
    if (x->round)
        snprintf(x->rep.mpi_path, 64, "candidate %zu, repair %zu", x->candidate + 1, x->round);
    else
        snprintf(x->rep.mpi_path, 64, "candidate %zu", x->candidate + 1);
    for (size_t i = 0; i < x->rep.n_runs; i++) x->passes += x->rep.runs[i].verdict == VERDICT_PASS;
    for (size_t i = 1; i < x->rep.n_perf; i++)
        if (x->rep.perf[i].np == 2 && x->rep.perf[i].ok) x->speedup2 = x->rep.perf[i].speedup;
    return 0;
}

static int over_budget(const struct loop_result *res, const struct loop_opts *o, double t0)
{
    return (o->max_tokens && res->tokens >= o->max_tokens) || (o->max_seconds > 0 && cm_now() - t0 >= o->max_seconds);
}

int loop_run(struct loop_result *res, struct lm *m, const char *seq_src, const struct loop_opts *o)
{
    double t0 = cm_now();
    int rc = 0;
    struct cm_buf q, rq; /* the question; a repair round's question */
    cm_buf_init(&q), cm_buf_init(&rq);
    if (o->question) {
        cm_buf_puts(&q, o->question);
    } else {
        cm_buf_puts(&q, LOOP_QUESTION);
        cm_buf_puts(&q, seq_src);
    }
    const char *context = o->question ? o->context : LOOP_CONTEXT;
    /* the conversation: the examples, then the question (a repair round's replaces it) */
    size_t n_ex = 0, cap = o->examples + 1;
    struct assistant_turn *turns = cm_calloc(cap, sizeof(*turns));
    if (o->examples && o->pool) {
        size_t *idx = cm_calloc(o->examples, sizeof(size_t));
        double *sim = cm_calloc(o->examples, sizeof(double));
        n_ex = example_pool_pick(o->pool, seq_src, o->examples, o->exclude_splits, o->exclude_id, idx, sim);
        res->example_ids = cm_calloc(n_ex + 1, sizeof(char *));
        res->example_sim = cm_calloc(n_ex + 1, sizeof(double));
        /* within the context: the least similar examples give way until the prompt leaves a
         * quarter of the context (at least 1024 tokens) for the answer */
        size_t reserve = m->n_ctx / 4 > 1024 ? m->n_ctx / 4 : 1024;
        while (n_ex && m->n_ctx && m->ops->count_tokens) {
            for (size_t i = 0; i < n_ex; i++) {
                const struct example *e = &o->pool->v[idx[n_ex - 1 - i]];
                turns[i] = (struct assistant_turn){e->question, e->context, e->shown};
            }
            turns[n_ex] = (struct assistant_turn){q.data, context, NULL};
            size_t n_tok = 0;
            if ((rc = m->ops->count_tokens(m, &n_tok, turns, n_ex + 1))) break;
            if (n_tok + reserve <= m->n_ctx) break;
            n_ex--;
        }
        /* the most similar example goes last, nearest the question */
        for (size_t i = 0; i < n_ex; i++) {
            const struct example *e = &o->pool->v[idx[n_ex - 1 - i]];
            turns[i] = (struct assistant_turn){e->question, e->context, e->shown};
            res->example_ids[i] = cm_strdup(e->id);
            res->example_sim[i] = sim[n_ex - 1 - i];
        }
        res->n_examples = n_ex;
        free(idx), free(sim);
    }
    struct frame fr = {0};
    char **fq = NULL; /* the frame's questions, one per loop */
    if (o->frame && frame_build(&fr, seq_src)) {
        res->frame_skipped = cm_strdup(cm_error_message());
        cm_error_clear();
    } else if (o->frame) {
        fq = cm_calloc(fr.n, sizeof(char *));
        for (size_t j = 0; j < fr.n; j++) fq[j] = frame_question(&fr, j);
        res->frame_loops = fr.n;
        n_ex = 0;
    }
    size_t cap_rounds = o->samples * (o->repair + 1);
    res->rounds = cm_calloc(cap_rounds, sizeof(*res->rounds));
    for (size_t k = 0; k < o->samples && !rc; k++) {
        if (o->stop_when_verified && res->n_verified) break;
        if (over_budget(res, o, t0)) {
            res->budget = 1;
            break;
        }
        res->candidates++;
        size_t n_turns = n_ex;
        turns[n_turns++] = (struct assistant_turn){q.data, context, NULL};
        struct sampler_params sp = o->sampling;
        sp.seed += (uint64_t)k;
        if (k > 0 && sp.temperature == 0) sp.temperature = 0.7; /* K greedy answers would be one */
        for (size_t r = 0; r <= o->repair; r++) {
            if (r && over_budget(res, o, t0)) {
                res->budget = 1;
                break;
            }
            if (o->interrupted && o->interrupted()) {
                rc = cm_error_set(CM_EENV, "interrupted");
                break;
            }
            struct loop_round *x = &res->rounds[res->n++];
            x->candidate = k, x->round = r;
            x->outcome = CHECK_BUILD_FAIL;
            if (o->on_round) o->on_round(o->ctx, x, LOOP_GENERATING);
            /* the answer prefix begins first answers only: a repair quotes a program that has
             * the header already, and with the code forced first Qwen2.5-Coder-1.5B gave the
             * quoted program back byte for byte in 3 of 3 repairs (docs/default-model.md) */
            struct sampler_params spr = sp;
            spr.seed += (uint64_t)r * 1000003u;
            if (r && o->repair_temperature > 0) spr.temperature = o->repair_temperature;
            if (fq) {
                if ((rc = frame_answer(x, m, o, &fr, fq, r ? rq.data : NULL, &spr))) break;
            } else if (o->given && (x->answer = o->given(o->given_ctx, k, r))) {
                x->given = 1;
            } else if ((rc = lm_chat(m, &x->answer, turns, n_turns, &spr,
                                     r && o->repair_quote ? NULL : o->answer_prefix, &x->usage))) {
                break;
            }
            res->tokens += x->usage.tokens;
            res->prompt_tokens += x->usage.prompt_tokens;
            res->cached_tokens += x->usage.cached_tokens;
            res->gen_s += x->usage.prefill_s + x->usage.decode_s;
            if (!fq) x->program = extract_program(x->answer, strlen(x->answer), NULL, &x->why);
            if (x->program && o->check) {
                if (o->on_round) o->on_round(o->ctx, x, LOOP_CHECKING);
                if ((rc = check_round(x, o))) break;
                res->check_s += x->check_s;
            }
            if (o->on_round) o->on_round(o->ctx, x, LOOP_DONE);
            if (x->checked && x->outcome == CHECK_SEQ_ERROR) { /* nothing can verify: stop */
                k = o->samples;
                break;
            }
            if (x->checked && x->outcome == CHECK_CORRECT) {
                res->n_verified++;
                break;
            }
            if (r == o->repair || !o->check) break;
            if (fq) { /* each loop asked again, told what went wrong */
                x->diagnosis = frame_diagnose(x);
                cm_buf_reset(&rq);
                cm_buf_puts(&rq, "\nAn earlier rewrite of this loop did not pass the check.\n");
                cm_buf_puts(&rq, x->diagnosis);
                cm_buf_puts(&rq, "\nWrite the rewrite of the loop again, without that mistake.");
                continue;
            }
            x->diagnosis = loop_diagnose(x);
            /* the next round is asked afresh: the question, the failing program quoted, the
             * diagnosis (as the model's own previous turn, Qwen2.5-Coder gave the program back
             * byte for byte: docs/default-model.md) */
            cm_buf_reset(&rq);
            cm_buf_puts(&rq, q.data);
            if (!x->program) {
                cm_buf_puts(&rq, "\nThe previous answer to this question was not usable.\n");
                cm_buf_puts(&rq, x->diagnosis);
            } else if (o->repair_quote) { /* the program quoted, marked where the check found the problem */
                char *quoted = loop_annotate(x);
                cm_buf_puts(&rq, "\nThis MPI version of it does not pass the check");
                cm_buf_puts(&rq, strstr(quoted, "/* <-- ") ? " (the comments marked <-- say what is wrong on their "
                                                              "lines):\n```c\n"
                                                            : ":\n```c\n");
                cm_buf_puts(&rq, quoted);
                cm_buf_puts(&rq, "```\n");
                cm_buf_puts(&rq, x->diagnosis);
                free(quoted);
            } else { /* asked afresh, told what went wrong before (a small model copies a quoted program) */
                cm_buf_puts(&rq, "\nAn earlier MPI version of this program did not pass the check.\n");
                cm_buf_puts(&rq, x->diagnosis);
                cm_buf_puts(&rq, "\nWrite the whole MPI program again, without that mistake.");
            }
            turns[n_turns - 1].question = rq.data;
        }
    }
    for (size_t i = 0; i < res->n; i++) {
        const struct loop_round *x = &res->rounds[i];
        if (x->checked && x->outcome == CHECK_CORRECT &&
            (res->best < 0 || x->speedup2 > res->rounds[res->best].speedup2))
            res->best = (long)i;
        if (x->checked && (res->closest < 0 || x->passes > res->rounds[res->closest].passes)) res->closest = (long)i;
    }
    res->wall_s = cm_now() - t0;
    for (size_t j = 0; fq && j < fr.n; j++) free(fq[j]);
    free(fq);
    if (fq) frame_release(&fr);
    free(turns);
    cm_buf_release(&q), cm_buf_release(&rq);
    return rc;
}

/* ---- JSON ---- */

void *loop_result_to_json(const struct loop_result *r, int with_text)
{
    json_t *o = json_object(), *ex = json_array(), *rounds = json_array();
    for (size_t i = 0; i < r->n_examples; i++)
        json_array_append_new(ex, json_pack("{s:o, s:f}", "id", cm_json_str(r->example_ids[i]), "similarity", r->example_sim[i]));
    for (size_t i = 0; i < r->n; i++) {
        const struct loop_round *x = &r->rounds[i];
        json_t *j = json_pack("{s:I, s:I, s:s, s:I, s:I, s:I, s:f, s:f, s:f, s:b}", "candidate",
                              (json_int_t)x->candidate + 1, "round", (json_int_t)x->round, "outcome",
                              x->program ? check_outcome_name(x->outcome) : "NO_PROGRAM", "prompt_tokens",
                              (json_int_t)x->usage.prompt_tokens, "cached_tokens", (json_int_t)x->usage.cached_tokens,
                              "tokens", (json_int_t)x->usage.tokens, "prefill_s", x->usage.prefill_s, "decode_s",
                              x->usage.decode_s, "check_s", x->check_s, "cut", x->usage.cut);
        if (x->given) json_object_set_new(j, "given", json_true());
        if (x->checked) json_object_set_new(j, "passes", json_integer((json_int_t)x->passes));
        if (x->speedup2 > 0) json_object_set_new(j, "speedup2", json_real(x->speedup2));
        if (!x->program && x->why) json_object_set_new(j, "why", cm_json_str(x->why));
        if (x->diagnosis) json_object_set_new(j, "diagnosis", cm_json_str(x->diagnosis));
        if (with_text && x->answer) json_object_set_new(j, "answer", cm_json_str(x->answer));
        json_array_append_new(rounds, j);
    }
    json_object_set_new(o, "examples", ex);
    json_object_set_new(o, "rounds", rounds);
    json_object_set_new(o, "candidates", json_integer((json_int_t)r->candidates));
    json_object_set_new(o, "verified_candidates", json_integer((json_int_t)r->n_verified));
    json_object_set_new(o, "best_round", r->best >= 0 ? json_integer(r->best) : json_null());
    json_object_set_new(o, "tokens", json_integer((json_int_t)r->tokens));
    json_object_set_new(o, "prompt_tokens", json_integer((json_int_t)r->prompt_tokens));
    json_object_set_new(o, "cached_tokens", json_integer((json_int_t)r->cached_tokens));
    json_object_set_new(o, "generate_s", json_real(r->gen_s));
    json_object_set_new(o, "check_s", json_real(r->check_s));
    json_object_set_new(o, "wall_s", json_real(r->wall_s));
    json_object_set_new(o, "budget_reached", json_boolean(r->budget));
    if (r->frame_loops) json_object_set_new(o, "frame_loops", json_integer((json_int_t)r->frame_loops));
    if (r->frame_skipped) json_object_set_new(o, "frame_skipped", cm_json_str(r->frame_skipped));
    return o;
}

static void answer_name(char *name, size_t size, size_t candidate, size_t round)
{
    snprintf(name, size, "candidate_%02zu_round_%zu.txt", candidate + 1, round);
}

char *loop_reuse_answer(void *dir, size_t candidate, size_t round)
{
    char name[64];
    answer_name(name, sizeof(name), candidate, round);
    char *f = cm_path_join(dir, name), *text = NULL;
    size_t n = 0;
    if (cm_is_file(f) && cm_read_file(&text, &n, f, 1u << 24)) text = NULL;
    free(f);
    return text;
}

int loop_save(const struct loop_result *r, const char *dir)
{
    int rc = cm_make_dirs(dir, 0755);
    for (size_t i = 0; !rc && i < r->n; i++) {
        const struct loop_round *x = &r->rounds[i];
        char name[64];
        answer_name(name, sizeof(name), x->candidate, x->round);
        char *f = cm_path_join(dir, name);
        rc = cm_write_file_atomic(f, x->answer ? x->answer : "", x->answer ? strlen(x->answer) : 0);
        free(f);
    }
    if (rc) return rc;
    json_t *j = loop_result_to_json(r, 1);
    char *text = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    char *f = cm_path_join(dir, "loop.json");
    rc = text ? cm_write_file_atomic(f, text, strlen(text)) : cm_error_set(CM_ENOMEM, "out of memory");
    free(f), free(text);
    return rc;
}
