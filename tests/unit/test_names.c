/* Name normalization (src/corpus/names.h): which names the map takes and in what order,
 * what the rewriting may not touch (comments, literals, directives, library and MPI names),
 * exact round trips, and the clash rule that keeps a model's own names from being captured. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "corpus/names.h"

static const char *QUESTION =
    "Can you parallelize this sequential code to MPI?\n"
    "/* y := alpha*x; n is the size. Usage: ax [n] */\n"
    "#include <math.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#define SCALE 2.0\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100;\n"
    "    double *x = malloc((size_t)n * sizeof *x), v2 = 1.5e-3;\n"
    "    for (long i = 0; i < n; i++) x[i] = sqrt((double)i) * SCALE + v2;\n"
    "    printf(\"n %ld x %.12e\\n\", n, x[n - 1]); // x is printed\n"
    "    free(x);\n"
    "    return 0;\n"
    "}\n";

static const char *from_of(const struct names_map *m, const char *to)
{
    for (size_t k = 0; k < m->to.n; k++)
        if (!strcmp(m->to.items[k], to)) return m->from.items[k];
    return NULL;
}

Test(names, map_takes_macros_then_declared_names_in_order_and_skips_taken_canonical_names)
{
    struct names_map m;
    names_map_init(&m);
    names_map_build(&m, QUESTION, NULL);
    /* SCALE (an object-like macro), n, x, v2 (declared: it becomes a canonical name too, but
     * not "v2"), i */
    cr_assert_eq(m.from.n, 5, "%zu names", m.from.n);
    cr_assert_str_eq(m.from.items[0], "SCALE");
    cr_assert_str_eq(m.to.items[0], "v1");
    cr_assert_str_eq(m.from.items[1], "n");
    cr_assert_str_eq(m.to.items[1], "v3", "v2 is the program's own name");
    cr_assert_str_eq(m.from.items[2], "x");
    cr_assert_str_eq(m.to.items[2], "v4");
    cr_assert_str_eq(m.from.items[3], "v2");
    cr_assert_str_eq(m.to.items[3], "v5");
    cr_assert_str_eq(from_of(&m, "v6"), "i");
    names_map_release(&m);
}

/* Only object-like macros with a value: not function-like ones (a "(" right after the name),
 * not empty guards; `#define W (8)` is object-like. */
Test(names, map_takes_object_like_macros_only)
{
    const char *q = "#ifndef GUARD_H\n#define GUARD_H\n#define IDX(i, j) ((i) * 4 + (j))\n"
                    "#  define   N\t100\n#define EMPTY /* nothing */\n#define W (8)\n"
                    "int main(void) { double a[N]; a[IDX(0, 1)] = W; return 0; }\n#endif\n";
    struct names_map m;
    names_map_init(&m);
    cr_assert_eq(names_map_build(&m, q, NULL), 0);
    cr_assert_eq(m.from.n, 3, "%zu names", m.from.n);
    cr_assert_str_eq(m.from.items[0], "N");
    cr_assert_str_eq(m.from.items[1], "W");
    cr_assert_str_eq(m.from.items[2], "a");
    char *out = names_normalize(q, &m), *back = names_restore(out, &m);
    cr_assert(strstr(out, "#  define   v1\t100\n"), "%s", out);
    cr_assert(strstr(out, "#define v2 (8)\n"), "%s", out);
    cr_assert(strstr(out, "double v3[v1];"), "%s", out);
    cr_assert_str_eq(back, q);
    free(out), free(back);
    names_map_release(&m);
}

/* What the model reads has no comments: a line a comment filled goes, a trailing comment
 * goes with the blanks before it, one between two words leaves a space; strings keep theirs. */
Test(names, prompt_drops_comments)
{
    const char *q = "/* header\n * more */\n#include <stdio.h>\nint main(void)\n{\n    // a line comment\n"
                    "    long n = 2;   /* trailing */\n    long/**/m = n; // end\n\n"
                    "    printf(\"/* %ld */ // x\\n\", m);\n    return 0;\n}\n";
    struct names_map m;
    names_map_init(&m);
    cr_assert_eq(names_map_build(&m, q, NULL), 0);
    char *out = names_normalize_prompt(q, &m);
    cr_assert_str_eq(out,
                     "#include <stdio.h>\nint main(void)\n{\n    long v1 = 2;\n    long v2 = v1;\n\n"
                     "    printf(\"/* %ld */ // x\\n\", v2);\n    return 0;\n}\n",
                     "got:\n%s", out);
    free(out);
    names_map_release(&m);
}

Test(names, normalize_touches_code_only)
{
    struct names_map m;
    names_map_init(&m);
    names_map_build(&m, QUESTION, NULL);
    char *out = names_normalize(QUESTION, &m);
    cr_assert(strstr(out, "/* y := alpha*x; n is the size. Usage: ax [n] */"), "comment kept:\n%s", out);
    cr_assert(strstr(out, "// x is printed"), "line comment kept");
    cr_assert(strstr(out, "printf(\"n %ld x %.12e\\n\", v3, v4[v3 - 1]);"), "strings kept, code renamed:\n%s", out);
    cr_assert(strstr(out, "long v3 = argc > 1 ? strtol(argv[1], NULL, 10) : 100;"), "%s", out);
    cr_assert(strstr(out, "for (long v6 = 0; v6 < v3; v6++) v4[v6] = sqrt((double)v6) * v1 + v5;"), "%s", out);
    cr_assert(strstr(out, "v5 = 1.5e-3"), "a number's exponent is not a name");
    cr_assert(strstr(out, "#include <math.h>"), "directives kept");
    cr_assert(strstr(out, "Can you parallelize this sequential code to MPI?"), "prose kept");
    char *back = names_restore(out, &m);
    cr_assert_str_eq(back, QUESTION, "restore(normalize(q)) == q");
    free(out), free(back);
    names_map_release(&m);
}

/* The model's own `n` (a name the user's program also uses, now v1) must not merge with it. */
Test(names, restore_renames_the_answers_own_clashing_names)
{
    struct names_map m;
    names_map_init(&m);
    names_map_build(&m, QUESTION, NULL);
    const char *answer = "Here it is:\n```c\nlong n = v3 / size; /* n: my share of v3 */\nv4[n] = 'x';\n"
                         "puts(\"v3\");\n```\nIt's done, isn't it?\n";
    char *back = names_restore(answer, &m);
    cr_assert_str_eq(back,
                     "Here it is:\n```c\nlong n_1 = n / size; /* n: my share of v3 */\nx[n_1] = 'x';\n"
                     "puts(\"v3\");\n```\nIt's done, isn't it?\n",
                     "got:\n%s", back);
    free(back);
    names_map_release(&m);
}

/* Layout is normalized with the names: tabs and Allman braces come out as the corpus writes. */
Test(names, normalize_gives_the_corpus_layout)
{
    const char *allman = "int main(int argc, char **argv)\n{\n\tlong n = 3;\n\tfor (long i = 0; i < n; i++)\n\t{\n"
                         "\t\tif(i > 1)\n\t\t{\n\t\t\tn--;\n\t\t}\n\t}\n\treturn 0;\n}\n";
    struct names_map m;
    names_map_init(&m);
    cr_assert_eq(names_map_build(&m, allman, NULL), 0);
    char *out = names_normalize(allman, &m);
    cr_assert_str_eq(out,
                     "int main(int argc, char **argv)\n{\n    long v1 = 3;\n    for (long v2 = 0; v2 < v1; v2++) {\n"
                     "        if (v2 > 1) {\n            v1--;\n        }\n    }\n    return 0;\n}\n",
                     "got:\n%s", out);
    free(out);
    names_map_release(&m);
}

/* ChatHPC records may carry the program in the context: the map sees both. */
Test(names, map_reads_the_context_too)
{
    struct names_map m;
    names_map_init(&m);
    cr_assert_eq(names_map_build(&m, "Parallelize the program below.", "int main(void) { long n = 1; return 0; }"), 0);
    cr_assert_eq(m.from.n, 1);
    cr_assert_str_eq(m.from.items[0], "n");
    names_map_release(&m);
}

Test(names, unlexable_question_renames_nothing)
{
    struct names_map m;
    names_map_init(&m);
    cr_assert_neq(names_map_build(&m, "int main(void) { long n = 1; /* never closed\n", NULL), 0);
    cr_assert_eq(m.from.n, 0);
    char *out = names_normalize("long n = 1;", &m);
    cr_assert_str_eq(out, "long n = 1;");
    free(out);
    names_map_release(&m);
}

/* Every corpus pair: normalizing with the seq program's map and restoring gives the bytes
 * back, and no MPI_ or library name is ever in a map. */
Test(names, corpus_pairs_round_trip)
{
    const char *cases[] = {"blas1/axpy", "blas2/gemv", "spmv/csr_banded", "stencil/heat2d_5pt", "cg/cg_tridiag", "blas3/gemm"};
    int tried = 0;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char path[256], *seq = NULL, *mpi = NULL;
        size_t len;
        snprintf(path, sizeof(path), "data/corpus/%s/seq.c", cases[c]);
        if (cm_read_file(&seq, &len, path, 1 << 20)) continue;
        snprintf(path, sizeof(path), "data/corpus/%s/mpi.c", cases[c]);
        cr_assert_eq(cm_read_file(&mpi, &len, path, 1 << 20), 0, "%s", path);
        tried++;
        struct names_map m;
        names_map_init(&m);
        names_map_build(&m, seq, NULL);
        cr_assert_gt(m.from.n, 2, "%s: %zu names", cases[c], m.from.n);
        for (size_t k = 0; k < m.from.n; k++) {
            cr_assert_neq(strncmp(m.from.items[k], "MPI_", 4), 0);
            cr_assert(strcmp(m.from.items[k], "main") && strcmp(m.from.items[k], "malloc") &&
                      strcmp(m.from.items[k], "printf") && strcmp(m.from.items[k], "argc"));
        }
        for (int f = 0; f < 2; f++) {
            const char *text = f ? mpi : seq;
            char *n = names_normalize(text, &m), *b = names_restore(n, &m);
            cr_assert_str_eq(b, text, "%s %s round trip", cases[c], f ? "mpi.c" : "seq.c");
            free(n), free(b);
        }
        names_map_release(&m);
        free(seq), free(mpi);
    }
    cr_assert_eq(tried, 6, "corpus cases found: %d", tried);
}

/* shuffled_names: the canonical names dealt in another order, the same set, the same seed the
 * same order; a shuffled map still round-trips. */
Test(names, shuffle_permutes_the_canonical_names_reproducibly)
{
    struct names_map m, c;
    names_map_init(&m), names_map_init(&c);
    cr_assert_eq(names_map_build(&m, QUESTION, NULL), 0);
    cr_assert_eq(names_map_build(&c, QUESTION, NULL), 0);
    uint64_t rng = 7, rng2 = 7;
    int moved = 0;
    for (int draw = 0; draw < 20; draw++) {
        names_map_shuffle(&m, &rng);
        cr_assert_eq(m.to.n, c.to.n);
        for (size_t k = 0; k < c.to.n; k++) {
            cr_assert_str_eq(m.from.items[k], c.from.items[k], "the user's names keep their order");
            cr_assert(from_of(&m, c.to.items[k]), "%s lost", c.to.items[k]);
            moved += strcmp(m.to.items[k], c.to.items[k]) != 0;
        }
    }
    cr_assert_gt(moved, 20 * 2, "20 shuffles of 5 names moved %d", moved);
    struct names_map r;
    names_map_init(&r);
    names_map_build(&r, QUESTION, NULL);
    for (int draw = 0; draw < 20; draw++) names_map_shuffle(&r, &rng2);
    for (size_t k = 0; k < m.to.n; k++) cr_assert_str_eq(r.to.items[k], m.to.items[k], "same seed, same order");
    const char *code = "long n = 3;\ndouble x = n * SCALE + v2;\n";
    char *norm = names_normalize(code, &m), *back = names_restore(norm, &m);
    cr_assert_str_eq(back, code, "normalized as %s", norm);
    free(norm), free(back);
    names_map_release(&m), names_map_release(&c), names_map_release(&r);
}
