/* Loop-by-loop answers (loop/frame.h): the marked loops found and their extents; a simple
 * counted loop's split written by chatmpi (bounds for <, <= and !=, a variable declared
 * outside, lo/hi renamed when the program has its own); other loops left to the model; the
 * question with only its loop marked and what the loop writes; the rewrite taken from an
 * answer (cut after its communication, example copies and #include dropped, the same buffer
 * twice made MPI_IN_PLACE, whole programs refused); sums set up to start from zero on the
 * other ranks (counts read from allocations and declarations); the example chosen by the
 * loop's shape (vectors, rows, sums, an extremum and its index); gathers given the rows'
 * width and base; reductions of what the loop only reads dropped; gathers that wait until after
 * a repetition, and halos (subscripts read as sums); array sums whose reduction waits until
 * after the repetition; the assembled programs built with mpicc
 * and run at 1 to 3 ranks against the sequential output. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "harness/hotloops.h"
#include "loop/frame.h"
#include "loop/frame_loop.h"

#define MARK "/* MPI: split this loop over the ranks */"

static const char *prog = "/* sums and doubles */\n"
                          "#include <stdio.h>\n"
                          "#include <stdlib.h>\n"
                          "\n"
                          "int main(int argc, char **argv)\n"
                          "{\n"
                          "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10, ny = 4;\n"
                          "    double *x = malloc(n * sizeof *x), s = 0.0, y[6] = {0};\n"
                          "    for (long i = 0; i < n; i++)\n"
                          "        x[i] = 0.5 * (double)i;\n"
                          "    for (long r = 0; r < 3; r++) {\n"
                          "        s = 0.0;\n"
                          "        " MARK "\n"
                          "        for (long i = 0; i < n; i++)\n"
                          "            s += x[i];\n"
                          "        int j;\n"
                          "        " MARK "\n"
                          "        for (j = 1; j <= ny; ++j) {\n"
                          "            y[j] = s * j;\n"
                          "        }\n"
                          "    }\n"
                          "    long k = n;\n"
                          "    " MARK "\n"
                          "    while (k > 0)\n"
                          "        k--;\n"
                          "    printf(\"%.6f %.6f %.6f\\n\", s, y[1], y[4]);\n"
                          "    free(x);\n"
                          "    return 0;\n"
                          "}\n";

static void build(struct frame *f, const char *src)
{
    cr_assert_eq(frame_build(f, src), 0, "%s", cm_error_message());
}

Test(frame, finds_the_marked_loops_and_writes_simple_splits)
{
    struct frame f;
    build(&f, prog);
    cr_assert_eq(f.n, 3);
    cr_assert_str_eq(f.loops[0].indent, "        ");
    cr_assert_str_eq(f.loops[0].text, "for (long i = 0; i < n; i++)\n    s += x[i];");
    /* s only adds: the other ranks' s starts from zero */
    cr_assert_str_eq(f.loops[0].prefix, "```c\nif (mpi_rank != 0) { /* sums: rank 0 keeps the values from before the "
                                        "loop, the other ranks add to zero */\n    s = 0;\n}\n"
                                        "long lo, hi;\nmpi_share(0, n, &lo, &hi);\n"
                                        "for (long i = lo; i < hi; i++)\n    s += x[i];\n");
    cr_assert_str_eq(f.loops[0].sums, ",s,");
    cr_assert_null(f.loops[1].sums);
    /* <= and a variable declared before the loop */
    cr_assert_str_eq(f.loops[1].prefix, "```c\nlong lo, hi;\nmpi_share(1, ny + 1, &lo, &hi);\n"
                                        "for (j = lo; j < hi; j++) {\n    y[j] = s * j;\n}\n");
    /* a while loop: the model writes the split */
    cr_assert_str_eq(f.loops[2].prefix, "```c\nlong lo, hi;\nmpi_share(");
    /* the replaced bytes: the mark's line to the loop's end */
    cr_assert(!strncmp(prog + f.loops[0].begin, "        " MARK, strlen(MARK) + 8));
    cr_assert(!strncmp(prog + f.loops[2].end - 4, "k--;", 4));
    frame_release(&f);
}

Test(frame, renames_the_bounds_when_the_program_has_lo_or_hi)
{
    const char *src = "int main(void)\n{\n    double a[8], lo = 0;\n    " MARK "\n"
                      "    for (int i = 0; i != 8; i++)\n        a[i] = lo;\n    return 0;\n}\n";
    struct frame f;
    build(&f, src);
    cr_assert_str_eq(f.loops[0].prefix, "```c\nlong mpi_lo, mpi_hi;\nmpi_share(0, 8, &mpi_lo, &mpi_hi);\n"
                                        "for (int i = mpi_lo; i < mpi_hi; i++)\n    a[i] = lo;\n");
    frame_release(&f);
}

Test(frame, refuses_programs_without_marks_or_main)
{
    struct frame f;
    cr_assert_eq(frame_build(&f, "int main(void) { for (int i = 0; i < 3; i++); return 0; }\n"), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "no loop is marked"));
    cm_error_clear();
    cr_assert_eq(frame_build(&f, "void g(double *a) {\n    " MARK "\n    for (int i = 0; i < 3; i++) a[i] = 0;\n}\n"),
                 CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "no main"));
    cm_error_clear();
}

Test(frame, question_marks_only_its_loop_and_says_what_it_writes)
{
    struct frame f;
    build(&f, prog);
    char *q = frame_question(&f, 1);
    const char *program = strstr(q, "The program:");
    cr_assert(program);
    size_t marks = 0;
    for (const char *p = strstr(program, MARK); p; p = strstr(p + 1, MARK)) marks++;
    cr_assert_eq(marks, 1, "%s", program);
    cr_assert(strstr(program, MARK "\n        for (j = 1; j <= ny; ++j)"));
    cr_assert(strstr(program, "        s = 0.0;\n        for (long i = 0; i < n; i++)"),
              "the other marks' lines are gone: %s", program);
    cr_assert(strstr(q, "The loop writes the array y at its index j, as y[j].\n"), "%s", q);
    free(q);
    q = frame_question(&f, 0);
    cr_assert(strstr(q, "The loop writes the variable s.\nThe loop only adds to s: "), "%s", q);
    cr_assert(strstr(q, "over s gives every rank the whole loop's result.\n"), "%s", q);
    cr_assert(strstr(q, "is rewritten as:\n\n```c\nif (mpi_rank != 0) {"), "the example sets its sum up too: %s", q);
    free(q);
    frame_release(&f);
}

/* what a loop writes, as the question says it */
static char *writes_of(const char *loop)
{
    static char buf[2048];
    char src[2048];
    snprintf(src, sizeof(src), "int main(void)\n{\n    " MARK "\n    %s\n    return 0;\n}\n", loop);
    struct frame f;
    build(&f, src);
    snprintf(buf, sizeof(buf), "%s", f.loops[0].writes ? f.loops[0].writes : "(nothing)");
    frame_release(&f);
    return buf;
}

Test(frame, what_a_loop_writes)
{
    /* a name computed from the index is the index; a value looked up is not */
    cr_assert_str_eq(writes_of("for (long j = 1; j <= ny; j++) for (long i = 1; i <= nx; i++) { long c = j * W + i; "
                               "un[c] = u[c] + 1; }"),
                     "The loop writes the array un at its index j, as un[j * W + i].\n"
                     "For mpi_allgather_share: the rows of un have W elements.\n");
    /* rows of a stride, from an offset; a stride that holds the index is left alone */
    cr_assert_str_eq(writes_of("for (long i = 0; i < n; i++) y[i * incy] = x[i];"),
                     "The loop writes the array y at its index i, as y[i * incy].\n"
                     "For mpi_allgather_share: the rows of y have incy elements.\n");
    cr_assert_str_eq(writes_of("for (long i = 0; i < n; i++) { x[i + 1] = y[i]; z[i] = 1; }"),
                     "The loop writes the arrays x and z at its index i, as x[i + 1] and z[i].\n"
                     "For mpi_allgather_share: the rows of x start at x + 1 (one element each).\n");
    cr_assert_str_eq(writes_of("for (long i = 0; i < n; i++) for (long j = 0; j <= i; j++) C[i * (i + 1) / 2 + j] = 1;"),
                     "The loop writes the array C at its index i, as C[i * (i + 1) / 2 + j].\n");
    cr_assert_str_eq(writes_of("for (int d = 0; d < nd; d++) { long o = offs[d]; for (long j = 0; j < n; j++) "
                               "y[j - o] += v[d * n + j] * x[j]; }"),
                     "The loop writes the array y at indices other than its index d, as y[j - o].\n");
    /* an inner loop's own variable is not an index of the outer loop */
    cr_assert_str_eq(writes_of("for (long i = 0; i < n; i++) { double t = 0; for (long j = i + 1; j < n; j++) { "
                               "y[j] += a[j]; t += a[j]; } y[i] += t; }"),
                     "The loop writes the array y at indices other than its index i, as y[j].\n");
    /* a pointer into a row is the array; the loop's own arrays and scalars are left out */
    cr_assert_str_eq(writes_of("for (long i = 0; i < n; i++) { double *ci = C + i * n; double acc[3] = {0}; "
                               "for (long j = 0; j < n; j++) { acc[j % 3] += 1; ci[j] = acc[0]; } }"),
                     "The loop writes the array C at its index i.\n");
    cr_assert_str_eq(writes_of("for (long i = 0; i < n; i++) { double a = x[i] < 0 ? -x[i] : x[i]; if (a > vmax) "
                               "{ vmax = a; imax = i; } }"),
                     "The loop writes the variables vmax and imax.\nThe loop keeps the largest value in vmax and its "
                     "index in imax: after the loop, mpi_maxloc(vmax, imax) gives every rank the whole loop's result.\n");
    cr_assert_str_eq(writes_of("for (long i = 0; i < n; i++) { y[i] = 2 * x[i]; ss += y[i]; }"),
                     "The loop writes the array y at its index i, as y[i]; and the variable ss.\nThe loop only adds to "
                     "ss: the answer starts by keeping its value from before the loop on rank 0 and setting it to zero "
                     "on the other ranks, so after the loop MPI_Allreduce with MPI_IN_PLACE and MPI_SUM over ss gives "
                     "every rank the whole loop's result.\n");
    cr_assert_str_eq(writes_of("for (long i = 0; i < n; i++) { double t = x[i]; (void)t; }"), "(nothing)");
    /* an element looked up through another array is not at the index */
    cr_assert_str_eq(writes_of("for (long q = 0; q < nz; q++) ys[ri[q]] += v[q] * x[ci[q]];"),
                     "The loop writes the array ys at indices other than its index q, as ys[ri[q]].\n");
}

/* the set-up of loop 0's sums in a program (the lines inside its if block), or "" */
static char *sums_of(const char *decls, const char *loop)
{
    static char buf[1024];
    char src[4096];
    snprintf(src, sizeof(src),
             "#include <stdlib.h>\nstatic double g[40];\nstatic void other(void) { double *y = malloc(99 * sizeof *y); "
             "(void)y; }\nint main(int argc, char **argv)\n{\n%s\n    " MARK "\n    %s\n    return 0;\n}\n",
             decls, loop);
    struct frame f;
    build(&f, src);
    const char *p = strstr(f.loops[0].prefix, "*/\n"), *e = p ? strstr(p, "}\n") : NULL;
    snprintf(buf, sizeof(buf), "%.*s", p && e ? (int)(e - p - 3) : 0, p ? p + 3 : "");
    frame_release(&f);
    return buf;
}

Test(frame, sums_start_from_zero_on_the_other_ranks)
{
    const char *hist = "for (long i = 0; i < n; i++) { h[b[i]] += w[i]; t -= w[i]; }";
    /* the count of a malloc, calloc or aligned_alloc (casts and the element's size taken off) */
    cr_assert_str_eq(sums_of("    long n = 9, nb = 4; double t = 0; int *b; double w[9];\n"
                             "    double *h = (double *)malloc((size_t)nb * sizeof *h);",
                             hist),
                     "    t = 0;\n    for (long mpi_t = 0; mpi_t < nb; mpi_t++)\n        h[mpi_t] = 0;\n");
    cr_assert_str_eq(sums_of("    long n = 9, m = 2; double t = 0; int *b; double w[9];\n"
                             "    double *h = calloc((size_t)(m + 1) * 2, sizeof(double));",
                             hist),
                     "    t = 0;\n    for (long mpi_t = 0; mpi_t < (m + 1) * 2; mpi_t++)\n        h[mpi_t] = 0;\n");
    cr_assert_str_eq(sums_of("    long n = 9, r = 3, c = 5; double t = 0; int *b; double w[9];\n"
                             "    double *h = aligned_alloc(64, r * c * sizeof(double));",
                             hist),
                     "    t = 0;\n    for (long mpi_t = 0; mpi_t < r * c; mpi_t++)\n        h[mpi_t] = 0;\n");
    /* declared with its count; at file scope */
    cr_assert_str_eq(sums_of("    long n = 9; double t = 0; int *b; double w[9]; double h[2 * 8];", hist),
                     "    t = 0;\n    for (long mpi_t = 0; mpi_t < 2 * 8; mpi_t++)\n        h[mpi_t] = 0;\n");
    cr_assert_str_eq(sums_of("    long n = 9; int *b; double w[9];", "for (long i = 0; i < n; i++) g[b[i]] += w[i];"),
                     "    for (long mpi_t = 0; mpi_t < 40; mpi_t++)\n        g[mpi_t] = 0;\n");
    /* not an array count: bytes, two dimensions, a sum of sizes, another function's y: the array
     * is left to the model (the scalar still set up) */
    cr_assert_str_eq(sums_of("    long n = 9, nb = 4; double t = 0; int *b; double w[9]; double *h = malloc(nb);", hist),
                     "    t = 0;\n");
    cr_assert_str_eq(sums_of("    long n = 9; double t = 0; int *b; double w[9]; double h[3][3];", hist), "    t = 0;\n");
    cr_assert_str_eq(sums_of("    long n = 9, nb = 4; double t = 0; int *b; double w[9];\n"
                             "    double *h = malloc(nb * sizeof(double) + 64);",
                             hist),
                     "    t = 0;\n");
    cr_assert_str_eq(sums_of("    long n = 9; int *b; double w[9]; double *y;", "for (long i = 0; i < n; i++) y[b[i]] += w[i];"),
                     "");
    /* read in the loop, written otherwise, through a pointer, or at the loop's index: no sum */
    cr_assert_str_eq(sums_of("    long n = 9; double t = 0, *h = malloc(n * sizeof *h); int *b;",
                             "for (long i = 1; i < n; i++) { h[b[i]] += h[i - 1]; t += h[i]; }"),
                     "    t = 0;\n");
    cr_assert_str_eq(sums_of("    long n = 9; double t = 0, *p = &t;", "for (long i = 0; i < n; i++) *p += i;"), "");
    cr_assert_str_eq(sums_of("    long n = 9; double t = 0;", "for (long i = 0; i < n; i++) { t += i; t = t * 0.5; }"),
                     "");
    cr_assert_str_eq(sums_of("    long n = 9; double *h = malloc(n * sizeof *h);",
                             "for (long i = 0; i < n; i++) h[i] += 1.0;"),
                     "");
}

/* an array of the loop's sums is summed over the ranks: a gather of it is the slip */
Test(frame, a_sum_array_is_reduced_not_gathered)
{
    const char *src = "#include <stdlib.h>\nint main(void)\n{\n    long n = 8, nb = 3; int b[8] = {0};\n"
                      "    double *h = malloc(nb * sizeof *h);\n    " MARK "\n"
                      "    for (long i = 0; i < n; i++)\n        h[b[i]] += 1.0;\n    return 0;\n}\n";
    struct frame f;
    build(&f, src);
    cr_assert_eq(f.loops[0].sum_arrays, 1);
    char *q = frame_question(&f, 0);
    cr_assert(strstr(q, "The loop only adds to the nb elements of h: "), "%s", q);
    cr_assert(strstr(q, "MPI_Allreduce(MPI_IN_PLACE, hist, nbins, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);"),
              "the example sums an array: %s", q);
    free(q);
    const char *why = NULL;
    char *answer = malloc(strlen(f.loops[0].prefix) + 512);
    sprintf(answer, "%smpi_allgather_share(h, 1, MPI_DOUBLE);\n"
                    "MPI_Allreduce(MPI_IN_PLACE, h, nb, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n```", f.loops[0].prefix);
    char *x = frame_fragment(&f, 0, answer, &why);
    cr_assert(x, "%s", why);
    cr_assert_null(strstr(x, "mpi_allgather_share"), "%s", x);
    cr_assert(strstr(x, "    for (long mpi_t = 0; mpi_t < nb; mpi_t++)\n        h[mpi_t] = 0;\n}\n"), "%s", x);
    cr_assert(strstr(x, "MPI_Allreduce(MPI_IN_PLACE, h, nb,"), "%s", x);
    free(x), free(answer);
    frame_release(&f);
}

static char *fragment(const struct frame *f, size_t j, const char *answer, const char **why)
{
    return frame_fragment(f, j, answer, why);
}

Test(frame, takes_the_rewrite_from_an_answer)
{
    struct frame f;
    build(&f, prog);
    const char *why = NULL;
    /* cut after the last communication; the example's total dropped; same buffer twice made in place */
    char *x = fragment(&f, 0,
                       "```c\nlong lo, hi;\nmpi_share(0, n, &lo, &hi);\nfor (long i = lo; i < hi; i++)\n    s += x[i];\n"
                       "MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n"
                       "MPI_Allreduce(&s, &s, 1, MPI_DOUBLE, MPI_SUM,\n              MPI_COMM_WORLD);\n"
                       "printf(\"%f\\n\", s);\n```\nThis splits the loop.",
                       &why);
    cr_assert(x, "%s", why);
    cr_assert_str_eq(x, "long lo, hi;\nmpi_share(0, n, &lo, &hi);\nfor (long i = lo; i < hi; i++)\n    s += x[i];\n"
                        "MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_DOUBLE, MPI_SUM,\n              MPI_COMM_WORLD);\n");
    free(x);
    /* an array gathered is not also summed over the ranks */
    x = fragment(&f, 1,
                 "```c\nlong lo, hi;\nmpi_share(1, ny + 1, &lo, &hi);\nfor (j = lo; j < hi; j++) {\n    y[j] = s * j;\n}\n"
                 "mpi_allgather_share(y, 1, MPI_DOUBLE);\nMPI_Allreduce(MPI_IN_PLACE, &y[0], 1, MPI_DOUBLE, MPI_SUM, "
                 "MPI_COMM_WORLD);\n```",
                 &why);
    cr_assert_str_eq(x, "long lo, hi;\nmpi_share(1, ny + 1, &lo, &hi);\nfor (j = lo; j < hi; j++) {\n    y[j] = s * j;\n}\n"
                        "mpi_allgather_share(y, 1, MPI_DOUBLE);\n");
    free(x);
    /* #include lines dropped; the sum the model left out reduced by chatmpi */
    x = fragment(&f, 0, "```c\n#include <mpi.h>\nlong lo, hi;\nmpi_share(0, n, &lo, &hi);\n```", &why);
    cr_assert_str_eq(x, "long lo, hi;\nmpi_share(0, n, &lo, &hi);\n"
                        "MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n");
    free(x);
    cr_assert_null(fragment(&f, 0, "```c\nint main(void) { mpi_share(0, 1, 0, 0); }\n```", &why));
    cr_assert(strstr(why, "whole program"));
    cr_assert_null(fragment(&f, 0, "```c\nfor (long i = 0; i < n; i++) s += x[i];\n```", &why));
    cr_assert(strstr(why, "mpi_share"));
    cr_assert_null(fragment(&f, 0, "I cannot do that.", &why));
    cr_assert(strstr(why, "code block"));
    frame_release(&f);
}

static char *run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    static char out[4096];
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = 0;
    cr_assert_eq(pclose(p), 0, "%s: %s", cmd, out);
    return out;
}

/* the MPI program mpi gives the sequential program src's output at 1, 2 and 3 ranks (a run that
 * hangs fails after two minutes) */
static void same_output_at_1_to_3_ranks(const char *src, const char *mpi)
{
    char *dir = NULL;
    cr_assert_eq(cm_make_temp_dir(&dir, "chatmpi-frame-"), 0);
    char *seq_c = cm_path_join(dir, "seq.c"), *mpi_c = cm_path_join(dir, "mpi.c"), cmd[4096];
    cr_assert_eq(cm_write_file_atomic(seq_c, src, strlen(src)), 0);
    cr_assert_eq(cm_write_file_atomic(mpi_c, mpi, strlen(mpi)), 0);
    snprintf(cmd, sizeof(cmd), "cd %s && cc -o seq seq.c 2>&1 && mpicc -Wall -Werror -o mpi mpi.c 2>&1 && ./seq 11", dir);
    char want[256];
    snprintf(want, sizeof(want), "%s", run(cmd));
    cr_assert(strlen(want) > 10);
    for (int np = 1; np <= 3; np++) {
        snprintf(cmd, sizeof(cmd),
                 "cd %s && OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 "
                 "timeout 120 mpirun --oversubscribe -np %d ./mpi 11 2>/dev/null",
                 dir, np);
        cr_assert_str_eq(run(cmd), want, "np=%d:\n%s", np, mpi);
    }
    cm_remove_tree(dir);
    free(dir), free(seq_c), free(mpi_c);
}

/* The assembled program is an MPI program that gives the sequential output at any rank count
 * (the while loop's rewrite as the model would write it). */
Test(frame, assembled_program_runs_under_mpirun)
{
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") != 0)
        cr_skip_test("mpicc/mpirun not installed");
    struct frame f;
    build(&f, prog);
    char *frags[3];
    const char *why = NULL;
    const char *answers[3] = {
        "```c\nlong lo, hi;\nmpi_share(0, n, &lo, &hi);\nfor (long i = lo; i < hi; i++)\n    s += x[i];\n"
        "MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n```",
        "```c\nlong lo, hi;\nmpi_share(1, ny + 1, &lo, &hi);\nfor (j = lo; j < hi; j++) {\n    y[j] = s * j;\n}\n"
        "mpi_allgather_share(y, 1, MPI_DOUBLE);\n```",
        "```c\nlong lo, hi;\nmpi_share(0, 1, &lo, &hi);\nwhile (k > 0)\n    k--;\n```"};
    for (int j = 0; j < 3; j++) cr_assert(frags[j] = frame_fragment(&f, (size_t)j, answers[j], &why), "%s", why);
    char *mpi = frame_program(&f, frags);
    cr_assert(strstr(mpi, "    mpi_frame_init();"));
    cr_assert(strstr(mpi, "#include <stdlib.h>\n\n/* ---- MPI frame written by chatmpi"), "after the includes: %s", mpi);
    same_output_at_1_to_3_ranks(prog, mpi);
    free(mpi);
    for (int j = 0; j < 3; j++) free(frags[j]);
    frame_release(&f);
}

/* Sums accumulated across repetitions without a reset (a histogram and a count that starts at
 * 1): the other ranks add to zero, so the reduction gives the sequential values. */
Test(frame, sums_accumulated_across_repetitions_run_under_mpirun)
{
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") != 0)
        cr_skip_test("mpicc/mpirun not installed");
    const char *src = "#include <stdio.h>\n#include <stdlib.h>\n\n"
                      "int main(int argc, char **argv)\n{\n"
                      "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10, nb = 5;\n"
                      "    double *h = calloc((size_t)nb, sizeof(double)), t = 1.0;\n"
                      "    int *idx = malloc((size_t)n * sizeof *idx);\n"
                      "    for (long i = 0; i < n; i++)\n        idx[i] = (int)((i * 7) % nb);\n"
                      "    for (long r = 0; r < 3; r++) {\n"
                      "        " MARK "\n"
                      "        for (long i = 0; i < n; i++) {\n"
                      "            h[idx[i]] += 0.5 * (double)(i + r);\n"
                      "            t += 1.0;\n"
                      "        }\n"
                      "    }\n"
                      "    printf(\"%.6f %.6f %.6f\\n\", t, h[0], h[nb - 1]);\n"
                      "    free(h);\n    free(idx);\n    return 0;\n}\n";
    struct frame f;
    build(&f, src);
    cr_assert_str_eq(f.loops[0].sums, ",t,h,");
    /* the model's communication after chatmpi's start (a gather of the sum array dropped) */
    char *answer = malloc(strlen(f.loops[0].prefix) + 512), *frag[1];
    sprintf(answer, "%smpi_allgather_share(h, 1, MPI_DOUBLE);\n"
                    "MPI_Allreduce(MPI_IN_PLACE, h, nb, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n"
                    "MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n```",
            f.loops[0].prefix);
    const char *why = NULL;
    cr_assert(frag[0] = frame_fragment(&f, 0, answer, &why), "%s", why);
    char *mpi = frame_program(&f, frag);
    same_output_at_1_to_3_ranks(src, mpi);
    free(mpi), free(frag[0]), free(answer);
    frame_release(&f);
}

/* the largest or smallest value and its index: the question offers mpi_maxloc / mpi_minloc */
Test(frame, an_extremum_and_its_index)
{
    const char *src = "int main(void)\n{\n    double w[9] = {0}, best = w[0], low = 1; long ib = 0; int il = 0;\n"
                      "    " MARK "\n    for (long i = 1; i < 9; i++) {\n        double a = w[i];\n"
                      "        if (a > best) {\n            best = a;\n            ib = i;\n        }\n    }\n"
                      "    " MARK "\n    for (int i = 0; i < 9; i++)\n        if (low > w[i]) { low = w[i]; il = i; }\n"
                      "    " MARK "\n    for (int i = 0; i < 9; i++)\n        if (w[i] > best) { best = w[i]; il = 0; }\n"
                      "    return 0;\n}\n";
    struct frame f;
    build(&f, src);
    cr_assert_eq(f.loops[0].extremum, 1);
    cr_assert_eq(f.loops[1].extremum, -1);
    cr_assert_eq(f.loops[2].extremum, 0, "the index is not the loop's");
    cr_assert(strstr(f.loops[0].writes, "The loop keeps the largest value in best and its index in ib: after the loop, "
                                        "mpi_maxloc(best, ib) gives every rank the whole loop's result.\n"),
              "%s", f.loops[0].writes);
    cr_assert(strstr(f.loops[1].writes, "mpi_minloc(low, il)"), "%s", f.loops[1].writes);
    char *q = frame_question(&f, 0);
    cr_assert(strstr(q, "    mpi_maxloc(value, index);\n"), "%s", q);
    cr_assert(strstr(q, "}\nmpi_maxloc(best, ibest);\n```"), "%s", q);
    free(q);
    q = frame_question(&f, 2);
    cr_assert_null(strstr(q, "mpi_maxloc"), "%s", q);
    free(q);
    /* the helper's line ends the rewrite (it communicates) */
    const char *why = NULL;
    char *x = frame_fragment(&f, 0, "```c\nlong lo, hi;\nmpi_share(1, 9, &lo, &hi);\nmpi_maxloc(best, ib);\nint z = 0;\n```",
                             &why);
    cr_assert_str_eq(x, "long lo, hi;\nmpi_share(1, 9, &lo, &hi);\nmpi_maxloc(best, ib);\n");
    free(x);
    frame_release(&f);
}

/* the question's example has the loop's shape */
Test(frame, the_example_has_the_loops_shape)
{
    const char *src = "#include <stdlib.h>\nint main(void)\n{\n    long n = 8, m = 3; double *x = malloc(n * sizeof *x), "
                      "*a = malloc(n * m * sizeof *a), *h = malloc(m * sizeof *h); int b[8] = {0};\n"
                      "    " MARK "\n    for (long i = 0; i < n; i++)\n        x[i] = 1;\n"
                      "    " MARK "\n    for (long i = 0; i < n; i++)\n        for (long j = 0; j < m; j++)\n            a[i * m + j] = 2;\n"
                      "    " MARK "\n    for (long i = 0; i < n; i++)\n        h[b[i]] += x[i];\n"
                      "    return 0;\n}\n";
    struct frame f;
    build(&f, src);
    cr_assert(f.loops[0].vector && !f.loops[1].vector);
    char *q0 = frame_question(&f, 0), *q1 = frame_question(&f, 1), *q2 = frame_question(&f, 2);
    cr_assert(strstr(q0, "mpi_allgather_share(c, 1, MPI_DOUBLE);"), "vectors: %s", q0);
    cr_assert(strstr(q1, "mpi_allgather_share(out, cols, MPI_DOUBLE);"), "rows: %s", q1);
    cr_assert(strstr(q2, "MPI_Allreduce(MPI_IN_PLACE, hist, nbins,"), "sums: %s", q2);
    free(q0), free(q1), free(q2);
    frame_release(&f);
}

/* a gather of rows gets their width and base; a reduction of what the loop only reads goes,
 * unless the loop may write it through a call */
Test(frame, gathers_and_reductions_fixed_by_what_the_loop_writes)
{
    const char *src = "void fill(double *v, double *s);\nint main(void)\n{\n    long n = 8, w = 3; double y[8], x[9], "
                      "a[24], s = 1, t = 0;\n"
                      "    " MARK "\n    for (long i = 0; i < n; i++) {\n        x[i + 1] = y[i] * s;\n"
                      "        for (long j = 0; j < w; j++)\n            a[i * w + j] = s;\n    }\n"
                      "    " MARK "\n    for (long i = 0; i < n; i++)\n        fill(&y[i], &t);\n"
                      "    return 0;\n}\n";
    struct frame f;
    build(&f, src);
    const char *why = NULL;
    char *x = frame_fragment(&f, 0,
                             "```c\nlong lo, hi;\nmpi_share(0, n, &lo, &hi);\n"
                             "mpi_allgather_share(x, 1, MPI_DOUBLE);\nmpi_allgather_share(a, 1,MPI_DOUBLE);\n"
                             "mpi_allgather_share(y, 1, MPI_DOUBLE);\n" /* y is only read: dropped */
                             "MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n```",
                             &why);
    cr_assert_str_eq(x, "long lo, hi;\nmpi_share(0, n, &lo, &hi);\n"
                        "mpi_allgather_share(x + 1, 1, MPI_DOUBLE);\nmpi_allgather_share(a, w,MPI_DOUBLE);\n");
    free(x);
    /* fill(&y[i], &t) may write t: no known combination over the ranks, so every rank runs
     * that loop whole (not asked, its mark replaced) */
    cr_assert_eq(f.n, 1);
    cr_assert(strstr(f.src, "/* chatmpi: every rank runs it all     */\n    for (long i = 0; i < n; i++)\n        fill("),
              "%s", f.src);
    frame_release(&f);
    const char *only = "void fill(double *s);\nint main(void)\n{\n    double t = 0;\n    " MARK
                       "\n    for (int i = 0; i < 4; i++)\n        fill(&t);\n    return 0;\n}\n";
    cr_assert_neq(frame_build(&f, only), 0);
    cr_assert(strstr(cm_error_message(), "address"), "%s", cm_error_message());
}

/* mpi_maxloc in an assembled program: the first of equal largest values at 1 to 3 ranks (not
 * rank 0's) */
Test(frame, maxloc_runs_under_mpirun)
{
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") != 0)
        cr_skip_test("mpicc/mpirun not installed");
    const char *src = "#include <stdio.h>\n#include <stdlib.h>\n\n"
                      "int main(int argc, char **argv)\n{\n"
                      "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"
                      "    float *x = malloc((size_t)n * sizeof *x);\n"
                      "    for (long i = 0; i < n; i++) /* the largest twice, on the last rank */\n"
                      "        x[i] = i >= n - 2 ? 30.0f : (float)((i * 5) % 7);\n"
                      "    float vmax = x[0];\n    long imax = 0;\n"
                      "    " MARK "\n"
                      "    for (long i = 1; i < n; i++) {\n"
                      "        if (x[i] > vmax) {\n            vmax = x[i];\n            imax = i;\n        }\n"
                      "    }\n"
                      "    printf(\"imax %ld vmax %.3f\\n\", imax, vmax);\n"
                      "    free(x);\n    return 0;\n}\n";
    struct frame f;
    build(&f, src);
    cr_assert_eq(f.loops[0].extremum, 1);
    char *answer = malloc(strlen(f.loops[0].prefix) + 64), *frag[1];
    sprintf(answer, "%smpi_maxloc(vmax, imax);\n```", f.loops[0].prefix);
    const char *why = NULL;
    cr_assert(frag[0] = frame_fragment(&f, 0, answer, &why), "%s", why);
    char *mpi = frame_program(&f, frag);
    same_output_at_1_to_3_ranks(src, mpi);
    free(mpi), free(frag[0]), free(answer);
    frame_release(&f);
}

/* Stores that are not rows of the index (a packed triangle): chatmpi merges them itself, a
 * copy before the loop and every rank's stores to every rank after it; the model's own
 * gather or merge of that array is dropped. Run at 1 to 3 ranks. */
Test(frame, stores_merged_by_chatmpi_run_under_mpirun)
{
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") != 0)
        cr_skip_test("mpicc/mpirun not installed");
    const char *src = "#include <stdio.h>\n#include <stdlib.h>\n\n"
                      "int main(int argc, char **argv)\n{\n"
                      "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10, t = n * (n + 1) / 2;\n"
                      "    double *c = malloc((size_t)t * sizeof *c), s = 0.0;\n"
                      "    for (long k = 0; k < t; k++)\n        c[k] = -1.0;\n"
                      "    " MARK "\n"
                      "    for (long i = 0; i < n; i++)\n"
                      "        for (long j = 0; j <= i; j++)\n"
                      "            c[i * (i + 1) / 2 + j] = (double)(i * 3 + j) + (j == 0 ? -1.0 + 1.0 : 0.5);\n"
                      "    for (long k = 0; k < t; k++)\n        s += c[k] * (double)(k % 5 + 1);\n"
                      "    printf(\"checksum %.3f c[0] %.3f\\n\", s, c[0]);\n"
                      "    free(c);\n    return 0;\n}\n";
    struct frame f;
    build(&f, src);
    cr_assert_str_eq(f.loops[0].merges, ",c,");
    cr_assert(strstr(f.loops[0].prefix, "```c\nvoid *mpi_before_c = mpi_merge_begin(c, t, sizeof *c);\nlong lo, hi;\n"),
              "%s", f.loops[0].prefix);
    cr_assert(strstr(f.loops[0].writes, "chatmpi gives every rank the elements of c that every rank stores: write no "
                                        "communication for c.\n"),
              "%s", f.loops[0].writes);
    char *answer = malloc(strlen(f.loops[0].prefix) + 512), *frag[1];
    sprintf(answer, "%smpi_allgather_share(c, n, MPI_DOUBLE);\nmpi_merge_end(c, t, sizeof *c, mpi_before_c);\n```",
            f.loops[0].prefix);
    const char *why = NULL;
    cr_assert(frag[0] = frame_fragment(&f, 0, answer, &why), "%s", why);
    cr_assert_null(strstr(frag[0], "mpi_allgather_share"), "%s", frag[0]);
    const char *tail = "0.5);\nmpi_merge_end(c, mpi_before_c, t, sizeof *c);\n", *e = strstr(frag[0], "mpi_merge_end");
    cr_assert(strlen(frag[0]) > strlen(tail) && !strcmp(frag[0] + strlen(frag[0]) - strlen(tail), tail), "%s", frag[0]);
    cr_assert(e && !strstr(e + 1, "mpi_merge_end"), "one merge: %s", frag[0]);
    char *mpi = frame_program(&f, frag);
    same_output_at_1_to_3_ranks(src, mpi);
    free(mpi), free(frag[0]), free(answer);
    frame_release(&f);
}

/* The program src (marked) assembled with, for loop j, chatmpi's start and the gather of
 * names[j] (none for NULL). Caller frees. */
static char *with_gathers(const char *src, const char *const *names, size_t n)
{
    struct frame f;
    build(&f, src);
    cr_assert_eq(f.n, n);
    char *frags[4] = {0};
    for (size_t j = 0; j < n; j++) {
        char *answer = malloc(strlen(f.loops[j].prefix) + 128);
        if (!names[j]) /* no gather */
            sprintf(answer, "%s```", f.loops[j].prefix);
        else /* "x" (a vector) or "u, W" (rows of width W) */
            sprintf(answer, "%smpi_allgather_share(%s%s, MPI_DOUBLE);\n```", f.loops[j].prefix, names[j],
                    strchr(names[j], ',') ? "" : ", 1");
        const char *why = NULL;
        cr_assert(frags[j] = frame_fragment(&f, j, answer, &why), "%s", why);
        free(answer);
    }
    char *mpi = frame_program(&f, frags);
    for (size_t j = 0; j < n; j++) free(frags[j]);
    frame_release(&f);
    return mpi;
}

static int count(const char *s, const char *what)
{
    int k = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what)) k++;
    return k;
}

#define HOIST_HEAD                                                                               \
    "#include <stdio.h>\n#include <stdlib.h>\n\n"                                                \
    "int main(int argc, char **argv)\n{\n"                                                      \
    "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10, m = n;\n"                          \
    "    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), s = 0.0;\n    (void)m;\n" \
    "    for (long i = 0; i < n; i++)\n        x[i] = (double)i, y[i] = 1.0;\n"
#define HOIST_TAIL                                                                               \
    "    for (long i = 0; i < n; i++)\n        s += x[i] + 3.0 * y[i];\n"                         \
    "    printf(\"%.9f %.9f %.9f\\n\", s, x[n - 1], y[n / 2]);\n"                                  \
    "    free(x);\n    free(y);\n    return 0;\n}\n"

/* Two split loops with the same share inside a repetition, each using only its own elements of
 * x and y: each array is gathered once, after the repetition, and the program still gives the
 * sequential output at 1 to 3 ranks (n = 11: uneven parts) */
Test(frame, gathers_wait_until_after_the_loop_around_them)
{
    const char *src = HOIST_HEAD
        "    for (int r = 0; r < 4; r++) {\n"
        "        " MARK "\n"
        "        for (long i = 0; i < n; i++) {\n"
        "            double t = x[i];\n"
        "            x[i] = 0.5 * t + y[i];\n"
        "        }\n"
        "        " MARK "\n"
        "        for (long k = 0; k < n; k++)\n"
        "            y[k] = y[k] * 0.25 + x[k];\n"
        "    }\n" HOIST_TAIL;
    const char *names[2] = {"x", "y"};
    char *mpi = with_gathers(src, names, 2);
    cr_assert_eq(count(mpi, "mpi_allgather_share(x"), 0, "%s", mpi);
    cr_assert_eq(count(mpi, "mpi_allgather_share(y"), 0, "%s", mpi);
    cr_assert_eq(count(mpi, "    }\n    mpi_allgather_range(x, 1, MPI_DOUBLE, 0, n, 0);"), 1, "%s", mpi);
    cr_assert_eq(count(mpi, "mpi_allgather_range(y, 1, MPI_DOUBLE, 0, n, 0);"), 1, "%s", mpi);
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0)
        same_output_at_1_to_3_ranks(src, mpi);
    free(mpi);
}

/* A set-up loop's array that, from there to the end of main, only split loops of the same share
 * read, each its own elements (and free releases), is not gathered at all; any other read keeps
 * the gather: in code every rank runs, at a neighbour, through a call, in a loop of another
 * share, or after a goto that could jump back. */
#define SETUP_HEAD                                                                            \
    "#include <stdio.h>\n#include <stdlib.h>\n\n"                                             \
    "static inline double first(const double *v) { return v[0]; }\n\n"                                 \
    "int main(int argc, char **argv)\n{\n"                                                    \
    "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"                                \
    "    double *a = malloc(n * sizeof *a), *x = malloc(n * sizeof *x), s = 0.0;\n"            \
    "    " MARK "\n"                                                                          \
    "    for (long i = 0; i < n; i++)\n        a[i] = 1.0 + 0.5 * (double)(i % 3);\n"
#define SETUP_LOOP(READ)                                                                      \
    "    for (int r = 0; r < 4; r++) {\n        " MARK "\n"                                    \
    "        for (long i = 0; i < n; i++)\n            x[i] = 0.25 * x[i] * (double)r + " READ ";\n    }\n"
#define SETUP_TAIL                                                                            \
    "    for (long i = 0; i < n; i++)\n        s += x[i];\n"                                   \
    "    printf(\"%.9f %.9f\\n\", s, x[n - 1]);\n    free(a);\n    free(x);\n    return 0;\n}\n"
Test(frame, gathers_go_when_only_own_elements_are_read_again)
{
    const char *src = SETUP_HEAD SETUP_LOOP("a[i]") SETUP_TAIL;
    const char *names[2] = {"a", "x"};
    char *mpi = with_gathers(src, names, 2);
    cr_assert_eq(count(mpi, "mpi_allgather_share(a, 1"), 0, "%s", mpi);
    cr_assert_eq(count(mpi, "mpi_allgather_range(a, 1"), 0, "%s", mpi);
    cr_assert(strstr(mpi, "/* chatmpi: a is not gathered: from here on each rank reads only its own elements of it */"),
              "%s", mpi);
    cr_assert_eq(count(mpi, "    }\n    mpi_allgather_range(x, 1, MPI_DOUBLE, 0, n, 0);"), 1, "%s", mpi);
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0)
        same_output_at_1_to_3_ranks(src, mpi);
    free(mpi);
    static const char *const stays[][2] = {
        {"read by every rank", SETUP_HEAD SETUP_LOOP("a[i]") "    s = a[n - 1];\n" SETUP_TAIL},
        {"neighbour", SETUP_HEAD SETUP_LOOP("a[(i + 1) % n]") SETUP_TAIL},
        {"call", SETUP_HEAD SETUP_LOOP("a[i]") "    s = first(a);\n" SETUP_TAIL},
        {"other share", SETUP_HEAD "    for (int r = 0; r < 4; r++) {\n        " MARK "\n"
                        "        for (long i = 1; i < n; i++)\n            x[i] = 0.25 * x[i] + a[i];\n    }\n"
                        "    x[0] = a[0];\n" SETUP_TAIL},
        {"goto", SETUP_HEAD "again:\n" SETUP_LOOP("a[i]") "    if (s < 0.0)\n        goto again;\n" SETUP_TAIL},
    };
    for (size_t c = 0; c < sizeof(stays) / sizeof(stays[0]); c++) {
        mpi = with_gathers(stays[c][1], names, 2);
        cr_assert_eq(count(mpi, "mpi_allgather_share(a, 1, MPI_DOUBLE);"), 1, "%s: %s", stays[c][0], mpi);
        cr_assert_null(strstr(mpi, "a is not gathered"), "%s: %s", stays[c][0], mpi);
        free(mpi);
    }
}

/* A set-up loop with a later split loop's bounds sets only the rank's rows of the arrays that,
 * from there on, only split loops of that share read at their own elements (a row's start
 * passed to a function of the program counts as that row); the rest of it runs whole. */
#define OWN_HEAD                                                                              \
    "#include <stdio.h>\n#include <stdlib.h>\n\n"                                             \
    "static void fill(long i, long w, double *row)\n{\n"                                      \
    "    for (long k = 0; k < w; k++)\n        row[k] = 1.0 / (double)(1 + i + k);\n}\n\n"     \
    "int main(int argc, char **argv)\n{\n"                                                    \
    "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10, w = 3, c = 0;\n"                  \
    "    double *a = malloc(n * w * sizeof *a), *b = malloc(n * sizeof *b), *x = malloc(n * sizeof *x), s = 0.0;\n" \
    "    double *y = malloc(n * sizeof *y);\n"
#define OWN_SETUP(EXTRA)                                                                      \
    "    for (long i = 0; i < n; i++) {\n"                                                     \
    "        fill(i, w, a + i * w);\n"                                                         \
    "        for (long k = 0; k < w; k++)\n            a[i * w + k] += 2.0;\n"                    \
    "        b[i] = 0.5 * (double)i;\n"                                                        \
    "        x[i] = 1.0;\n" EXTRA "    }\n"
#define OWN_REST(TAIL)                                                                        \
    "    for (int r = 0; r < 3; r++) {\n        " MARK "\n"                                    \
    "        for (long i = 0; i < n; i++) {\n            double t = b[i];\n"                   \
    "            for (long k = 0; k < w; k++)\n                t += a[i * w + k] * x[(i + k) % n];\n" \
    "            y[i] = 0.5 * t + (double)r;\n        }\n    }\n"                               \
    TAIL "    for (long i = 0; i < n; i++)\n        s += y[i];\n"                               \
    "    printf(\"%.9f %ld\\n\", s, c);\n    free(a);\n    free(b);\n    free(x);\n    free(y);\n    return 0;\n}\n"
/* The program with loop 0's answer: its prefix, then the gathers given (lines of C). */
static char *with_rows(const char *src, const char *gathers)
{
    struct frame f;
    build(&f, src);
    cr_assert_eq(f.n, 1, "%s", src);
    char *answer = malloc(strlen(f.loops[0].prefix) + strlen(gathers) + 8);
    sprintf(answer, "%s%s\n```", f.loops[0].prefix, gathers);
    const char *why = NULL;
    char *frags[1];
    cr_assert(frags[0] = frame_fragment(&f, 0, answer, &why), "%s", why);
    free(answer);
    char *mpi = frame_program(&f, frags);
    free(frags[0]);
    frame_release(&f);
    return mpi;
}

static char *with_own(const char *src) { return with_rows(src, "mpi_allgather_share(y, 1, MPI_DOUBLE);"); }
Test(frame, set_up_loops_set_only_the_rows_the_rank_reads)
{
    const char *src = OWN_HEAD OWN_SETUP("") OWN_REST("");
    char *mpi = with_own(src);
    cr_assert_eq(count(mpi, "if (mpi_mine_(i, 0, n, 0)) "), 3, "%s", mpi);
    cr_assert(strstr(mpi, "if (mpi_mine_(i, 0, n, 0)) fill(i, w, a + i * w);"), "%s", mpi);
    cr_assert(strstr(mpi, "if (mpi_mine_(i, 0, n, 0)) for (long k = 0; k < w; k++)"), "%s", mpi);
    cr_assert(strstr(mpi, "if (mpi_mine_(i, 0, n, 0)) b[i] = 0.5 * (double)i;"), "%s", mpi);
    cr_assert(strstr(mpi, "        x[i] = 1.0;\n"), "x is read at other rows: set whole: %s", mpi);
    cr_assert_null(strstr(mpi, "mpi_mine_(i, 0, n, 0)) x[i]"), "%s", mpi);
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0)
        same_output_at_1_to_3_ranks(src, mpi);
    free(mpi);
    /* b stays whole: read by every rank after, read in the set-up, another row written, the
     * bounds differ or change; a statement that also prints or moves a counter runs whole */
    static const char *const whole[][3] = {
        {"read after", OWN_HEAD OWN_SETUP("") OWN_REST("    s += b[n - 1];\n"), "mpi_mine_(i, 0, n, 0)) b["},
        {"read in the set-up", OWN_HEAD OWN_SETUP("        s += b[i];\n") OWN_REST(""), "mpi_mine_(i, 0, n, 0)) b["},
        {"another row", OWN_HEAD OWN_SETUP("        b[(i + 1) % n] = 0.5 * (double)((i + 1) % n);\n") OWN_REST(""),
         "mpi_mine_(i, 0, n, 0)) b["},
        {"bounds", OWN_HEAD "    for (long i = 0; i < n - 1; i++)\n        b[i] = 0.5 * (double)i;\n"
                   "    b[n - 1] = 0.5 * (double)(n - 1);\n" OWN_SETUP("") OWN_REST(""), "mpi_mine_(i, 0, n - 1, 0))"},
        {"bounds change", OWN_HEAD OWN_SETUP("") OWN_REST("    n = n - 1;\n"), "if (mpi_mine_("},
        {"prints", OWN_HEAD OWN_SETUP("        if (i < 0)\n            b[i] = 0.0, printf(\"-\");\n") OWN_REST(""),
         "mpi_mine_(i, 0, n, 0)) if"},
        {"counter", OWN_HEAD OWN_SETUP("        if (i >= 0)\n            b[i] = 0.5 * (double)i, c++;\n") OWN_REST(""),
         "mpi_mine_(i, 0, n, 0)) if"},
    };
    for (size_t k = 0; k < sizeof(whole) / sizeof(whole[0]); k++) {
        mpi = with_own(whole[k][1]);
        cr_assert_null(strstr(mpi, whole[k][2]), "%s: %s", whole[k][0], mpi);
        if (k >= 5) /* the other statements still set only the rank's rows */
            cr_assert(strstr(mpi, "mpi_mine_(i, 0, n, 0)) b[i] = 0.5 * (double)i;"), "%s: %s", whole[k][0], mpi);
        if (k >= 5 && system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0)
            same_output_at_1_to_3_ranks(whole[k][1], mpi);
        free(mpi);
    }
}

/* A matrix's rows set whole in a set-up loop and read by the split loop elsewhere in the
 * index's row (the diagonal, then the rest: `a[i * n + i]`, `a[i * n + j]`): each rank sets only
 * its own rows; a read in another row (`+ n`), a write in the split loop or a read after it
 * keeps them whole. With a gather of the rows after the loop around the split loop (the answer
 * given gathers a), the rows are set only by their owner up to it, then every rank reads all. */
#define ROW_SRC(SET, BEFORE, SPLIT, TAIL)                                                               \
    "#include <stdio.h>\n#include <stdlib.h>\n\n"                                                 \
    "int main(int argc, char **argv)\n{\n"                                                        \
    "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"                                    \
    "    double *a = malloc(n * n * sizeof *a), *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), s = 0.0;\n" \
    "    for (long i = 0; i < n; i++) {\n"                                                         \
    "        for (long j = 0; j < n; j++)\n            a[i * n + j] = " SET ";\n"                  \
    "        x[i] = 1.0 / (double)(1 + i);\n    }\n" BEFORE                                        \
    "    for (int r = 0; r < 3; r++) {\n        " MARK "\n"                                        \
    "        for (long i = 0; i < n; i++) {\n" SPLIT "        }\n    }\n" TAIL                     \
    "    for (long i = 0; i < n; i++)\n        s += y[i];\n"                                       \
    "    printf(\"%.9f\\n\", s);\n    free(a);\n    free(x);\n    free(y);\n    return 0;\n}\n"
#define ROW_READ                                                                                  \
    "            double t = a[i * n + i] * x[i];\n"                                                \
    "            for (long j = i + 1; j < n; j++)\n                t += a[i * n + j] * x[j];\n"      \
    "            y[i] = t + (double)r;\n"
#define ROW_UPDATE                                                                                \
    "            for (long j = i; j < n; j++)\n                a[i * n + j] += 0.5 * x[j];\n"     \
    "            y[i] = (double)r;\n"
Test(frame, set_up_rows_read_elsewhere_in_the_row_or_gathered_after)
{
    int mpi_ok = system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0;
    const char *src = ROW_SRC("1.0 + (double)((i + 2 * j) % 5)", "", ROW_READ, "");
    char *mpi = with_own(src);
    cr_assert(strstr(mpi, "rows of a: no rank reads another's again */\n        if (mpi_mine_(i, 0, n, -1)) for (long j = 0;"),
              "%s", mpi);
    cr_assert_eq(count(mpi, "if (mpi_mine_("), 1, "x is read at other rows: %s", mpi);
    if (mpi_ok) same_output_at_1_to_3_ranks(src, mpi);
    free(mpi);
    static const char *const whole[][2] = {
        {"another row", ROW_SRC("1.0", "", ROW_READ "            if (i + 1 < n && 2 * i < n)\n                y[i] += a[i * n + n + 2 * i];\n", "")},
        {"written", ROW_SRC("1.0", "", ROW_READ "            a[i * n + i] += 1.0;\n", "")},
        {"read after", ROW_SRC("1.0", "", ROW_READ, "    s += a[n - 1];\n")},
    };
    for (size_t k = 0; k < sizeof(whole) / sizeof(whole[0]); k++) {
        mpi = with_own(whole[k][1]);
        cr_assert_null(strstr(mpi, "if (mpi_mine_("), "%s: %s", whole[k][0], mpi);
        free(mpi);
    }
    /* the rows updated in the split loop, gathered after the repetition, then read by all */
    const char *upd = ROW_SRC("(j >= i) ? 1.0 / (double)(1 + i + j) : 0.0", "", ROW_UPDATE,
                              "    for (long i = 0; i < n * n; i++)\n        s += a[i];\n");
    mpi = with_rows(upd, "mpi_allgather_share(a, n, MPI_DOUBLE);\nmpi_allgather_share(y, 1, MPI_DOUBLE);");
    cr_assert(strstr(mpi, "mpi_allgather_range(a, n, MPI_DOUBLE, 0, n, -1);"), "%s", mpi);
    cr_assert(strstr(mpi, "rows of a: no rank reads another's before the gather */\n        if (mpi_mine_(i, 0, n, -1)) for"),
              "%s", mpi);
    if (mpi_ok) same_output_at_1_to_3_ranks(upd, mpi);
    free(mpi);
    static const char *const kept[][2] = {
        {"read before the gather", ROW_SRC("1.0", "    s += a[n - 1];\n", ROW_UPDATE,
                                           "    for (long i = 0; i < n * n; i++)\n        s += a[i];\n")},
        {"set elsewhere in the row", ROW_SRC("1.0", "", "            for (long j = i; j < n; j++)\n"
                                                    "                a[i * n + i] += 0.5 * x[j];\n            y[i] = 1.0;\n",
                                             "    for (long i = 0; i < n * n; i++)\n        s += a[i];\n")},
    };
    for (size_t k = 0; k < sizeof(kept) / sizeof(kept[0]); k++) {
        mpi = with_rows(kept[k][1], "mpi_allgather_share(a, n, MPI_DOUBLE);\nmpi_allgather_share(y, 1, MPI_DOUBLE);");
        cr_assert_null(strstr(mpi, "if (mpi_mine_("), "%s: %s", kept[k][0], mpi);
        free(mpi);
    }
}

/* A CSR matrix's rows made by a function given each row's start (`v + rp[i]`) and read by the
 * split loop over p from rp[i] to rp[i + 1]: each rank makes only its own rows; a row pointer
 * written after that (or a loop over it that moves p itself) keeps them whole. */
#define CSR_SRC(TWEAK, INNER)                                                                     \
    "#include <stdio.h>\n#include <stdlib.h>\n\n"                                                 \
    "static void make(long i, long k, long *col, double *val)\n{\n"                               \
    "    for (long t = 0; t < k; t++)\n        col[t] = (i + 3 * t) % 7, val[t] = 1.0 + (double)(i + t);\n}\n\n" \
    "int main(int argc, char **argv)\n{\n"                                                        \
    "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"                                    \
    "    long *rp = malloc((n + 1) * sizeof *rp);\n    double x[7] = {1, 2, 3, 4, 5, 6, 7}, s = 0.0;\n" \
    "    rp[0] = 0;\n    for (long i = 0; i < n; i++)\n        rp[i + 1] = rp[i] + 1 + i % 3;\n"     \
    "    long *col = malloc(rp[n] * sizeof *col);\n    double *val = malloc(rp[n] * sizeof *val);\n" \
    "    double *y = malloc(n * sizeof *y);\n"                                                     \
    "    for (long i = 0; i < n; i++)\n        make(i, rp[i + 1] - rp[i], col + rp[i], val + rp[i]);\n" \
    TWEAK "    for (int r = 0; r < 3; r++) {\n        " MARK "\n"                                  \
    "        for (long i = 0; i < n; i++) {\n            double t = 0.0;\n"                        \
    "            for (long p = rp[i]; p < rp[i + 1]; p" INNER ")\n                t += val[p] * x[col[p]];\n" \
    "            y[i] = t + (double)r;\n        }\n    }\n"                                      \
    "    for (long i = 0; i < n; i++)\n        s += y[i];\n"                                       \
    "    printf(\"%.9f\\n\", s);\n    free(rp);\n    free(col);\n    free(val);\n    free(y);\n    return 0;\n}\n"
Test(frame, set_up_loops_make_only_the_rank_s_csr_rows)
{
    const char *src = CSR_SRC("", "++");
    char *mpi = with_own(src);
    cr_assert(strstr(mpi, "if (mpi_mine_(i, 0, n, 0)) make(i, rp[i + 1] - rp[i], col + rp[i], val + rp[i]);"), "%s", mpi);
    cr_assert_eq(count(mpi, "if (mpi_mine_("), 1, "%s", mpi);
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0)
        same_output_at_1_to_3_ranks(src, mpi);
    free(mpi);
    const char *whole[] = {CSR_SRC("    rp[n] = rp[n];\n", "++"), CSR_SRC("", " += 1")};
    for (size_t k = 0; k < 2; k++) {
        mpi = with_own(whole[k]);
        cr_assert_null(strstr(mpi, "if (mpi_mine_("), "%zu: %s", k, mpi);
        free(mpi);
    }
}

/* The gather after the repetition is not made when the program next sets the whole array again
 * before reading any of it: a loop over the share's bounds that assigns x[i], or a call of a
 * function whose split loop sets all of its parameter and gathers it. A read first, other
 * bounds, an update, a conditional assignment, an alias read first or a jump keep it. */
#define AGAIN_SRC(FN, AFTER)                                                                  \
    "#include <stdio.h>\n#include <stdlib.h>\n\n" FN                                              \
    "int main(int argc, char **argv)\n{\n"                                                        \
    "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"                                    \
    "    double *z = malloc((n + 1) * sizeof *z), *x = z + 1, s = 0.0;\n"                        \
    "    for (long i = 0; i < n; i++)\n        x[i] = (double)i;\n"                                \
    "    for (int r = 0; r < 4; r++) {\n        " MARK "\n"                                        \
    "        for (long i = 0; i < n; i++)\n            x[i] = 0.5 * x[i] + 1.0;\n    }\n"         \
    AFTER                                                                                         \
    "    for (long i = 0; i < n; i++)\n        s += (double)(i + 1) * x[i];\n"                     \
    "    printf(\"%.9f\\n\", s);\n    free(z);\n    return 0;\n}\n"
#define AGAIN_FN                                                                                  \
    "static void fill(long n, double *v)\n{\n    " MARK "\n"                                       \
    "    for (long i = 0; i < n; i++)\n        v[i] = 1.0 / (double)(i + 1);\n}\n\n"
Test(frame, gathers_go_when_the_program_sets_the_array_again)
{
    int mpi_ok = system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0;
    static const char *const again[][2] = {
        {"loop", AGAIN_SRC("", "    for (long i = 0; i < n; i++)\n        x[i] = 2.0 * (double)i;\n")},
        {"call", AGAIN_SRC(AGAIN_FN, "    fill(n, x);\n")},
    };
    for (size_t k = 0; k < 2; k++) {
        const char *names[2] = {k ? "v" : "x", "x"};
        char *mpi = with_gathers(again[k][1], names, k ? 2 : 1);
        cr_assert(strstr(mpi, "/* chatmpi: x is not gathered: the program sets all of it again before it reads it */"),
                  "%s: %s", again[k][0], mpi);
        cr_assert_eq(count(mpi, "mpi_allgather_range(x"), 0, "%s: %s", again[k][0], mpi);
        if (mpi_ok) same_output_at_1_to_3_ranks(again[k][1], mpi);
        free(mpi);
    }
    static const char *const kept[][2] = {
        {"alias read first", AGAIN_SRC("", "    s += z[1];\n    for (long i = 0; i < n; i++)\n        x[i] = 2.0 * (double)i;\n")},
        {"read first", AGAIN_SRC("", "    s += x[1];\n    for (long i = 0; i < n; i++)\n        x[i] = 1.0;\n")},
        {"other bounds", AGAIN_SRC("", "    for (long i = 1; i < n; i++)\n        x[i] = 1.0;\n")},
        {"update", AGAIN_SRC("", "    for (long i = 0; i < n; i++)\n        x[i] += 1.0;\n")},
        {"conditional", AGAIN_SRC("", "    for (long i = 0; i < n; i++)\n        if (i % 2)\n            x[i] = 1.0;\n")},
        {"jump", AGAIN_SRC("", "    if (n > 100)\n        return 1;\n    for (long i = 0; i < n; i++)\n        x[i] = 1.0;\n")},
        {"bounds change", AGAIN_SRC("", "    n--;\n    for (long i = 0; i < n; i++)\n        x[i] = 1.0;\n    n++;\n")},
    };
    for (size_t k = 0; k < sizeof(kept) / sizeof(kept[0]); k++) {
        const char *names[1] = {"x"};
        char *mpi = with_gathers(kept[k][1], names, 1);
        cr_assert_eq(count(mpi, "mpi_allgather_range(x, 1, MPI_DOUBLE, 0, n, 0);"), 1, "%s: %s", kept[k][0], mpi);
        free(mpi);
    }
}

/* ... but not when another element is read, the bounds change, the array has an alias or is
 * read outside the split loops in the repetition, or the repetition is an if's body */
Test(frame, gathers_stay_where_other_elements_are_read)
{
    static const char *const cases[][2] = {
        {"neighbour", "    for (int r = 0; r < 4; r++) {\n        " MARK "\n"
                      "        for (long i = 0; i < n - 1; i++)\n            x[i] = 0.5 * x[i + 1];\n    }\n"},
        {"other share", "    for (int r = 0; r < 4; r++) {\n        " MARK "\n"
                        "        for (long i = 0; i < n; i++)\n            x[i] = 2.0 * x[i];\n"
                        "        " MARK "\n        for (long i = 1; i < n; i++)\n            x[i] += 1.0;\n    }\n"},
        {"bounds", "    for (int r = 0; r < 4; r++) {\n        m = n - r;\n        " MARK "\n"
                   "        for (long i = 0; i < m; i++)\n            x[i] = 2.0 * x[i];\n    }\n"},
        {"alias", "    double *p = x;\n    for (int r = 0; r < 4; r++) {\n        " MARK "\n"
                  "        for (long i = 0; i < n; i++)\n            x[i] = 2.0 * x[i];\n        p[0] += 1.0;\n    }\n"},
        {"read outside", "    for (int r = 0; r < 4; r++) {\n        " MARK "\n"
                         "        for (long i = 0; i < n; i++)\n            x[i] = 2.0 * x[i];\n"
                         "        s += x[0];\n    }\n"},
        {"if body", "    if (n > 1)\n        for (int r = 0; r < 4; r++) {\n            " MARK "\n"
                    "            for (long i = 0; i < n; i++)\n                x[i] = 2.0 * x[i];\n        }\n"},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char src[4096];
        snprintf(src, sizeof(src), "%s%s%s", HOIST_HEAD, cases[c][1], HOIST_TAIL);
        const char *names[2] = {"x", "x"};
        char *mpi = with_gathers(src, names, count(cases[c][1], MARK));
        cr_assert_eq(count(mpi, "mpi_allgather_range(x"), 0, "%s: %s", cases[c][0], mpi);
        cr_assert_geq(count(mpi, "mpi_allgather_share(x, 1, MPI_DOUBLE);"), 1, "%s: %s", cases[c][0], mpi);
        free(mpi);
    }
}

/* A loop whose rows grow (an inner loop bounded by the index: a triangle) or shrink (an inner
 * loop from the index) is cut by work, not count (mpi_share_tri); a loop with no such inner
 * loop, or a band whose inner loop both starts and ends by the index, by count. The assembled
 * triangle gives the sequential output at 1 to 3 ranks, its gather after the repetition. */
Test(frame, triangles_are_cut_by_work)
{
    static const char *const cases[][2] = {
        {"for (long j = 0; j <= i; j++)\n            C[i * n + j] += 0.5 * C[i * n + j] + 1.0;", "mpi_share_tri(0, n, 1, "},
        {"for (long j = i; j < n; j++)\n            C[i * n + j] += 1.0;", "mpi_share_tri(0, n, -1, "},
        {"for (long j = 0; j < n - i; j++)\n            C[i * n + j] += 1.0;", "mpi_share_tri(0, n, -1, "},
        {"for (long j = 0; j < n; j++)\n            C[i * n + j] += 1.0;", "mpi_share(0, n, "},
        {"for (long j = i > 0 ? i - 1 : 0; j < (i + 2 < n ? i + 2 : n); j++)\n            C[i * n + j] += 1.0;",
         "mpi_share(0, n, "},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char src[2048];
        snprintf(src, sizeof(src),
                 "#include <stdio.h>\n#include <stdlib.h>\n\nint main(int argc, char **argv)\n{\n"
                 "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"
                 "    double *C = calloc((size_t)(n * n), sizeof *C), s = 0.0;\n"
                 "    for (int r = 0; r < 3; r++) {\n"
                 "        " MARK "\n"
                 "        for (long i = 0; i < n; i++)\n            %s\n    }\n"
                 "    for (long i = 0; i < n * n; i++)\n        s += C[i] * (double)(i %% 7 + 1);\n"
                 "    printf(\"%%.9f\\n\", s);\n    free(C);\n    return 0;\n}\n",
                 cases[c][0]);
        struct frame f;
        build(&f, src);
        cr_assert(strstr(f.loops[0].prefix, cases[c][1]), "case %zu: %s", c, f.loops[0].prefix);
        frame_release(&f);
        if (c == 0 && system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0) {
            const char *names[1] = {"C"};
            char *mpi = with_gathers(src, names, 1);
            cr_assert(strstr(mpi, "mpi_allgather_range(C, n, MPI_DOUBLE, 0, n, 1);"), "%s", mpi);
            same_output_at_1_to_3_ranks(src, mpi);
            free(mpi);
        }
    }
}

/* The frame's helpers, then code (a main of its own, printf's format with the helpers' text as
 * its one %s), built with mpicc and run on one rank: its output. */
static char *with_helpers_run(const char *code)
{
    struct frame f;
    const char *src = "#include <stdio.h>\nint main(void)\n{\n    long n = 8;\n    double y[8];\n    " MARK "\n"
                      "    for (long i = 0; i < n; i++)\n        y[i] = 1.0;\n    return 0;\n}\n";
    build(&f, src);
    const char *frags[1] = {"long lo, hi;\nmpi_share(0, n, &lo, &hi);\n"};
    char *mpi = frame_program(&f, (char *const *)frags);
    frame_release(&f);
    char *end = strstr(mpi, "/* ---- end of the MPI frame ---- */");
    cr_assert(end);
    end[0] = 0;
    static char prog[65536];
    snprintf(prog, sizeof(prog), code, mpi);
    free(mpi);
    char *dir = NULL;
    cr_assert_eq(cm_make_temp_dir(&dir, "chatmpi-frame-"), 0);
    char *c = cm_path_join(dir, "t.c"), cmd[4096];
    cr_assert_eq(cm_write_file_atomic(c, prog, strlen(prog)), 0);
    snprintf(cmd, sizeof(cmd),
             "cd %s && mpicc -Wall -Werror -o t t.c 2>&1 && OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
             "timeout 120 mpirun -np 1 ./t 2>/dev/null",
             dir);
    char *out = run(cmd);
    cm_remove_tree(dir);
    free(dir), free(c);
    return out;
}

/* mpi_share_tri's parts: contiguous, in rank order, covering the range, and near equal in work
 * (the largest part's work at most the mean plus one row) for growing and shrinking rows */
Test(frame, triangle_parts_balance_the_work)
{
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") != 0)
        cr_skip_test("mpicc/mpirun not installed");
    const char *code = /* the helpers, then a main of our own that checks the parts */
        "%s\nint main(void)\n{\n    mpi_frame_init();\n    int bad = 0;\n"
        "    for (int shape = -1; shape <= 1; shape += 2)\n"
        "        for (long n = 0; n < 300; n += 7) {\n"
        "            long lo, hi, prev = 3, work = 0, most = 0;\n"
        "            for (int r = 0; r < 5; r++) {\n"
        "                mpi_rank = r, mpi_size = 5;\n"
        "                mpi_share_tri(3, 3 + n, shape, &lo, &hi);\n"
        "                bad |= lo != prev || hi < lo;\n"
        "                prev = hi, work = 0;\n"
        "                for (long i = lo; i < hi; i++) work += shape > 0 ? i - 3 + 1 : 3 + n - i;\n"
        "                if (work > most) most = work;\n"
        "            }\n"
        "            bad |= prev != 3 + n || (double)most > (double)n * (n + 1) / 2.0 / 5.0 + (double)n;\n"
        "        }\n"
        "    printf(\"%%s\\n\", bad ? \"unbalanced\" : \"balanced\");\n    return 0;\n}\n";
    cr_assert_str_eq(with_helpers_run(code), "balanced\n");
}

/* The datatype of a gather or a reduction made the buffer's declared type: a float array or
 * sum communicated as MPI_DOUBLE (the examples' type) moves twice its bytes and garbles them */
Test(frame, datatypes_follow_the_declarations)
{
    const char *src = "int main(void)\n{\n    long n = 8;\n    float *x = 0, s = 0.0f;\n    double *y = 0;\n"
                      "    int count = 0;\n    " MARK "\n    for (long i = 0; i < n; i++) {\n"
                      "        x[i] = 2.0f * x[i];\n        y[i] = 1.0;\n        s += x[i];\n        count += 1;\n    }\n"
                      "    return 0;\n}\n";
    struct frame f;
    build(&f, src);
    char *answer = malloc(strlen(f.loops[0].prefix) + 512);
    sprintf(answer, "%smpi_allgather_share(x, 1, MPI_DOUBLE);\nmpi_allgather_share(y, 1, MPI_DOUBLE);\n"
                    "MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n"
                    "MPI_Allreduce(MPI_IN_PLACE, &count, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);\n```",
            f.loops[0].prefix);
    const char *why = NULL;
    char *x = frame_fragment(&f, 0, answer, &why);
    cr_assert(x, "%s", why);
    cr_assert(strstr(x, "mpi_allgather_share(x, 1, MPI_FLOAT);\n"), "%s", x);
    cr_assert(strstr(x, "mpi_allgather_share(y, 1, MPI_DOUBLE);\n"), "%s", x);
    cr_assert(strstr(x, "MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);\n"), "%s", x);
    cr_assert(strstr(x, "MPI_Allreduce(MPI_IN_PLACE, &count, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);\n"), "%s", x);
    free(x), free(answer);
    frame_release(&f);
}

/* A loop counting down is split by chatmpi too, each part run downwards: an in-place update
 * that reads the element below (old while the loop runs down) stays right at any rank count */
Test(frame, loops_counting_down_keep_their_order)
{
    const char *src = "#include <stdio.h>\n#include <stdlib.h>\n\nint main(int argc, char **argv)\n{\n"
                      "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"
                      "    double *x = malloc((size_t)n * sizeof *x);\n"
                      "    for (long i = 0; i < n; i++)\n        x[i] = (double)(i * i % 7);\n"
                      "    " MARK "\n    for (long i = n - 1; i >= 1; i--)\n        x[i] += 0.5 * x[i - 1];\n"
                      "    double s = 0.0;\n    for (long i = 0; i < n; i++)\n        s += x[i] * (double)(i + 1);\n"
                      "    printf(\"%.9f %.9f\\n\", s, x[n - 1]);\n    free(x);\n    return 0;\n}\n";
    struct frame f;
    build(&f, src);
    cr_assert(strstr(f.loops[0].prefix, "mpi_share(1, (n - 1) + 1, &lo, &hi);\nfor (long i = hi - 1; i + 1 > lo; i--)\n"),
              "%s", f.loops[0].prefix);
    frame_release(&f);
    const char *other = "int main(void)\n{\n    unsigned long n = 9, i;\n    double y[9];\n    " MARK "\n"
                        "    for (i = n; i > 0; --i)\n        y[i - 1] = 1.0;\n    return 0;\n}\n";
    build(&f, other);
    cr_assert(strstr(f.loops[0].prefix, "mpi_share(0 + 1, n + 1, &lo, &hi);\nfor (i = hi - 1; i + 1 > lo; i--)\n"), "%s",
              f.loops[0].prefix);
    frame_release(&f);
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") != 0) return;
    const char *names[1] = {"x"};
    char *mpi = with_gathers(src, names, 1);
    same_output_at_1_to_3_ranks(src, mpi);
    free(mpi);
}

/* A 2D stencil's time loop (an index local, a pointer swap, reads two rows away): the step
 * moves only the rows next to each rank's own (mpi_halo_share, from two ranks when a rank has
 * one row), both arrays once after the loop; the same output at 1 to 3 ranks (n = 11: 4 rows
 * cut 2, 1, 1) */
#define STENCIL_HEAD                                                                              \
    "#include <stdio.h>\n#include <stdlib.h>\n\nint main(int argc, char **argv)\n{\n"             \
    "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"                                    \
    "    long nx = n / 2, ny = n / 3 + 1, s0 = 1;\n"                                               \
    "    const long W = nx + 4;\n    (void)s0;\n"                                                 \
    "    double *u = malloc((size_t)((ny + 4) * W) * sizeof *u), *un = malloc((size_t)((ny + 4) * W) * sizeof *un);\n" \
    "    for (long k = 0; k < (ny + 4) * W; k++)\n"                                                \
    "        u[k] = un[k] = (double)(k % 7) - 0.5 * (double)(k % 3);\n"                           \
    "    for (int t = 0; t < 5; t++) {\n"
#define STENCIL_TAIL                                                                              \
    "    }\n    double s = 0.0;\n"                                                                 \
    "    for (long k = 0; k < (ny + 4) * W; k++)\n        s += u[k] * (double)(k % 5 + 1) + un[k];\n" \
    "    printf(\"%.9f %.9f %.9f\\n\", s, u[2 * W + 2], un[(ny + 1) * W + nx + 1]);\n"                \
    "    free(u);\n    free(un);\n    return 0;\n}\n"
#define STENCIL_STEP(shift)                                                                       \
    "        " MARK "\n"                                                                           \
    "        for (long j = 2; j < ny + 2; j++)\n"                                                  \
    "            for (long i = 2; i < nx + 2; i++) {\n"                                            \
    "                long c = j * W + i;\n"                                                        \
    "                un[c] = 0.5 * u[c] + 0.1 * (u[c - 1] + u[c + " shift "] + u[c - W - 1] + u[c + W + 1])\n" \
    "                      + 0.05 * (u[c - 2 * W] + u[(j + 2) * W + i]);\n"                         \
    "            }\n"

Test(frame, a_stencil_moves_only_its_halo)
{
    const char *src = STENCIL_HEAD STENCIL_STEP("1")
        "        double *tmp = u;\n        u = un;\n        un = tmp;\n" STENCIL_TAIL;
    const char *names[1] = {"un, W"};
    char *mpi = with_gathers(src, names, 1);
    cr_assert_eq(count(mpi, "mpi_allgather_share(un"), 0, "%s", mpi);
    cr_assert_eq(count(mpi, "mpi_halo_share(un, W, MPI_DOUBLE, 2, ny + 2, 0, 6, (const long[]){-1, 1, -W - 1, W + 1, "
                            "-2 * W, 2 * W});"),
                 1, "%s", mpi);
    cr_assert_eq(count(mpi, "    }\n    mpi_allgather_range(u, W, MPI_DOUBLE, 2, ny + 2, 0);"), 1, "%s", mpi);
    cr_assert_eq(count(mpi, "mpi_allgather_range(un, W, MPI_DOUBLE, 2, ny + 2, 0);"), 1, "%s", mpi);
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0)
        same_output_at_1_to_3_ranks(src, mpi);
    free(mpi);

    /* a vector read around its own elements by another split loop, gathered from x + 1 */
    const char *vec = "#include <stdio.h>\n#include <stdlib.h>\n\nint main(int argc, char **argv)\n{\n"
                      "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"
                      "    double *x = calloc((size_t)n + 2, sizeof *x), *y = malloc((size_t)n * sizeof *y);\n"
                      "    for (long i = 0; i < n; i++)\n        x[i + 1] = (double)(i % 5);\n"
                      "    for (int t = 0; t < 6; t++) {\n"
                      "        " MARK "\n        for (long i = 0; i < n; i++)\n"
                      "            y[i] = x[i] - 2.0 * x[i + 1] + x[i + 2];\n"
                      "        " MARK "\n        for (long k = 0; k < n; k++)\n"
                      "            x[k + 1] = 0.25 * y[k] + x[k + 1];\n"
                      "    }\n"
                      "    printf(\"%.9f %.9f %.9f\\n\", x[1], x[n / 2 + 1], y[n - 1]);\n"
                      "    free(x);\n    free(y);\n    return 0;\n}\n";
    const char *vnames[2] = {"y", "x + 1"};
    mpi = with_gathers(vec, vnames, 2);
    cr_assert_eq(count(mpi, "mpi_halo_share(x + 1, 1, MPI_DOUBLE, 0, n, 0, 2, (const long[]){-1, 1});"), 1, "%s", mpi);
    cr_assert_eq(count(mpi, "mpi_allgather_range(x + 1, 1, MPI_DOUBLE, 0, n, 0);"), 1, "%s", mpi);
    cr_assert_eq(count(mpi, "mpi_allgather_range(y, 1, MPI_DOUBLE, 0, n, 0);"), 1, "%s", mpi);
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0)
        same_output_at_1_to_3_ranks(vec, mpi);
    free(mpi);
}

/* ... but the whole array moves each step when an offset changes in the loop, a loop writing
 * the array does not gather it (a halo sent before its writes would not carry them), or a name
 * of the swap is used otherwise */
Test(frame, halos_only_where_the_offsets_are_known)
{
    static const char *const cases[][3] = {
        {"moving offset", STENCIL_STEP("s0") "        s0 = 1 - s0;\n        double *tmp = u;\n        u = un;\n        un = tmp;\n",
         NULL},
        {"writer not gathered", STENCIL_STEP("1") "        " MARK "\n        for (long j = 2; j < ny + 2; j++)\n"
                                "            for (long i = 2; i < nx + 2; i++)\n"
                                "                un[j * W + i] *= 0.5;\n"
                                "        double *tmp = u;\n        u = un;\n        un = tmp;\n", "-"},
        {"other use", STENCIL_STEP("1") "        double *tmp = u;\n        u = un + 0;\n        un = tmp;\n", NULL},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char src[8192];
        snprintf(src, sizeof(src), "%s%s%s", STENCIL_HEAD, cases[c][1], STENCIL_TAIL);
        const char *names[2] = {"un, W", cases[c][2] ? NULL : "un, W"};
        char *mpi = with_gathers(src, names, count(cases[c][1], MARK));
        cr_assert_eq(count(mpi, "mpi_halo_share(un"), 0, "%s: %s", cases[c][0], mpi);
        cr_assert_eq(count(mpi, "mpi_allgather_share(un, W, MPI_DOUBLE);"), 1, "%s: %s", cases[c][0], mpi);
        free(mpi);
    }
}

/* subscripts as sums: products distributed, a local read in place of its name, the offset
 * between two uses; calls, elements, casts, divisions and floats unreadable */
Test(frame, subscripts_read_as_sums)
{
    const char *src = "long c = k * P + j * W + i; x[(k + 1) * P - 2 * (W - j * W) + i + c - 0x10]; "
                      "a[f(i)]; a[b[i]]; a[(long)i]; a[i / 2]; a[i + 1.5]; a[i * W]";
    struct clex lx;
    clex_init(&lx);
    cr_assert_eq(clex_run(&lx, src, strlen(src)), 0);
    size_t open[8], close[8], n = 0;
    for (size_t t = 0; t < lx.n && n < 8; t++)
        if (clex_is(&lx, t, "[")) open[n] = t, t = close[n++] = clex_match(&lx, t);
    cr_assert_eq(n, 7);
    struct frame_lin_def def = {2, 6, 0}; /* c = tokens up to the first ';' */
    while (!clex_is(&lx, def.b, ";")) def.b++;
    struct frame_lin_env env = {"k", 1, &def};
    struct frame_lin x, y, d;
    cr_assert(frame_lin_parse(&lx, open[0] + 1, close[0], &env, &x));
    char *t = frame_lin_text(&x);
    cr_assert_str_eq(t, "2 * @ * P + P - 2 * W + 3 * W * j + 2 * i - 16");
    free(t);
    for (size_t k = 1; k < 6; k++) cr_assert_not(frame_lin_parse(&lx, open[k] + 1, close[k], &env, &y), "%zu", k);
    cr_assert(frame_lin_parse(&lx, open[6] + 1, close[6], NULL, &y));
    cr_assert(frame_lin_sub(&d, &x, &y));
    cr_assert(frame_lin_has(&d, FRAME_LIN_VAR) && frame_lin_has(&d, "W") && !frame_lin_has(&d, "w"));
    clex_release(&lx);
}

/* An array declared in main is main's own, whatever another function names its parameter: its
 * gather waits; a global array that another function uses keeps its gather */
Test(frame, a_local_array_is_its_functions_own)
{
    static const char *const cases[][2] = {
        {"local", "static double first(const double *x) { return x[0]; }\n\nint main(int argc, char **argv)\n{\n"
                  "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"
                  "    double *x = malloc(n * sizeof *x);\n"},
        {"global", "static double *x;\nstatic double first(void) { return x[0]; }\n\nint main(int argc, char **argv)\n{\n"
                   "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"
                   "    x = malloc(n * sizeof *x);\n"},
    };
    for (int c = 0; c < 2; c++) {
        char src[4096];
        snprintf(src, sizeof(src),
                 "#include <stdio.h>\n#include <stdlib.h>\n\n%s"
                 "    for (long i = 0; i < n; i++)\n        x[i] = (double)(i %% 3);\n"
                 "    for (int r = 0; r < 3; r++) {\n        " MARK "\n"
                 "        for (long i = 0; i < n; i++)\n            x[i] = 0.5 * x[i] + 1.0;\n    }\n"
                 "    printf(\"%%.9f %%.9f\\n\", %s, x[n - 1]);\n    free(x);\n    return 0;\n}\n",
                 cases[c][1], c ? "first()" : "first(x)");
        const char *names[1] = {"x"};
        char *mpi = with_gathers(src, names, 1);
        cr_assert_eq(count(mpi, "mpi_allgather_range(x, 1, MPI_DOUBLE, 0, n, 0);"), c ? 0 : 1, "%s: %s", cases[c][0], mpi);
        if (!c && system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0)
            same_output_at_1_to_3_ranks(src, mpi);
        free(mpi);
    }
}

/* What chatmpi knows how to combine it combines when the model does not: counts (`nz++`,
 * `++neg`) are sums, a value only raised (lowered) to what the loop meets is reduced with
 * MPI_MAX (MPI_MIN; a wrong operation corrected), an extremum beside a count still gets its
 * mpi_maxloc; a gather of what the loop only passes by value to fabs is dropped, and so is a
 * call of an mpi_ helper the frame does not define; the answers with no communication at all
 * give the sequential output at 1 to 3 ranks */
Test(frame, reductions_chatmpi_knows_are_completed)
{
    const char *src = "#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n\nint main(int argc, char **argv)\n{\n"
                      "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"
                      "    double *x = malloc((size_t)n * sizeof *x);\n"
                      "    for (long i = 0; i < n; i++)\n        x[i] = (double)((i * 7) % 11) - 5.0;\n"
                      "    double big = -1e9, peak = -1.0, low = 1e9;\n    long where = -1, nz = 0, neg = 0;\n"
                      "    " MARK "\n    for (long i = 0; i < n; i++) {\n"
                      "        if (fabs(x[i]) > peak) {\n            peak = fabs(x[i]);\n            where = i;\n        }\n"
                      "        if (x[i] != 0.0) nz++;\n        if (x[i] < 0.0) ++neg;\n    }\n"
                      "    " MARK "\n    for (long i = 0; i < n; i++)\n        if (x[i] * 2.0 > big) big = x[i] * 2.0;\n"
                      "    " MARK "\n    for (long i = 0; i < n; i++)\n        if (low > fabs(x[i]) + 1.0) low = fabs(x[i]) + 1.0;\n"
                      "    printf(\"%.3f %ld %ld %ld %.3f %.3f\\n\", peak, where, nz, neg, big, low);\n"
                      "    free(x);\n    return 0;\n}\n";
    struct frame f;
    build(&f, src);
    cr_assert_eq(f.n, 3);
    cr_assert_str_eq(f.loops[0].sums, ",nz,neg,");
    cr_assert_eq(f.loops[0].extremum, 1);
    cr_assert_str_eq(f.loops[1].maxes, ",big,");
    cr_assert_str_eq(f.loops[2].mins, ",low,");
    cr_assert(strstr(f.loops[1].writes, "MPI_MAX over big"), "%s", f.loops[1].writes);
    struct frame g; /* set in the else branch: not a maximum; `else c = ...` is no local definition */
    build(&g, "int main(void)\n{\n    double x[9] = {0}, lim = 0.5;\n    long c = 0;\n    " MARK "\n"
              "    for (int i = 0; i < 9; i++) {\n        if (x[i] > lim) c++;\n        else lim = x[i];\n    }\n"
              "    return (int)c;\n}\n");
    cr_assert_null(g.loops[0].maxes);
    cr_assert_null(g.loops[0].mins);
    frame_release(&g);
    char *frags[3] = {0};
    const char *tails[3] = {"mpi_allreduce_share(&nz, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);\n```", /* no such helper */
                            "MPI_Allreduce(MPI_IN_PLACE, &big, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n```",
                            "mpi_allgather_share(x, 1, MPI_DOUBLE);\n" /* x is only read (by value to fabs) */
                            "MPI_Allreduce(MPI_IN_PLACE, &peak, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);\n```"};
    for (size_t j = 0; j < 3; j++) {
        char *answer = malloc(strlen(f.loops[j].prefix) + strlen(tails[j]) + 1);
        sprintf(answer, "%s%s", f.loops[j].prefix, tails[j]);
        const char *why = NULL;
        cr_assert(frags[j] = frame_fragment(&f, j, answer, &why), "%s", why);
        free(answer);
    }
    cr_assert(strstr(frags[0], "MPI_Allreduce(MPI_IN_PLACE, &nz, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);\n"
                               "MPI_Allreduce(MPI_IN_PLACE, &neg, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);\n"
                               "mpi_maxloc(peak, where);\n") &&
                  !strstr(frags[0], "mpi_allreduce_share"),
              "%s", frags[0]);
    cr_assert(strstr(frags[1], "MPI_Allreduce(MPI_IN_PLACE, &big, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);\n") &&
                  !strstr(frags[1], "MPI_SUM"),
              "%s", frags[1]);
    cr_assert(strstr(frags[2], "MPI_Allreduce(MPI_IN_PLACE, &low, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);\n") &&
                  !strstr(frags[2], "&peak") && !strstr(frags[2], "mpi_allgather_share(x"),
              "%s", frags[2]);
    char *mpi = frame_program(&f, frags);
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0)
        same_output_at_1_to_3_ranks(src, mpi);
    free(mpi);
    for (size_t j = 0; j < 3; j++) free(frags[j]);
    frame_release(&f);
}

/* A CG-like loop calling functions with split loops: the called function's gather of q waits
 * while the loop runs (mpi_in_loop_) and happens in the call after the loop, which sets all of
 * q again (no gather of q after the loop), p's neighbours move as a halo for apply's reads, r
 * and x wait; the same output at 1 to 3 ranks.
 * With a second call of apply on a scratch array in the loop (directly, or through another
 * function), apply's gather stays as it is. */
#define CG_SRC(extra)                                                                              \
    "#include <stdio.h>\n#include <stdlib.h>\n\n"                                                   \
    "static void apply(long n, const double *p, double *q)\n{\n    " MARK "\n"                      \
    "    for (long i = 0; i < n; i++)\n"                                                            \
    "        q[i] = 2.5 * p[i] - (i > 0 ? p[i - 1] : 0.0) - (i + 1 < n ? p[i + 1] : 0.0);\n}\n\n"     \
    "void step(long n, const double *a, double *b);\nvoid step(long n, const double *a, double *b)\n" \
    "{\n    apply(n, a, b);\n}\n\n"                                                                   \
    "static double dot(long n, const double *u, const double *v)\n{\n    double s = 0.0;\n"         \
    "    " MARK "\n    for (long i = 0; i < n; i++)\n        s += u[i] * v[i];\n    return s;\n}\n\n" \
    "int main(int argc, char **argv)\n{\n    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n" \
    "    double *p = malloc((size_t)n * sizeof *p), *q = malloc((size_t)n * sizeof *q);\n"          \
    "    double *r = malloc((size_t)n * sizeof *r), *x = malloc((size_t)n * sizeof *x);\n"          \
    "    double *t = malloc((size_t)n * sizeof *t);\n"                                              \
    "    for (long i = 0; i < n; i++)\n        r[i] = p[i] = 1.0 + (double)(i % 3), x[i] = t[i] = 0.0;\n" \
    "    double rr = dot(n, r, r);\n    for (int it = 0; it < 5; it++) {\n        apply(n, p, q);\n" \
    extra                                                                                          \
    "        double alpha = rr / dot(n, p, q);\n"                                                   \
    "        " MARK "\n        for (long i = 0; i < n; i++) {\n"                                     \
    "            x[i] += alpha * p[i];\n            r[i] -= alpha * q[i];\n        }\n"               \
    "        double rn = dot(n, r, r), beta = rn / rr;\n        rr = rn;\n"                         \
    "        " MARK "\n        for (long i = 0; i < n; i++)\n            p[i] = r[i] + beta * p[i];\n    }\n" \
    "    apply(n, x, q);\n    double s = 0.0;\n"                                                    \
    "    for (long i = 0; i < n; i++)\n        s += q[i] * (double)(i + 1) + x[i] + t[i];\n"        \
    "    printf(\"%.9e %.9e\\n\", rr, s);\n    free(p);\n    free(q);\n    free(r);\n    free(x);\n    free(t);\n" \
    "    return 0;\n}\n"

/* src (n marked loops) assembled with, for loop j, chatmpi's start and then tails[j] (the model's
 * part, closing the code block). Caller frees. */
static char *with_tails(const char *src, size_t n, const char *const *tails)
{
    struct frame f;
    build(&f, src);
    cr_assert_eq(f.n, n);
    char *frags[4] = {0};
    cr_assert(n <= 4);
    for (size_t j = 0; j < n; j++) {
        char *answer = malloc(strlen(f.loops[j].prefix) + strlen(tails[j]) + 1);
        sprintf(answer, "%s%s", f.loops[j].prefix, tails[j]);
        const char *why = NULL;
        cr_assert(frags[j] = frame_fragment(&f, j, answer, &why), "%s", why);
        free(answer);
    }
    char *mpi = frame_program(&f, frags);
    for (size_t j = 0; j < n; j++) free(frags[j]);
    frame_release(&f);
    return mpi;
}

static char *cg_program(const char *src)
{
    const char *tails[4] = {"mpi_allgather_share(q, 1, MPI_DOUBLE);\n```", "```",
                            "mpi_allgather_share(x, 1, MPI_DOUBLE);\nmpi_allgather_share(r, 1, MPI_DOUBLE);\n```",
                            "mpi_allgather_share(p, 1, MPI_DOUBLE);\n```"};
    return with_tails(src, 4, tails);
}

Test(frame, gathers_wait_through_calls)
{
    const char *src = CG_SRC("");
    char *mpi = cg_program(src);
    cr_assert_eq(count(mpi, "if (!(mpi_in_loop_ & 1u))"), 1, "%s", mpi);
    cr_assert_eq(count(mpi, "mpi_in_loop_ |= 1u;\n    for (int it = 0;"), 1, "%s", mpi);
    cr_assert_eq(count(mpi, "mpi_halo_share(p, 1, MPI_DOUBLE, 0, n, 0, 2, (const long[]){-1, 1});"), 1, "%s", mpi);
    for (const char *const *y = (const char *const[]){"p", "x", NULL}; *y; y++) {
        char want[96];
        snprintf(want, sizeof(want), "mpi_allgather_range(%s, 1, MPI_DOUBLE, 0, n, 0);", *y);
        cr_assert_eq(count(mpi, want), 1, "%s: %s", *y, mpi);
    }
    /* apply(n, x, q) after the loop sets all of q again (its split loop, then its gather) */
    cr_assert_eq(count(mpi, "/* chatmpi: q is not gathered: the program sets all of it again before it reads it */"), 1,
                 "%s", mpi);
    /* r is read again only by the split loops, each rank its own elements: never gathered */
    cr_assert_eq(count(mpi, "mpi_allgather_range(r"), 0, "%s", mpi);
    cr_assert_eq(count(mpi, "/* chatmpi: r is not gathered: from here on each rank reads only its own elements of it */"),
                 1, "%s", mpi);
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0)
        same_output_at_1_to_3_ranks(src, mpi);
    free(mpi);

    const char *scratch[2] = {CG_SRC("        apply(n, r, t);\n"), CG_SRC("        step(n, r, t);\n")};
    for (int c = 0; c < 2; c++) { /* apply called on t directly, or through step */
        mpi = cg_program(scratch[c]);
        cr_assert_eq(count(mpi, "mpi_in_loop_ &"), 0, "%d: %s", c, mpi);
        cr_assert_eq(count(mpi, "        mpi_allgather_share(q, 1, MPI_DOUBLE);"), 1, "%d: %s", c, mpi);
        if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0)
            same_output_at_1_to_3_ranks(scratch[c], mpi);
        free(mpi);
    }
}

/* A sum into an array inside a repetition (a scatter, as CSC and COO products do): the
 * MPI_Allreduce over all of it moves after the repetition when there the array is only set to
 * zero (by every rank, or by a split loop that gathers the zeros, which then runs whole) and
 * added to; the other ranks start from zero once before it. */
#define SUM_HEAD                                                                                 \
    "#include <stdio.h>\n#include <stdlib.h>\n\n"                                                \
    "int main(int argc, char **argv)\n{\n"                                                      \
    "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"                                  \
    "    double *x = malloc(n * sizeof *x), s = 0.0;\n"                                          \
    "    double *y = malloc(n * sizeof *y);\n"                                                    \
    "    int *col = malloc(n * sizeof *col);\n"                                                   \
    "    for (long i = 0; i < n; i++)\n"                                                          \
    "        x[i] = 1.0 + (double)(i % 5), y[i] = 2.0, col[i] = (int)((i * 7) % n);\n"
#define SUM_TAIL                                                                                 \
    "    for (long i = 0; i < n; i++)\n        s += (double)(i + 1) * y[i];\n"                    \
    "    printf(\"%.9f %.9f\\n\", s, y[n - 1]);\n    free(x);\n    free(y);\n    free(col);\n    return 0;\n}\n"
#define SUM_SCATTER                                                                              \
    "        " MARK "\n"                                                                         \
    "        for (long j = 0; j < n; j++)\n"                                                     \
    "            y[col[j]] += x[j] * (double)(r + 1);\n"

static char *with_sum(const char *src, int zero_loop)
{
    struct frame f;
    build(&f, src);
    char *frags[2] = {0};
    for (size_t j = 0; j < f.n; j++) {
        char *answer = malloc(strlen(f.loops[j].prefix) + 256);
        if (zero_loop && j == 0)
            sprintf(answer, "%smpi_allgather_share(y, 1, MPI_DOUBLE);\n```", f.loops[j].prefix);
        else
            sprintf(answer, "%sMPI_Allreduce(MPI_IN_PLACE, y, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n```",
                    f.loops[j].prefix);
        const char *why = NULL;
        cr_assert(frags[j] = frame_fragment(&f, j, answer, &why), "%s", why);
        free(answer);
    }
    char *mpi = frame_program(&f, frags);
    for (size_t j = 0; j < f.n; j++) free(frags[j]);
    frame_release(&f);
    return mpi;
}

Test(frame, array_sums_wait_until_after_the_loop_around_them)
{
    int have_mpi = system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0;
    const char *waits = "once, after the loop around the split (each rank only added its part of y in it)";
    /* reset by every rank, then added to */
    const char *reset = SUM_HEAD "    for (int r = 0; r < 4; r++) {\n"
                                 "        for (long i = 0; i < n; i++)\n            y[i] = 0.0;\n" SUM_SCATTER
                                 "    }\n" SUM_TAIL;
    char *mpi = with_sum(reset, 0);
    cr_assert_eq(count(mpi, "MPI_Allreduce(MPI_IN_PLACE, y"), 1, "%s", mpi);
    cr_assert(strstr(mpi, "    }\n    MPI_Allreduce(MPI_IN_PLACE, y, (int)(n), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD); /* chatmpi: "),
              "%s", mpi);
    cr_assert(strstr(mpi, waits), "%s", mpi);
    cr_assert(strstr(mpi, "    if (mpi_rank != 0) /* chatmpi: the loop below adds to y in a split loop; the other "
                          "ranks' parts start from zero, summed once after it */\n        for (long mpi_t = 0; mpi_t < "
                          "n; mpi_t++)\n            y[mpi_t] = 0;\n    for (int r = 0;"),
              "%s", mpi);
    cr_assert_eq(count(mpi, "if (mpi_rank != 0)"), 1, "the set-up in the loop goes: %s", mpi);
    if (have_mpi) same_output_at_1_to_3_ranks(reset, mpi);
    free(mpi);
    /* reset by a split loop that gathers its zeros: it runs whole, no gather */
    const char *split = SUM_HEAD "    for (int r = 0; r < 4; r++) {\n"
                                 "        " MARK "\n"
                                 "        for (long i = 0; i < n; i++)\n            y[i] = 0.0;\n" SUM_SCATTER
                                 "    }\n" SUM_TAIL;
    mpi = with_sum(split, 1);
    cr_assert_eq(count(mpi, "MPI_Allreduce(MPI_IN_PLACE, y"), 1, "%s", mpi);
    cr_assert_eq(count(mpi, "mpi_allgather_share(y"), 0, "%s", mpi);
    cr_assert(strstr(mpi, "every rank runs it all: zeros for a sum that waits, no gather */\n"
                          "            for (long i = 0; i < n; i++)\n                y[i] = 0.0;\n"),
              "%s", mpi);
    if (have_mpi) same_output_at_1_to_3_ranks(split, mpi);
    free(mpi);
    /* no reset: the sums accumulate across the repetitions (rank 0 keeps y's first values) */
    const char *acc = SUM_HEAD "    for (int r = 0; r < 4; r++) {\n" SUM_SCATTER "    }\n" SUM_TAIL;
    mpi = with_sum(acc, 0);
    cr_assert(strstr(mpi, waits), "%s", mpi);
    if (have_mpi) same_output_at_1_to_3_ranks(acc, mpi);
    free(mpi);
    /* it stays in the loop when y is read there, set to something but zero, or the loop can
     * be left by return */
    const char *stays[] = {
        SUM_HEAD "    for (int r = 0; r < 4; r++) {\n" SUM_SCATTER "        s += y[0];\n    }\n" SUM_TAIL,
        SUM_HEAD "    for (int r = 0; r < 4; r++) {\n        y[1] = 1.0;\n" SUM_SCATTER "    }\n" SUM_TAIL,
        SUM_HEAD "    for (int r = 0; r < 4; r++) {\n        if (s > 1e300)\n            return 1;\n" SUM_SCATTER
                 "    }\n" SUM_TAIL,
        SUM_HEAD "    double *z = y;\n    for (int r = 0; r < 4; r++) {\n        z[0] = 0.0;\n" SUM_SCATTER
                 "    }\n" SUM_TAIL,
        SUM_HEAD "    for (int r = 0; r < 4; r++) {\n        " MARK "\n        for (long i = 0; i < n; i++)\n"
                 "            y[i] = 0.5;\n" SUM_SCATTER "    }\n" SUM_TAIL,
    };
    for (size_t k = 0; k < sizeof(stays) / sizeof(stays[0]); k++) {
        mpi = with_sum(stays[k], k == 4);
        cr_assert_null(strstr(mpi, waits), "case %zu: %s", k, mpi);
        cr_assert(strstr(mpi, "            MPI_Allreduce(MPI_IN_PLACE, y, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);"),
                  "case %zu: %s", k, mpi);
        if (have_mpi) same_output_at_1_to_3_ranks(stays[k], mpi);
        free(mpi);
    }
}

/* A forward substitution: row i's sum t over the columns before it (loop L, split) feeds x[i],
 * which the next rows' sums read. */
#define TRI_HEAD TRI_HEAD_WITH("")
#define TRI_HEAD_WITH(decl)                                                                         \
    "#include <stdio.h>\n#include <stdlib.h>\n\n"                                                  \
    "int main(int argc, char **argv)\n{\n"                                                        \
    "    long n = 20 * (argc > 1 ? strtol(argv[1], NULL, 10) : 10);\n"                            \
    "    double *l = malloc(n * n * sizeof *l), *x = malloc(n * sizeof *x), *b = malloc(n * sizeof *b);\n" \
    "    double w = 0.5;\n" decl                                                                  \
    "    for (long i = 0; i < n; i++) {\n"                                                        \
    "        for (long j = 0; j < n; j++)\n"                                                      \
    "            l[i * n + j] = j < i ? 1.0 / (double)(1 + (i - j) * (i - j)) : 0.0;\n"           \
    "        l[i * n + i] = 2.0 + (double)(i % 3);\n"                                             \
    "        b[i] = 1.0 + (double)(i % 7), x[i] = 0.25;\n"                                        \
    "    }\n"                                                                                    \
    "    for (int r = 0; r < 2; r++) {\n"
#define TRI_SOLVE(header, body, after)                                                             \
    "        for (long i = 0; i < n; i++) {\n"                                                    \
    "            double t = b[i];\n"                                                              \
    "            " MARK "\n"                                                                      \
    "            " header "\n"                                                                    \
    "                " body "\n"                                                                  \
    "            x[i] = t / l[i * n + i];\n" after "        }\n"
#define TRI_TAIL                                                                                    \
    "        for (long i = 0; i < n; i++)\n            b[i] = x[i] + w;\n"                        \
    "    }\n"                                                                                    \
    "    double s = 0.0;\n    for (long i = 0; i < n; i++)\n        s += x[i];\n"                 \
    "    printf(\"%.9e %.9e %.9e\\n\", s, x[n / 2], x[n - 1]);\n"                                 \
    "    free(l);\n    free(x);\n    free(b);\n    return 0;\n}\n"

/* src assembled with each loop's answer reducing t (the model's per-row reduction). Caller frees. */
static char *with_row_sum(const char *src)
{
    const char *tail = "MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n```";
    return with_tails(src, 1, &tail);
}

Test(frame, sums_the_next_rows_need_are_reduced_once_a_block)
{
    int have_mpi = system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0;
    /* 220 rows (./seq 11): blocks of 64, 64, 64 and 28 */
    const char *blocked[] = {
        TRI_HEAD TRI_SOLVE("for (long j = 0; j < i; j++)", "t -= l[i * n + j] * x[j];", "") TRI_TAIL,
        TRI_HEAD TRI_SOLVE("for (long j = 1; j < i; j++) {", "double a = l[i * n + j];\n                t -= a * x[j];\n            }",
                           "            b[i] = 0.5 * b[i];\n") TRI_TAIL,
    };
    for (size_t k = 0; k < sizeof(blocked) / sizeof(blocked[0]); k++) {
        char *mpi = with_row_sum(blocked[k]);
        cr_assert(strstr(mpi, "one MPI_Allreduce a block of 64 rows */"), "case %zu: %s", k, mpi);
        cr_assert_eq(count(mpi, "MPI_Allreduce(MPI_IN_PLACE, mpi_blk_, (int)(mpi_blk1_ - mpi_blk0_), MPI_DOUBLE"), 1,
                     "case %zu: %s", k, mpi);
        cr_assert_eq(count(mpi, "MPI_Allreduce(MPI_IN_PLACE, &t"), 0, "case %zu: %s", k, mpi);
        cr_assert(strstr(mpi, "mpi_share_of_(" ), "case %zu: %s", k, mpi);
        if (have_mpi) same_output_at_1_to_3_ranks(blocked[k], mpi);
        free(mpi);
    }
    /* one reduction a row when the next rows' terms are not known at the block's first row: x
     * read past the column (x[j + 1] is x[i] for the last), a factor the loop around changes, a
     * break, an array written through another name (z is x - 1, or b - 1 for a b that the sum reads
     * and the loop around writes only through z) */
    const char *per_row[] = {
        TRI_HEAD TRI_SOLVE("for (long j = 0; j < i; j++)", "t -= l[i * n + j] * x[j + 1];", "") TRI_TAIL,
        TRI_HEAD TRI_SOLVE("for (long j = 0; j < i; j++)", "t -= w * l[i * n + j] * x[j];", "            w = 0.25 + 0.125 * (double)(i % 3);\n")
            TRI_TAIL,
        TRI_HEAD TRI_SOLVE("for (long j = 0; j < i; j++)", "t -= l[i * n + j] * x[j];",
                           "            if (t > 1e300)\n                break;\n") TRI_TAIL,
        TRI_HEAD_WITH("    double *z = x - 1;\n")
            TRI_SOLVE("for (long j = 0; j < i; j++)", "t -= l[i * n + j] * x[j];",
                      "            if (i > 0)\n                z[i] = 0.5 * x[i];\n") TRI_TAIL,
        TRI_HEAD_WITH("    double *z = b - 1;\n")
            TRI_SOLVE("for (long j = 0; j < i; j++)", "t -= l[i * n + j] * (x[j] + b[j]);",
                      "            if (i > 0)\n                z[i] = 0.5 * x[i];\n") TRI_TAIL,
    };
    for (size_t k = 0; k < sizeof(per_row) / sizeof(per_row[0]); k++) {
        char *mpi = with_row_sum(per_row[k]);
        cr_assert_null(strstr(mpi, "mpi_blk_"), "case %zu: %s", k, mpi);
        cr_assert_eq(count(mpi, "MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE"), 1, "case %zu: %s", k, mpi);
        if (have_mpi) same_output_at_1_to_3_ranks(per_row[k], mpi);
        free(mpi);
    }
}

/* A loop that only adds to sums, over segments of entries (a CSC matrix-vector product whose
 * first columns are dense), is cut by its entries (mpi_share_seg), not by count; `!=` for `<`
 * too. A loop that writes rows, a segment loop inside an if or bounded by `<=`, a segment array
 * the loop declares, or one that writes something not a sum: by count. The assembled CSC product
 * gives the sequential output at 1 to 3 ranks; no set-up loop is guarded by the entries' share
 * (mpi_mine_ knows counts and triangles only). */
#define SEG_HEAD                                                                                        \
    "#include <stdio.h>\n#include <stdlib.h>\n\nint main(int argc, char **argv)\n{\n"                    \
    "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;\n"                                          \
    "    long *cp = malloc((size_t)(n + 1) * sizeof *cp);\n    cp[0] = 0;\n"                              \
    "    for (long j = 0; j < n; j++)\n        cp[j + 1] = cp[j] + (j < 2 ? n : 2);\n"                    \
    "    long *ri = malloc((size_t)cp[n] * sizeof *ri);\n"                                                \
    "    double *av = malloc((size_t)cp[n] * sizeof *av), *x = malloc((size_t)n * sizeof *x);\n"          \
    "    double *y = calloc((size_t)n, sizeof *y), s = 0.0;\n"                                             \
    "    for (long j = 0; j < n; j++) {\n        long p = cp[j];\n"                                        \
    "        for (long i = 0; i < (j < 2 ? n : 1); i++, p++) {\n"                                          \
    "            ri[p] = i;\n            av[p] = 1.0 + 0.125 * (double)((i + 3 * j) % 7);\n        }\n"      \
    "        if (j >= 2) {\n            ri[p] = j;\n            av[p] = 4.0;\n        }\n"                 \
    "        x[j] = 1.0 + 0.5 * (double)(j % 3);\n    }\n"                                                 \
    "    for (int r = 0; r < 3; r++) {\n        " MARK "\n"
#define SEG_TAIL                                                                                        \
    "    }\n    for (long i = 0; i < n; i++)\n        printf(\"%.6f\\n\", y[i]);\n"                         \
    "    printf(\"%.6f\\n\", s);\n    free(cp), free(ri), free(av), free(x), free(y);\n    return 0;\n}\n"
#define SEG_LOOP(BOUND, BODY)                                                                           \
    "        for (long j = 0; j < n; j++)\n            for (long p = cp[j]; " BOUND "; p++)\n                " \
    BODY ";\n"
Test(frame, segments_of_entries_are_cut_by_entries)
{
    static const char *const cases[][2] = {
        {SEG_LOOP("p < cp[j + 1]", "y[ri[p]] += av[p] * x[j]"), "mpi_share_seg(0, n, cp, "},
        {SEG_LOOP("p < cp[j + 1]", "s += av[p] * x[j]"), "mpi_share_seg(0, n, cp, "},
        {SEG_LOOP("p != cp[j + 1]", "y[ri[p]] += av[p] * x[j]"), "mpi_share_seg(0, n, cp, "},
        {SEG_LOOP("p <= cp[j + 1]", "y[ri[p]] += av[p] * x[j]"), "mpi_share(0, n, "},
        {"        for (long j = 0; j < n; j++) {\n            double t = 0.0;\n"
         "            for (long p = cp[j]; p < cp[j + 1]; p++)\n                t += av[p] * x[ri[p]];\n"
         "            y[j] = t;\n        }\n",
         "mpi_share(0, n, "},
        {"        for (long j = 0; j < n; j++)\n            if (x[j] > 1.0)\n"
         "                for (long p = cp[j]; p < cp[j + 1]; p++)\n                    y[ri[p]] += av[p] * x[j];\n",
         "mpi_share(0, n, "},
        {"        for (long j = 0; j < n; j++) {\n            const long *c = cp;\n"
         "            for (long p = c[j]; p < c[j + 1]; p++)\n                y[ri[p]] += av[p] * x[j];\n        }\n",
         "mpi_share(0, n, "},
        {"        for (long j = 0; j < n; j++) {\n            for (long p = cp[j]; p < cp[j + 1]; p++)\n"
         "                y[ri[p]] += av[p] * x[j];\n            cp[n] += 0;\n        }\n",
         "mpi_share(0, n, "},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char src[4096];
        snprintf(src, sizeof(src), "%s%s%s", SEG_HEAD, cases[c][0], SEG_TAIL);
        struct frame f;
        build(&f, src);
        cr_assert(strstr(f.loops[0].prefix, cases[c][1]), "case %zu: %s", c, f.loops[0].prefix);
        frame_release(&f);
    }
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") != 0) return;
    char src[4096];
    snprintf(src, sizeof(src), "%s%s%s", SEG_HEAD, cases[0][0], SEG_TAIL);
    const char *tails[1] = {"MPI_Allreduce(MPI_IN_PLACE, y, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n```"};
    char *mpi = with_tails(src, 1, tails);
    cr_assert(strstr(mpi, "mpi_share_seg(0, n, cp, &lo, &hi);"), "%s", mpi);
    cr_assert_eq(count(mpi, "mpi_mine_("), 1, "%s", mpi); /* its definition only */
    same_output_at_1_to_3_ranks(src, mpi);
    free(mpi);
}

/* mpi_share_seg's parts: contiguous, in rank order and covering the range whatever the segment
 * array holds (an int or a long array, non-decreasing or scrambled), and for a non-decreasing
 * one near equal in entries (the largest part's entries, each iteration counted as one more, at
 * most the mean plus the largest iteration's; a stretch of empty segments included) */
Test(frame, segment_parts_balance_the_entries)
{
    if (system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") != 0)
        cr_skip_test("mpicc/mpirun not installed");
    const char *code =
        "%s\nstatic long sl[400];\nstatic int si[400];\n"
        "static int parts(long n, int scrambled, int wide)\n{\n"
        "    long lo, hi, prev = 3, most = 0, big = 0;\n"
        "    for (int r = 0; r < 5; r++) {\n"
        "        mpi_rank = r, mpi_size = 5;\n"
        "        if (wide) mpi_share_seg(3, 3 + n, sl, &lo, &hi);\n"
        "        else mpi_share_seg(3, 3 + n, si, &lo, &hi);\n"
        "        if (lo != prev || hi < lo) return 1;\n"
        "        prev = hi;\n"
        "        long work = 0;\n"
        "        for (long i = lo; i < hi; i++) work += sl[i + 1] - sl[i] + 1;\n"
        "        if (work > most) most = work;\n"
        "    }\n"
        "    for (long i = 3; i < 3 + n; i++) if (sl[i + 1] - sl[i] + 1 > big) big = sl[i + 1] - sl[i] + 1;\n"
        "    double mean = (double)(sl[3 + n] - sl[3] + n) / 5.0;\n"
        "    return prev != 3 + n || (!scrambled && (double)most > mean + (double)big);\n}\n"
        "int main(void)\n{\n    mpi_frame_init();\n    int bad = 0;\n"
        "    for (int scrambled = 0; scrambled < 2; scrambled++)\n"
        "        for (long n = 0; n < 390; n += 7) {\n"
        "            sl[0] = si[0] = 5;\n"
        "            for (long k = 0; k < 399; k++) {\n"
        "                long e = k < 6 ? 30 : k >= 100 && k < 250 ? 0 : k %% 4;\n"
        "                sl[k + 1] = scrambled ? (k %% 2 ? 5000 : 0) - (k * 7919) %% 101 : sl[k] + e;\n"
        "                si[k + 1] = (int)sl[k + 1];\n"
        "            }\n"
        "            bad |= parts(n, scrambled, 1) | parts(n, scrambled, 0);\n"
        "        }\n"
        "    printf(\"%%s\\n\", bad ? \"unbalanced\" : \"balanced\");\n    return 0;\n}\n";
    cr_assert_str_eq(with_helpers_run(code), "balanced\n");
}

/* A triangle's rows whose gather waits until after the loop around their split loop are packed
 * for that loop (frame_pack.c): the rank's pieces of rows kept one after another, the loop
 * reading and writing them there, mpi_allgather_range putting them back before the gather.
 * Upper (`j = i; j < n`) and lower (`j <= i`) triangles are packed and give the sequential
 * output at 1 to 3 ranks; rows named in two inner loops, a column bound the loop around
 * assigns, a row the body may skip, or a column index the inner loop assigns keep the rows in
 * place (their gather still waits). */
#define PACK_PROG                                                                                     \
    "#include <stdio.h>\n#include <stdlib.h>\n\nint main(int argc, char **argv)\n{\n"                  \
    "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10, m = n;\n"                                 \
    "    double *C = calloc((size_t)(n * n), sizeof *C), *x = malloc((size_t)n * sizeof *x), s = 0.0;\n" \
    "    for (long i = 0; i < n; i++)\n        x[i] = 0.25 * (double)(i %% 5) - 0.5;\n"                 \
    "    for (long i = 0; i < n * n; i++)\n        C[i] = (double)(i %% 9);\n"                          \
    "    for (int r = 0; r < 3; r++) {\n        %s" MARK "\n"                                          \
    "        for (long i = 0; i < n; i++) {\n            double t = x[i] + (double)r;\n%s        }\n"   \
    "    }\n    for (long i = 0; i < n * n; i++)\n        s += C[i] * (double)(i %% 7 + 1);\n"          \
    "    printf(\"%%.9f %%ld\\n\", s, m);\n    free(C), free(x);\n    return 0;\n}\n"
Test(frame, a_triangle_s_rows_are_packed_for_the_loop_around)
{
    static const char *const cases[][3] = {
        {"", "            for (long j = i; j < n; j++)\n                C[i * n + j] += t * x[j];\n",
         "mpi_c_[2 * (i - lo)] = (i), mpi_c_[2 * (i - lo) + 1] = (n);"},
        {"", "            for (long j = 0; j <= i; j++)\n                C[i * n + j] += 0.5 * C[n * i + j] + t;\n",
         "mpi_c_[2 * (i - lo)] = (0), mpi_c_[2 * (i - lo) + 1] = (i) + 1;"},
        {"", "            for (long j = i; j < n; j++)\n                C[i * n + j] += t;\n"
             "            for (long j = i; j < n; j++)\n                C[i * n + j] *= 0.5;\n", NULL},
        {"m = n - r % 2;\n        ", "            for (long j = i; j < m; j++)\n                C[i * n + j] += t;\n",
         NULL},
        {"", "            if (t > 0.5)\n                continue;\n            for (long j = i; j < n; j++)\n"
             "                C[i * n + j] += t;\n", NULL},
        {"", "            for (long j = i; j < n; j++) {\n                C[i * n + j] += t;\n"
             "                if (j == n - 3)\n                    j++;\n            }\n", NULL},
    };
    int have_mpi = system("command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1") == 0;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char src[4096];
        snprintf(src, sizeof(src), PACK_PROG, cases[c][0], cases[c][1]);
        const char *names[1] = {"C"};
        char *mpi = with_gathers(src, names, 1);
        cr_assert(strstr(mpi, "mpi_allgather_range(C, n, MPI_DOUBLE, 0, n, "), "case %zu: %s", c, mpi);
        if (cases[c][2]) {
            cr_assert(strstr(mpi, cases[c][2]), "case %zu: %s", c, mpi);
            cr_assert_eq(count(mpi, "mpi_pk_[mpi_pko_[i - lo] + j]"), count(cases[c][1], "C["), "case %zu: %s", c, mpi);
            if (have_mpi) same_output_at_1_to_3_ranks(src, mpi);
        } else {
            cr_assert_eq(count(mpi, "mpi_pack_rows_("), 1, "case %zu: %s", c, mpi); /* its definition only */
        }
        free(mpi);
    }
}
