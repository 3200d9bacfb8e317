/* frame.c — loop-by-loop answers (see frame.h). */
#include "loop/frame.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/mem.h"
#include "corpus/clex.h"
#include "harness/hotloops.h"

/* The helpers every framed program starts with. mpi_share gives the first n % size ranks one
 * iteration more; mpi_allgather learns every rank's [lo, hi) first, so a rank passes its own
 * bounds only (what the model naturally writes). */
static const char prolog[] =
    "\n/* ---- MPI frame written by chatmpi: every rank holds all the data; the loops below split\n"
    " * their iterations with mpi_share and give every rank the whole result after them ---- */\n"
    "#include <mpi.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "\n"
    "static int mpi_rank = 0, mpi_size = 1;\n"
    "\n"
    "static void mpi_frame_finalize(void)\n"
    "{\n"
    "    int done = 0;\n"
    "    MPI_Finalized(&done);\n"
    "    if (!done) MPI_Finalize();\n"
    "}\n"
    "\n"
    "/* MPI set up, finalized at exit (any exit path); only rank 0 writes to stdout */\n"
    "static void mpi_frame_init(void)\n"
    "{\n"
    "    MPI_Init(NULL, NULL);\n"
    "    atexit(mpi_frame_finalize);\n"
    "    MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);\n"
    "    MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);\n"
    "    if (mpi_rank != 0 && !freopen(\"/dev/null\", \"w\", stdout)) MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "}\n"
    "\n"
    "/* this rank's part [*lo, *hi) of the iterations first .. end-1, in rank order (kept for\n"
    " * mpi_allgather_share) */\n"
    "static long mpi_share_lo, mpi_share_hi;\n"
    "static inline void mpi_share(long first, long end, long *lo, long *hi)\n"
    "{\n"
    "    long n = end > first ? end - first : 0, q = n / mpi_size, r = n % mpi_size;\n"
    "    *lo = first + q * mpi_rank + (mpi_rank < r ? mpi_rank : r);\n"
    "    *hi = *lo + q + (mpi_rank < r);\n"
    "    mpi_share_lo = *lo, mpi_share_hi = *hi;\n"
    "}\n"
    "\n"
    "/* after a loop over this rank's part (the last mpi_share): every rank receives the rows i of a\n"
    " * (a[i*w] .. a[i*w + w-1]; w = 1 for a vector) that every rank computed */\n"
    "static inline void mpi_allgather_share(void *a, long w, MPI_Datatype type)\n"
    "{\n"
    "    long mine[2] = {mpi_share_lo * w, mpi_share_hi * w}, *all = malloc(2 * (size_t)mpi_size * sizeof *all);\n"
    "    int *counts = malloc(2 * (size_t)mpi_size * sizeof *counts), *displs = counts + mpi_size;\n"
    "    if (!all || !counts) MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "    MPI_Allgather(mine, 2, MPI_LONG, all, 2, MPI_LONG, MPI_COMM_WORLD);\n"
    "    for (int r = 0; r < mpi_size; r++) {\n"
    "        counts[r] = all[2 * r + 1] > all[2 * r] ? (int)(all[2 * r + 1] - all[2 * r]) : 0;\n"
    "        displs[r] = (int)all[2 * r];\n"
    "    }\n"
    "    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, a, counts, displs, type, MPI_COMM_WORLD);\n"
    "    free(all);\n"
    "    free(counts);\n"
    "}\n"
    "\n"
    "/* a loop over this rank's part that stores elements of a (n of size bytes) where they are not\n"
    " * rows of its index: a copy before it, and after it every rank gets the elements every rank\n"
    " * stored (those that differ from the copy), in rank order */\n"
    "static inline void *mpi_merge_begin(const void *a, long n, size_t size)\n"
    "{\n"
    "    void *copy = malloc((size_t)n * size + 1);\n"
    "    if (!copy) MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "    memcpy(copy, a, (size_t)n * size);\n"
    "    return copy;\n"
    "}\n"
    "\n"
    "static inline void mpi_merge_end(void *a, void *before, long n, size_t size)\n"
    "{\n"
    "    char *p = a, *q = before;\n"
    "    int mine = 0, total = 0;\n"
    "    for (long i = 0; i < n; i++) mine += memcmp(p + i * size, q + i * size, size) != 0;\n"
    "    long *idx = malloc((size_t)mine * sizeof *idx + 1);\n"
    "    char *val = malloc((size_t)mine * size + 1);\n"
    "    int *counts = malloc(2 * (size_t)mpi_size * sizeof *counts), *displs = counts + mpi_size;\n"
    "    if (!idx || !val || !counts) MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "    for (long i = 0, k = 0; i < n; i++)\n"
    "        if (memcmp(p + i * size, q + i * size, size) != 0) {\n"
    "            idx[k] = i;\n"
    "            memcpy(val + k++ * size, p + i * size, size);\n"
    "        }\n"
    "    MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);\n"
    "    for (int r = 0; r < mpi_size; r++) displs[r] = total, total += counts[r];\n"
    "    long *all_idx = malloc((size_t)total * sizeof *all_idx + 1);\n"
    "    char *all_val = malloc((size_t)total * size + 1);\n"
    "    if (!all_idx || !all_val) MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "    MPI_Datatype t;\n"
    "    MPI_Type_contiguous((int)size, MPI_BYTE, &t);\n"
    "    MPI_Type_commit(&t);\n"
    "    MPI_Allgatherv(idx, mine, MPI_LONG, all_idx, counts, displs, MPI_LONG, MPI_COMM_WORLD);\n"
    "    MPI_Allgatherv(val, mine, t, all_val, counts, displs, t, MPI_COMM_WORLD);\n"
    "    MPI_Type_free(&t);\n"
    "    for (int k = 0; k < total; k++) memcpy(p + all_idx[k] * size, all_val + (size_t)k * size, size);\n"
    "    free(idx), free(val), free(counts), free(all_idx), free(all_val), free(before);\n"
    "}\n"
    "\n"
    "/* after a loop over this rank's part that keeps the largest (smallest) value and its index:\n"
    " * every rank gets the overall one, the lowest index among equal values */\n"
    "#define mpi_maxloc(value, index) mpi_loc_(value, index, MPI_MAXLOC)\n"
    "#define mpi_minloc(value, index) mpi_loc_(value, index, MPI_MINLOC)\n"
    "#define mpi_loc_(value, index, op)                                                \\\n"
    "    do {                                                                          \\\n"
    "        struct { double v; int i; } mpi_loc_m = {(double)(value), (int)(index)};  \\\n"
    "        MPI_Allreduce(MPI_IN_PLACE, &mpi_loc_m, 1, MPI_DOUBLE_INT, op, MPI_COMM_WORLD); \\\n"
    "        (value) = mpi_loc_m.v;                                                    \\\n"
    "        (index) = mpi_loc_m.i;                                                    \\\n"
    "    } while (0)\n"
    "/* ---- end of the MPI frame ---- */\n";

void frame_release(struct frame *f)
{
    for (size_t j = 0; j < f->n; j++) free(f->loops[j].indent), free(f->loops[j].text), free(f->loops[j].prefix), free(f->loops[j].writes),
            free(f->loops[j].sums), free(f->loops[j].rows), free(f->loops[j].written),
            free(f->loops[j].merges), free(f->loops[j].merge_end);
    free(f->loops), free(f->src);
    memset(f, 0, sizeof(*f));
}


/* s without `indent` at the start of each line that has it. */
static char *dedent(const char *s, size_t n, const char *indent)
{
    size_t k = strlen(indent);
    struct cm_buf b;
    cm_buf_init(&b);
    for (size_t i = 0; i < n;) {
        if (i && k && n - i >= k && !memcmp(s + i, indent, k)) i += k; /* the first line starts at the loop */
        const char *nl = memchr(s + i, '\n', n - i);
        size_t l = nl ? (size_t)(nl - (s + i)) + 1 : n - i;
        cm_buf_append(&b, s + i, l);
        i += l;
    }
    return b.data ? cm_buf_detach(&b) : cm_strdup("");
}

/* The tokens i..j-1 (significant or not) as trimmed text. */
static char *tok_text(const struct clex *lx, size_t i, size_t j)
{
    while (i < j && (lx->toks[i].kind == CLEX_WS || lx->toks[i].kind == CLEX_COMMENT)) i++;
    while (j > i && (lx->toks[j - 1].kind == CLEX_WS || lx->toks[j - 1].kind == CLEX_COMMENT)) j--;
    if (i >= j) return cm_strdup("");
    return cm_strndup(lx->src + lx->toks[i].off, lx->toks[j - 1].off + lx->toks[j - 1].len - lx->toks[i].off);
}

static int is_type_word(const struct clex *lx, size_t i)
{
    static const char *const words[] = {"double", "float", "int", "long", "short", "char", "unsigned", "signed",
                                        "const", "size_t", "ptrdiff_t", "int64_t", "uint64_t", "int32_t",
                                        "uint32_t", "_Bool", "bool", "struct", "volatile", "register"};
    if (i >= lx->n || lx->toks[i].kind != CLEX_IDENT) return 0;
    for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
        if (clex_is(lx, i, words[k])) return 1;
    return 0;
}

/* Token i (a name) is declared there: after a type word (or `type *`), or after a comma in a
 * statement that begins with one, or as a for loop's own variable set in its header. */
static int declared_at(const struct clex *lx, size_t i)
{
    size_t p = clex_prev_sig(lx, i);
    while (p != (size_t)-1 && clex_is(lx, p, "*")) p = clex_prev_sig(lx, p);
    if (p == (size_t)-1) return 0;
    if (is_type_word(lx, p)) return 1;
    if (clex_is(lx, p, "(")) {
        size_t f = clex_prev_sig(lx, p);
        return f != (size_t)-1 && clex_is(lx, f, "for");
    }
    if (!clex_is(lx, p, ",")) return 0;
    int depth = 0;
    for (size_t k = p; k != (size_t)-1; k = clex_prev_sig(lx, k)) { /* back to the statement's start */
        if (clex_is(lx, k, ")") || clex_is(lx, k, "]")) depth++;
        else if (clex_is(lx, k, "(") || clex_is(lx, k, "[")) {
            if (depth-- == 0) return 0; /* inside a call's arguments */
        } else if (depth == 0 && (clex_is(lx, k, ";") || clex_is(lx, k, "{") || clex_is(lx, k, "}"))) {
            return is_type_word(lx, clex_next_sig(lx, k));
        }
    }
    return is_type_word(lx, 0);
}

static int assign_op(const struct clex *lx, size_t i)
{
    static const char *const ops[] = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "++", "--"};
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        if (clex_is(lx, i, ops[k])) return 1;
    return 0;
}

static void add_name(struct cm_buf *b, size_t *n, const char *s, size_t len)
{
    /* once each: b holds ",name," entries */
    char key[80];
    if (len + 3 > sizeof(key)) return;
    snprintf(key, sizeof(key), ",%.*s,", (int)len, s);
    if (b->data && strstr(b->data, key)) return;
    cm_buf_puts(b, b->len ? "" : ",");
    cm_buf_printf(b, "%.*s,", (int)len, s);
    (*n)++;
}

/* The first written element of each array, as written: "\x1fname\x1etext" entries. */
static void add_sub(struct cm_buf *subs, const char *name, size_t len, const char *text, size_t tlen)
{
    char key[80];
    if (len + 3 > sizeof(key) || tlen > 48 || memchr(text, '\n', tlen)) return;
    snprintf(key, sizeof(key), "\x1f%.*s\x1e", (int)len, name);
    if (subs->data && strstr(subs->data, key)) return;
    cm_buf_printf(subs, "%s%.*s", key, (int)tlen, text);
}

/* ", as a[i] and b[i]" for the names of list that have an entry in subs */
static void put_subs(struct cm_buf *out, const char *list, const char *subs)
{
    if (!subs) return;
    size_t k = 0, n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (const char *p = list + 1; *p;) {
            const char *e = strchr(p, ',');
            char key[80];
            snprintf(key, sizeof(key), "\x1f%.*s\x1e", (int)(e - p < 70 ? e - p : 70), p);
            const char *t = strstr(subs, key);
            if (t) {
                t += strlen(key);
                if (pass == 0) n++;
                else cm_buf_printf(out, "%s%.*s", k++ == 0 ? ", as " : k == n ? " and " : ", ", (int)strcspn(t, "\x1f"), t);
            }
            p = e + 1;
        }
}

/* "a, b and c" from ",a,b,c," */
static void put_names(struct cm_buf *out, const char *list, size_t n)
{
    size_t k = 0;
    for (const char *p = list + 1; *p; k++) {
        const char *e = strchr(p, ',');
        cm_buf_printf(out, "%s%.*s", k == 0 ? "" : k + 1 == n ? " and " : ", ", (int)(e - p), p);
        p = e + 1;
    }
}

/* How mpi_allgather_share covers an array written at the index as sub ("un[j * W + i]"):
 * rows of w elements (a term index * w, the other terms inside the row) or, for a[index + c],
 * rows of one element from a + c. Appends "the rows of un have W elements" or "the rows of x
 * start at x + 1 (one element each)" to out (after sep), and "\x1fname\x1ebase\x1ewidth" to rows
 * (the gather's first two arguments); nothing for a[index] or anything else. */
static void row_hint(struct cm_buf *out, struct cm_buf *rows, const char *sep, const char *sub, const char *var,
                     size_t var_len)
{
    struct clex lx;
    clex_init(&lx);
    size_t nl = strcspn(sub, "[");
    if (!sub[nl] || clex_run(&lx, sub, strlen(sub))) goto done;
    size_t open = 0;
    while (open < lx.n && !clex_is(&lx, open, "[")) open++;
    size_t close = open < lx.n ? clex_match(&lx, open) : lx.n;
    if (close >= lx.n || clex_is(&lx, clex_next_sig(&lx, close), "[")) goto done;
    /* the terms at depth 0: [t0, t1) each, with their sign */
    size_t starts[8], ends[8], n = 0;
    int minus[8], depth = 0;
    size_t t = clex_next_sig(&lx, open);
    int neg = 0;
    for (size_t k = t; k <= close; k++) {
        int sep_here = k == close || (depth == 0 && (clex_is(&lx, k, "+") || clex_is(&lx, k, "-")));
        if (sep_here) {
            if (n == 8 || k == t) goto done;
            starts[n] = t, ends[n] = k, minus[n++] = neg;
            neg = k < close && clex_is(&lx, k, "-");
            t = clex_next_sig(&lx, k);
            continue;
        }
        depth += clex_is(&lx, k, "(") - clex_is(&lx, k, ")");
    }
    int with_var = -1, literal = -1, others = 0;
    for (size_t i = 0; i < n; i++) {
        int has = 0, lit = 1;
        for (size_t k = starts[i]; k < ends[i]; k++) {
            if (lx.toks[k].kind == CLEX_WS || lx.toks[k].kind == CLEX_COMMENT) continue;
            has |= lx.toks[k].kind == CLEX_IDENT && lx.toks[k].len == var_len && !memcmp(sub + lx.toks[k].off, var, var_len);
            lit &= lx.toks[k].kind == CLEX_NUMBER;
        }
        if (has) {
            if (with_var >= 0 || minus[i]) goto done;
            with_var = (int)i;
        } else if (lit && !minus[i] && literal < 0) {
            literal = (int)i;
        } else {
            others++;
        }
    }
    if (with_var < 0) goto done;
    /* the term with the index: index alone, index * w or w * index */
    size_t a = starts[with_var], e = ends[with_var];
    size_t first = a, last = clex_prev_sig(&lx, e);
    while (lx.toks[first].kind == CLEX_WS) first++;
    char *width = NULL;
    if (first == last) {
        width = cm_strdup("1");
    } else if (clex_is(&lx, clex_next_sig(&lx, first), "*") && lx.toks[first].len == var_len &&
               !memcmp(sub + lx.toks[first].off, var, var_len)) {
        width = tok_text(&lx, clex_next_sig(&lx, clex_next_sig(&lx, first)), e);
    } else if (clex_is(&lx, clex_prev_sig(&lx, last), "*") && lx.toks[last].len == var_len &&
               !memcmp(sub + lx.toks[last].off, var, var_len)) {
        width = tok_text(&lx, a, clex_prev_sig(&lx, last));
    }
    if (!width || strstr(width, "*") || !*width) { /* var * a * b: left alone */
        free(width);
        goto done;
    }
    for (size_t k = 0; width[k]; k++) /* the width must not hold the index */
        if (!strncmp(width + k, var, var_len) && !(isalnum((unsigned char)width[k + var_len]) || width[k + var_len] == '_') &&
            (k == 0 || !(isalnum((unsigned char)width[k - 1]) || width[k - 1] == '_'))) {
            free(width);
            goto done;
        }
    if (strcmp(width, "1") != 0) {
        cm_buf_printf(out, "%sthe rows of %.*s have %s elements", sep, (int)nl, sub, width);
        cm_buf_printf(rows, "\x1f%.*s\x1e%.*s\x1e%s", (int)nl, sub, (int)nl, sub, width);
    } else if (literal >= 0 && !others) {
        char *c = tok_text(&lx, starts[literal], ends[literal]);
        cm_buf_printf(out, "%sthe rows of %.*s start at %.*s + %s (one element each)", sep, (int)nl, sub, (int)nl, sub, c);
        cm_buf_printf(rows, "\x1f%.*s\x1e%.*s + %s\x1e" "1", (int)nl, sub, (int)nl, sub, c);
        free(c);
    }
    free(width);
done:
    clex_release(&lx);
}

/* What the loop (text) writes that lives outside it, as a sentence for the question: the arrays
 * it assigns elements of, at its index var or elsewhere, and the variables it assigns. NULL
 * when none is found. The arrays written elsewhere and the variables, as ",a,b," lists (or
 * NULL), in *others and *vars_out; *vector: the arrays written at the index are all written
 * as a[index] (vectors, not rows); *rows_out: how their gathers cover the others (row_hint);
 * *written: every name it writes, ",a,b,"; *irregular: the arrays at the index that are neither
 * vectors nor rows (",a,"). */
static char *loop_writes(const char *text, const char *var, size_t var_len, char **others, char **vars_out,
                         int *vector, char **rows_out, char **written, char **irregular)
{
    *others = *vars_out = *rows_out = *written = *irregular = NULL;
    *vector = 0;
    struct clex lx;
    clex_init(&lx);
    if (clex_run(&lx, text, strlen(text))) {
        clex_release(&lx);
        return NULL;
    }
    /* names declared in the loop from an expression with its index (or such a name) in it:
     * `long c = j * W + i;` is an index; `double *ci = C + i * n;` a row of C */
    struct cm_buf derived, alias, defs;
    cm_buf_init(&derived), cm_buf_init(&alias), cm_buf_init(&defs);
    size_t n_derived = 0, n_alias = 0;
    for (size_t i = 0; var && i < lx.n; i++) {
        if (lx.toks[i].kind != CLEX_IDENT || !declared_at(&lx, i)) continue;
        size_t eq = clex_next_sig(&lx, i);
        if (!clex_is(&lx, eq, "=")) continue;
        size_t h = i; /* an inner loop's own variable is not an index of this one */
        while (h != (size_t)-1 && !clex_is(&lx, h, "(") && !clex_is(&lx, h, ";") && !clex_is(&lx, h, "{") &&
               !clex_is(&lx, h, "}"))
            h = clex_prev_sig(&lx, h);
        if (h != (size_t)-1 && clex_is(&lx, h, "(")) continue;
        int uses = 0, lookup = 0;
        size_t first = (size_t)-1, k = clex_next_sig(&lx, eq);
        for (int depth = 0; k < lx.n && !(depth == 0 && (clex_is(&lx, k, ";") || clex_is(&lx, k, ","))); k++) {
            lookup |= clex_is(&lx, k, "["); /* o = offs[d]: a value looked up, not an index */
            depth += clex_is(&lx, k, "(") || clex_is(&lx, k, "[");
            depth -= clex_is(&lx, k, ")") || clex_is(&lx, k, "]");
            if (lx.toks[k].kind != CLEX_IDENT) continue;
            if (lx.toks[k].len == var_len && !memcmp(text + lx.toks[k].off, var, var_len)) uses = 1;
            char key[80];
            snprintf(key, sizeof(key), ",%.*s,", (int)(lx.toks[k].len < 70 ? lx.toks[k].len : 70), text + lx.toks[k].off);
            if (derived.data && strstr(derived.data, key)) uses = 1;
            if (first == (size_t)-1 && !clex_is_keyword(text + lx.toks[k].off, lx.toks[k].len)) first = k;
        }
        if (!uses || lookup) continue;
        size_t star = clex_prev_sig(&lx, i);
        if (star != (size_t)-1 && clex_is(&lx, star, "*") && first != (size_t)-1) { /* a pointer into an array */
            cm_buf_printf(&alias, "%.*s=%.*s;", (int)lx.toks[i].len, text + lx.toks[i].off, (int)lx.toks[first].len,
                          text + lx.toks[first].off);
            n_alias++;
        } else {
            add_name(&derived, &n_derived, text + lx.toks[i].off, lx.toks[i].len);
            char *def = tok_text(&lx, eq + 1, k);
            cm_buf_printf(&defs, "\x1f%.*s\x1e%s", (int)lx.toks[i].len, text + lx.toks[i].off, def);
            free(def);
        }
    }
    struct cm_buf at, other, vars, subs;
    size_t n_at = 0, n_other = 0, n_vars = 0;
    cm_buf_init(&at), cm_buf_init(&other), cm_buf_init(&vars), cm_buf_init(&subs);
    for (size_t i = 0; i < lx.n; i++) {
        if (lx.toks[i].kind != CLEX_IDENT || clex_is_keyword(text + lx.toks[i].off, lx.toks[i].len)) continue;
        size_t p = clex_prev_sig(&lx, i);
        if (p != (size_t)-1 && (clex_is(&lx, p, ".") || clex_is(&lx, p, "->"))) continue;
        size_t nx = clex_next_sig(&lx, i), close = nx;
        int indexed = 0, at_var = 0;
        while (clex_is(&lx, close, "[")) {
            size_t c = clex_match(&lx, close);
            if (c >= lx.n) break;
            int nest = 0; /* ys[ri[q]]: an element looked up through another array is not at the index */
            for (size_t k = close + 1; var && k < c; k++) {
                nest += clex_is(&lx, k, "[") - clex_is(&lx, k, "]");
                if (lx.toks[k].kind != CLEX_IDENT || nest > 0) continue;
                at_var |= lx.toks[k].len == var_len && !memcmp(text + lx.toks[k].off, var, var_len);
                char key[80];
                snprintf(key, sizeof(key), ",%.*s,", (int)(lx.toks[k].len < 70 ? lx.toks[k].len : 70), text + lx.toks[k].off);
                at_var |= derived.data && strstr(derived.data, key) != NULL;
            }
            indexed = 1, close = clex_next_sig(&lx, c);
        }
        if (!assign_op(&lx, close) || declared_at(&lx, i)) continue;
        const char *name = text + lx.toks[i].off;
        size_t len = lx.toks[i].len;
        if (var && len == var_len && !memcmp(name, var, len)) continue;
        /* a name declared in the loop is its own, unless it points into an outer array */
        int own = 0;
        for (size_t k = 0; k < lx.n && !own; k++)
            own = lx.toks[k].kind == CLEX_IDENT && lx.toks[k].len == len && !memcmp(text + lx.toks[k].off, name, len) &&
                  declared_at(&lx, k);
        if (own && indexed && alias.data) {
            char key[80];
            snprintf(key, sizeof(key), "%.*s=", (int)(len < 70 ? len : 70), name);
            const char *a = strstr(alias.data, key);
            if (a && (a == alias.data || a[-1] == ';')) {
                name = a + strlen(key), len = strcspn(name, ";");
                own = 0, at_var = 1;
            }
        }
        if (own) continue;
        if (indexed && name == text + lx.toks[i].off) { /* as written (not through a row pointer) */
            size_t last = clex_prev_sig(&lx, close), in = clex_next_sig(&lx, nx);
            const char *def = NULL;
            if (clex_next_sig(&lx, in) == last && clex_is(&lx, last, "]") && lx.toks[in].kind == CLEX_IDENT && defs.data) {
                char key[80]; /* un[c] with c = j * W + i: shown as un[j * W + i] */
                snprintf(key, sizeof(key), "\x1f%.*s\x1e", (int)(lx.toks[in].len < 70 ? lx.toks[in].len : 70),
                         text + lx.toks[in].off);
                if ((def = strstr(defs.data, key))) def += strlen(key);
            }
            if (def) {
                char sub[96];
                snprintf(sub, sizeof(sub), "%.*s[%.*s]", (int)len, name, (int)strcspn(def, "\x1f"), def);
                add_sub(&subs, name, len, sub, strlen(sub));
            } else {
                add_sub(&subs, name, len, name, lx.toks[last].off + lx.toks[last].len - lx.toks[i].off);
            }
        }
        if (!indexed) add_name(&vars, &n_vars, name, len);
        else if (at_var || !var) add_name(&at, &n_at, name, len);
        else add_name(&other, &n_other, name, len);
    }
    cm_buf_release(&derived), cm_buf_release(&alias), cm_buf_release(&defs);
    (void)n_derived, (void)n_alias;
    /* an array written both at its index and elsewhere is said once, elsewhere */
    if (n_other && n_at) {
        struct cm_buf keep;
        cm_buf_init(&keep);
        size_t n_keep = 0;
        for (const char *q = at.data + 1; *q;) {
            const char *e = strchr(q, ',');
            char key[80];
            snprintf(key, sizeof(key), ",%.*s,", (int)(e - q < 70 ? e - q : 70), q);
            if (!strstr(other.data, key)) add_name(&keep, &n_keep, q, (size_t)(e - q));
            q = e + 1;
        }
        cm_buf_release(&at);
        at = keep, n_at = n_keep;
    }
    struct cm_buf b;
    cm_buf_init(&b);
    if (n_at || n_other || n_vars) {
        cm_buf_puts(&b, "The loop writes");
        if (n_at) {
            cm_buf_printf(&b, " the array%s ", n_at > 1 ? "s" : "");
            put_names(&b, at.data, n_at);
            if (var) cm_buf_printf(&b, " at its index %.*s", (int)var_len, var);
            put_subs(&b, at.data, subs.data);
        }
        if (n_other) {
            cm_buf_printf(&b, "%s the array%s ", n_at ? ";" : "", n_other > 1 ? "s" : "");
            put_names(&b, other.data, n_other);
            cm_buf_printf(&b, " at indices other than its index %.*s", (int)var_len, var);
            put_subs(&b, other.data, subs.data);
        }
        if (n_vars) {
            cm_buf_printf(&b, "%s the variable%s ", n_at || n_other ? "; and" : "", n_vars > 1 ? "s" : "");
            put_names(&b, vars.data, n_vars);
        }
        cm_buf_puts(&b, ".\n");
        /* how the gather covers the arrays at the index that are not plain vectors */
        struct cm_buf hints, rows, odd;
        cm_buf_init(&hints), cm_buf_init(&rows), cm_buf_init(&odd);
        for (const char *q = n_at && var ? at.data + 1 : ""; *q;) {
            const char *e = strchr(q, ',');
            char key[80];
            snprintf(key, sizeof(key), "\x1f%.*s\x1e", (int)(e - q < 70 ? e - q : 70), q);
            const char *t = subs.data ? strstr(subs.data, key) : NULL;
            if (t) {
                char *sub = cm_strndup(t + strlen(key), strcspn(t + strlen(key), "\x1f"));
                size_t had = rows.len;
                row_hint(&hints, &rows, hints.len ? "; " : "", sub, var, var_len);
                char plain[160];
                snprintf(plain, sizeof(plain), "%.*s[%.*s]", (int)(e - q < 70 ? e - q : 70), q, (int)var_len, var);
                if (rows.len == had && strcmp(sub, plain) != 0)
                    cm_buf_printf(&odd, "%s%.*s,", odd.len ? "" : ",", (int)(e - q), q);
                free(sub);
            }
            q = e + 1;
        }
        if (hints.len) cm_buf_printf(&b, "For mpi_allgather_share: %s.\n", hints.data);
        if (rows.len) *rows_out = cm_buf_detach(&rows);
        if (odd.len) *irregular = cm_buf_detach(&odd);
        cm_buf_release(&hints), cm_buf_release(&rows), cm_buf_release(&odd);
    }
    if (n_at && var) { /* every array at the index written as name[var] first */
        *vector = 1;
        for (const char *q = at.data + 1; *q && *vector;) {
            const char *e = strchr(q, ',');
            char key[80], want[160];
            snprintf(key, sizeof(key), "\x1f%.*s\x1e", (int)(e - q < 70 ? e - q : 70), q);
            snprintf(want, sizeof(want), "%.*s[%.*s]", (int)(e - q < 70 ? e - q : 70), q, (int)var_len, var);
            const char *t = subs.data ? strstr(subs.data, key) : NULL;
            *vector = t && (t += strlen(key), strcspn(t, "\x1f") == strlen(want)) && !memcmp(t, want, strlen(want));
            q = e + 1;
        }
    }
    struct cm_buf all;
    cm_buf_init(&all);
    cm_buf_printf(&all, ",%s%s%s", at.data ? at.data + 1 : "", other.data ? other.data + 1 : "",
                  vars.data ? vars.data + 1 : "");
    *written = cm_buf_detach(&all);
    if (n_other) *others = cm_buf_detach(&other);
    if (n_vars) *vars_out = cm_buf_detach(&vars);
    cm_buf_release(&at), cm_buf_release(&other), cm_buf_release(&vars), cm_buf_release(&subs);
    clex_release(&lx);
    return b.data ? cm_buf_detach(&b) : NULL;
}

/* The start of the set-up of a loop's sums (loop_sums) */
#define ZERO_HEAD "if (mpi_rank != 0) { /* sums: rank 0 keeps the values from before the loop, the other ranks add to zero */\n"

/* Every occurrence of the name in the loop (lx over text) is a statement that adds to it:
 * `name += e;`, `name -= e;` or `name[...] += e;` (a sum over the iterations), and there is one;
 * with store, every one is an element's store `name[...] = e;`. */
static int only_writes(const struct clex *lx, const char *text, const char *name, size_t len, int store)
{
    int seen = 0;
    for (size_t i = 0; i < lx->n; i++) {
        if (lx->toks[i].kind != CLEX_IDENT || lx->toks[i].len != len || memcmp(text + lx->toks[i].off, name, len))
            continue;
        size_t p = clex_prev_sig(lx, i);
        if (p != (size_t)-1 && (clex_is(lx, p, ".") || clex_is(lx, p, "->"))) continue; /* a member so named */
        if (p != (size_t)-1 && !clex_is(lx, p, ";") && !clex_is(lx, p, "{") && !clex_is(lx, p, "}") &&
            !clex_is(lx, p, ")") && !clex_is(lx, p, "else") && !clex_is(lx, p, ":"))
            return 0; /* not at a statement's start: read, or written through an operator */
        size_t k = clex_next_sig(lx, i);
        while (clex_is(lx, k, "[")) {
            size_t c = clex_match(lx, k);
            if (c >= lx->n) return 0;
            k = clex_next_sig(lx, c);
        }
        if (store ? !clex_is(lx, k, "=") || k == clex_next_sig(lx, i) : !clex_is(lx, k, "+=") && !clex_is(lx, k, "-="))
            return 0;
        seen = 1;
    }
    return seen;
}

/* The element count of an allocation's size, tokens [a, b): the factors of a product with the
 * one `sizeof` factor and casts taken off ("n * m" of `(size_t)n * m * sizeof *y`); NULL when it
 * is not such a product. */
static char *count_of(const struct clex *lx, size_t a, size_t b)
{
    struct cm_buf out;
    cm_buf_init(&out);
    int sizes = 0, factors = 0;
    size_t i = a;
    while (i < b && (lx->toks[i].kind == CLEX_WS || lx->toks[i].kind == CLEX_COMMENT)) i++;
    while (i < b) {
        while (clex_is(lx, i, "(") && is_type_word(lx, clex_next_sig(lx, i))) { /* a cast */
            size_t c = clex_match(lx, i);
            if (c >= b) goto fail;
            i = clex_next_sig(lx, c);
        }
        size_t e = i;
        if (clex_is(lx, i, "sizeof")) {
            e = clex_next_sig(lx, i);
            if (clex_is(lx, e, "(")) {
                e = clex_match(lx, e);
            } else {
                while (clex_is(lx, e, "*")) e = clex_next_sig(lx, e);
                if (e >= b || lx->toks[e].kind != CLEX_IDENT) goto fail;
                for (size_t n = clex_next_sig(lx, e); clex_is(lx, n, "["); n = clex_next_sig(lx, e)) e = clex_match(lx, n);
            }
            if (e >= b) goto fail;
            sizes++;
            e = clex_next_sig(lx, e);
        } else {
            for (int depth = 0; e < b && !(depth == 0 && clex_is(lx, e, "*")); e++) {
                depth += clex_is(lx, e, "(") || clex_is(lx, e, "[");
                depth -= clex_is(lx, e, ")") || clex_is(lx, e, "]");
                if (depth == 0 && (clex_is(lx, e, "+") || clex_is(lx, e, "-") || clex_is(lx, e, ",") ||
                                   clex_is(lx, e, "?") || clex_is(lx, e, "<<")))
                    goto fail; /* a sum of sizes: not a count times an element's size */
            }
            char *t = tok_text(lx, i, e);
            if (!*t) {
                free(t);
                goto fail;
            }
            cm_buf_printf(&out, factors++ ? " * %s" : "%s", t);
            free(t);
        }
        if (e < b && !clex_is(lx, e, "*")) goto fail;
        i = e < b ? clex_next_sig(lx, e) : b;
    }
    if (sizes != 1) goto fail;
    if (!factors) cm_buf_puts(&out, "1");
    return cm_buf_detach(&out);
fail:
    cm_buf_release(&out);
    return NULL;
}

/* How many elements the array `name` has where the program allocates or declares it last
 * before offset at, in the function holding at or at file scope: `name = malloc(COUNT * sizeof
 * ...)`, calloc(COUNT, size), aligned_alloc(align, ...), or `T name[COUNT]`. NULL when it is not
 * found, has more than one dimension or its count cannot be read. */
static char *array_length(const struct clex *lx, size_t at, const char *name, size_t len)
{
    size_t body = lx->n; /* the top-level `{` whose block holds at */
    for (size_t i = 0, depth = 0; i < lx->n && lx->toks[i].off < at; i++) {
        if (clex_is(lx, i, "{") && depth++ == 0) body = i;
        else if (clex_is(lx, i, "}") && depth && --depth == 0) body = lx->n;
    }
    char *found = NULL;
    for (size_t i = 0, depth = 0; i < lx->n && lx->toks[i].off < at; i++) {
        depth += clex_is(lx, i, "{") - clex_is(lx, i, "}");
        if (depth && (body == lx->n || i < body)) continue; /* another function's */
        if (lx->toks[i].kind != CLEX_IDENT || lx->toks[i].len != len || memcmp(lx->src + lx->toks[i].off, name, len))
            continue;
        size_t p = clex_prev_sig(lx, i), nx = clex_next_sig(lx, i);
        if (p != (size_t)-1 && (clex_is(lx, p, ".") || clex_is(lx, p, "->"))) continue;
        char *count = NULL;
        if (clex_is(lx, nx, "[") && declared_at(lx, i)) {
            size_t c = clex_match(lx, nx);
            if (c >= lx->n) continue;
            if (!clex_is(lx, clex_next_sig(lx, c), "[")) count = tok_text(lx, nx + 1, c);
            if (count && !*count) free(count), count = NULL;
        } else if (clex_is(lx, nx, "=")) {
            size_t k = clex_next_sig(lx, nx);
            while (clex_is(lx, k, "(") && is_type_word(lx, clex_next_sig(lx, k))) { /* (double *)malloc(...) */
                size_t c = clex_match(lx, k);
                if (c >= lx->n) break;
                k = clex_next_sig(lx, c);
            }
            size_t open = clex_next_sig(lx, k);
            if (!clex_is(lx, open, "(")) continue;
            size_t close = clex_match(lx, open), comma = open + 1;
            if (close >= lx->n) continue;
            for (int d = 0; comma < close && !(d == 0 && clex_is(lx, comma, ",")); comma++)
                d += clex_is(lx, comma, "(") - clex_is(lx, comma, ")");
            if (clex_is(lx, k, "malloc") && comma == close) {
                count = count_of(lx, open + 1, close);
            } else if (clex_is(lx, k, "calloc") && comma < close) {
                size_t s = clex_next_sig(lx, comma);
                if (clex_is(lx, s, "sizeof")) { /* calloc(COUNT, sizeof ...): COUNT, casts taken off */
                    size_t c0 = clex_next_sig(lx, open);
                    while (clex_is(lx, c0, "(") && is_type_word(lx, clex_next_sig(lx, c0)) && clex_match(lx, c0) < comma)
                        c0 = clex_next_sig(lx, clex_match(lx, c0));
                    count = tok_text(lx, c0, comma);
                }
            } else if (clex_is(lx, k, "aligned_alloc") && comma < close) {
                count = count_of(lx, comma + 1, close);
            } else {
                continue;
            }
        } else {
            continue;
        }
        free(found);
        found = count;
    }
    return found;
}

/* "s and the m elements of ys": the names, an array's with its count */
static void put_sums(struct cm_buf *b, char *const *names, char *const *counts, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        cm_buf_puts(b, k == 0 ? "" : k + 1 == n ? " and " : ", ");
        if (counts[k]) cm_buf_printf(b, "the %s elements of %s", counts[k], names[k]);
        else cm_buf_puts(b, names[k]);
    }
}

/* The sums of loop L (text, index var): the variables (in vars) and arrays written away from
 * the index (in others, with an element count found in the program, lx over it) that the loop
 * only adds to. For them the answer starts by keeping their values on rank 0 and setting
 * them to zero on the other ranks, so that one MPI_Allreduce with MPI_SUM after the loop gives
 * every rank the sequential result, whatever they held before it. Sets L->sums (",a,b,"),
 * returns the set-up's code (or NULL) and appends the question's sentence to *writes. */
static char *loop_sums(struct frame_loop *L, const struct clex *plx, const char *others, const char *vars)
{
    struct clex lx;
    clex_init(&lx);
    if (clex_run(&lx, L->text, strlen(L->text))) {
        clex_release(&lx);
        return NULL;
    }
    char *names[16], *counts[16];
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *list = pass == 0 ? vars : others;
        for (const char *p = list ? list + 1 : ""; *p && n < 16;) {
            const char *e = strchr(p, ',');
            size_t len = (size_t)(e - p);
            if (only_writes(&lx, L->text, p, len, 0)) {
                char *count = pass == 0 ? NULL : array_length(plx, L->begin, p, len);
                if (pass == 0 || count) names[n] = cm_strndup(p, len), counts[n++] = count;
            }
            p = e + 1;
        }
    }
    clex_release(&lx);
    if (!n) return NULL;
    struct cm_buf code, said, list;
    cm_buf_init(&code), cm_buf_init(&said), cm_buf_init(&list);
    cm_buf_puts(&code, ZERO_HEAD);
    for (size_t k = 0; k < n; k++) {
        if (counts[k])
            cm_buf_printf(&code, "    for (long mpi_t = 0; mpi_t < %s; mpi_t++)\n        %s[mpi_t] = 0;\n", counts[k],
                          names[k]);
        else cm_buf_printf(&code, "    %s = 0;\n", names[k]);
        cm_buf_printf(&list, "%s%s,", k ? "" : ",", names[k]);
        L->sum_arrays += counts[k] != NULL;
    }
    cm_buf_puts(&code, "}\n");
    cm_buf_puts(&said, "The loop only adds to ");
    put_sums(&said, names, counts, n);
    cm_buf_printf(&said, ": the answer starts by keeping %s from before the loop on rank 0 and setting %s to zero on "
                         "the other ranks, so after the loop MPI_Allreduce with MPI_IN_PLACE and MPI_SUM over ",
                  n == 1 && !counts[0] ? "its value" : "their values", n == 1 && !counts[0] ? "it" : "them");
    put_sums(&said, names, counts, n);
    cm_buf_puts(&said, " gives every rank the whole loop's result.\n");
    char *w = L->writes;
    L->writes = cm_malloc((w ? strlen(w) : 0) + said.len + 1);
    sprintf(L->writes, "%s%s", w ? w : "", said.data);
    free(w);
    L->sums = cm_buf_detach(&list);
    cm_buf_release(&said);
    for (size_t k = 0; k < n; k++) free(names[k]), free(counts[k]);
    return cm_buf_detach(&code);
}

/* A loop that keeps the largest (+1) or smallest (-1) value it meets and where (vars: the
 * two variables it writes, ",v,k,"): an if comparing v (`x > v`, `v < x`, or the other way
 * for the smallest) whose branch sets k to the loop's index; 0 otherwise. The names in *value
 * and *index (caller frees). */
static int loop_extremum(const char *text, const char *var, size_t var_len, const char *vars, char **value,
                         char **index)
{
    *value = *index = NULL;
    if (!vars || !var) return 0;
    const char *a = vars + 1, *c1 = strchr(a, ','), *b = c1 + 1, *c2 = strchr(b, ',');
    if (!c2 || c2[1]) return 0; /* exactly two */
    struct clex lx;
    clex_init(&lx);
    int dir = 0;
    if (clex_run(&lx, text, strlen(text))) goto done;
    for (int pass = 0; pass < 2 && !dir; pass++) {
        const char *v = pass ? b : a, *k = pass ? a : b;
        size_t vl = (size_t)((pass ? c2 : c1) - v), kl = (size_t)((pass ? c1 : c2) - k);
        int sets_k = 0, cmp = 0;
        for (size_t i = 0; i < lx.n; i++) {
            if (lx.toks[i].kind != CLEX_IDENT) continue;
            size_t nx = clex_next_sig(&lx, i), pv = clex_prev_sig(&lx, i);
            if (lx.toks[i].len == kl && !memcmp(text + lx.toks[i].off, k, kl) && clex_is(&lx, nx, "=")) {
                size_t r = clex_next_sig(&lx, nx);
                sets_k |= r < lx.n && lx.toks[r].len == var_len && !memcmp(text + lx.toks[r].off, var, var_len) &&
                          clex_is(&lx, clex_next_sig(&lx, r), ";");
            }
            if (lx.toks[i].len == vl && !memcmp(text + lx.toks[i].off, v, vl)) {
                /* x > v or v < x: the largest; x < v or v > x: the smallest */
                if (pv != (size_t)-1 && (clex_is(&lx, pv, ">") || clex_is(&lx, pv, ">="))) cmp = cmp ? cmp : 1;
                if (pv != (size_t)-1 && (clex_is(&lx, pv, "<") || clex_is(&lx, pv, "<="))) cmp = cmp ? cmp : -1;
                if (clex_is(&lx, nx, "<") || clex_is(&lx, nx, "<=")) cmp = cmp ? cmp : 1;
                if (clex_is(&lx, nx, ">") || clex_is(&lx, nx, ">=")) cmp = cmp ? cmp : -1;
            }
        }
        if (sets_k && cmp) {
            dir = cmp;
            *value = cm_strndup(v, vl), *index = cm_strndup(k, kl);
        }
    }
done:
    clex_release(&lx);
    return dir;
}

/* The arrays of loop L (in irregular or others, lx over the program) that the loop only stores
 * elements of (`a[...] = e;`, nothing reads them) at places chatmpi cannot give as rows, whose
 * count the program shows: chatmpi merges them itself, a copy before the loop
 * (mpi_merge_begin) and every rank's stores given to every rank after it (mpi_merge_end).
 * Sets L->merges (",a,b,") and L->merge_end (the code after the loop), appends the question's
 * sentence to L->writes and returns the code before the loop (or NULL). */
static char *loop_merges(struct frame_loop *L, const struct clex *plx, const char *irregular, const char *others)
{
    struct clex lx;
    clex_init(&lx);
    if (clex_run(&lx, L->text, strlen(L->text))) {
        clex_release(&lx);
        return NULL;
    }
    struct cm_buf begin, end, list, names;
    cm_buf_init(&begin), cm_buf_init(&end), cm_buf_init(&list), cm_buf_init(&names);
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (const char *p = pass == 0 ? (irregular ? irregular + 1 : "") : (others ? others + 1 : ""); *p;) {
            const char *e = strchr(p, ',');
            size_t len = (size_t)(e - p);
            char *count = only_writes(&lx, L->text, p, len, 1) ? array_length(plx, L->begin, p, len) : NULL;
            if (count) {
                cm_buf_printf(&begin, "void *mpi_before_%.*s = mpi_merge_begin(%.*s, %s, sizeof *%.*s);\n", (int)len, p,
                              (int)len, p, count, (int)len, p);
                cm_buf_printf(&end, "mpi_merge_end(%.*s, mpi_before_%.*s, %s, sizeof *%.*s);\n", (int)len, p, (int)len,
                              p, count, (int)len, p);
                cm_buf_printf(&list, "%s%.*s,", n ? "" : ",", (int)len, p);
                cm_buf_printf(&names, "%s%.*s", n ? " and " : "", (int)len, p);
                n++;
                free(count);
            }
            p = e + 1;
        }
    clex_release(&lx);
    char *code = NULL;
    if (n) {
        L->merges = cm_buf_detach(&list);
        L->merge_end = cm_buf_detach(&end);
        char *w = L->writes;
        L->writes = cm_malloc((w ? strlen(w) : 0) + 2 * names.len + 256);
        sprintf(L->writes, "%schatmpi gives every rank the elements of %s that every rank stores: write no "
                "communication for %s.\n", w ? w : "", names.data, n > 1 ? "them" : names.data);
        free(w);
        code = cm_buf_detach(&begin);
    }
    cm_buf_release(&begin), cm_buf_release(&end), cm_buf_release(&list), cm_buf_release(&names);
    return code;
}

/* A simple expression: one name or number, which needs no parentheses. */
static int is_atom(const char *e)
{
    for (const char *p = e; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.')) return 0;
    return *e != 0;
}

/* A for loop's index (text begins at `for`): the name before the first '=' of its header's
 * first clause; NULL (while, do, no assignment). */
static const char *loop_var(const char *text, size_t *len)
{
    struct clex lx;
    clex_init(&lx);
    const char *v = NULL;
    if (!clex_run(&lx, text, strlen(text)) && clex_is(&lx, 0, "for")) {
        size_t open = clex_next_sig(&lx, 0);
        for (size_t k = open + 1; k < lx.n && !clex_is(&lx, k, ";"); k++)
            if (clex_is(&lx, k, "=")) {
                size_t p = clex_prev_sig(&lx, k);
                if (p != (size_t)-1 && lx.toks[p].kind == CLEX_IDENT) v = text + lx.toks[p].off, *len = lx.toks[p].len;
                break;
            }
    }
    clex_release(&lx);
    return v;
}

/* For a canonical counted loop `for ([T] v = A; v < B | v <= B | v != B; v++ | ++v | v += 1) BODY`
 * (text, dedented): the loop over this rank's share, "mpi_share(A, B, &lo, &hi);" and the loop
 * with the same body from lo to hi; NULL for any other loop (the model then writes the split). */
static char *split_loop(const struct frame *f, const char *text)
{
    struct clex lx;
    clex_init(&lx);
    char *out = NULL, *type = NULL, *first = NULL, *bound = NULL;
    if (clex_run(&lx, text, strlen(text))) goto done;
    size_t kw = 0; /* the text begins at the loop's keyword */
    if (!clex_is(&lx, kw, "for")) goto done;
    size_t open = clex_next_sig(&lx, kw), close = clex_is(&lx, open, "(") ? clex_match(&lx, open) : lx.n;
    if (close >= lx.n) goto done;
    size_t semi1 = open, semi2;
    while (semi1 < close && !clex_is(&lx, semi1, ";") && !clex_is(&lx, semi1, ",")) semi1++;
    if (semi1 >= close || !clex_is(&lx, semi1, ";")) goto done;
    for (semi2 = semi1 + 1; semi2 < close && !clex_is(&lx, semi2, ";"); semi2++) {}
    if (semi2 >= close) goto done;
    size_t eq = open + 1;
    while (eq < semi1 && !clex_is(&lx, eq, "=")) eq++;
    size_t v = eq < semi1 ? clex_prev_sig(&lx, eq) : SIZE_MAX;
    if (v == (size_t)-1 || v <= open || lx.toks[v].kind != CLEX_IDENT) goto done;
    const char *vn = text + lx.toks[v].off;
    size_t vl = lx.toks[v].len;
    type = tok_text(&lx, open + 1, v);
    first = tok_text(&lx, eq + 1, semi1);
    size_t c0 = clex_next_sig(&lx, semi1), op = c0 < semi2 ? clex_next_sig(&lx, c0) : lx.n;
    if (c0 >= semi2 || lx.toks[c0].len != vl || memcmp(text + lx.toks[c0].off, vn, vl) || op >= semi2) goto done;
    int le = clex_is(&lx, op, "<=");
    if (!le && !clex_is(&lx, op, "<") && !clex_is(&lx, op, "!=")) goto done;
    bound = tok_text(&lx, op + 1, semi2);
    if (!*bound || !*first) goto done;
    /* the step: v++, ++v or v += 1 */
    size_t s0 = clex_next_sig(&lx, semi2), s1 = s0 < close ? clex_next_sig(&lx, s0) : lx.n;
    size_t s2 = s1 < close ? clex_next_sig(&lx, s1) : lx.n;
    int is_v0 = s0 < close && lx.toks[s0].len == vl && !memcmp(text + lx.toks[s0].off, vn, vl);
    int is_v1 = s1 < close && lx.toks[s1].len == vl && !memcmp(text + lx.toks[s1].off, vn, vl);
    int step = (is_v0 && clex_is(&lx, s1, "++") && s2 == close) || (clex_is(&lx, s0, "++") && is_v1 && s2 == close) ||
               (is_v0 && clex_is(&lx, s1, "+=") && clex_is(&lx, s2, "1") && clex_next_sig(&lx, s2) == close);
    if (!step) goto done;
    struct cm_buf b;
    cm_buf_init(&b);
    cm_buf_printf(&b, "long %s, %s;\nmpi_share(%s, ", f->lo, f->hi, first);
    if (le) cm_buf_printf(&b, is_atom(bound) ? "%s + 1" : "(%s) + 1", bound);
    else cm_buf_puts(&b, bound);
    cm_buf_printf(&b, ", &%s, &%s);\nfor (%s%s%.*s = %s; %.*s < %s; %.*s++)%s\n", f->lo, f->hi, type, *type ? " " : "",
                  (int)vl, vn, f->lo, (int)vl, vn, f->hi, (int)vl, vn, text + lx.toks[close].off + 1);
    out = cm_buf_detach(&b);
done:
    free(type), free(first), free(bound);
    clex_release(&lx);
    return out;
}

int frame_build(struct frame *f, const char *marked_src)
{
    memset(f, 0, sizeof(*f));
    struct clex lx;
    clex_init(&lx);
    size_t len = strlen(marked_src);
    int rc = clex_run(&lx, marked_src, len);
    if (rc) goto out;
    f->src = cm_strdup(marked_src);
    int has_lo = 0, has_hi = 0;
    size_t cap = 0, depth = 0;
    f->main_body = (size_t)-1;
    for (size_t i = 0; i < lx.n; i++) {
        const struct clex_tok *t = &lx.toks[i];
        if (t->kind == CLEX_IDENT) {
            has_lo |= clex_is(&lx, i, "lo"), has_hi |= clex_is(&lx, i, "hi");
            if (depth == 0 && f->main_body == (size_t)-1 && clex_is(&lx, i, "main")) {
                size_t open = clex_next_sig(&lx, i), close = clex_is(&lx, open, "(") ? clex_match(&lx, open) : lx.n;
                size_t body = close < lx.n ? clex_next_sig(&lx, close) : lx.n;
                if (clex_is(&lx, body, "{")) f->main_body = lx.toks[body].off + 1;
            }
        } else if (t->kind == CLEX_PUNCT && t->len == 1) {
            char c = marked_src[t->off];
            if (c == '{') depth++;
            else if (c == '}' && depth) depth--;
        } else if (t->kind == CLEX_PP && depth == 0 && t->len >= 8 && !memcmp(marked_src + t->off, "#include", 8)) {
            f->prolog_at = t->off + t->len; /* before the newline ending it */
        } else if (t->kind == CLEX_COMMENT && t->len == strlen(HOTLOOPS_MARK) &&
                   !memcmp(marked_src + t->off, HOTLOOPS_MARK, t->len)) {
            size_t k = clex_next_sig(&lx, i);
            if (!(clex_is(&lx, k, "for") || clex_is(&lx, k, "while") || clex_is(&lx, k, "do"))) continue;
            size_t e = clex_stmt_end(&lx, k);
            if (e >= lx.n) continue;
            size_t begin = t->off;
            while (begin && (marked_src[begin - 1] == ' ' || marked_src[begin - 1] == '\t')) begin--;
            if (begin && marked_src[begin - 1] != '\n') begin = t->off; /* code before it on its line */
            if (f->n == cap) f->loops = cm_realloc(f->loops, (cap = cap ? 2 * cap : 4) * sizeof(*f->loops));
            struct frame_loop *L = &f->loops[f->n++];
            memset(L, 0, sizeof(*L));
            L->begin = begin;
            L->end = lx.toks[e].off + lx.toks[e].len;
            L->indent = cm_strndup(marked_src + begin, t->off - begin);
            L->text = dedent(marked_src + lx.toks[k].off, L->end - lx.toks[k].off, L->indent);
            i = e;
        }
    }
    if (f->main_body == (size_t)-1) {
        rc = cm_error_set(CM_EFORMAT, "the program has no main function to put MPI's set-up in");
        goto out;
    }
    if (!f->n) {
        rc = cm_error_set(CM_EFORMAT, "no loop is marked '%s' (chatmpi data hotloops marks them)", HOTLOOPS_MARK);
        goto out;
    }
    snprintf(f->lo, sizeof(f->lo), "%s", has_lo || has_hi ? "mpi_lo" : "lo");
    snprintf(f->hi, sizeof(f->hi), "%s", has_lo || has_hi ? "mpi_hi" : "hi");
    for (size_t j = 0; j < f->n; j++) {
        struct frame_loop *L = &f->loops[j];
        size_t vl = 0;
        const char *v = loop_var(L->text, &vl);
        char *others, *vars;
        char *irregular;
        L->writes = loop_writes(L->text, v, vl, &others, &vars, &L->vector, &L->rows, &L->written, &irregular);
        char *zero = loop_sums(L, &lx, others, vars);
        char *merge = loop_merges(L, &lx, irregular, others);
        free(irregular);
        char *value, *index;
        L->extremum = loop_extremum(L->text, v, vl, vars, &value, &index);
        if (L->extremum) {
            char *w = L->writes;
            L->writes = cm_malloc((w ? strlen(w) : 0) + 2 * strlen(value) + strlen(index) + 256);
            sprintf(L->writes, "%sThe loop keeps the %s value in %s and its index in %s: after the loop, %s(%s, %s) "
                    "gives every rank the whole loop's result.\n", w ? w : "", L->extremum > 0 ? "largest" : "smallest",
                    value, index, L->extremum > 0 ? "mpi_maxloc" : "mpi_minloc", value, index);
            free(w);
        }
        free(value), free(index);
        free(others), free(vars);
        char *split = split_loop(f, L->text);
        struct cm_buf b;
        cm_buf_init(&b);
        cm_buf_printf(&b, "```c\n%s%s", zero ? zero : "", merge ? merge : "");
        if (split) cm_buf_puts(&b, split);
        else cm_buf_printf(&b, FRAME_PREFIX_FMT, f->lo, f->hi);
        L->prefix = cm_buf_detach(&b);
        free(split), free(zero), free(merge);
    }
out:
    clex_release(&lx);
    if (rc) frame_release(f);
    return rc;
}

char *frame_question(const struct frame *f, size_t j)
{
    struct cm_buf b;
    cm_buf_init(&b);
    cm_buf_printf(&b,
                  "This C program is going to run on several MPI ranks. Every rank holds all of the program's data "
                  "and runs all of it as written, and only rank 0's output is printed. Two helper functions are "
                  "defined in the program:\n\n"
                  "    /* this rank's part [*lo, *hi) of the iterations first, first+1, ..., end-1 */\n"
                  "    void mpi_share(long first, long end, long *lo, long *hi);\n"
                  "    /* after the loop over this rank's part: every rank receives the rows i of the array a\n"
                  "       (a[i*w] ... a[i*w + w-1]; w = 1 for a vector) that every rank computed */\n"
                  "    void mpi_allgather_share(void *a, long w, MPI_Datatype type);\n\n"
                  "Rewrite the loop marked `%s` so that this rank runs only its part of the loop's iterations "
                  "(mpi_share, into %s and %s), followed by the communication after which every rank holds exactly "
                  "what the whole loop computes: MPI_Allreduce with MPI_IN_PLACE for a sum (MPI_SUM), a maximum or "
                  "a minimum; mpi_allgather_share for the array elements the loop writes at its index. Keep the "
                  "loop's body as it is, declare no variable of the program again, and print nothing. Answer "
                  "with only the rewritten loop and the communication, in one ```c block.\n\n",
                  HOTLOOPS_MARK, f->lo, f->hi);
    /* the example has the loop's kind of sums: the model follows its shape closely */
    const struct frame_loop *Lj = &f->loops[j];
    if (Lj->extremum) {
        const char *fn = Lj->extremum > 0 ? "mpi_maxloc" : "mpi_minloc", *op = Lj->extremum > 0 ? ">" : "<";
        cm_buf_printf(&b,
                      "A third helper is defined for a loop that keeps the %s value and its index:\n\n"
                      "    /* after the loop over this rank's part: every rank gets the %s value of all\n"
                      "       ranks and its index (the lowest index among equal values) */\n"
                      "    %s(value, index);\n\n"
                      "For example, this loop (best is w[0] and ibest is 0 before it):\n\n```c\n"
                      "for (long i = 1; i < n; i++) {\n"
                      "    if (w[i] %s best) {\n"
                      "        best = w[i];\n"
                      "        ibest = i;\n"
                      "    }\n"
                      "}\n```\n\nis rewritten as:\n\n```c\n"
                      "long %s, %s;\n"
                      "mpi_share(1, n, &%s, &%s);\n"
                      "for (long i = %s; i < %s; i++) {\n"
                      "    if (w[i] %s best) {\n"
                      "        best = w[i];\n"
                      "        ibest = i;\n"
                      "    }\n"
                      "}\n"
                      "%s(best, ibest);\n"
                      "```\n\nThe program:\n\n```c\n",
                      Lj->extremum > 0 ? "largest" : "smallest", Lj->extremum > 0 ? "largest" : "smallest", fn, op,
                      f->lo, f->hi, f->lo, f->hi, f->lo, f->hi, op, fn);
    } else if (Lj->sum_arrays) {
        cm_buf_printf(&b,
                      "For example, this loop that adds into the nbins elements of the array hist and into total:\n\n"
                      "```c\n"
                      "for (long i = 0; i < n; i++) {\n"
                      "    hist[bin[i]] += w[i];\n"
                      "    total += w[i];\n"
                      "}\n```\n\nis rewritten as:\n\n```c\n"
                      "%s"
                      "    for (long mpi_t = 0; mpi_t < nbins; mpi_t++)\n"
                      "        hist[mpi_t] = 0;\n"
                      "    total = 0;\n"
                      "}\n"
                      "long %s, %s;\n"
                      "mpi_share(0, n, &%s, &%s);\n"
                      "for (long i = %s; i < %s; i++) {\n"
                      "    hist[bin[i]] += w[i];\n"
                      "    total += w[i];\n"
                      "}\n"
                      "MPI_Allreduce(MPI_IN_PLACE, hist, nbins, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n"
                      "MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n"
                      "```\n\nThe program:\n\n```c\n",
                      ZERO_HEAD, f->lo, f->hi, f->lo, f->hi, f->lo, f->hi);
    } else if (Lj->vector) {
        cm_buf_printf(&b,
                      "For example, this loop%s:\n\n```c\n"
                      "for (long i = 0; i < n; i++) {\n"
                      "    a[i] = 2.0 * b[i];\n"
                      "    c[i] = a[i] - b[i];\n"
                      "    total += c[i];\n"
                      "}\n```\n\nis rewritten as:\n\n```c\n"
                      "%s%s"
                      "long %s, %s;\n"
                      "mpi_share(0, n, &%s, &%s);\n"
                      "for (long i = %s; i < %s; i++) {\n"
                      "    a[i] = 2.0 * b[i];\n"
                      "    c[i] = a[i] - b[i];\n"
                      "    total += c[i];\n"
                      "}\n"
                      "mpi_allgather_share(a, 1, MPI_DOUBLE);\n"
                      "mpi_allgather_share(c, 1, MPI_DOUBLE);\n"
                      "MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n"
                      "```\n\nThe program:\n\n```c\n",
                      Lj->sums ? "" : " (total is 0 before it)", Lj->sums ? ZERO_HEAD : "",
                      Lj->sums ? "    total = 0;\n}\n" : "", f->lo, f->hi, f->lo, f->hi, f->lo, f->hi);
    } else {
        cm_buf_printf(&b,
                      "For example, this loop over the rows of a matrix%s:\n\n```c\n"
                      "for (long i = 0; i < rows; i++) {\n"
                      "    for (long j = 0; j < cols; j++)\n"
                      "        out[i * cols + j] = 2.0 * in[i * cols + j];\n"
                      "    total += out[i * cols];\n"
                      "}\n```\n\nis rewritten as:\n\n```c\n"
                      "%s%s"
                      "long %s, %s;\n"
                      "mpi_share(0, rows, &%s, &%s);\n"
                      "for (long i = %s; i < %s; i++) {\n"
                      "    for (long j = 0; j < cols; j++)\n"
                      "        out[i * cols + j] = 2.0 * in[i * cols + j];\n"
                      "    total += out[i * cols];\n"
                      "}\n"
                      "mpi_allgather_share(out, cols, MPI_DOUBLE);\n"
                      "MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n"
                      "```\n\nThe program:\n\n```c\n",
                      Lj->sums ? "" : " (total is 0 before it)", Lj->sums ? ZERO_HEAD : "",
                      Lj->sums ? "    total = 0;\n}\n" : "", f->lo, f->hi, f->lo, f->hi, f->lo, f->hi);
    }
    /* the program with loop j's mark only */
    size_t at = 0;
    for (size_t k = 0; k < f->n; k++) {
        if (k == j) continue;
        const struct frame_loop *L = &f->loops[k];
        const char *mark = strstr(f->src + L->begin, HOTLOOPS_MARK);
        size_t m = (size_t)(mark - f->src), e = m + strlen(HOTLOOPS_MARK);
        if (L->begin < m || m == 0 || f->src[m - 1] == '\n') { /* alone on its line: the line goes */
            m = L->begin;
            if (f->src[e] == '\n') e++;
        }
        cm_buf_append(&b, f->src + at, m - at);
        at = e;
    }
    cm_buf_puts(&b, f->src + at);
    if (b.len && b.data[b.len - 1] != '\n') cm_buf_puts(&b, "\n");
    cm_buf_printf(&b, "```\n\nThe marked loop:\n\n```c\n%s\n```\n", f->loops[j].text);
    if (f->loops[j].writes) cm_buf_printf(&b, "\n%s", f->loops[j].writes);
    return cm_buf_detach(&b);
}

/* At s (just after "MPI_Allreduce("): the first two arguments equal (spaces aside)? Their
 * extent in *a0, *a1 (the first argument's bytes). */
static int same_buffers(const char *s, const char **a0, const char **a1)
{
    const char *args[3];
    int depth = 0, n = 0;
    args[n++] = s;
    for (const char *p = s; *p && n < 3; p++) {
        if (*p == '(' || *p == '[') depth++;
        else if ((*p == ')' || *p == ']') && depth-- == 0) return 0;
        else if (*p == ',' && depth == 0) args[n++] = p + 1;
    }
    if (n < 3) return 0;
    const char *x = args[0], *xe = args[1] - 1, *y = args[1], *ye = args[2] - 1;
    while (x < xe || y < ye) {
        while (x < xe && (*x == ' ' || *x == '\n')) x++;
        while (y < ye && (*y == ' ' || *y == '\n')) y++;
        if (x == xe || y == ye) break;
        if (*x++ != *y++) return 0;
    }
    while (x < xe && (*x == ' ' || *x == '\n')) x++;
    while (y < ye && (*y == ' ' || *y == '\n')) y++;
    if (x != xe || y != ye || args[1] - 1 == args[0]) return 0;
    *a0 = args[0], *a1 = args[1] - 1;
    return 1;
}

/* Whether the identifier s[0..n) occurs in text as a whole name. */
static int has_name(const char *text, const char *s, size_t n)
{
    for (const char *p = text; (p = memmem(p, strlen(p), s, n)); p += n) {
        int before = p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
        int after = isalnum((unsigned char)p[n]) || p[n] == '_';
        if (!before && !after) return 1;
    }
    return 0;
}

/* The line (n bytes) communicates a variable that the loop does not name: the buffer of an
 * MPI_Allreduce (its second argument when the first is MPI_IN_PLACE) or of
 * mpi_allgather_share (its first). A copy of the question's example, not the loop's result. */
static int buffer_name(const char *line, size_t n, const char **name, size_t *len, int *gather)
{
    const char *c = memmem(line, n, "MPI_Allreduce(", 14);
    const char *arg = c ? c + 14 : NULL;
    *gather = 0;
    if (!c && (c = memmem(line, n, "mpi_allgather_share(", 20))) arg = c + 20, *gather = 1;
    if (!arg) return 0;
    const char *end = line + n;
    while (arg < end && (*arg == ' ' || *arg == '&' || *arg == '(')) arg++;
    if (c[0] == 'M' && end - arg > 12 && !memcmp(arg, "MPI_IN_PLACE", 12)) {
        arg = memchr(arg, ',', (size_t)(end - arg));
        if (!arg) return 0;
        for (arg++; arg < end && (*arg == ' ' || *arg == '&' || *arg == '('); arg++) {}
    }
    size_t k = 0;
    while (arg + k < end && (isalnum((unsigned char)arg[k]) || arg[k] == '_')) k++;
    if (!k || isdigit((unsigned char)arg[0])) return 0;
    *name = arg, *len = k;
    return 1;
}

static int foreign_buffer(const char *line, size_t n, const char *loop)
{
    const char *name;
    size_t len;
    int gather;
    return buffer_name(line, n, &name, &len, &gather) && !has_name(loop, name, len);
}

/* The loop (text) may write the name through a call: `&name`, or name as a call's argument. */
static int passed_to_call(const char *text, const char *name, size_t len)
{
    struct clex lx;
    clex_init(&lx);
    int passed = 0;
    if (!clex_run(&lx, text, strlen(text)))
        for (size_t i = 0; i < lx.n && !passed; i++) {
            if (lx.toks[i].kind != CLEX_IDENT || lx.toks[i].len != len || memcmp(text + lx.toks[i].off, name, len))
                continue;
            size_t p = clex_prev_sig(&lx, i);
            if (p == (size_t)-1) continue;
            if (clex_is(&lx, p, "&")) passed = 1;
            if (!clex_is(&lx, p, "(") && !clex_is(&lx, p, ",")) continue;
            int depth = 0; /* the call's `(`: back over the arguments before */
            for (size_t k = p; k != (size_t)-1; k = clex_prev_sig(&lx, k)) {
                if (clex_is(&lx, k, ")") || clex_is(&lx, k, "]")) depth++;
                else if (clex_is(&lx, k, "[")) depth--;
                else if (clex_is(&lx, k, "(") && depth-- == 0) {
                    size_t fn = clex_prev_sig(&lx, k);
                    passed = fn != (size_t)-1 && lx.toks[fn].kind == CLEX_IDENT &&
                             !clex_is_keyword(text + lx.toks[fn].off, lx.toks[fn].len);
                    break;
                }
            }
        }
    clex_release(&lx);
    return passed;
}

/* A line that gathers an array the loop writes in rows (L->rows), its first two arguments made
 * the rows' base and width; NULL when the line is no such gather. Caller frees. */
static char *fix_gather(const struct frame_loop *L, const char *line, size_t n)
{
    const char *name, *c = memmem(line, n, "mpi_allgather_share(", 20);
    size_t len;
    int gather;
    if (!c || !L->rows || !buffer_name(line, n, &name, &len, &gather) || !gather) return NULL;
    char key[80];
    snprintf(key, sizeof(key), "\x1f%.*s\x1e", (int)(len < 70 ? len : 70), name);
    const char *r = strstr(L->rows, key);
    if (!r) return NULL;
    r += strlen(key);
    const char *sep = strchr(r, '\x1e'), *end = r + strcspn(r, "\x1f");
    /* the third argument: after the second depth-0 comma */
    const char *a = c + 20, *e = line + n;
    int depth = 0, commas = 0;
    const char *third = NULL;
    for (const char *p = a; p < e && !third; p++) {
        if (*p == '(' || *p == '[') depth++;
        else if (*p == ')' || *p == ']') {
            if (depth-- == 0) return NULL;
        } else if (*p == ',' && depth == 0 && ++commas == 2) third = p + 1;
    }
    if (!third) return NULL;
    struct cm_buf b;
    cm_buf_init(&b);
    cm_buf_printf(&b, "%.*s%.*s, %.*s,%.*s", (int)(a - line), line, (int)(sep - r), r, (int)(end - sep - 1), sep + 1,
                  (int)(e - third), third);
    return cm_buf_detach(&b);
}

/* code without the MPI_Allreduce lines whose buffer is an array the same rewrite gathers: an
 * array gathered holds every rank's rows, so a sum over the ranks of it is a slip; but an
 * array of the loop's sums (",a,b," list, zero on the ranks other than 0) is summed, and a
 * gather of it is the slip */
static char *drop_reduced_gathers(char *code, const char *sums)
{
    struct cm_buf gathered, b;
    cm_buf_init(&gathered), cm_buf_init(&b);
    for (int pass = 0; pass < 2; pass++)
        for (const char *p = code; *p;) {
            const char *nl = strchr(p, '\n');
            size_t l = nl ? (size_t)(nl - p) + 1 : strlen(p);
            const char *name;
            size_t len;
            int gather, keep = 1;
            if (buffer_name(p, l, &name, &len, &gather)) {
                char key[80];
                snprintf(key, sizeof(key), ",%.*s,", (int)(len < 70 ? len : 70), name);
                int sum = sums && strstr(sums, key);
                if (pass == 0 && gather && !sum) cm_buf_puts(&gathered, key);
                if (pass == 1 && gather && sum) keep = 0;
                if (pass == 1 && !gather && gathered.data && strstr(gathered.data, key)) keep = 0;
            }
            if (pass == 1 && keep) cm_buf_append(&b, p, l);
            p += l;
        }
    cm_buf_release(&gathered);
    free(code);
    return b.data ? cm_buf_detach(&b) : cm_strdup("");
}

char *frame_fragment(const struct frame *f, size_t j, const char *answer, const char **why)
{
    *why = NULL;
    const char *open = strstr(answer, "```");
    if (!open) {
        *why = "no ```c code block";
        return NULL;
    }
    const char *s = strchr(open, '\n');
    s = s ? s + 1 : open + strlen(open);
    const char *end = strstr(s, "```");
    size_t n = end ? (size_t)(end - s) : strlen(s);
    struct cm_buf b;
    cm_buf_init(&b);
    size_t merge_begun = 0, merge_begins = 0; /* the prefix's mpi_merge_begin lines are kept */
    for (const char *m = f->loops[j].merges; m && *m; m++) merge_begins += *m == ',';
    if (merge_begins) merge_begins--;
    for (size_t i = 0; i < n;) { /* the lines, #include dropped */
        const char *nl = memchr(s + i, '\n', n - i);
        size_t l = nl ? (size_t)(nl - (s + i)) + 1 : n - i;
        size_t w = strspn(s + i, " \t");
        int include = w < l && l - w >= 8 && !memcmp(s + i + w, "#include", 8);
        const struct frame_loop *L = &f->loops[j];
        const char *name;
        size_t len;
        int gather;
        char *fixed = NULL, key[80];
        if (include || foreign_buffer(s + i, l, L->text)) {
            /* dropped */
        } else if (L->merges && (memmem(s + i, l, "mpi_merge_end(", 14) || memmem(s + i, l, "mpi_merge_begin(", 16))) {
            /* chatmpi writes the merge (its start is in the answer's prefix) */
            if (memmem(s + i, l, "mpi_merge_begin(", 16) && merge_begun++ < merge_begins) cm_buf_append(&b, s + i, l);
        } else if (L->merges && buffer_name(s + i, l, &name, &len, &gather) &&
                   (snprintf(key, sizeof(key), ",%.*s,", (int)(len < 70 ? len : 70), name), strstr(L->merges, key))) {
            /* chatmpi merges it */
        } else if (buffer_name(s + i, l, &name, &len, &gather) && !gather && L->written &&
                   (snprintf(key, sizeof(key), ",%.*s,", (int)(len < 70 ? len : 70), name), !strstr(L->written, key)) &&
                   !passed_to_call(L->text, name, len)) {
            /* a reduction of what the loop only reads: every rank has it already (MPI_SUM would
             * multiply it by the ranks) */
        } else if ((fixed = fix_gather(L, s + i, l))) {
            cm_buf_puts(&b, fixed);
            free(fixed);
        } else {
            cm_buf_append(&b, s + i, l);
        }
        i += l;
    }
    char *code = b.data ? cm_buf_detach(&b) : cm_strdup("");
    /* the rewrite ends with its communication: what follows the last line that communicates
     * (printing, code of the program after the loop written again) is not the loop's */
    char *last = NULL;
    for (char *p = code; *p;) {
        char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (memmem(p, l, "MPI_", 4) || memmem(p, l, "mpi_allgather_share", 19) || memmem(p, l, "mpi_maxloc(", 11) ||
            memmem(p, l, "mpi_minloc(", 11))
            last = p;
        p += l + (nl != NULL);
    }
    if (last) {
        /* the end of the statement begun on that line: its first ';' at bracket depth 0 */
        int depth = 0;
        char *e = last;
        for (; *e && !(*e == ';' && depth <= 0); e++) depth += (*e == '(') - (*e == ')');
        if (*e) {
            char *nl = strchr(e, '\n');
            if (nl) nl[1] = 0;
        }
    }
    if (strstr(code, "main(") || strstr(code, "main (")) {
        free(code);
        *why = "the answer is a whole program, not the loop's rewrite";
        return NULL;
    }
    if (!strstr(code, "mpi_share")) {
        free(code);
        *why = "the answer does not share the loop's iterations (no mpi_share)";
        return NULL;
    }
    /* MPI_Allreduce(&s, &s, ...): the same buffer twice is an error in MPI; in place meant */
    cm_buf_init(&b);
    const char *p = code;
    for (const char *q; (q = strstr(p, "MPI_Allreduce("));) {
        q += strlen("MPI_Allreduce(");
        const char *a0, *a1;
        cm_buf_append(&b, p, (size_t)(q - p));
        if (same_buffers(q, &a0, &a1)) {
            cm_buf_puts(&b, "MPI_IN_PLACE");
            p = a1;
        } else {
            p = q;
        }
    }
    cm_buf_puts(&b, p);
    free(code);
    char *out = drop_reduced_gathers(cm_buf_detach(&b), f->loops[j].sums);
    if (f->loops[j].merge_end) { /* the stores chatmpi merges, after the model's communication */
        char *m = cm_malloc(strlen(out) + strlen(f->loops[j].merge_end) + 1);
        sprintf(m, "%s%s", out, f->loops[j].merge_end);
        free(out);
        out = m;
    }
    return out;
}

char *frame_program(const struct frame *f, char *const *frags)
{
    struct cm_buf b;
    cm_buf_init(&b);
    size_t at = 0;
    int prolog_done = 0, main_done = 0;
    for (size_t j = 0; j <= f->n; j++) {
        size_t next = j < f->n ? f->loops[j].begin : strlen(f->src);
        if (!prolog_done && f->prolog_at <= next) {
            cm_buf_append(&b, f->src + at, f->prolog_at - at);
            if (f->prolog_at) cm_buf_puts(&b, "\n");
            cm_buf_puts(&b, prolog + (f->prolog_at ? 0 : 1));
            at = f->prolog_at, prolog_done = 1;
        }
        if (!main_done && f->main_body <= next) {
            cm_buf_append(&b, f->src + at, f->main_body - at);
            cm_buf_puts(&b, "\n    mpi_frame_init(); /* chatmpi: MPI_Init, rank, size; only rank 0 prints */");
            at = f->main_body, main_done = 1;
        }
        cm_buf_append(&b, f->src + at, next - at);
        at = next;
        if (j == f->n) break;
        const struct frame_loop *L = &f->loops[j];
        cm_buf_printf(&b, "%s{ /* chatmpi: the loop split over the ranks (the model's rewrite) */\n", L->indent);
        const char *s = frags[j];
        while (*s) {
            const char *nl = strchr(s, '\n');
            size_t l = nl ? (size_t)(nl - s) : strlen(s);
            if (l) cm_buf_printf(&b, "%s    %.*s", L->indent, (int)l, s);
            cm_buf_puts(&b, "\n");
            s += l + (nl != NULL);
        }
        while (b.len >= 2 && b.data[b.len - 1] == '\n' && b.data[b.len - 2] == '\n') b.data[--b.len] = 0;
        cm_buf_printf(&b, "%s}", L->indent);
        at = L->end;
    }
    return cm_buf_detach(&b);
}
