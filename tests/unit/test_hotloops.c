/* The loops --mark-loops asks the model to split (harness/hotloops.h), from line counts: the
 * busiest outermost loops; repetition, time-step and solver loops looked into (their own
 * variable indexes no array they write, directly or through a name computed from it; every
 * while loop); loops with little work left alone; the mark indented like its loop; nothing
 * else changed. And one real profile with gcc --coverage. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fs.h"
#include "harness/hotloops.h"
#include "harness/sandbox.h"

/* counts from a program whose lines end with "//N" (N runs) or carry no count (-1) */
static void counts_of(struct hotloops_counts *c, const char *src)
{
    size_t lines = 1;
    for (const char *p = src; *p; p++) lines += *p == '\n';
    c->v = malloc(lines * sizeof(*c->v));
    c->n = lines;
    const char *p = src;
    for (size_t k = 0; k < lines; k++) {
        const char *nl = strchr(p, '\n'), *e = nl ? nl : p + strlen(p);
        const char *m = NULL;
        for (const char *q = p; q + 1 < e; q++)
            if (q[0] == '/' && q[1] == '/') m = q;
        c->v[k] = m ? strtoll(m + 2, NULL, 10) : -1;
        p = nl ? nl + 1 : e;
    }
}

static char *marked(const char *src, size_t *n)
{
    struct hotloops_counts c;
    counts_of(&c, src);
    char *out = NULL;
    cr_assert_eq(hotloops_mark(&out, n, src, &c), 0, "%s", cm_error_message());
    hotloops_counts_release(&c);
    return out;
}

/* the lines following each mark, joined by '|' */
static char *marked_lines(const char *out)
{
    static char buf[4096];
    buf[0] = '\0';
    for (const char *p = strstr(out, HOTLOOPS_MARK); p; p = strstr(p + 1, HOTLOOPS_MARK)) {
        const char *l = strchr(p, '\n') + 1, *e = strchr(l, '\n');
        strncat(buf, l, (size_t)(e - l));
        strcat(buf, "|");
    }
    return buf;
}

Test(hotloops, repetition_loop_is_looked_into)
{
    const char *src = "int main(void)\n"
                      "{\n"
                      "    for (long i = 0; i < n; i++) //1001\n"
                      "        x[i] = 0.5 * i; //1000\n"
                      "    for (long r = 0; r < reps; r++) { //51\n"
                      "        double alpha = al[r % 3]; //50\n"
                      "        for (long i = 0; i < n; i++) //50050\n"
                      "            x[i] *= alpha; //50000\n"
                      "    }\n"
                      "    for (long i = 0; i < n; i++) //1001\n"
                      "        s += x[i]; //1000\n"
                      "    printf(\"%g\\n\", s); //1\n"
                      "}\n";
    size_t n;
    char *out = marked(src, &n);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(marked_lines(out), "        for (long i = 0; i < n; i++) //50050|");
    cr_assert(strstr(out, "        " HOTLOOPS_MARK "\n        for (long i = 0; i < n; i++) //50050"), "%s", out);
    /* nothing else changed */
    char *p = strstr(out, HOTLOOPS_MARK);
    size_t before = (size_t)(p - out) - 8;
    cr_assert_eq(strncmp(out, src, before), 0);
    cr_assert_str_eq(p + strlen(HOTLOOPS_MARK) + 1, src + before);
    free(out);
}

Test(hotloops, index_through_a_computed_name_and_time_steps)
{
    /* the j loop writes u[c] with c computed from j: it is split, not its inner loop; the time
     * loop writes no element indexed by t */
    const char *src = "void step(void)\n"
                      "{\n"
                      "    for (long t = 0; t < steps; t++) { //11\n"
                      "        for (long j = 1; j <= ny; j++) //1010\n"
                      "            for (long i = 1; i <= nx; i++) { //101000\n"
                      "                long c = j * W + i; //100000\n"
                      "                v[c] = u[c] + 0.1 * (u[c - 1] + u[c + 1]); //100000\n"
                      "            }\n"
                      "        double *tmp = u; //10\n"
                      "        u = v; //10\n"
                      "        v = tmp; //10\n"
                      "    }\n"
                      "}\n";
    size_t n;
    char *out = marked(src, &n);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(marked_lines(out), "        for (long j = 1; j <= ny; j++) //1010|");
    free(out);
}

Test(hotloops, a_row_through_a_pointer)
{
    /* the i loop writes row i of C through ci: it is split (not the k or j loop inside); a loop
     * that also reads other rows of the array it writes (B's row k beside row i: a triangular
     * solve) is looked into instead */
    const char *src = "void mm(void)\n"
                      "{\n"
                      "    for (long i = 0; i < M; i++) { //101\n"
                      "        double *ci = C + i * N; //100\n"
                      "        for (long k = 0; k < M; k++) //10100\n"
                      "            for (long j = 0; j < N; j++) //1010000\n"
                      "                ci[j] += A[i * M + k] * B[k * N + j]; //1000000\n"
                      "    }\n"
                      "    for (long i = 0; i < M; i++) { //101\n"
                      "        double *xi = B + i * N; //100\n"
                      "        for (long k = 0; k < i; k++) { //5050\n"
                      "            const double *xk = B + k * N; //4950\n"
                      "            for (long j = 0; j < N; j++) //500000\n"
                      "                xi[j] -= A[i * M + k] * xk[j]; //495000\n"
                      "        }\n"
                      "    }\n"
                      "}\n";
    size_t n;
    char *out = marked(src, &n);
    cr_assert_str_eq(marked_lines(out), "    for (long i = 0; i < M; i++) { //101|"
                                        "            for (long j = 0; j < N; j++) //500000|");
    free(out);
}

Test(hotloops, a_loop_that_reads_what_other_iterations_write)
{
    /* forward substitution: x[i] is written from x[j], j < i: the i loop is looked into and
     * its dot product split; a loop reading its own element only (y[i] = 2 * y[i]) is split */
    const char *src = "void trsv(void)\n"
                      "{\n"
                      "    for (long i = 0; i < n; i++) { //101\n"
                      "        double t = x[i]; //100\n"
                      "        for (long j = 0; j < i; j++) //5050\n"
                      "            t -= l[i * n + j] * x[j]; //4950\n"
                      "        x[i] = t / l[i * n + i]; //100\n"
                      "    }\n"
                      "    for (long i = 0; i < n; i++) { //101\n"
                      "        for (long j = 0; j < 40; j++) //4100\n"
                      "            y[i] = 2.0 * y[i] + x[i]; //4000\n"
                      "    }\n"
                      "    for (long i = 0; i < n; i++) { //101\n"
                      "        double t = 0; //100\n"
                      "        for (long j = i; j < n; j++) //5150\n"
                      "            t += u[i * n + j] * z[j]; //5050\n"
                      "        z[i] = t; //100\n"
                      "    }\n"
                      "}\n";
    size_t n;
    char *out = marked(src, &n);
    /* the last loop reads only later elements of z, which every rank still holds unchanged */
    cr_assert_str_eq(marked_lines(out), "        for (long j = 0; j < i; j++) //5050|"
                                        "    for (long i = 0; i < n; i++) { //101|"
                                        "    for (long i = 0; i < n; i++) { //101|");
    free(out);
}

Test(hotloops, solver_while_loop_and_small_loops)
{
    /* a while loop is looked into: its busy for loops are split, the one with under a tenth
     * of its work is not; the set-up loop (under a quarter of the busiest) is not */
    const char *src = "int main(void)\n"
                      "{\n"
                      "    for (long i = 0; i < n; i++) r[i] = b[i]; //2000\n"
                      "    while (it < maxit && rr > tol) { //21\n"
                      "        for (long i = 0; i < n; i++) //20020\n"
                      "            q[i] = 4.0 * p[i] - p[i - 1] - p[i + 1]; //20000\n"
                      "        for (long i = 0; i < n; i++) //20020\n"
                      "            pq += p[i] * q[i]; //20000\n"
                      "        for (long k = 0; k < 3; k++) //80\n"
                      "            hist[k] = 0; //60\n"
                      "        it++; //20\n"
                      "    }\n"
                      "}\n";
    size_t n;
    char *out = marked(src, &n);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(marked_lines(out),
                     "        for (long i = 0; i < n; i++) //20020|        for (long i = 0; i < n; i++) //20020|");
    free(out);
}

Test(hotloops, nothing_ran_nothing_marked)
{
    const char *src = "int main(void)\n{\n    for (int i = 0; i < 3; i++) //0\n        f(i); //0\n}\n";
    size_t n;
    char *out = marked(src, &n);
    cr_assert_eq(n, 0);
    cr_assert_str_eq(out, src);
    free(out);
    struct hotloops_counts c = {0};
    char *o2 = NULL;
    cr_assert_neq(hotloops_mark(&o2, &n, "int x = \"open;\n", &c), 0, "a source that does not lex is refused");
    cm_error_clear();
}

/* gcc --coverage on a real program: the reps loop's inner loop is marked */
Test(hotloops, real_profile)
{
    if (system("command -v gcc >/dev/null && command -v gcov >/dev/null") != 0) cr_skip_test("no gcc or gcov");
    cr_assert_eq(sandbox_init(), 0, "%s", cm_error_message());
    char *dir = NULL;
    cr_assert_eq(cm_make_temp_dir(&dir, "test-hotloops"), 0);
    char *path = cm_path_join(dir, "seq.c");
    const char *src = "#include <stdio.h>\n"
                      "#include <stdlib.h>\n"
                      "int main(int argc, char **argv)\n"
                      "{\n"
                      "    long n = argc > 1 ? atol(argv[1]) : 10, reps = argc > 2 ? atol(argv[2]) : 1;\n"
                      "    double *x = malloc(n * sizeof *x), s = 0;\n"
                      "    for (long i = 0; i < n; i++)\n"
                      "        x[i] = 0.5 * (double)i;\n"
                      "    for (long r = 0; r < reps; r++)\n"
                      "        for (long i = 0; i < n; i++)\n"
                      "            x[i] *= 0.999;\n"
                      "    for (long i = 0; i < n; i++)\n"
                      "        s += x[i];\n"
                      "    printf(\"%.6f\\n\", s);\n"
                      "    free(x);\n"
                      "    return 0;\n"
                      "}\n";
    cr_assert_eq(cm_write_file_atomic(path, src, strlen(src)), 0);
    struct hotloops_counts c;
    cr_assert_eq(hotloops_profile(&c, path, "1000 20", 60), 0, "%s", cm_error_message());
    cr_assert_eq(c.v[10 - 1], 20 * 1001, "the inner loop's line ran %lld times", c.v[9]);
    cr_assert_eq(c.v[1 - 1], -1);
    char *out = NULL;
    size_t n;
    cr_assert_eq(hotloops_mark(&out, &n, src, &c), 0);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(marked_lines(out), "        for (long i = 0; i < n; i++)|");
    free(out);
    hotloops_counts_release(&c);
    /* a program that fails is reported, naming it */
    const char *bad = "int main(void) { return 3; }\n";
    cr_assert_eq(cm_write_file_atomic(path, bad, strlen(bad)), 0);
    cr_assert_neq(hotloops_profile(&c, path, NULL, 60), 0);
    cr_assert(strstr(cm_error_message(), "seq.c") && strstr(cm_error_message(), "exit 3"), "%s", cm_error_message());
    cm_error_clear();
    cm_remove_tree(dir);
    free(dir), free(path);
}
