/* The candidate loop with a scripted model and a scripted check: a repair round asks the
 * question again with the diagnosis (and, with repair_quote, the failing program quoted, its
 * faulty lines marked); saved answers are reused instead of asked for; a chain ends at its first
 * verified round; the fastest verified round wins, else the one with the most passing runs;
 * budgets stop the loop; worked examples come from the pool, most similar last, never from
 * an excluded split or record; the diagnoses say what failed where. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "loop/loop.h"

/* ---- a scripted model: answers in order, and what it was asked ---- */

struct fake {
    struct lm base;
    const char *const *answers;
    size_t n_answers, next;
    size_t turns_seen[16];       /* n turns of each call */
    char *last_question[16];     /* the last turn's question of each call */
    char *first_question[16];
    const char *prefix[16];      /* the answer prefix of each call */
    double temperature[16];      /* and its temperature */
};

static int fake_chat(struct lm *m, char **out, const struct assistant_turn *turns, size_t n,
                     const struct sampler_params *sp, const char *prefix, struct assistant_usage *u)
{
    struct fake *f = (struct fake *)m;
    size_t i = f->next++;
    cr_assert_lt(i, f->n_answers, "more calls than scripted answers");
    f->temperature[i] = sp->temperature;
    f->prefix[i] = prefix;
    f->turns_seen[i] = n;
    f->last_question[i] = cm_strdup(turns[n - 1].question);
    f->first_question[i] = cm_strdup(turns[0].question);
    for (size_t t = 0; t + 1 < n; t++) cr_assert_not_null(turns[t].answer, "turn %zu of %zu has no answer", t, n);
    cr_assert_null(turns[n - 1].answer);
    *out = cm_strdup(f->answers[i]);
    memset(u, 0, sizeof(*u));
    u->tokens = 10;
    return 0;
}

static int fake_count(struct lm *m, size_t *n_tokens, const struct assistant_turn *turns, size_t n)
{
    (void)m;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += strlen(turns[i].question) + (turns[i].answer ? strlen(turns[i].answer) : 0);
    *n_tokens = bytes / 4;
    return 0;
}

static void fake_close(struct lm *m) { (void)m; }

static const struct lm_ops fake_ops = {fake_chat, fake_count, fake_close};

static void fake_init(struct fake *f, const char *const *answers, size_t n)
{
    memset(f, 0, sizeof(*f));
    f->base.ops = &fake_ops;
    f->base.n_ctx = 100000;
    f->answers = answers;
    f->n_answers = n;
}

static void fake_release(struct fake *f)
{
    for (size_t i = 0; i < f->next; i++) free(f->last_question[i]), free(f->first_question[i]);
}

/* ---- a scripted check: the program's text says the verdict ---- */

/* "BUILD": build failure; "WRONG": wrong at np 2 (right at 1); "SERIAL": right, no data moved;
 * "OK<speed>": correct */
static int fake_check(void *ctx, const char *path, struct check_report *rep)
{
    (void)ctx;
    char *src = NULL;
    FILE *fp = fopen(path, "r");
    cr_assert_not_null(fp);
    src = cm_calloc(1, 4096);
    size_t n = fread(src, 1, 4095, fp);
    fclose(fp);
    src[n] = 0;
    memset(rep, 0, sizeof(*rep));
    check_opts_init(&rep->own_opts);
    rep->opts = &rep->own_opts;
    rep->own_opts.np[0] = 1, rep->own_opts.np[1] = 2, rep->own_opts.n_np = 2;
    cm_strlist_push(&rep->own_opts.args, "17 3");
    if (strstr(src, "BUILD")) {
        rep->outcome = CHECK_BUILD_FAIL;
        rep->mpi_diag = cm_strdup("/tmp/x/candidate.c: In function 'main':\n"
                                  "/tmp/x/candidate.c:12:5: error: 'rank' undeclared (first use in this function)\n"
                                  "/tmp/x/candidate.c:12:5: note: each undeclared identifier is reported only once\n");
    } else {
        rep->n_runs = 2;
        rep->runs = cm_calloc(2, sizeof(*rep->runs));
        rep->runs[0].np = 1, rep->runs[1].np = 2;
        int wrong = strstr(src, "WRONG") != NULL;
        rep->runs[1].verdict = wrong ? VERDICT_WRONG_OUTPUT : VERDICT_PASS;
        if (wrong) snprintf(rep->runs[1].detail, sizeof(rep->runs[1].detail), "token 12 (line 3): got '0.25', expected '0.5'");
        rep->outcome = wrong ? CHECK_INCORRECT : strstr(src, "SERIAL") ? CHECK_SERIAL : CHECK_CORRECT;
        const char *ok = strstr(src, "OK");
        if (ok) {
            rep->n_perf = 2;
            rep->perf = cm_calloc(2, sizeof(*rep->perf));
            rep->perf[1].np = 2, rep->perf[1].ok = 1, rep->perf[1].speedup = atof(ok + 2);
        }
    }
    free(src);
    return 0;
}

#define PROG(tag) "```c\n#include <mpi.h>\nint main(void) { /* " tag " */ return 0; }\n```\n"

static struct loop_opts opts(size_t samples, size_t repair)
{
    struct loop_opts o;
    memset(&o, 0, sizeof(o));
    o.samples = samples, o.repair = repair;
    o.check = fake_check;
    return o;
}

Test(loop, repair_carries_the_diagnosis_and_stops_when_verified)
{
    const char *const answers[] = {PROG("BUILD"), PROG("WRONG"), PROG("OK1.5"), "never asked"};
    struct fake f;
    fake_init(&f, answers, 4);
    struct loop_opts o = opts(1, 5);
    o.answer_prefix = LOOP_ANSWER_PREFIX;
    o.repair_quote = 1;
    struct loop_result r;
    loop_result_init(&r);
    cr_assert_eq(loop_run(&r, &f.base, "int main(void) { return 0; }\n", &o), 0);
    cr_assert_eq(f.next, 3, "the chain ends at its verified round");
    cr_assert_str_eq(f.prefix[0], LOOP_ANSWER_PREFIX, "the first answer's prefix");
    for (size_t i = 1; i < 3; i++) cr_assert_null(f.prefix[i], "quoting repair round %zu has an answer prefix", i);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(f.turns_seen[0], 1);
    cr_assert_eq(f.turns_seen[1], 1, "a repair round is a question of its own");
    cr_assert_eq(f.turns_seen[2], 1);
    cr_assert(!strncmp(f.last_question[1], f.first_question[0], strlen(f.first_question[0])),
              "it starts as the question did (the cached prompt): %s", f.last_question[1]);
    cr_assert(strstr(f.last_question[1], "does not pass the check:\n```c\n#include <mpi.h>\nint main(void) { /* BUILD */"),
              "the failing program is quoted: %s", f.last_question[1]);
    cr_assert(strstr(f.last_question[2], "/* WRONG */") && !strstr(f.last_question[2], "/* BUILD */"),
              "only the round before is quoted: %s", f.last_question[2]);
    cr_assert(strstr(f.last_question[1], "line 12: error: 'rank' undeclared"), "%s", f.last_question[1]);
    cr_assert(!strstr(f.last_question[1], "split or combined"), "no decomposition hints for a build error");
    cr_assert(strstr(f.last_question[2], "the bug is in how the work is split or combined"), "right at np=1: %s",
              f.last_question[2]);
    cr_assert(strstr(f.last_question[2], "Do not give the same program back"), "%s", f.last_question[2]);
    cr_assert(!strstr(f.last_question[1], "/tmp/x"), "paths are dropped: %s", f.last_question[1]);
    cr_assert(!strstr(f.last_question[1], "note:"), "only error lines: %s", f.last_question[1]);
    cr_assert(strstr(f.last_question[2], "right with 1 rank, wrong with 2"), "%s", f.last_question[2]);
    cr_assert(strstr(f.last_question[2], "WRONG_OUTPUT at np=2 with arguments \"17 3\": token 12"), "%s",
              f.last_question[2]);
    cr_assert(strstr(f.first_question[0], LOOP_QUESTION), "the corpus's question");
    cr_assert_eq(r.best, 2);
    cr_assert_eq(r.n_verified, 1);
    cr_assert_eq(r.rounds[2].round, 2);
    cr_assert_float_eq(r.rounds[2].speedup2, 1.5, 1e-12);
    cr_assert_eq(r.tokens, 30);
    loop_result_release(&r);
    fake_release(&f);
}

Test(loop, a_serial_program_is_not_verified_and_is_told_to_split_the_work)
{
    const char *const answers[] = {PROG("SERIAL"), PROG("OK1.9")};
    struct fake f;
    fake_init(&f, answers, 2);
    struct loop_opts o = opts(1, 1);
    struct loop_result r;
    loop_result_init(&r);
    cr_assert_eq(loop_run(&r, &f.base, "int main(void) { return 0; }\n", &o), 0);
    cr_assert_eq(f.next, 2, "a SERIAL round is repaired");
    cr_assert_eq(r.rounds[0].outcome, CHECK_SERIAL);
    cr_assert(strstr(f.last_question[1], "it is not parallel: the ranks exchange no data"), "%s", f.last_question[1]);
    cr_assert(strstr(f.last_question[1], "Split the main loops over the ranks"), "%s", f.last_question[1]);
    cr_assert_eq(r.best, 1, "only the parallel round is verified");
    cr_assert_eq(r.n_verified, 1);
    loop_result_release(&r);
    fake_release(&f);
}

Test(loop, fastest_verified_candidate_wins_else_closest)
{
    const char *const answers[] = {PROG("OK1.2"), PROG("OK1.8"), PROG("WRONG")};
    struct fake f;
    fake_init(&f, answers, 3);
    struct loop_opts o = opts(3, 0);
    struct loop_result r;
    loop_result_init(&r);
    cr_assert_eq(loop_run(&r, &f.base, "int main(void) { return 0; }\n", &o), 0);
    cr_assert_eq(r.candidates, 3);
    cr_assert_eq(r.n_verified, 2);
    cr_assert_eq(r.best, 1);
    loop_result_release(&r);
    fake_release(&f);

    const char *const bad[] = {"no code here, sorry", PROG("WRONG"), PROG("BUILD")};
    fake_init(&f, bad, 3);
    loop_result_init(&r);
    cr_assert_eq(loop_run(&r, &f.base, "int main(void) { return 0; }\n", &o), 0);
    cr_assert_eq(r.best, -1);
    cr_assert_eq(r.closest, 1, "the wrong program passed one run of two");
    cr_assert_null(r.rounds[0].program);
    cr_assert_eq(r.rounds[0].outcome, CHECK_BUILD_FAIL);
    loop_result_release(&r);
    fake_release(&f);
}

Test(loop, no_program_gets_asked_for_a_code_block)
{
    const char *const answers[] = {"I would use MPI_Reduce.", PROG("OK1")};
    struct fake f;
    fake_init(&f, answers, 2);
    struct loop_opts o = opts(1, 1);
    struct loop_result r;
    loop_result_init(&r);
    cr_assert_eq(loop_run(&r, &f.base, "int main(void) { return 0; }\n", &o), 0);
    cr_assert(strstr(f.last_question[1], "```c code block"), "%s", f.last_question[1]);
    cr_assert_eq(r.best, 1);
    loop_result_release(&r);
    fake_release(&f);
}

Test(loop, token_budget_stops_drawing)
{
    const char *const answers[] = {PROG("WRONG"), PROG("WRONG"), PROG("WRONG"), PROG("WRONG")};
    struct fake f;
    fake_init(&f, answers, 4);
    struct loop_opts o = opts(4, 0);
    o.max_tokens = 20; /* each answer is 10 tokens */
    struct loop_result r;
    loop_result_init(&r);
    cr_assert_eq(loop_run(&r, &f.base, "int main(void) { return 0; }\n", &o), 0);
    cr_assert_eq(r.candidates, 2);
    cr_assert(r.budget);
    loop_result_release(&r);
    fake_release(&f);
}

Test(loop, examples_most_similar_last_never_excluded)
{
    char dir[] = "/tmp/chatmpi-test-loop-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/train.json", dir);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs("[{\"question\": \"Q\\nint main(void) { double *rowptr, *colidx; for (int i = 0; i < n; i++) y[i] += a[rowptr[i]]; }\", "
          "\"context\": \"c\", \"answer\": \"A-csr\", \"id\": \"spmv/csr\"},\n"
          " {\"question\": \"Q\\nint main(void) { double u_new[9], u_old[9]; for (int t = 0; t < steps; t++) u_new[i] = 0.5 * (u_old[i-1] + u_old[i+1]); }\", "
          "\"context\": \"c\", \"answer\": \"A-heat\", \"id\": \"stencil/heat\"},\n"
          " {\"question\": \"Q\\nint main(void) { double u_new[9], u_old[9]; u_new[i] = 0.25 * (u_old[i-1] + u_old[i+1]); }\", "
          "\"context\": \"c\", \"answer\": \"A-heat2\", \"id\": \"stencil/heat2\", \"split\": \"test\"}]\n",
          fp);
    fclose(fp);
    struct example_pool pool;
    example_pool_init(&pool);
    cr_assert_eq(example_pool_add_file(&pool, path), 0);
    cr_assert_eq(pool.n, 3);
    cr_assert_str_eq(pool.v[0].split, "train", "the file's name is the split");
    cr_assert_str_eq(pool.v[2].split, "test", "a split key wins");
    const char *user = "int main(void) { double u_new[50], u_old[50]; for (int t = 0; t < steps; t++) "
                       "u_new[i] = 0.5 * (u_old[i-1] + u_old[i+1]); }";
    size_t idx[3];
    double sim[3];
    size_t n = example_pool_pick(&pool, user, 3, "test", NULL, idx, sim);
    cr_assert_eq(n, 2, "the test split is never picked");
    cr_assert_str_eq(pool.v[idx[0]].id, "stencil/heat");
    cr_assert_gt(sim[0], sim[1]);
    n = example_pool_pick(&pool, user, 3, NULL, "stencil/heat", idx, sim);
    cr_assert_eq(n, 2, "nor the record itself");
    cr_assert_str_eq(pool.v[idx[0]].id, "stencil/heat2");

    const char *const answers[] = {PROG("OK1")};
    struct fake f;
    fake_init(&f, answers, 1);
    struct loop_opts o = opts(1, 0);
    o.examples = 2, o.pool = &pool, o.exclude_splits = "test";
    struct loop_result r;
    loop_result_init(&r);
    cr_assert_eq(loop_run(&r, &f.base, user, &o), 0);
    cr_assert_eq(f.turns_seen[0], 3, "two examples, then the question");
    cr_assert_eq(r.n_examples, 2);
    cr_assert_str_eq(r.example_ids[1], "stencil/heat", "the most similar sits nearest the question");
    cr_assert(strstr(f.first_question[0], "rowptr"));
    loop_result_release(&r);
    fake_release(&f);

    /* a small context: examples give way, the question stays */
    fake_init(&f, answers, 1);
    f.base.n_ctx = 1024 + 40;
    loop_result_init(&r);
    cr_assert_eq(loop_run(&r, &f.base, user, &o), 0);
    cr_assert_lt(r.n_examples, 2);
    loop_result_release(&r);
    fake_release(&f);
    example_pool_release(&pool);
    unlink(path);
    rmdir(dir);
}

/* a round whose program did not build, with the compiler's output diag */
static void build_fail_round(struct loop_round *x, const char *program, const char *diag)
{
    memset(x, 0, sizeof(*x));
    x->program = (char *)program;
    x->checked = 1, x->outcome = CHECK_BUILD_FAIL;
    check_opts_init(&x->rep.own_opts);
    x->rep.opts = &x->rep.own_opts;
    x->rep.outcome = CHECK_BUILD_FAIL;
    x->rep.mpi_diag = cm_strdup(diag);
}

Test(loop, diagnosis_names_the_missing_symbol_of_a_link_error)
{
    struct loop_round x;
    build_fail_round(&x, "int main(void) { return block_lo(); }", "/usr/bin/ld: /tmp/cc1.o: in function `main':\n"
                               "/tmp/x/candidate.c:48: undefined reference to `block_lo'\n"
                               "collect2: error: ld returned 1 exit status\n");
    char *d = loop_diagnose(&x);
    cr_assert(strstr(d, "undefined reference to `block_lo'"), "%s", d);
    cr_assert(strstr(d, "line 48"), "%s", d);
    free(d);
    free(x.rep.mpi_diag);

    /* gcc's note naming the missing header is passed on; a line said twice is said once */
    x.rep.mpi_diag = cm_strdup("/tmp/x/candidate.c:7:5: error: unknown type name 'uint64_t'\n"
                               "/tmp/x/candidate.c:7:18: error: unknown type name 'uint64_t'\n"
                               "/tmp/x/candidate.c:3:1: note: 'uint64_t' is defined in header '<stdint.h>'; did you "
                               "forget to '#include <stdint.h>'?\n"
                               "/tmp/x/candidate.c:9:1: error: expected ';' before 'return'\n");
    d = loop_diagnose(&x);
    cr_assert(strstr(d, "line 7: error: unknown type name 'uint64_t'\nline 3: note: 'uint64_t' is defined in header "
                        "'<stdint.h>'; did you forget to '#include <stdint.h>'?\nline 9: error: expected ';'"),
              "%s", d);
    free(d);
    free(x.rep.mpi_diag);
    check_opts_release(&x.rep.own_opts);
}

Test(loop, a_repair_asks_afresh_by_default_with_the_prefix)
{
    const char *const answers[] = {PROG("WRONG"), PROG("OK1.5")};
    struct fake f;
    fake_init(&f, answers, 2);
    struct loop_opts o = opts(1, 1);
    o.answer_prefix = LOOP_ANSWER_PREFIX;
    struct loop_result r;
    loop_result_init(&r);
    cr_assert_eq(loop_run(&r, &f.base, "int main(void) { return 0; }\n", &o), 0);
    cr_assert_eq(f.next, 2);
    cr_assert_str_eq(f.prefix[1], LOOP_ANSWER_PREFIX, "the repair is begun as a first answer is");
    cr_assert(!strstr(f.last_question[1], "/* WRONG */"), "the failing program is not quoted: %s", f.last_question[1]);
    cr_assert(strstr(f.last_question[1], "An earlier MPI version of this program did not pass the check"), "%s",
              f.last_question[1]);
    cr_assert(strstr(f.last_question[1], "WRONG_OUTPUT at np=2"), "the diagnosis: %s", f.last_question[1]);
    cr_assert(!strncmp(f.last_question[1], f.first_question[0], strlen(f.first_question[0])), "the question first");
    cr_assert_eq(r.best, 1);
    cr_assert(f.temperature[0] == 0 && f.temperature[1] == 0, "a greedy candidate's repair is greedy by default");
    loop_result_release(&r);
    fake_release(&f);

    /* --repair-temperature: the repairs sample, the first answer stays greedy */
    const char *const three[] = {PROG("WRONG"), PROG("WRONG"), PROG("OK1")};
    fake_init(&f, three, 3);
    o.repair = 2, o.repair_temperature = 0.7;
    loop_result_init(&r);
    cr_assert_eq(loop_run(&r, &f.base, "int main(void) { return 0; }\n", &o), 0);
    cr_assert_eq(f.next, 3);
    cr_assert(f.temperature[0] == 0 && f.temperature[1] == 0.7 && f.temperature[2] == 0.7, "%g %g %g", f.temperature[0],
              f.temperature[1], f.temperature[2]);
    loop_result_release(&r);
    fake_release(&f);
}

/* a round whose first failing run at np=2 printed the expected output twice */
static void every_rank_round(struct loop_round *x, const char *program)
{
    memset(x, 0, sizeof(*x));
    x->program = (char *)program;
    x->checked = 1, x->outcome = CHECK_INCORRECT;
    check_opts_init(&x->rep.own_opts);
    x->rep.opts = &x->rep.own_opts;
    x->rep.own_opts.np[0] = 1, x->rep.own_opts.np[1] = 2, x->rep.own_opts.n_np = 2;
    cm_strlist_push(&x->rep.own_opts.args, "8");
    x->rep.outcome = CHECK_INCORRECT;
    x->rep.n_runs = 2;
    x->rep.runs = cm_calloc(2, sizeof(*x->rep.runs));
    x->rep.runs[0].np = 1, x->rep.runs[1].np = 2;
    x->rep.runs[1].verdict = VERDICT_WRONG_OUTPUT;
    snprintf(x->rep.runs[1].detail, sizeof(x->rep.runs[1].detail),
             "token count 2, expected 1; 2 times the expected output: every rank printed it");
}

static const char every_rank_prog[] = "#include <stdio.h>\n"                       /* 1 */
                                      "int main(void) {\n"                          /* 2 */
                                      "    char s[8]; snprintf(s, 8, \"%d\", 1);\n" /* 3: not output */
                                      "    fprintf(stderr, \"note\\n\");\n"         /* 4: not stdout */
                                      "    // printf(\"old\\n\");\n"                /* 5: a comment */
                                      "    printf(\"%.6f\\n\", sum);\n"             /* 6 */
                                      "    fprintf(stdout, \"%d\\n\", n);\n"        /* 7 */
                                      "    puts(\"done\");\n"                       /* 8 */
                                      "}\n";

Test(loop, every_rank_printing_is_named_by_line_and_marked_in_the_quote)
{
    struct loop_round x;
    every_rank_round(&x, every_rank_prog);
    char *d = loop_diagnose(&x);
    cr_assert(strstr(d, "line 6: printf(\"%.6f\\n\", sum);\nline 7: fprintf(stdout, \"%d\\n\", n);\nline 8: puts(\"done\");\n"),
              "the printing lines, and only those: %s", d);
    cr_assert(!strstr(d, "line 3") && !strstr(d, "line 4") && !strstr(d, "line 5"), "%s", d);
    cr_assert(strstr(d, "if (rank == 0)"), "%s", d);
    cr_assert(!strstr(d, "seeded generator"), "the generic list gives way to the named lines: %s", d);
    char *q = loop_annotate(&x);
    cr_assert(strstr(q, "    printf(\"%.6f\\n\", sum);  /* <-- every rank prints this: only rank 0 may print */\n"), "%s", q);
    cr_assert(strstr(q, "    puts(\"done\");  /* <-- every rank"), "%s", q);
    cr_assert(strstr(q, "    fprintf(stderr, \"note\\n\");\n"), "stderr is not marked: %s", q);
    cr_assert_eq(strlen(q), strlen(every_rank_prog) + 3 * strlen("  /* <-- every rank prints this: only rank 0 may print */"),
                 "the program is otherwise unchanged");
    free(q), free(d);
    free(x.rep.runs);
    check_opts_release(&x.rep.own_opts);
}

Test(loop, compiler_errors_are_marked_on_their_lines)
{
    struct loop_round x;
    build_fail_round(&x, "#include <mpi.h>\nint main(void) {\n    return rank + x;\n}\n", "/tmp/x:1/candidate.c: In function 'main':\n"
                               "/tmp/x:1/candidate.c:3:12: error: 'rank' undeclared (first use in this function)\n"
                               "/tmp/x:1/candidate.c:3:12: note: each undeclared identifier is reported only once\n"
                               "/tmp/x:1/candidate.c:3:19: error: 'x' undeclared */ (first use in this function)\n");
    char *q = loop_annotate(&x);
    cr_assert_str_eq(q, "#include <mpi.h>\nint main(void) {\n    return rank + x;  /* <-- error: 'rank' undeclared (first "
                        "use in this function); error: 'x' undeclared *  (first use in this function) */\n}\n");
    free(q);
    free(x.rep.mpi_diag);
    check_opts_release(&x.rep.own_opts);
}

static char *given_round0(void *ctx, size_t candidate, size_t round)
{
    (void)candidate;
    return round == 0 ? cm_strdup(ctx) : NULL;
}

Test(loop, saved_answers_are_reused_and_the_rest_generated)
{
    const char *const answers[] = {PROG("OK2")};
    struct fake f;
    fake_init(&f, answers, 1);
    struct loop_opts o = opts(1, 1);
    o.given = given_round0, o.given_ctx = PROG("WRONG");
    struct loop_result r;
    loop_result_init(&r);
    cr_assert_eq(loop_run(&r, &f.base, "int main(void) { return 0; }\n", &o), 0);
    cr_assert_eq(f.next, 1, "the model answered the repair only");
    cr_assert_eq(r.n, 2);
    cr_assert(r.rounds[0].given && !r.rounds[1].given);
    cr_assert_eq(r.rounds[0].outcome, CHECK_INCORRECT, "a given answer is checked as any other");
    cr_assert_eq(r.best, 1);
    cr_assert_eq(r.tokens, 10, "no tokens for the given answer");

    /* what loop_save writes, loop_reuse_answer reads back */
    char dir[] = "/tmp/chatmpi-test-reuse-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(loop_save(&r, dir), 0);
    char *a0 = loop_reuse_answer(dir, 0, 0), *a1 = loop_reuse_answer(dir, 0, 1), *a2 = loop_reuse_answer(dir, 0, 2);
    cr_assert_str_eq(a0, PROG("WRONG"));
    cr_assert_str_eq(a1, PROG("OK2"));
    cr_assert_null(a2, "a round not saved is generated");
    cr_assert_null(loop_reuse_answer(dir, 1, 0));
    free(a0), free(a1);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    loop_result_release(&r);
    fake_release(&f);
}
