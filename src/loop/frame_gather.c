/* frame_gather.c — gathers that wait until after the loop around them (see frame_loop.h).
 *
 * A split loop inside a repetition (`for (r = 0; r < reps; r++) for (i ...) y[i] = a * y[i];`)
 * gathers the whole array after every repetition, although each rank only ever reads back the
 * elements it computed itself: the array moves reps times where once would do. Here the gather
 * of an array Y after a split loop S moves after the loop P around S when, in P:
 *
 *   - Y is named only inside split loops with S's share (the same first and end), always as
 *     Y[...] with one subscript (up to the loop's index, which it contains): each rank reads
 *     and writes the same elements of Y, its own;
 *   - S's share bounds are not assigned in P (and call nothing), so they are the same after it;
 *   - P is a statement of a block (not the body of an if or a loop without braces);
 *
 * and, in the whole program, Y is not aliased (`= Y`, `&Y[k]`) nor named in another function.
 * This is tried from the innermost loop outward; the gather goes after the outermost loop that
 * passes, as mpi_allgather_range(..., first, end, shape), which shares [first, end) itself. If P runs
 * no iteration, Y is unchanged on every rank and the gather moves equal values. */
#include "loop/frame_loop.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

struct hctx {
    const struct frame *f;
    struct clex lx;
    size_t *kw, *last; /* each marked loop's keyword token and last token */
    int *depth;        /* brace depth before each token */
};

static size_t tok_at(const struct clex *lx, size_t off)
{
    size_t a = 0, b = lx->n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (lx->toks[m].off < off) a = m + 1;
        else b = m;
    }
    return a;
}

static int tok_eq(const struct clex *lx, size_t i, const char *s, size_t n)
{
    return lx->toks[i].kind == CLEX_IDENT && lx->toks[i].len == n && !memcmp(lx->src + lx->toks[i].off, s, n);
}

/* Token i names the variable (not a member: after . or ->). */
static int names_var(const struct clex *lx, size_t i, const char *s, size_t n)
{
    if (!tok_eq(lx, i, s, n)) return 0;
    size_t p = clex_prev_sig(lx, i);
    return p == SIZE_MAX || !(clex_is(lx, p, ".") || clex_is(lx, p, "->"));
}

/* How loop j uses Y: every occurrence Y[..]..[..] with the same subscripts, which name the
 * loop's index (written \x01 in the signature). The signature (caller frees), "" when the loop
 * does not name Y, NULL when it uses Y otherwise. */
static char *signature(const struct hctx *h, size_t j, const char *y, size_t yl)
{
    const struct clex *lx = &h->lx;
    const struct frame_loop *L = &h->f->loops[j];
    size_t vl = L->var ? strlen(L->var) : 0;
    char *sig = NULL;
    for (size_t t = h->kw[j]; t <= h->last[j]; t++) {
        if (!names_var(lx, t, y, yl)) continue;
        struct cm_buf b;
        cm_buf_init(&b);
        int has_var = 0;
        size_t k = clex_next_sig(lx, t);
        if (!clex_is(lx, k, "[")) {
            cm_buf_release(&b);
            free(sig);
            return NULL;
        }
        while (clex_is(lx, k, "[")) {
            size_t m = clex_match(lx, k);
            if (m >= lx->n) break;
            cm_buf_puts(&b, "[");
            for (size_t u = k + 1; u < m; u++) {
                if (lx->toks[u].kind == CLEX_WS || lx->toks[u].kind == CLEX_COMMENT) continue;
                if (clex_is(lx, u, "[")) has_var = -1000; /* an index read from an array: not a row */
                if (vl && tok_eq(lx, u, L->var, vl)) {
                    has_var++;
                    cm_buf_puts(&b, "\x01 ");
                } else {
                    cm_buf_printf(&b, "%.*s ", (int)lx->toks[u].len, lx->src + lx->toks[u].off);
                }
            }
            cm_buf_puts(&b, "]");
            k = clex_next_sig(lx, m);
        }
        char *s = b.data ? cm_buf_detach(&b) : cm_strdup("");
        if (has_var <= 0 || (sig && strcmp(sig, s))) {
            free(s), free(sig);
            return NULL;
        }
        if (sig) free(s);
        else sig = s;
    }
    return sig ? sig : cm_strdup("");
}

/* The loop statement around tokens a..b: the nearest for/while/do whose statement holds them,
 * or SIZE_MAX. */
static size_t enclosing(const struct clex *lx, size_t a, size_t b)
{
    for (size_t t = a; t-- > 0;) {
        if (lx->toks[t].kind != CLEX_IDENT) continue;
        if (!(clex_is(lx, t, "for") || clex_is(lx, t, "while") || clex_is(lx, t, "do"))) continue;
        size_t e = clex_stmt_end(lx, t);
        if (e < lx->n && e >= b) return t;
    }
    return SIZE_MAX;
}

/* An assignment to token t's name: t followed by an assignment operator or ++/--, or after
 * ++, -- or &. */
static int assigned_at(const struct clex *lx, size_t t)
{
    static const char *const ops[] = {"=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "|=", "^=", "++", "--"};
    size_t n = clex_next_sig(lx, t), p = clex_prev_sig(lx, t);
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        if (n < lx->n && clex_is(lx, n, ops[k])) return 1;
    return p != SIZE_MAX && (clex_is(lx, p, "++") || clex_is(lx, p, "--") || clex_is(lx, p, "&"));
}

/* The share's bounds (text) are the same after tokens a..b ran: no name in them is assigned
 * there, and they call nothing. */
static int bounds_kept(const struct clex *lx, size_t a, size_t b, const char *bounds)
{
    struct clex bl;
    clex_init(&bl);
    int ok = !clex_run(&bl, bounds, strlen(bounds));
    for (size_t i = 0; ok && i < bl.n; i++) {
        if (bl.toks[i].kind != CLEX_IDENT || clex_is(&bl, i, "sizeof")) continue;
        if (clex_is(&bl, clex_next_sig(&bl, i), "(")) ok = 0;
        for (size_t t = a; ok && t <= b; t++)
            if (tok_eq(lx, t, bounds + bl.toks[i].off, bl.toks[i].len) && assigned_at(lx, t)) ok = 0;
    }
    clex_release(&bl);
    return ok;
}

/* Y is safe to leave stale on other ranks' elements for a while: never aliased (`= Y`,
 * `= Y + k`, `&Y`, `&Y[k]`; an element read `= Y[k]` is no alias) and named in no function
 * but the one around token t. */
static int private_array(const struct hctx *h, size_t t, const char *y, size_t yl)
{
    const struct clex *lx = &h->lx;
    size_t fn0 = t, fn1;
    while (fn0 > 0 && !(h->depth[fn0] == 0 && clex_is(lx, fn0, "{"))) fn0--;
    fn1 = clex_match(lx, fn0);
    for (size_t i = 0; i < lx->n; i++) {
        if (!names_var(lx, i, y, yl)) continue;
        size_t p = clex_prev_sig(lx, i), nx = clex_next_sig(lx, i);
        if (p != SIZE_MAX && (clex_is(lx, p, "&") || (clex_is(lx, p, "=") && !clex_is(lx, nx, "[")))) return 0;
        if ((i < fn0 || i > fn1) && h->depth[i] > 0) return 0;
    }
    return 1;
}

/* The marked loop holding token t, or SIZE_MAX. */
static size_t marked_at(const struct hctx *h, size_t t)
{
    for (size_t m = 0; m < h->f->n; m++)
        if (h->kw[m] <= t && t <= h->last[m]) return m;
    return SIZE_MAX;
}

/* Where loop j's gather of Y can go: the offset just after the outermost loop around it that
 * passes (see the top of the file), with its indentation in *indent; SIZE_MAX when none. */
static size_t hoist_point(const struct hctx *h, size_t j, const char *y, size_t yl, char **indent)
{
    const struct clex *lx = &h->lx;
    const struct frame_loop *L = &h->f->loops[j];
    *indent = NULL;
    if (!L->share_first || !L->share_end || !private_array(h, h->kw[j], y, yl)) return SIZE_MAX;
    char *sig = signature(h, j, y, yl);
    if (!sig || !*sig) {
        free(sig);
        return SIZE_MAX;
    }
    size_t a = h->kw[j], b = h->last[j], best = SIZE_MAX, best_kw = SIZE_MAX;
    for (;;) {
        size_t p = enclosing(lx, a, b);
        if (p == SIZE_MAX) break;
        size_t pe = clex_stmt_end(lx, p), before = clex_prev_sig(lx, p);
        if (!(before == SIZE_MAX || clex_is(lx, before, "{") || clex_is(lx, before, "}") || clex_is(lx, before, ";") ||
              clex_is(lx, before, ":")))
            break;
        if (!bounds_kept(lx, p, pe, L->share_first) || !bounds_kept(lx, p, pe, L->share_end)) break;
        int ok = 1;
        for (size_t t = p; ok && t <= pe; t++) {
            if (!names_var(lx, t, y, yl)) continue;
            size_t m = marked_at(h, t);
            const struct frame_loop *M = m == SIZE_MAX ? NULL : &h->f->loops[m];
            if (!M || !M->share_first || strcmp(M->share_first, L->share_first) || strcmp(M->share_end, L->share_end) ||
                M->share_shape != L->share_shape) {
                ok = 0;
                break;
            }
            char *s = signature(h, m, y, yl);
            ok = s && !strcmp(s, sig);
            free(s);
            t = h->last[m];
        }
        if (!ok) break;
        best = lx->toks[pe].off + lx->toks[pe].len, best_kw = p;
        a = p, b = pe;
    }
    free(sig);
    if (best != SIZE_MAX) {
        size_t s = lx->toks[best_kw].off;
        while (s > 0 && (lx->src[s - 1] == ' ' || lx->src[s - 1] == '\t')) s--;
        *indent = cm_strndup(lx->src + s, lx->toks[best_kw].off - s);
    }
    return best;
}

/* A line that is one call `mpi_allgather_share(ARGS);` (and blanks or a comment): ARGS'
 * bounds in *a0..*a1; 0 for any other line. */
static int gather_call(const char *line, size_t n, const char **a0, const char **a1)
{
    size_t w = strspn(line, " \t");
    if (n - w < 21 || memcmp(line + w, "mpi_allgather_share(", 20)) return 0;
    const char *p = line + w + 20, *e = line + n;
    int depth = 0;
    for (*a0 = p; p < e; p++) {
        if (*p == '(') depth++;
        else if (*p == ')' && depth-- == 0) break;
    }
    if (p >= e) return 0;
    *a1 = p++;
    while (p < e && (*p == ' ' || *p == '\t')) p++;
    if (p >= e || *p != ';') return 0;
    for (p++; p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'); p++) {}
    return p >= e || (e - p >= 2 && (!memcmp(p, "/*", 2) || !memcmp(p, "//", 2)));
}

/* The buffer a communicating line names (its first argument, & and casts skipped), or 0. */
static size_t first_name(const char *a0, const char *a1, const char **name)
{
    while (a0 < a1 && (*a0 == ' ' || *a0 == '&' || *a0 == '(')) a0++;
    size_t k = 0;
    while (a0 + k < a1 && (a0[k] == '_' || (a0[k] >= '0' && a0[k] <= '9') || (a0[k] >= 'a' && a0[k] <= 'z') ||
                           (a0[k] >= 'A' && a0[k] <= 'Z')))
        k++;
    *name = a0;
    return k && !(a0[0] >= '0' && a0[0] <= '9') ? k : 0;
}

static int by_offset(const void *a, const void *b)
{
    const struct frame_hoist *x = a, *y = b;
    return x->at < y->at ? -1 : x->at > y->at;
}

size_t frame_gather_hoist(const struct frame *f, char **frags, struct frame_hoist **out)
{
    *out = NULL;
    struct hctx h = {f, {0}, NULL, NULL, NULL};
    clex_init(&h.lx);
    size_t n_out = 0, cap = 0;
    if (clex_run(&h.lx, f->src, strlen(f->src))) goto done;
    h.kw = cm_calloc(f->n + 1, sizeof(*h.kw));
    h.last = cm_calloc(f->n + 1, sizeof(*h.last));
    h.depth = cm_calloc(h.lx.n + 1, sizeof(*h.depth));
    for (size_t i = 0, d = 0; i < h.lx.n; i++) {
        h.depth[i] = (int)d;
        if (clex_is(&h.lx, i, "{")) d++;
        else if (clex_is(&h.lx, i, "}") && d) d--;
    }
    for (size_t j = 0; j < f->n; j++) {
        h.kw[j] = tok_at(&h.lx, f->loops[j].kw);
        size_t e = h.kw[j] < h.lx.n ? clex_stmt_end(&h.lx, h.kw[j]) : h.lx.n;
        if (e >= h.lx.n) goto done; /* not the program frame_build read */
        h.last[j] = e;
    }
    for (size_t j = 0; j < f->n; j++) {
        if (!frags[j]) continue;
        struct cm_buf b;
        cm_buf_init(&b);
        int changed = 0;
        for (const char *p = frags[j]; *p;) {
            const char *nl = strchr(p, '\n');
            size_t l = nl ? (size_t)(nl - p) + 1 : strlen(p);
            const char *a0, *a1, *name;
            size_t nlen, at = SIZE_MAX;
            char *indent = NULL;
            if (gather_call(p, l, &a0, &a1) && (nlen = first_name(a0, a1, &name)))
                at = hoist_point(&h, j, name, nlen, &indent);
            if (at == SIZE_MAX) {
                cm_buf_append(&b, p, l);
            } else {
                changed = 1;
                int dup = 0;
                struct cm_buf t;
                cm_buf_init(&t);
                cm_buf_printf(&t, "\n%smpi_allgather_range(%.*s, %s, %s, %d); /* chatmpi: once, after the loop "
                                  "around the split (only its own elements of %.*s are used in it) */",
                              indent, (int)(a1 - a0), a0, f->loops[j].share_first, f->loops[j].share_end,
                              f->loops[j].share_shape, (int)nlen, name);
                for (size_t k = 0; k < n_out; k++) dup |= (*out)[k].at == at && !strcmp((*out)[k].text, t.data);
                if (dup) {
                    cm_buf_release(&t);
                } else {
                    if (n_out == cap) *out = cm_realloc(*out, (cap = cap ? 2 * cap : 4) * sizeof(**out));
                    (*out)[n_out].at = at;
                    (*out)[n_out++].text = cm_buf_detach(&t);
                }
            }
            free(indent);
            p += l;
        }
        if (changed) {
            free(frags[j]);
            frags[j] = b.data ? cm_buf_detach(&b) : cm_strdup("");
        } else {
            cm_buf_release(&b);
        }
    }
    if (n_out) qsort(*out, n_out, sizeof(**out), by_offset);
done:
    free(h.kw), free(h.last), free(h.depth);
    clex_release(&h.lx);
    return n_out;
}
