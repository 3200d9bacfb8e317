/* frame_loop.c — what a marked loop writes, and how its results reach every rank (see
 * frame_loop.h). */
#include "loop/frame_loop.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

/* The tokens i..j-1 (significant or not) as trimmed text. */
char *frame_tok_text(const struct clex *lx, size_t i, size_t j)
{
    while (i < j && (lx->toks[i].kind == CLEX_WS || lx->toks[i].kind == CLEX_COMMENT)) i++;
    while (j > i && (lx->toks[j - 1].kind == CLEX_WS || lx->toks[j - 1].kind == CLEX_COMMENT)) j--;
    if (i >= j) return cm_strdup("");
    return cm_strndup(lx->src + lx->toks[i].off, lx->toks[j - 1].off + lx->toks[j - 1].len - lx->toks[i].off);
}

int frame_loop_header(const struct clex *lx, size_t kw, struct frame_header *h)
{
    *h = (struct frame_header){0};
    if (kw >= lx->n || !clex_is(lx, kw, "for")) return 0;
    size_t open = clex_next_sig(lx, kw), close = open < lx->n && clex_is(lx, open, "(") ? clex_match(lx, open) : lx->n;
    if (close >= lx->n) return 0;
    size_t semi1 = open, semi2;
    while (semi1 < close && !clex_is(lx, semi1, ";") && !clex_is(lx, semi1, ",")) semi1++;
    if (semi1 >= close || !clex_is(lx, semi1, ";")) return 0;
    for (semi2 = semi1 + 1; semi2 < close && !clex_is(lx, semi2, ";"); semi2++) {}
    if (semi2 >= close) return 0;
    size_t eq = open + 1;
    while (eq < semi1 && !clex_is(lx, eq, "=")) eq++;
    size_t v = eq < semi1 ? clex_prev_sig(lx, eq) : SIZE_MAX;
    if (v == SIZE_MAX || v <= open || lx->toks[v].kind != CLEX_IDENT) return 0;
    const char *vn = lx->src + lx->toks[v].off;
    size_t vl = lx->toks[v].len;
    size_t c0 = clex_next_sig(lx, semi1), op = c0 < semi2 ? clex_next_sig(lx, c0) : lx->n;
    if (c0 >= semi2 || lx->toks[c0].len != vl || memcmp(lx->src + lx->toks[c0].off, vn, vl) || op >= semi2) return 0;
    int le = clex_is(lx, op, "<="), ge = clex_is(lx, op, ">="), down = ge || clex_is(lx, op, ">");
    if (!le && !down && !clex_is(lx, op, "<") && !clex_is(lx, op, "!=")) return 0;
    if (clex_next_sig(lx, eq) >= semi1 || clex_next_sig(lx, op) >= semi2) return 0; /* A or B empty */
    /* the step: v++, ++v or v += 1 (v--, --v or v -= 1 for a loop counting down) */
    const char *inc = down ? "--" : "++", *add = down ? "-=" : "+=";
    size_t s0 = clex_next_sig(lx, semi2), s1 = s0 < close ? clex_next_sig(lx, s0) : lx->n;
    size_t s2 = s1 < close ? clex_next_sig(lx, s1) : lx->n;
    int is_v0 = s0 < close && lx->toks[s0].len == vl && !memcmp(lx->src + lx->toks[s0].off, vn, vl);
    int is_v1 = s1 < close && lx->toks[s1].len == vl && !memcmp(lx->src + lx->toks[s1].off, vn, vl);
    int step = (is_v0 && clex_is(lx, s1, inc) && s2 == close) || (clex_is(lx, s0, inc) && is_v1 && s2 == close) ||
               (is_v0 && clex_is(lx, s1, add) && clex_is(lx, s2, "1") && clex_next_sig(lx, s2) == close);
    if (!step) return 0;
    *h = (struct frame_header){open, close, v, eq, semi1, op, semi2, le, ge, down};
    return 1;
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

int frame_loop_type_word(const struct clex *lx, size_t i) { return is_type_word(lx, i); }

int frame_loop_declared(const struct clex *lx, size_t i)
{
    return declared_at(lx, i);
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
        width = frame_tok_text(&lx, clex_next_sig(&lx, clex_next_sig(&lx, first)), e);
    } else if (clex_is(&lx, clex_prev_sig(&lx, last), "*") && lx.toks[last].len == var_len &&
               !memcmp(sub + lx.toks[last].off, var, var_len)) {
        width = frame_tok_text(&lx, a, clex_prev_sig(&lx, last));
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
        char *c = frame_tok_text(&lx, starts[literal], ends[literal]);
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
            char *def = frame_tok_text(&lx, eq + 1, k);
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
        int pre = p != (size_t)-1 && (clex_is(&lx, p, "++") || clex_is(&lx, p, "--")); /* ++name */
        if ((!assign_op(&lx, close) && !pre) || declared_at(&lx, i)) continue;
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

/* Every occurrence of the name in the loop (lx over text) is a statement that adds to it:
 * `name += e;`, `name -= e;`, `name[...] += e;`, `name++;` or `++name;` (a sum over the
 * iterations, a count), and there is one; with store, every one is an element's store
 * `name[...] = e;`. */
static int only_writes(const struct clex *lx, const char *text, const char *name, size_t len, int store)
{
    int seen = 0;
    for (size_t i = 0; i < lx->n; i++) {
        if (lx->toks[i].kind != CLEX_IDENT || lx->toks[i].len != len || memcmp(text + lx->toks[i].off, name, len))
            continue;
        size_t p = clex_prev_sig(lx, i);
        if (p != (size_t)-1 && (clex_is(lx, p, ".") || clex_is(lx, p, "->"))) continue; /* a member so named */
        int counted = 0; /* ++name; or --name; */
        if (!store && p != (size_t)-1 && (clex_is(lx, p, "++") || clex_is(lx, p, "--"))) {
            counted = clex_is(lx, clex_next_sig(lx, i), ";");
            p = clex_prev_sig(lx, p);
            if (!counted) return 0;
        }
        if (p != (size_t)-1 && !clex_is(lx, p, ";") && !clex_is(lx, p, "{") && !clex_is(lx, p, "}") &&
            !clex_is(lx, p, ")") && !clex_is(lx, p, "else") && !clex_is(lx, p, ":"))
            return 0; /* not at a statement's start: read, or written through an operator */
        if (counted) {
            seen = 1;
            continue;
        }
        size_t k = clex_next_sig(lx, i);
        if (!store && (clex_is(lx, k, "++") || clex_is(lx, k, "--"))) { /* name++; */
            if (!clex_is(lx, clex_next_sig(lx, k), ";")) return 0;
            seen = 1;
            continue;
        }
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
            char *t = frame_tok_text(lx, i, e);
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
            if (!clex_is(lx, clex_next_sig(lx, c), "[")) count = frame_tok_text(lx, nx + 1, c);
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
                    count = frame_tok_text(lx, c0, comma);
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

/* The sums of loop L (its text lexed by tlx): the variables (in vars) and arrays written away from
 * the index (in others, with an element count found in the program, lx over it) that the loop
 * only adds to. For them the answer starts by keeping their values on rank 0 and setting
 * them to zero on the other ranks, so that one MPI_Allreduce with MPI_SUM after the loop gives
 * every rank the sequential result, whatever they held before it. Sets L->sums (",a,b,"),
 * returns the set-up's code (or NULL) and appends the question's sentence to *writes. */
static char *loop_sums(struct frame_loop *L, const struct clex *tlx, const struct clex *plx, const char *others, const char *vars)
{
    char *names[16], *counts[16];
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *list = pass == 0 ? vars : others;
        for (const char *p = list ? list + 1 : ""; *p && n < 16;) {
            const char *e = strchr(p, ',');
            size_t len = (size_t)(e - p);
            if (only_writes(tlx, L->text, p, len, 0)) {
                char *count = pass == 0 ? NULL : array_length(plx, L->begin, p, len);
                if (pass == 0 || count) names[n] = cm_strndup(p, len), counts[n++] = count;
            }
            p = e + 1;
        }
    }
    if (!n) return NULL;
    struct cm_buf code, said, list;
    cm_buf_init(&code), cm_buf_init(&said), cm_buf_init(&list);
    cm_buf_puts(&code, FRAME_ZERO_HEAD);
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

/* The significant tokens a..b-1 joined by single spaces. Caller frees. */
static char *sig_text(const struct clex *lx, size_t a, size_t b)
{
    struct cm_buf t;
    cm_buf_init(&t);
    for (size_t k = a; k < b; k++)
        if (lx->toks[k].kind != CLEX_WS && lx->toks[k].kind != CLEX_COMMENT)
            cm_buf_printf(&t, "%s%.*s", t.len ? " " : "", (int)lx->toks[k].len, lx->src + lx->toks[k].off);
    return t.data ? cm_buf_detach(&t) : cm_strdup("");
}

/* The name is only raised (+1) or lowered (-1) to a value the loop meets: it appears twice,
 * as an if's whole condition `e > name` (`name < e`; `<` for -1, >= and <= too) and as
 * `name = e;` in that if's own branch (not its else), e the same text; 0 otherwise. */
static int bound_only(const struct clex *lx, const char *name, size_t len)
{
    int dir = 0, compares = 0, assigns = 0;
    char *cmp = NULL, *set = NULL;
    size_t if_kw = (size_t)-1, set_at = 0;
    for (size_t i = 0; i < lx->n; i++) {
        if (lx->toks[i].kind != CLEX_IDENT || lx->toks[i].len != len || memcmp(lx->src + lx->toks[i].off, name, len))
            continue;
        size_t pv = clex_prev_sig(lx, i), nx = clex_next_sig(lx, i);
        if (pv != (size_t)-1 && (clex_is(lx, pv, ".") || clex_is(lx, pv, "->"))) continue;
        int lt = nx < lx->n && (clex_is(lx, nx, "<") || clex_is(lx, nx, "<=")),
            gt = nx < lx->n && (clex_is(lx, nx, ">") || clex_is(lx, nx, ">="));
        int plt = pv != (size_t)-1 && (clex_is(lx, pv, "<") || clex_is(lx, pv, "<=")),
            pgt = pv != (size_t)-1 && (clex_is(lx, pv, ">") || clex_is(lx, pv, ">="));
        if (clex_is(lx, nx, "=") && pv != (size_t)-1 &&
            (clex_is(lx, pv, ";") || clex_is(lx, pv, "{") || clex_is(lx, pv, "}") || clex_is(lx, pv, ")") ||
             clex_is(lx, pv, "else"))) {
            size_t e = nx + 1;
            for (int depth = 0; e < lx->n && !(depth == 0 && clex_is(lx, e, ";")); e++)
                depth += (clex_is(lx, e, "(") || clex_is(lx, e, "[")) - (clex_is(lx, e, ")") || clex_is(lx, e, "]"));
            free(set);
            set = sig_text(lx, nx + 1, e), set_at = i, assigns++;
        } else if ((lt || gt) && pv != (size_t)-1 && clex_is(lx, pv, "(")) { /* if (name < e) */
            size_t close = clex_match(lx, pv), kw = clex_prev_sig(lx, pv);
            if (close >= lx->n || kw == (size_t)-1 || !clex_is(lx, kw, "if")) return 0;
            free(cmp);
            cmp = sig_text(lx, clex_next_sig(lx, nx), close), if_kw = kw, compares++, dir = lt ? 1 : -1;
        } else if ((plt || pgt) && nx < lx->n && clex_is(lx, nx, ")")) { /* if (e > name) */
            size_t open = (size_t)-1;
            for (size_t k = pv; k-- > 0;)
                if (clex_is(lx, k, "(") && clex_match(lx, k) == nx) {
                    open = k;
                    break;
                }
            size_t kw = open == (size_t)-1 ? (size_t)-1 : clex_prev_sig(lx, open);
            if (kw == (size_t)-1 || !clex_is(lx, kw, "if")) return 0;
            free(cmp);
            cmp = sig_text(lx, open + 1, pv), if_kw = kw, compares++, dir = pgt ? 1 : -1;
        } else {
            free(cmp), free(set);
            return 0;
        }
    }
    size_t close = if_kw == (size_t)-1 ? lx->n : clex_match(lx, clex_next_sig(lx, if_kw));
    size_t then = close < lx->n ? clex_next_sig(lx, close) : lx->n; /* the assignment in the if's own branch */
    int ok = compares == 1 && assigns == 1 && cmp && set && !strcmp(cmp, set) && then < lx->n && set_at >= then &&
             set_at <= clex_stmt_end(lx, then);
    free(cmp), free(set);
    return ok ? dir : 0;
}

/* The variables (vars, ",a,b,") of loop L that are neither sums nor its extremum and that it
 * only raises or lowers: L->maxes, L->mins, and the question's sentence. */
static void loop_bounds(struct frame_loop *L, const struct clex *tlx, const char *vars)
{
    struct cm_buf maxes, mins;
    cm_buf_init(&maxes), cm_buf_init(&mins);
    for (const char *p = vars ? vars + 1 : ""; *p;) {
        const char *e = strchr(p, ',');
        size_t len = (size_t)(e - p);
        char key[80];
        snprintf(key, sizeof(key), ",%.*s,", (int)(len < 70 ? len : 70), p);
        int taken = (L->sums && strstr(L->sums, key)) ||
                    (L->ext_value && strlen(L->ext_value) == len && !memcmp(L->ext_value, p, len)) ||
                    (L->ext_index && strlen(L->ext_index) == len && !memcmp(L->ext_index, p, len));
        int dir = taken ? 0 : bound_only(tlx, p, len);
        struct cm_buf *b = dir > 0 ? &maxes : &mins;
        if (dir) cm_buf_printf(b, "%s%.*s,", b->len ? "" : ",", (int)len, p);
        p = e + 1;
    }
    for (int k = 0; k < 2; k++) {
        struct cm_buf *b = k ? &mins : &maxes;
        if (!b->len) continue;
        char *list = cm_strndup(b->data + 1, b->len - 2), *w = L->writes;
        for (char *c = list; *c; c++)
            if (*c == ',') *c = '/'; /* said as "a/b": rare */
        L->writes = cm_malloc((w ? strlen(w) : 0) + 2 * strlen(list) + 256);
        sprintf(L->writes, "%sThe loop keeps the %s value it meets in %s: after the loop, MPI_Allreduce with "
                "MPI_IN_PLACE and %s over %s gives every rank the whole loop's result.\n", w ? w : "",
                k ? "smallest" : "largest", list, k ? "MPI_MIN" : "MPI_MAX", list);
        free(w), free(list);
    }
    L->maxes = maxes.len ? cm_buf_detach(&maxes) : (cm_buf_release(&maxes), NULL);
    L->mins = mins.len ? cm_buf_detach(&mins) : (cm_buf_release(&mins), NULL);
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

/* The arrays of loop L (its text lexed by tlx; in irregular or others, plx over the program) that the loop only stores
 * elements of (`a[...] = e;`, nothing reads them) at places chatmpi cannot give as rows, whose
 * count the program shows: chatmpi merges them itself, a copy before the loop
 * (mpi_merge_begin) and every rank's stores given to every rank after it (mpi_merge_end).
 * Sets L->merges (",a,b,") and L->merge_end (the code after the loop), appends the question's
 * sentence to L->writes and returns the code before the loop (or NULL). */
static char *loop_merges(struct frame_loop *L, const struct clex *tlx, const struct clex *plx, const char *irregular, const char *others)
{
    struct cm_buf begin, end, list, names;
    cm_buf_init(&begin), cm_buf_init(&end), cm_buf_init(&list), cm_buf_init(&names);
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (const char *p = pass == 0 ? (irregular ? irregular + 1 : "") : (others ? others + 1 : ""); *p;) {
            const char *e = strchr(p, ',');
            size_t len = (size_t)(e - p);
            char *count = only_writes(tlx, L->text, p, len, 1) ? array_length(plx, L->begin, p, len) : NULL;
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

/* The loop (text) may write the name through a call: `&name`, or name as a call's argument
 * (not an element's value, `f(name[i])`). */
int frame_loop_passed_to_call(const char *text, const char *name, size_t len)
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
            if (clex_is(&lx, clex_next_sig(&lx, i), "[")) continue; /* an element's value: fabs(w[i]) */
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

char *frame_loop_analyse(struct frame_loop *L, const struct clex *plx, const char *var, size_t var_len)
{
    char *others, *vars, *irregular;
    L->writes = loop_writes(L->text, var, var_len, &others, &vars, &L->vector, &L->rows, &L->written, &irregular);
    struct clex lx; /* the loop's text, lexed once for its sums and merges */
    clex_init(&lx);
    char *zero = NULL, *merge = NULL;
    if (!clex_run(&lx, L->text, strlen(L->text))) {
        zero = loop_sums(L, &lx, plx, others, vars);
        merge = loop_merges(L, &lx, plx, irregular, others);
    }
    clex_release(&lx);
    char *value, *index, *rest = vars ? cm_strdup(vars) : NULL; /* the variables that are not sums */
    for (const char *p = L->sums ? L->sums + 1 : ""; rest && *p;) {
        const char *e = strchr(p, ',');
        char key[80], *at;
        snprintf(key, sizeof(key), ",%.*s,", (int)((size_t)(e - p) < 70 ? (size_t)(e - p) : 70), p);
        if ((at = strstr(rest, key))) memmove(at, at + strlen(key) - 1, strlen(at + strlen(key) - 1) + 1);
        p = e + 1;
    }
    L->extremum = loop_extremum(L->text, var, var_len, rest && strcmp(rest, ",") ? rest : NULL, &value, &index);
    free(rest);
    if (L->extremum) {
        char *w = L->writes;
        L->writes = cm_malloc((w ? strlen(w) : 0) + 2 * strlen(value) + strlen(index) + 256);
        sprintf(L->writes, "%sThe loop keeps the %s value in %s and its index in %s: after the loop, %s(%s, %s) "
                "gives every rank the whole loop's result.\n", w ? w : "", L->extremum > 0 ? "largest" : "smallest",
                value, index, L->extremum > 0 ? "mpi_maxloc" : "mpi_minloc", value, index);
        free(w);
    }
    if (L->extremum) L->ext_value = value, L->ext_index = index, value = index = NULL;
    struct clex tl;
    clex_init(&tl);
    if (!clex_run(&tl, L->text, strlen(L->text))) loop_bounds(L, &tl, vars);
    clex_release(&tl);
    free(value), free(index), free(others), free(vars), free(irregular);
    if (!zero && !merge) return NULL;
    char *setup = cm_malloc((zero ? strlen(zero) : 0) + (merge ? strlen(merge) : 0) + 1);
    sprintf(setup, "%s%s", zero ? zero : "", merge ? merge : "");
    free(zero), free(merge);
    return setup;
}

const char *frame_loop_mpi_type(const struct clex *plx, size_t before, const char *name, size_t len)
{
    const char *type = NULL;
    for (size_t i = 0; i < plx->n && plx->toks[i].off < before; i++) {
        if (plx->toks[i].kind != CLEX_IDENT || plx->toks[i].len != len || memcmp(plx->src + plx->toks[i].off, name, len) ||
            !declared_at(plx, i))
            continue;
        size_t p = clex_prev_sig(plx, i);
        while (p != (size_t)-1 && (clex_is(plx, p, "*") || clex_is(plx, p, "restrict"))) p = clex_prev_sig(plx, p);
        if (p != (size_t)-1 && clex_is(plx, p, ",")) { /* a later declarator: the statement's first words */
            int depth = 0;
            for (; p != (size_t)-1; p = clex_prev_sig(plx, p)) {
                if (clex_is(plx, p, ")") || clex_is(plx, p, "]") || clex_is(plx, p, "}")) depth++;
                else if ((clex_is(plx, p, "(") || clex_is(plx, p, "[") || clex_is(plx, p, "{")) && depth) depth--;
                else if (depth == 0 && (clex_is(plx, p, ";") || clex_is(plx, p, "{") || clex_is(plx, p, "("))) break;
            }
            size_t q = p == (size_t)-1 ? 0 : clex_next_sig(plx, p);
            while (q < i && is_type_word(plx, q)) q = clex_next_sig(plx, q);
            p = q < i ? clex_prev_sig(plx, q) : (size_t)-1;
            if (p == (size_t)-1 || !is_type_word(plx, p)) continue;
        }
        int fl = 0, db = 0, in = 0, lg = 0, other = 0;
        for (; p != (size_t)-1 && is_type_word(plx, p); p = clex_prev_sig(plx, p)) {
            if (clex_is(plx, p, "float")) fl++;
            else if (clex_is(plx, p, "double")) db++;
            else if (clex_is(plx, p, "int")) in++;
            else if (clex_is(plx, p, "long")) lg++;
            else if (!clex_is(plx, p, "const") && !clex_is(plx, p, "volatile") && !clex_is(plx, p, "register")) other++;
        }
        type = other || fl + db > 1 || (db && lg) ? NULL
             : fl ? "MPI_FLOAT"
             : db ? "MPI_DOUBLE"
             : lg == 1 ? "MPI_LONG"
             : in && !lg ? "MPI_INT"
                         : NULL;
    }
    return type;
}
