/* hotloops.c — gcov line counts of a sequential program and the loops to split (hotloops.h). */
#include "harness/hotloops.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "corpus/clex.h"
#include "harness/sandbox.h"

void hotloops_counts_release(struct hotloops_counts *c)
{
    free(c->v);
    memset(c, 0, sizeof(*c));
}

/* ---- the profile --------------------------------------------------------------------- */

static int run_tool(struct sandbox_result *res, const char *dir, char **argv, double wall_s)
{
    struct sandbox_spec spec = {dir, "", argv, NULL, 1, NULL, {0}};
    sandbox_limits_default(&spec.lim);
    spec.lim.wall_s = wall_s;
    spec.lim.out_cap = (size_t)64 << 20;
    return sandbox_run(res, &spec);
}

/* gcov -t's "COUNT:LINE:SOURCE" lines into counts (line 0, the header, is skipped). */
static void parse_gcov(struct hotloops_counts *c, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        const char *c1 = memchr(p, ':', (size_t)(e - p));
        const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(e - c1 - 1)) : NULL;
        if (c2) {
            long line = strtol(c1 + 1, NULL, 10);
            while (p < c1 && (*p == ' ' || *p == '\t')) p++;
            long long v = -1;
            if (*p == '#' || *p == '=') v = 0;
            else if (*p >= '0' && *p <= '9') v = strtoll(p, NULL, 10);
            if (line > 0) {
                if ((size_t)line > c->n) {
                    c->v = cm_realloc(c->v, (size_t)line * sizeof(*c->v));
                    for (size_t k = c->n; k < (size_t)line; k++) c->v[k] = -1;
                    c->n = (size_t)line;
                }
                c->v[line - 1] = v;
            }
        }
        p = nl ? nl + 1 : end;
    }
}

int hotloops_profile(struct hotloops_counts *out, const char *src_path, const char *args, double timeout_s)
{
    memset(out, 0, sizeof(*out));
    char *dir = NULL, *src = NULL, *dst = NULL;
    size_t len;
    int rc = cm_read_file(&src, &len, src_path, (size_t)16 << 20);
    if (rc) return rc;
    if ((rc = cm_make_temp_dir(&dir, "chatmpi-hotloops"))) goto done;
    dst = cm_path_join(dir, "p.c");
    if ((rc = cm_write_file_atomic(dst, src, len))) goto done;
    struct sandbox_result res;
    char *cc[] = {"gcc", "-O0", "--coverage", "-o", "p", "p.c", "-lm", NULL};
    if ((rc = run_tool(&res, dir, cc, 120))) goto done;
    if (res.end != SANDBOX_EXITED || res.exit_code != 0) {
        rc = cm_error_set(res.end == SANDBOX_EXITED && res.exit_code == 127 ? CM_EENV : CM_EFORMAT,
                          "cannot profile '%s': gcc --coverage failed: %.*s", src_path,
                          (int)(res.err.len > 400 ? 400 : res.err.len), res.err.data ? res.err.data : "");
        sandbox_result_release(&res);
        goto done;
    }
    sandbox_result_release(&res);
    struct cm_strlist argv;
    cm_strlist_init(&argv);
    cm_strlist_push(&argv, "./p");
    if (args) cm_strlist_split_ws(&argv, args);
    cm_strlist_push_owned(&argv, NULL);
    rc = run_tool(&res, dir, argv.items, timeout_s);
    cm_strlist_release(&argv);
    if (rc) goto done;
    if (res.end != SANDBOX_EXITED || res.exit_code != 0) {
        char why[200];
        if (res.end == SANDBOX_TIMEOUT) snprintf(why, sizeof(why), "it ran past %.0f s", timeout_s);
        else if (res.end == SANDBOX_EXITED) {
            size_t l = res.err.len ? strcspn(res.err.data, "\n") : 0;
            snprintf(why, sizeof(why), "it failed (exit %d)%s%.*s", res.exit_code, l ? ": " : "",
                     (int)(l > 120 ? 120 : l), l ? res.err.data : "");
        } else
            snprintf(why, sizeof(why), "it ended abnormally");
        rc = cm_error_set(CM_EIO, "cannot profile '%s' with arguments '%s': %s", src_path, args ? args : "", why);
        sandbox_result_release(&res);
        goto done;
    }
    sandbox_result_release(&res);
    char *gcov[] = {"gcov", "-t", "p.gcda", NULL};
    if ((rc = run_tool(&res, dir, gcov, 60))) goto done;
    if (res.end == SANDBOX_EXITED && res.exit_code == 0) parse_gcov(out, res.out.data, res.out.len);
    if (!out->n)
        rc = cm_error_set(res.end == SANDBOX_EXITED && res.exit_code == 127 ? CM_EENV : CM_EIO,
                          "cannot profile '%s': gcov gave no line counts", src_path);
    sandbox_result_release(&res);
done:
    if (dir) cm_remove_tree(dir);
    free(dir), free(src), free(dst);
    if (rc) hotloops_counts_release(out);
    return rc;
}

/* ---- the loops ------------------------------------------------------------------------ */

struct loop {
    size_t kw;          /* the for / while / do token */
    size_t b0, b1;      /* the body statement's first and last tokens */
    int line, line_end;
    int parent;         /* innermost enclosing loop, or -1 */
    int is_for, has_child, chosen;
    size_t var, var_len; /* a for loop's index variable (offset, length in src), or 0 length */
    long long work;     /* line executions inside it */
};


static int is_assign_op(const struct clex *lx, size_t i)
{
    static const char *ops[] = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "++", "--"};
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        if (clex_is(lx, i, ops[k])) return 1;
    return 0;
}

static int names_in(const struct clex *lx, size_t i, const struct cm_strlist *names)
{
    if (lx->toks[i].kind != CLEX_IDENT) return 0;
    for (size_t k = 0; k < names->n; k++)
        if (strlen(names->items[k]) == lx->toks[i].len && !memcmp(lx->src + lx->toks[i].off, names->items[k], lx->toks[i].len))
            return 1;
    return 0;
}

/* The significant tokens [a, b] as one string, single spaces between them. */
static char *tokens_text(const struct clex *lx, size_t a, size_t b)
{
    struct cm_buf t;
    cm_buf_init(&t);
    for (size_t k = a; k <= b && k < lx->n; k++)
        if (lx->toks[k].kind != CLEX_WS && lx->toks[k].kind != CLEX_COMMENT)
            cm_buf_printf(&t, "%.*s ", (int)lx->toks[k].len, lx->src + lx->toks[k].off);
    return t.data ? cm_buf_detach(&t) : cm_strdup("");
}

/* Token at lies in the body of an inner for loop of L whose condition bounds its variable
 * from above by an expression of L's own variable (`for (j = 0; j < i; j++)`): it runs over
 * the iterations before this one. */
static int under_earlier(const struct clex *lx, const struct loop *L, size_t at)
{
    for (size_t f = L->b0; f < at && f < lx->n; f++) {
        if (!clex_is(lx, f, "for")) continue;
        size_t open = clex_next_sig(lx, f), close = clex_is(lx, open, "(") ? clex_match(lx, open) : lx->n;
        if (close >= lx->n || at <= close || at > clex_stmt_end(lx, clex_next_sig(lx, close))) continue;
        size_t s1 = open + 1;
        while (s1 < close && !clex_is(lx, s1, ";")) s1++;
        for (size_t k = s1 + 1; k < close && !clex_is(lx, k, ";"); k++) {
            if (!clex_is(lx, k, "<") && !clex_is(lx, k, "<=")) continue;
            for (size_t m = k + 1; m < close && !clex_is(lx, m, ";"); m++)
                if (lx->toks[m].kind == CLEX_IDENT && lx->toks[m].len == L->var_len &&
                    !memcmp(lx->src + lx->toks[m].off, lx->src + L->var, L->var_len))
                    return 1;
        }
    }
    return 0;
}

/* The array at token base, written at the subscripts [first, close], is also read in the
 * loop's body at other subscripts over the iterations before this one (trsv's x[j], j < i,
 * beside x[i] = ...): an iteration needs what earlier ones wrote, so the loop is not split.
 * Reading later elements (trmv's x[j], j >= i) is left: every rank still holds their old
 * values. Sums into the array (y[j] += ... beside y[i] += ...) are no such read. */
static int reads_elsewhere(const struct clex *lx, const struct loop *L, size_t base, size_t first, size_t close)
{
    char *want = tokens_text(lx, first, close);
    int other = 0, adds = clex_is(lx, clex_next_sig(lx, close), "+=") || clex_is(lx, clex_next_sig(lx, close), "-=");
    for (size_t i = L->b0; i <= L->b1 && i < lx->n && !other; i++) {
        if (i == base || lx->toks[i].kind != CLEX_IDENT || lx->toks[i].len != lx->toks[base].len ||
            memcmp(lx->src + lx->toks[i].off, lx->src + lx->toks[base].off, lx->toks[base].len))
            continue;
        size_t p = clex_prev_sig(lx, i), o = clex_next_sig(lx, i);
        if (p != SIZE_MAX && (clex_is(lx, p, ".") || clex_is(lx, p, "->"))) continue;
        if (!clex_is(lx, o, "[")) continue;
        size_t c = clex_match(lx, o);
        while (c < lx->n && clex_is(lx, clex_next_sig(lx, c), "[")) c = clex_match(lx, clex_next_sig(lx, c));
        if (c >= lx->n) continue;
        size_t op = clex_next_sig(lx, c);
        if (adds && (clex_is(lx, op, "+=") || clex_is(lx, op, "-="))) continue;
        char *got = tokens_text(lx, o, c);
        other = strcmp(got, want) != 0 && under_earlier(lx, L, i);
        free(got);
    }
    free(want);
    return other;
}

/* The pointer at token p is set in the loop's body from an array that the body names nowhere
 * else (`double *ci = C + i * n;`): its elements are the array's at the index. When the array
 * is also read elsewhere in the body (trsm's `xk = B + k * n` beside `xi = B + i * n`), rows
 * of other iterations are read: not counted. */
static int sole_row(const struct clex *lx, const struct loop *L, size_t p)
{
    for (size_t i = L->b0; i <= L->b1 && i < lx->n; i++) {
        if (lx->toks[i].kind != CLEX_IDENT || lx->toks[i].len != lx->toks[p].len ||
            memcmp(lx->src + lx->toks[i].off, lx->src + lx->toks[p].off, lx->toks[p].len) ||
            !clex_is(lx, clex_next_sig(lx, i), "="))
            continue;
        size_t a = clex_next_sig(lx, clex_next_sig(lx, i)); /* the array: the first name after = */
        while (a < lx->n && a <= L->b1 && lx->toks[a].kind != CLEX_IDENT) a = clex_next_sig(lx, a);
        if (a >= lx->n || a > L->b1) return 0;
        size_t uses = 0;
        for (size_t k = L->b0; k <= L->b1 && k < lx->n; k++)
            uses += lx->toks[k].kind == CLEX_IDENT && lx->toks[k].len == lx->toks[a].len &&
                    !memcmp(lx->src + lx->toks[k].off, lx->src + lx->toks[a].off, lx->toks[a].len);
        return uses == 1;
    }
    return 0;
}

/* Whether the loop's body writes an array element whose subscript names its index variable,
 * or a name computed from it in the body (`long c = j * W + i;` then `u[c] = ...`), or an
 * element through a pointer computed from it (`double *ci = C + i * n;` then `ci[j] = ...`). */
static int writes_indexed(const struct clex *lx, const struct loop *L)
{
    if (!L->var_len) return 0;
    struct cm_strlist names;
    cm_strlist_init(&names);
    cm_strlist_push_owned(&names, cm_strndup(lx->src + L->var, L->var_len));
    for (size_t i = L->b0; i <= L->b1 && i < lx->n; i++) { /* NAME = ... ; with a known name on the right */
        if (!clex_is(lx, i, "=") || names_in(lx, clex_prev_sig(lx, i), &names)) continue;
        size_t v = clex_prev_sig(lx, i);
        if (v == SIZE_MAX || lx->toks[v].kind != CLEX_IDENT) continue;
        size_t e = clex_stmt_end(lx, i);
        for (size_t k = i + 1; k < e && k <= L->b1; k++)
            if (names_in(lx, k, &names)) {
                cm_strlist_push_owned(&names, cm_strndup(lx->src + lx->toks[v].off, lx->toks[v].len));
                break;
            }
    }
    int found = 0;
    for (size_t i = L->b0; i <= L->b1 && i < lx->n && !found; i++) {
        if (!clex_is(lx, i, "[")) continue;
        size_t first = i, close = clex_match(lx, i);
        while (close < lx->n && clex_is(lx, clex_next_sig(lx, close), "[")) close = clex_match(lx, clex_next_sig(lx, close));
        if (close >= lx->n || !is_assign_op(lx, clex_next_sig(lx, close))) continue;
        /* ci[j] = ... with `double *ci = C + i * n;`: a row of C at the index */
        size_t base = clex_prev_sig(lx, first);
        found = base != SIZE_MAX && names_in(lx, base, &names) && sole_row(lx, L, base);
        for (size_t k = first; k < close && !found; k++) found = names_in(lx, k, &names);
        if (found && base != SIZE_MAX && lx->toks[base].kind == CLEX_IDENT && reads_elsewhere(lx, L, base, first, close))
            found = -1; /* x[i] = ... x[j] ...: iterations read what others write */
        i = close;
    }
    cm_strlist_release(&names);
    return found > 0;
}

static void choose(struct loop *loops, size_t n, int at, const struct clex *lx)
{
    struct loop *L = &loops[at];
    int repetition = !L->is_for || (L->has_child && !writes_indexed(lx, L));
    if (!repetition) {
        L->chosen = 1;
        return;
    }
    for (size_t c = 0; c < n; c++)
        if (loops[c].parent == at && loops[c].work * 10 >= L->work && loops[c].work > 0) choose(loops, n, (int)c, lx);
}

int hotloops_mark(char **out, size_t *n_marked, const char *src, const struct hotloops_counts *c)
{
    *out = NULL, *n_marked = 0;
    struct clex lx;
    clex_init(&lx);
    int rc = clex_run(&lx, src, strlen(src));
    if (rc) {
        clex_release(&lx);
        return rc;
    }
    struct loop *loops = NULL;
    size_t n = 0, cap = 0, skip_while = SIZE_MAX;
    for (size_t i = 0; i < lx.n; i++) {
        const struct clex_tok *t = &lx.toks[i];
        if (t->kind != CLEX_IDENT || t->in_define) continue;
        int is_for = clex_is(&lx, i, "for"), is_while = clex_is(&lx, i, "while"), is_do = clex_is(&lx, i, "do");
        if (!is_for && !is_while && !is_do) continue;
        if (is_while && i == skip_while) continue; /* a do loop's condition */
        struct loop L = {.kw = i, .parent = -1, .is_for = is_for};
        if (is_do) {
            L.b0 = clex_next_sig(&lx, i);
            size_t e = clex_stmt_end(&lx, L.b0);
            L.b1 = e;
            if (e < lx.n) skip_while = clex_next_sig(&lx, e);
            L.line_end = lx.toks[clex_stmt_end(&lx, i) < lx.n ? clex_stmt_end(&lx, i) : lx.n - 1].line;
        } else {
            size_t open = clex_next_sig(&lx, i), close = open < lx.n ? clex_match(&lx, open) : lx.n;
            if (close >= lx.n) continue;
            L.b0 = clex_next_sig(&lx, close);
            L.b1 = clex_stmt_end(&lx, L.b0);
            if (L.b1 >= lx.n) continue;
            L.line_end = lx.toks[L.b1].line;
            if (is_for) { /* the index: the name before the first '=' of the init clause, else the
                           * first name of the condition */
                size_t semi = open;
                while (semi < close && !clex_is(&lx, semi, ";")) semi++;
                for (size_t k = open; k < semi; k++)
                    if (clex_is(&lx, k, "=")) {
                        size_t v = clex_prev_sig(&lx, k);
                        if (v != SIZE_MAX && lx.toks[v].kind == CLEX_IDENT) L.var = lx.toks[v].off, L.var_len = lx.toks[v].len;
                        break;
                    }
                for (size_t k = semi + 1; !L.var_len && k < close; k++)
                    if (lx.toks[k].kind == CLEX_IDENT) L.var = lx.toks[k].off, L.var_len = lx.toks[k].len;
            }
        }
        L.line = t->line;
        for (int ln = L.line; ln <= L.line_end; ln++)
            if (ln >= 1 && (size_t)ln <= c->n && c->v[ln - 1] > 0) L.work += c->v[ln - 1];
        if (n == cap) loops = cm_realloc(loops, (cap = cap ? 2 * cap : 16) * sizeof(*loops));
        loops[n++] = L;
    }
    /* parents: loops are in source order, so the innermost enclosing one is the last before it
     * whose body holds it */
    for (size_t k = 0; k < n; k++)
        for (size_t p = k; p-- > 0;)
            if (loops[p].b0 <= loops[k].kw && loops[k].kw <= loops[p].b1) {
                loops[k].parent = (int)p;
                loops[p].has_child = 1;
                break;
            }
    long long maxw = 0;
    for (size_t k = 0; k < n; k++)
        if (loops[k].parent < 0 && loops[k].work > maxw) maxw = loops[k].work;
    for (size_t k = 0; maxw > 0 && k < n; k++)
        if (loops[k].parent < 0 && loops[k].work * 4 >= maxw) choose(loops, n, (int)k, &lx);
    /* the program with a mark above each chosen loop's line */
    struct cm_buf b;
    cm_buf_init(&b);
    const char *p = src;
    int line = 1, last_marked = 0;
    for (size_t k = 0; k < n; k++) {
        if (!loops[k].chosen || loops[k].line == last_marked) continue;
        while (line < loops[k].line && *p) {
            const char *nl = strchr(p, '\n');
            size_t l = nl ? (size_t)(nl - p + 1) : strlen(p);
            cm_buf_append(&b, p, l);
            p += l, line++;
        }
        size_t ind = strspn(p, " \t");
        cm_buf_append(&b, p, ind);
        cm_buf_printf(&b, "%s\n", HOTLOOPS_MARK);
        last_marked = loops[k].line;
        (*n_marked)++;
    }
    cm_buf_append(&b, p, strlen(p));
    *out = cm_buf_detach(&b);
    cm_buf_release(&b);
    free(loops);
    clex_release(&lx);
    return 0;
}
