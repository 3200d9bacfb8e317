/* The C lexer and the corpus augmenter: exact round trips, what the renamer may and may not
 * touch, consistency between the two programs of a pair, float conversion, default sizes,
 * layout variants that keep every token, and determinism. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/error.h"
#include "corpus/augment.h"
#include "corpus/clex.h"

static const char *SEQ =
    "/* n is the size; x the vector; printf(\"n\") in a comment */\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <math.h>\n"
    "#define N_MAX 100\n"
    "#define IDX(i, j) ((i) * ncols + (j))\n"
    "struct grid { long rows; double *cells; };\n"
    "static double scale(double x, long n) { return sqrt(x) * (double)n * 0.5; }\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;\n"
    "    long steps = argc > 2 ? strtol(argv[2], NULL, 10) : 20;\n"
    "    long ncols = 3;\n"
    "    double *x = malloc((size_t)n * sizeof *x), sum = 0.0;\n"
    "    long double big = 1.0L;\n"
    "    struct grid g = {n, x};\n"
    "    char c = '\"';\n"
    "    double A[2] = {1.0, 2.0};\n"
    "    for (long i = 0; i < n; i++) {\n"
    "        x[i] = scale(1.0 + (double)(i % 7), n);\n"
    "    }\n"
    "    for (long t = 0; t < steps; t++)\n"
    "        for (long i = 0; i < n; i++) sum += x[IDX(i, 0) % n] / N_MAX + A[i % 2];\n"
    "    if (n > 0) {\n"
    "        printf(\"n = %ld sum %.12e\\n\", n, sum);\n"
    "    } else {\n"
    "        printf(\"%c %.15g %ld\\n\", c, (double)big, g.rows);\n"
    "    }\n"
    "    free(x);\n"
    "    return 0;\n"
    "}\n";

static const char *MPI =
    "#include <mpi.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <math.h>\n"
    "static double scale(double x, long n) { return sqrt(x) * (double)n * 0.5; }\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    MPI_Init(&argc, &argv);\n"
    "    int rank, p;\n"
    "    MPI_Comm_rank(MPI_COMM_WORLD, &rank);\n"
    "    MPI_Comm_size(MPI_COMM_WORLD, &p);\n"
    "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;\n"
    "    long steps = argc > 2 ? strtol(argv[2], NULL, 10) : 20;\n"
    "    double local = 0.0, sum = 0.0;\n"
    "    for (long i = rank; i < n; i += p)\n"
    "        for (long t = 0; t < steps; t++) local += scale(1.0 + (double)(i % 7), n);\n"
    "    MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);\n"
    "    if (rank == 0) printf(\"n = %ld sum %.12e\\n\", n, sum);\n"
    "    MPI_Finalize();\n"
    "    return 0;\n"
    "}\n";

/* ---- lexer ---- */

Test(clex, round_trip_and_kinds)
{
    const char *src = "#include <a.h>\n#define F(x) \\\n  ((x) + 1)\nint s = sizeof(\"a\\\"b\") + 'c' + L'\\''; // c\n"
                      "/* multi\n line */ x->y <<= 0x1fUL + 1.5e-3f;\n";
    struct clex lx;
    clex_init(&lx);
    cr_assert_eq(clex_run(&lx, src, strlen(src)), 0);
    char back[512] = "";
    int n_pp = 0, n_def = 0, n_str = 0, n_chr = 0, n_com = 0, in_def = 0;
    for (size_t i = 0; i < lx.n; i++) {
        strncat(back, src + lx.toks[i].off, lx.toks[i].len);
        n_pp += lx.toks[i].kind == CLEX_PP, n_def += lx.toks[i].kind == CLEX_DEFINE;
        n_str += lx.toks[i].kind == CLEX_STRING, n_chr += lx.toks[i].kind == CLEX_CHAR;
        n_com += lx.toks[i].kind == CLEX_COMMENT;
        in_def += lx.toks[i].in_define && lx.toks[i].kind == CLEX_IDENT;
    }
    cr_assert_str_eq(back, src);
    cr_assert_eq(n_pp, 1);
    cr_assert_eq(n_def, 1);
    cr_assert_eq(n_str, 1);
    cr_assert_eq(n_chr, 2);
    cr_assert_eq(n_com, 2);
    cr_assert_eq(in_def, 3); /* F, x, x: the body spans a backslash-newline */
    int saw_shl = 0, saw_num = 0;
    for (size_t i = 0; i < lx.n; i++) {
        saw_shl |= clex_is(&lx, i, "<<=") && lx.toks[i].kind == CLEX_PUNCT;
        saw_num |= clex_is(&lx, i, "1.5e-3f") && lx.toks[i].kind == CLEX_NUMBER;
    }
    cr_assert(saw_shl && saw_num);
    clex_release(&lx);
}

Test(clex, rejects_unterminated)
{
    struct clex lx;
    clex_init(&lx);
    cr_assert_eq(clex_run(&lx, "int x; /* open", 14), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "unterminated comment"));
    cr_assert_eq(clex_run(&lx, "\n\nchar *s = \"abc\n", 16), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "line 3"));
    clex_release(&lx);
}

/* ---- helpers: align the significant tokens of an original and a variant ---- */

struct pairing {
    char from[64][32], to[64][32];
    int n;
};

/* Checks that a and b differ only in identifier tokens and records the renaming (failing the
 * test if one name maps to two). Returns the number of differing tokens. */
static int align(struct pairing *pm, const char *a, const char *b)
{
    struct clex la, lb;
    clex_init(&la), clex_init(&lb);
    cr_assert_eq(clex_run(&la, a, strlen(a)), 0);
    cr_assert_eq(clex_run(&lb, b, strlen(b)), 0);
    size_t i = clex_next_sig(&la, SIZE_MAX), j = clex_next_sig(&lb, SIZE_MAX);
    int diff = 0;
    for (; i < la.n && j < lb.n; i = clex_next_sig(&la, i), j = clex_next_sig(&lb, j)) {
        const struct clex_tok *x = &la.toks[i], *y = &lb.toks[j];
        cr_assert_eq(x->kind, y->kind);
        if (x->len == y->len && !memcmp(a + x->off, b + y->off, x->len)) continue;
        diff++;
        cr_assert_eq(x->kind, CLEX_IDENT, "a non-identifier changed: '%.*s'", (int)x->len, a + x->off);
        char f[32], t[32];
        snprintf(f, sizeof(f), "%.*s", (int)x->len, a + x->off);
        snprintf(t, sizeof(t), "%.*s", (int)y->len, b + y->off);
        cr_assert(!clex_is_keyword(f, strlen(f)), "keyword '%s' renamed", f);
        int k;
        for (k = 0; k < pm->n; k++)
            if (!strcmp(pm->from[k], f)) break;
        if (k == pm->n) {
            cr_assert_lt(pm->n, 64);
            strcpy(pm->from[k], f), strcpy(pm->to[k], t);
            pm->n++;
        }
        cr_assert_str_eq(pm->to[k], t, "'%s' renamed to both '%s' and '%s'", f, pm->to[k], t);
    }
    cr_assert(i == la.n && j == lb.n, "token counts differ");
    /* comments and strings are byte-identical */
    for (i = 0, j = 0; i < la.n && j < lb.n; i++, j++) {
        while (i < la.n && la.toks[i].kind != CLEX_COMMENT && la.toks[i].kind != CLEX_STRING &&
               la.toks[i].kind != CLEX_PP)
            i++;
        while (j < lb.n && lb.toks[j].kind != CLEX_COMMENT && lb.toks[j].kind != CLEX_STRING &&
               lb.toks[j].kind != CLEX_PP)
            j++;
        if (i == la.n || j == lb.n) break;
        cr_assert_eq(la.toks[i].len, lb.toks[j].len);
        cr_assert(!memcmp(a + la.toks[i].off, b + lb.toks[j].off, la.toks[i].len));
    }
    clex_release(&la), clex_release(&lb);
    return diff;
}

static const char *renamed(const struct pairing *pm, const char *from)
{
    for (int k = 0; k < pm->n; k++)
        if (!strcmp(pm->from[k], from)) return pm->to[k];
    return NULL;
}

Test(augment, rename_is_consistent_and_leaves_library_names)
{
    int total = 0, n_renamed = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        struct aug_variant v;
        cr_assert_eq(aug_variant_make(&v, SEQ, MPI, AUG_RENAME | AUG_LOOPS, seed), 0);
        struct pairing pm = {.n = 0};
        total += align(&pm, SEQ, v.seq);
        align(&pm, MPI, v.mpi); /* the same map must hold in the MPI program */
        const char *never[] = {"main", "argc", "argv", "printf", "malloc", "free", "sqrt", "strtol", "size_t",
                               "MPI_Init", "MPI_Reduce", "MPI_DOUBLE", "MPI_COMM_WORLD", "N_MAX", "IDX", "grid",
                               "NULL", "sizeof", "double", "long", "return"};
        for (size_t k = 0; k < sizeof(never) / sizeof(never[0]); k++)
            cr_assert_null(renamed(&pm, never[k]), "seed %lu renamed '%s'", (unsigned long)seed, never[k]);
        for (int a = 0; a < pm.n; a++) /* injective: two names never merge */
            for (int b = a + 1; b < pm.n; b++) cr_assert_str_neq(pm.to[a], pm.to[b]);
        n_renamed += renamed(&pm, "scale") != NULL || renamed(&pm, "n") != NULL;
        if (renamed(&pm, "i")) cr_assert_eq(v.applied & AUG_LOOPS, AUG_LOOPS);
        aug_variant_release(&v);
    }
    cr_assert_gt(total, 100, "the renamer hardly renamed anything (%d tokens)", total);
    cr_assert_gt(n_renamed, 20);
}

Test(augment, loop_indices_use_one_scheme)
{
    int seen_rc = 0;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        struct aug_variant v;
        cr_assert_eq(aug_variant_make(&v, SEQ, MPI, AUG_LOOPS, seed), 0);
        struct pairing pm = {.n = 0};
        align(&pm, SEQ, v.seq);
        align(&pm, MPI, v.mpi);
        cr_assert_not_null(renamed(&pm, "i"));
        cr_assert_not_null(renamed(&pm, "t"));
        cr_assert_null(renamed(&pm, "n"), "AUG_LOOPS alone renamed a non-loop name");
        cr_assert_null(renamed(&pm, "c"), "'c' is no loop index");
        seen_rc |= !strcmp(renamed(&pm, "i"), "ii");
        cr_assert(strstr(v.notes, "loop indices (") != NULL);
        aug_variant_release(&v);
    }
    cr_assert(seen_rc);
}

Test(augment, default_sizes_change_the_same_way_in_both)
{
    struct aug_variant v;
    cr_assert_eq(aug_variant_make(&v, SEQ, MPI, AUG_SIZES, 3), 0);
    cr_assert_eq(v.applied, AUG_SIZES);
    const char *s = strstr(v.seq, "strtol(argv[1], NULL, 10) : "), *m = strstr(v.mpi, "strtol(argv[1], NULL, 10) : ");
    cr_assert(s && m);
    long a = strtol(s + 28, NULL, 10), b = strtol(m + 28, NULL, 10);
    cr_assert_eq(a, b);
    cr_assert_neq(a, 1000);
    cr_assert(a >= 2 && a <= 1000, "a big default grew or vanished: %ld", a);
    cr_assert(strstr(v.seq, "long ncols = 3;"), "a plain initializer changed");
    aug_variant_release(&v);
}

Test(augment, float_formats)
{
    const char *in = "\"%.12e %ld %.15g|%-14.10f %% %e %.3e %12.9lE %d%%\\n\"";
    char *out = aug_float_formats(in, strlen(in));
    cr_assert_str_eq(out, "\"%.6e %ld %.7g|%-14.6f %% %e %.3e %12.6lE %d%%\\n\"");
    free(out);
}

Test(augment, float_conversion)
{
    struct aug_variant v;
    cr_assert_eq(aug_variant_make(&v, SEQ, MPI, AUG_FLOAT, 1), 0);
    cr_assert_eq(v.applied, AUG_FLOAT);
    cr_assert(strstr(v.seq, "static float scale(float x, long n) { return sqrtf(x) * (float)n * 0.5f; }"));
    cr_assert(strstr(v.seq, "long double big = 1.0L;"), "long double must stay");
    cr_assert(strstr(v.seq, "printf(\"n = %ld sum %.6e\\n\", n, sum);"));
    cr_assert(strstr(v.seq, "%.7g %ld"));
    cr_assert(strstr(v.seq, "/* n is the size; x the vector; printf(\"n\") in a comment */"));
    cr_assert(strstr(v.mpi, "MPI_Reduce(&local, &sum, 1, MPI_FLOAT, MPI_SUM, 0, MPI_COMM_WORLD);"));
    cr_assert(strstr(v.mpi, "float local = 0.0f, sum = 0.0f;"));
    cr_assert_null(strstr(v.mpi, "double"));
    cr_assert(strstr(v.notes, "double->float"));
    aug_variant_release(&v);
}

Test(augment, float_skips_literals_out_of_float_range)
{
    const char *seq = "#include <stdio.h>\nint main(void)\n{\n    double big = 1e300;\n    printf(\"%.12e\\n\", big);\n"
                      "    return 0;\n}\n";
    struct aug_variant v;
    cr_assert_eq(aug_variant_make(&v, seq, seq, AUG_FLOAT, 1), 0);
    cr_assert_eq(v.applied, 0u);
    cr_assert_str_eq(v.seq, seq);
    aug_variant_release(&v);
}

Test(augment, format_keeps_tokens)
{
    static const char *names[] = {"tab", "2", "4", "8"};
    int indents[] = {0, 2, 4, 8};
    for (int in = 0; in < 4; in++)
        for (int br = 0; br < 3; br++)
            for (int ks = 0; ks < 2; ks++) {
                struct aug_style st = {indents[in], br, ks};
                char *out = NULL;
                cr_assert_eq(aug_format(&out, SEQ, &st), 0, "indent %s braces %d: %s", names[in], br,
                             cm_error_message());
                struct pairing pm = {.n = 0};
                cr_assert_eq(align(&pm, SEQ, out), 0);
                if (br == AUG_BRACES_ALLMAN) {
                    cr_assert(strstr(out, "i++)\n"), "Allman left a brace on the for line");
                    cr_assert(strstr(out, "}\n") && strstr(out, "else\n"));
                } else {
                    cr_assert(strstr(out, "i++) {\n"));
                    cr_assert(strstr(out, "} else {\n"));
                }
                if (br == AUG_BRACES_ATTACH)
                    cr_assert(strstr(out, "char **argv) {\n"));
                else
                    cr_assert(strstr(out, "char **argv)\n{\n"));
                const char *body = strstr(out, "long n = argc");
                cr_assert(body);
                if (in == 0) cr_assert_eq(body[-1], '\t');
                else cr_assert(body[-1] == ' ' && body[-1 - indents[in]] == '\n', "indent %d", indents[in]);
                cr_assert(strstr(out, ks ? "if (n > 0)" : "if(n > 0)"));
                cr_assert(strstr(out, "\n#define IDX(i, j) ((i) * ncols + (j))\n"), "directives stay in column 0");
                free(out);
            }
}

Test(augment, same_seed_same_bytes)
{
    int differ = 0;
    for (uint64_t s = 1; s <= 10; s++) {
        struct aug_variant a, b, c;
        cr_assert_eq(aug_variant_make(&a, SEQ, MPI, AUG_ALL, s), 0);
        cr_assert_eq(aug_variant_make(&b, SEQ, MPI, AUG_ALL, s), 0);
        cr_assert_eq(aug_variant_make(&c, SEQ, MPI, AUG_ALL, s + 100), 0);
        cr_assert_str_eq(a.seq, b.seq);
        cr_assert_str_eq(a.mpi, b.mpi);
        cr_assert_str_eq(a.notes, b.notes);
        differ += strcmp(a.seq, c.seq) != 0;
        aug_variant_release(&a), aug_variant_release(&b), aug_variant_release(&c);
    }
    cr_assert_gt(differ, 7);
    cr_assert_eq(aug_case_seed(5, "stencil/x", 1, 0), aug_case_seed(5, "stencil/x", 1, 0));
    cr_assert_neq(aug_case_seed(5, "stencil/x", 1, 0), aug_case_seed(5, "stencil/x", 2, 0));
    cr_assert_neq(aug_case_seed(5, "stencil/x", 1, 0), aug_case_seed(5, "stencil/y", 1, 0));
}

Test(augment, pick_and_parse)
{
    unsigned w;
    cr_assert_eq(aug_parse_what(&w, "rename,format"), 0);
    cr_assert_eq(w, AUG_RENAME | AUG_FORMAT);
    cr_assert_eq(aug_parse_what(&w, "all"), 0);
    cr_assert_eq(w, AUG_ALL);
    cr_assert_eq(aug_parse_what(&w, "rename,colour"), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "'colour'"));
    for (uint64_t s = 0; s < 200; s++) {
        unsigned p = aug_pick_what(s, AUG_ALL, 0);
        cr_assert_neq(p, 0u);
        cr_assert_eq(p & AUG_FLOAT, 0u, "float picked for a float program");
        cr_assert_eq(aug_pick_what(s, AUG_SIZES, 1), AUG_SIZES);
    }
    char buf[64];
    aug_what_names(buf, sizeof(buf), AUG_LOOPS | AUG_FLOAT);
    cr_assert_str_eq(buf, "loops,float");
}

/* AUG_FORMULA: one site of a floating formula both programs share, changed in both, never an
 * index, an integer statement, a pointer or a statement that reads argv. */
static const char *FSEQ = "#include <stdio.h>\n"
                          "#include <stdlib.h>\n"
                          "int main(int argc, char **argv)\n"
                          "{\n"
                          "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 8;\n"
                          "    double *buf = malloc((size_t)(n + 2) * sizeof *buf), *x = buf + 1;\n"
                          "    double *y = malloc((size_t)n * sizeof *y), a = 0.5;\n"
                          "    long stride = (n + 3) / 4;\n"
                          "    for (long i = 0; i < n; i++) x[i] = 0.25 * (double)(i % 5) + 1.0;\n"
                          "    for (long i = 0; i < n; i++)\n"
                          "        y[i] = a * x[i + 1 - 1] - x[i];\n"
                          "    for (long i = 0; i < n; i += stride) printf(\"%.6e\\n\", y[i]);\n"
                          "    return 0;\n"
                          "}\n";
static const char *FMPI = "#include <mpi.h>\n"
                          "#include <stdio.h>\n"
                          "#include <stdlib.h>\n"
                          "int main(int argc, char **argv)\n"
                          "{\n"
                          "    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 8, lo = 0, cnt = n;\n"
                          "    double *buf = malloc((size_t)(cnt + 2) * sizeof *buf), *x = buf + 1;\n"
                          "    double *y = malloc((size_t)cnt * sizeof *y), a = 0.5;\n"
                          "    long stride = (n + 3) / 4;\n"
                          "    for (long k = 0; k < cnt; k++) {\n"
                          "        long i = lo + k;\n"
                          "        x[k] = 0.25 * (double)(i % 5) + 1.0;\n"
                          "    }\n"
                          "    for (long k = 0; k < cnt; k++) y[k] = a * x[k] - x[k];\n"
                          "    for (long i = 0; i < n; i += stride) printf(\"%.6e\\n\", y[i - lo]);\n"
                          "    return 0;\n"
                          "}\n";

/* the lines of a that differ from b's, counted */
static int lines_changed(const char *a, const char *b)
{
    int n = 0;
    while (*a && *b) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        n += la != lb || memcmp(a, b, la);
        a += la + (a[la] == '\n'), b += lb + (b[lb] == '\n');
    }
    return n;
}

Test(augment, formula_changes_one_shared_site)
{
    int seen_init = 0, seen_kernel = 0;
    for (uint64_t s = 1; s <= 60; s++) {
        struct aug_variant v;
        cr_assert_eq(aug_variant_make(&v, FSEQ, FMPI, AUG_FORMULA, s), 0);
        cr_assert_eq(v.applied, AUG_FORMULA, "seed %lu: %s", (unsigned long)s, v.notes);
        cr_assert(strstr(v.notes, "formula ("), "%s", v.notes);
        /* one line changed in each program, the same change */
        cr_assert_eq(lines_changed(v.seq, FSEQ), 1, "seed %lu: %s\n%s", (unsigned long)s, v.notes, v.seq);
        cr_assert_eq(lines_changed(v.mpi, FMPI), 1, "seed %lu: %s\n%s", (unsigned long)s, v.notes, v.mpi);
        /* never the pointer, the integer stride, sizes, indices or the printing */
        cr_assert(strstr(v.seq, "*x = buf + 1;") && strstr(v.mpi, "*x = buf + 1;"));
        cr_assert(strstr(v.seq, "long stride = (n + 3) / 4;") && strstr(v.mpi, "long stride = (n + 3) / 4;"));
        cr_assert(strstr(v.seq, ": 8;") && strstr(v.seq, "x[i + 1 - 1]"));
        cr_assert(strstr(v.seq, "printf(\"%.6e\\n\", y[i]);"));
        if (strstr(v.notes, "x[i] = 0.25")) {
            seen_init++;
            cr_assert(!strstr(v.mpi, "x[k] = 0.25 * (double)(i % 5) + 1.0;"), "%s\n%s", v.notes, v.mpi);
        }
        if (strstr(v.notes, "y[i] = a")) {
            seen_kernel++;
            cr_assert(!strstr(v.mpi, "y[k] = a * x[k] - x[k];"), "%s\n%s", v.notes, v.mpi);
        }
        aug_variant_release(&v);
    }
    cr_assert_gt(seen_init, 0);
    cr_assert_gt(seen_kernel, 0);
}

Test(augment, formula_needs_a_shared_floating_statement)
{
    /* a = 0.5 is the only shared floating formula here: the kernels differ */
    static const char *seq = "int main(void)\n{\n    double a = 0.5, s = 0;\n    long n = 4 + 1;\n"
                             "    for (long i = 0; i < n; i++) s = s * a;\n    return (int)s;\n}\n";
    static const char *mpi = "int main(void)\n{\n    double a = 0.5, s = 0;\n    long n = 4 + 1;\n"
                             "    for (long i = 0; i < n; i++) s = s * (a + 0.0);\n    return (int)s;\n}\n";
    for (uint64_t s = 1; s <= 20; s++) {
        struct aug_variant v;
        cr_assert_eq(aug_variant_make(&v, seq, mpi, AUG_FORMULA, s), 0);
        cr_assert_eq(v.applied, AUG_FORMULA);
        cr_assert(strstr(v.notes, "in `double a = 0.5, s = 0;`"), "%s", v.notes);
        cr_assert(strstr(v.seq, "long n = 4 + 1;") && strstr(v.seq, "s = s * a;"));
        aug_variant_release(&v);
    }
    /* nothing shared: nothing applied, the texts unchanged */
    struct aug_variant v;
    cr_assert_eq(aug_variant_make(&v, "int main(void) { double s = 1.5; return (int)s; }\n",
                                  "int main(void) { double t = 1.5; return (int)t; }\n", AUG_FORMULA, 1), 0);
    cr_assert_eq(v.applied, 0u);
    cr_assert_str_eq(v.seq, "int main(void) { double s = 1.5; return (int)s; }\n");
    aug_variant_release(&v);
}

Test(augment, formula_only_when_named)
{
    unsigned w;
    cr_assert_eq(aug_parse_what(&w, "all"), 0);
    cr_assert_eq(w & AUG_FORMULA, 0u);
    cr_assert_eq(aug_parse_what(&w, "formula,sizes"), 0);
    cr_assert_eq(w, AUG_FORMULA | AUG_SIZES);
    for (uint64_t s = 0; s < 200; s++) cr_assert_eq(aug_pick_what(s, AUG_ALL, 1) & AUG_FORMULA, 0u);
    char buf[64];
    aug_what_names(buf, sizeof(buf), AUG_FORMULA | AUG_FLOAT);
    cr_assert_str_eq(buf, "float,formula");
    /* with float too, the new literal is made single precision like every other one */
    struct aug_variant v;
    int lit = 0;
    for (uint64_t s = 1; s <= 40; s++) {
        cr_assert_eq(aug_variant_make(&v, FSEQ, FMPI, AUG_FORMULA | AUG_FLOAT, s), 0);
        char from[32], to[32];
        if (v.applied & AUG_FLOAT && sscanf(v.notes, "formula (%31s -> %31s in", from, to) == 2 && strchr(to, '.')) {
            lit++;
            char want[40];
            snprintf(want, sizeof(want), " %sf", to);
            cr_assert(strstr(v.seq, want) && strstr(v.mpi, want), "%s\n%s", v.notes, v.seq);
        }
        aug_variant_release(&v);
    }
    cr_assert_gt(lit, 0);
}
