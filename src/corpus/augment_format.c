/* augment_format.c — layout variants of a C program without changing one token (augment.h):
 * brace placement, indentation unit, space between a control keyword and its parenthesis.
 *
 * Two steps. Braces: a `{` after `)`, `else` or `do` that ends its line moves onto its own
 * line (Allman; K&R does this for function bodies only) or joins the line before (attached;
 * K&R inside functions), and `} else` splits or joins the same way. Indentation: every code
 * line gets its level from its leading width in the old unit (detected) or, for lines the
 * first step made, from the brace depth; continuation lines (inside parentheses, or of odd
 * width) and the inner lines of block comments keep their alignment relative to the line
 * they continue. Preprocessor lines are never touched.
 * Deliberately leaves out line breaking, operator spacing and anything inside comments. */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/mem.h"
#include "corpus/augment.h"
#include "corpus/clex.h"

static int only_ws_between(const struct clex *lx, size_t a, size_t b)
{
    for (size_t k = a + 1; k < b; k++)
        if (lx->toks[k].kind != CLEX_WS) return 0;
    return 1;
}

static int has_nl(const struct clex *lx, size_t i)
{
    return memchr(lx->src + lx->toks[i].off, '\n', lx->toks[i].len) != NULL;
}

/* Step 1: brace placement and keyword spacing; returns the new text. */
static char *restyle(const struct clex *lx, const struct aug_style *st)
{
    const char **rep = cm_calloc(lx->n + 1, sizeof(char *)); /* replacement of WS tokens; "" allowed */
    const char **pre = cm_calloc(lx->n + 1, sizeof(char *)); /* text inserted before a token */
    int depth = 0;
    for (size_t i = 0; i < lx->n; i++) {
        const struct clex_tok *t = &lx->toks[i];
        if (t->in_define || t->kind == CLEX_WS || t->kind == CLEX_COMMENT) continue;
        if (clex_is(lx, i, "}")) depth--;
        if (clex_is(lx, i, "{")) {
            size_t p = clex_prev_sig(lx, i), n = i + 1;
            int ends_line = n < lx->n && lx->toks[n].kind == CLEX_WS && has_nl(lx, n);
            if (p != SIZE_MAX && (clex_is(lx, p, ")") || clex_is(lx, p, "else") || clex_is(lx, p, "do")) &&
                only_ws_between(lx, p, i) && ends_line) {
                int own = st->braces == AUG_BRACES_ALLMAN || (st->braces == AUG_BRACES_KR && depth == 0);
                int gap = p + 1 < i; /* one WS token between */
                if (own && !(gap && has_nl(lx, p + 1))) {
                    if (gap) rep[p + 1] = "\n";
                    else pre[i] = "\n";
                } else if (!own) {
                    if (gap) rep[p + 1] = " ";
                    else pre[i] = " ";
                }
            }
            depth++;
        }
        if (clex_is(lx, i, "else")) {
            size_t p = clex_prev_sig(lx, i);
            if (p != SIZE_MAX && clex_is(lx, p, "}") && p + 1 < i && only_ws_between(lx, p, i))
                rep[p + 1] = st->braces == AUG_BRACES_ALLMAN ? (has_nl(lx, p + 1) ? NULL : "\n")
                                                             : (has_nl(lx, p + 1) ? " " : NULL);
        }
        if (clex_is(lx, i, "if") || clex_is(lx, i, "for") || clex_is(lx, i, "while") || clex_is(lx, i, "switch")) {
            size_t n = clex_next_sig(lx, i);
            if (n < lx->n && clex_is(lx, n, "(") && only_ws_between(lx, i, n)) {
                if (n == i + 1 && st->kw_space) pre[n] = " ";
                else if (n == i + 2 && !has_nl(lx, i + 1)) rep[i + 1] = st->kw_space ? " " : "";
            }
        }
    }
    struct cm_buf b;
    cm_buf_init(&b);
    for (size_t i = 0; i < lx->n; i++) {
        if (pre[i]) cm_buf_puts(&b, pre[i]);
        if (rep[i])
            cm_buf_puts(&b, rep[i]);
        else
            cm_buf_append(&b, lx->src + lx->toks[i].off, lx->toks[i].len);
    }
    free(rep), free(pre);
    return cm_buf_detach(&b);
}

static size_t width_of(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) w = s[i] == '\t' ? (w / 8 + 1) * 8 : w + 1;
    return w;
}

static void put_indent(struct cm_buf *b, size_t levels, int unit)
{
    for (size_t l = 0; l < levels; l++) {
        if (unit == 0)
            cm_buf_puts(b, "\t");
        else
            for (int k = 0; k < unit; k++) cm_buf_puts(b, " ");
    }
}

static void put_spaces(struct cm_buf *b, size_t n)
{
    for (size_t k = 0; k < n; k++) cm_buf_puts(b, " ");
}

/* Step 2: re-indentation. */
static char *reindent(const struct clex *lx, int unit)
{
    const char *src = lx->src;
    size_t len = lx->len;
    /* per token: brace and paren depth before it */
    int *bd = cm_malloc((lx->n + 1) * sizeof(int)), *pd = cm_malloc((lx->n + 1) * sizeof(int));
    size_t *tok_at = cm_malloc((len + 1) * sizeof(size_t));
    int b = 0, p = 0;
    for (size_t i = 0; i < lx->n; i++) {
        bd[i] = b, pd[i] = p;
        for (size_t o = lx->toks[i].off; o < lx->toks[i].off + lx->toks[i].len; o++) tok_at[o] = i;
        if (lx->toks[i].in_define || lx->toks[i].kind != CLEX_PUNCT) continue;
        if (clex_is(lx, i, "{")) b++;
        if (clex_is(lx, i, "}")) b--;
        if (clex_is(lx, i, "(") || clex_is(lx, i, "[")) p++;
        if (clex_is(lx, i, ")") || clex_is(lx, i, "]")) p--;
    }
    tok_at[len] = lx->n;
    /* the old unit: the most common width/depth of plain code lines */
    size_t votes[17] = {0};
    for (size_t ls = 0; ls < len;) {
        size_t le = ls;
        while (le < len && src[le] != '\n') le++;
        size_t ke = ls;
        while (ke < le && (src[ke] == ' ' || src[ke] == '\t')) ke++;
        if (ke < le && ke > ls) {
            size_t t = tok_at[ke], w = width_of(src + ls, ke - ls);
            if (lx->toks[tok_at[ls]].kind == CLEX_WS && lx->toks[t].off == ke && pd[t] == 0 && bd[t] > 0 &&
                !clex_is(lx, t, "}") && w % (size_t)bd[t] == 0 && w / (size_t)bd[t] <= 16)
                votes[w / (size_t)bd[t]]++;
        }
        ls = le + 1;
    }
    size_t old = 4;
    for (size_t u = 1; u <= 16; u++)
        if (votes[u] > votes[old]) old = u;

    struct cm_buf out;
    cm_buf_init(&out);
    size_t anchor_w = 0, anchor_lv = 0, line_w = 0; /* the statement line continuation lines follow; the last line */
    char *anchor_pre = cm_strdup(""), *line_pre = cm_strdup("");
    for (size_t ls = 0; ls < len;) {
        size_t le = ls;
        while (le < len && src[le] != '\n') le++;
        size_t ke = ls;
        while (ke < le && (src[ke] == ' ' || src[ke] == '\t')) ke++;
        size_t w = width_of(src + ls, ke - ls);
        const struct clex_tok *at = &lx->toks[tok_at[ls < len ? ls : len - 1]];
        size_t t = tok_at[ke];
        struct cm_buf pre;
        cm_buf_init(&pre);
        int keep = 1, code = 0;
        if (ke == le) {
            keep = 1; /* blank line */
        } else if (at->kind == CLEX_COMMENT && at->off < ls) { /* inside a block comment */
            if (w >= line_w) {
                cm_buf_puts(&pre, line_pre);
                put_spaces(&pre, w - line_w);
                keep = 0;
            }
        } else if ((at->kind == CLEX_WS || at->off == ls) && lx->toks[t].off == ke &&
                   lx->toks[t].kind != CLEX_PP && !lx->toks[t].in_define) {
            code = 1, keep = 0;
            int d = bd[t] - (clex_is(lx, t, "}") ? 1 : 0);
            if (d < 0) d = 0;
            if (w == 0 || (pd[t] == 0 && w % old == 0)) {
                /* a line step 1 made ("{" or "else" at column 0) sits at its statement's level */
                size_t lv = w ? w / old : (clex_is(lx, t, "{") || clex_is(lx, t, "else")) ? anchor_lv : (size_t)d;
                put_indent(&pre, lv, unit);
                anchor_lv = lv;
                free(anchor_pre);
                anchor_pre = cm_strdup(pre.data ? pre.data : "");
                anchor_w = w;
            } else if (w >= anchor_w) {
                cm_buf_puts(&pre, anchor_pre);
                put_spaces(&pre, w - anchor_w);
            } else {
                put_indent(&pre, (size_t)d, unit);
            }
        }
        if (keep) {
            cm_buf_append(&out, src + ls, ke - ls);
        } else {
            if (pre.data) cm_buf_puts(&out, pre.data);
        }
        if (keep || code) { /* remember this line for comment continuations */
            free(line_pre);
            line_pre = keep ? cm_strndup(src + ls, ke - ls) : cm_strdup(pre.data ? pre.data : "");
            line_w = w;
        }
        cm_buf_release(&pre);
        cm_buf_append(&out, src + ke, le - ke);
        if (le < len) cm_buf_puts(&out, "\n");
        ls = le + 1;
    }
    free(anchor_pre), free(line_pre), free(bd), free(pd), free(tok_at);
    return cm_buf_detach(&out);
}

/* 1 when both texts have the same tokens apart from whitespace (comments compared without it). */
static int same_tokens(const char *a, const char *b)
{
    struct clex la, lb;
    clex_init(&la), clex_init(&lb);
    int same = !clex_run(&la, a, strlen(a)) && !clex_run(&lb, b, strlen(b));
    size_t i = 0, j = 0;
    while (same) {
        while (i < la.n && la.toks[i].kind == CLEX_WS) i++;
        while (j < lb.n && lb.toks[j].kind == CLEX_WS) j++;
        if (i == la.n || j == lb.n) {
            same = i == la.n && j == lb.n;
            break;
        }
        const struct clex_tok *x = &la.toks[i], *y = &lb.toks[j];
        if (x->kind != y->kind) same = 0;
        else if (x->kind == CLEX_COMMENT) { /* compare the words only */
            const char *p = a + x->off, *pe = p + x->len, *q = b + y->off, *qe = q + y->len;
            for (;;) {
                while (p < pe && (*p == ' ' || *p == '\t' || *p == '\n')) p++;
                while (q < qe && (*q == ' ' || *q == '\t' || *q == '\n')) q++;
                if (p == pe || q == qe) {
                    same = p == pe && q == qe;
                    break;
                }
                if (*p++ != *q++) {
                    same = 0;
                    break;
                }
            }
        } else {
            same = x->len == y->len && !memcmp(a + x->off, b + y->off, x->len);
        }
        i++, j++;
    }
    clex_release(&la), clex_release(&lb);
    return same;
}

int aug_format(char **out, const char *src, const struct aug_style *st)
{
    *out = NULL;
    struct clex lx;
    clex_init(&lx);
    int rc = clex_run(&lx, src, strlen(src));
    if (rc) return rc;
    char *s1 = restyle(&lx, st);
    clex_release(&lx);
    if ((rc = clex_run(&lx, s1, strlen(s1)))) {
        free(s1);
        return cm_error_set(CM_EINTERNAL, "reformatting broke the program's lexing: %s", cm_error_message());
    }
    char *s2 = reindent(&lx, st->indent);
    clex_release(&lx);
    free(s1);
    if (!same_tokens(src, s2)) { /* never hand out a program with other tokens */
        free(s2);
        return cm_error_set(CM_EINTERNAL, "reformatting changed the program's tokens");
    }
    *out = s2;
    return 0;
}
