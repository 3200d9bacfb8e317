/* frame_setup.c — set-up loops that set only the rank's own rows, and gathers of arrays that the
 * program sets whole again (see frame_gather.h).
 *
 * Outside the split loops every rank runs the sequential program's code in full, set-up loops
 * too: an ELL matrix's rows filled, a DIA matrix's diagonals computed on every rank, although
 * each split loop later reads only its own rows of them. A counted loop U among main's own
 * statements, `for ([T] v = A; v < B; v++)`, whose bounds are those of a later split loop L
 * that chatmpi wrote (the same A and B), guards a statement S of its body with
 * `if (mpi_mine_(v, A, B, shape))` (v is in this rank's share of L's iterations) when:
 *
 *   - S is not a declaration, has no break, continue, return or goto, assigns no variable but
 *     array elements and variables declared in S, and calls only math functions and functions
 *     of the program that themselves call only such (no output, no random numbers);
 *   - S writes at least one array and, for every array Y it writes (an element `Y[e] = ...`, or
 *     Y passed to a call, `f(..., Y + e, ...)`), Y is named in U only so: elements written at
 *     the subscript at which L first uses Y (v read as L's index), the calls given Y plus the
 *     part of that subscript in v (the row's start); Y is never read in U;
 *   - from the end of U to the end of main, Y is used only as the gathers that wait allow with
 *     L as the reference (region_own, frame_gather.c): in split loops of L's share, each rank at
 *     its own elements, never at a neighbour, not aliased, at most freed; A and B keep their
 *     values and there is no goto.
 *
 * Then no rank reads an element of Y that it did not set itself. The functions called are not
 * followed: one that wrote outside the row it is given would leave a rank's rows without
 * another rank's writes, which the harness's check at every rank count shows as wrong output.
 *
 * Rows: when nothing after U writes Y, U may write, and the split loops may read, Y elsewhere in
 * the reference's row, `v * W + c` with c naming no name of W (frame_lin_same_row: a matrix set
 * whole and read at `a[i * n + i]` and `a[i * n + j]`, a band read at `ab[i * w + kl + j - i]`).
 * This takes c for a column in [0, W), the row-major idiom that the row gathers already take
 * (frame_loop.c row_hint); a program that reaches into the next row that way gives wrong output
 * at some rank count, which the check shows.
 *
 * Gathered after: when the gathers so far put `mpi_allgather_range(Y, W, type, A, B, shape)` after
 * the loop around L (L's share, W the width of U's rows, among main's own statements), the rule
 * above need only hold up to it: from there every rank holds all of Y as the owners of its rows
 * left it (a rank-1 update's matrix, set up, updated and gathered once, then printed by all).
 *
 * Set again (set_whole_again, at the end): a gather after the loop around a split loop is
 * dropped when the first of main's statements after it that names the array sets every element
 * of it before reading any: a counted loop over the share's bounds assigning `y[v] = ...` as a
 * statement of its body, or a call whose function's first use of the parameter is such a split
 * loop that gathers it (CG's `p[i] = x[i]` and `apply_a(n, p, q)` after the solver).
 */
#include "loop/frame_gather.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

struct setup {
    size_t kw, end;           /* U's tokens */
    size_t var;               /* its index's token */
    char *first, *last;       /* A and B as written, and squeezed */
    char *sq_first, *sq_last;
};

/* `for ([T] v = A; v < B; v++)` at token kw (frame_loop_header, with <): U's parts, and the
 * body's first token in *body. */
static int counted_header(const struct clex *lx, size_t kw, struct setup *u, size_t *body)
{
    struct frame_header hd;
    if (!frame_loop_header(lx, kw, &hd) || !clex_is(lx, hd.op, "<")) return 0;
    u->var = hd.var;
    u->first = frame_tok_text(lx, hd.eq + 1, hd.semi1);
    u->last = frame_tok_text(lx, hd.op + 1, hd.semi2);
    u->sq_first = squeeze(u->first);
    u->sq_last = squeeze(u->last);
    *body = clex_next_sig(lx, hd.close);
    return *body < lx->n;
}

static void setup_release(struct setup *u) { free(u->first), free(u->last), free(u->sq_first), free(u->sq_last); }

int math_call(const struct clex *lx, size_t t)
{
    static const char *const math[] = {"sqrt", "sin",   "cos",  "tan",   "exp",   "log",  "log2", "log10",
                                       "fabs", "pow",   "floor", "ceil", "fmod",  "atan", "atan2", "fmin",
                                       "fmax", "round", "trunc", "cbrt", "hypot", "sinh", "cosh", "tanh",
                                       "labs", "abs",   "sqrtf", "fabsf", "expf", "logf", "sinf", "cosf", NULL};
    for (size_t k = 0; math[k]; k++)
        if (clex_is(lx, t, math[k])) return 1;
    return 0;
}

/* A function called at token t (a name before `(`): math (1), or the program's own, whose
 * body calls only math and program functions, one level deep (its body braces in *b0, *b1;
 * 2); 0 for any other call (output, random numbers, the C library). */
static int known_call(const struct hctx *h, size_t t, int depth)
{
    const struct clex *lx = &h->lx;
    if (math_call(lx, t)) return 1;
    if (depth > 1) return 0;
    const char *s = lx->src + lx->toks[t].off;
    size_t l = lx->toks[t].len;
    for (size_t d = 0; d < lx->n; d++) { /* its definition: NAME ( ... ) { at depth 0 */
        if (h->depth[d] != 0 || !tok_eq(lx, d, s, l)) continue;
        size_t open = clex_next_sig(lx, d);
        if (!clex_is(lx, open, "(")) continue;
        size_t body = clex_next_sig(lx, clex_match(lx, open));
        if (body >= lx->n || !clex_is(lx, body, "{")) continue;
        size_t end = clex_match(lx, body);
        for (size_t u = body + 1; u < end; u++) {
            if (clex_is(lx, u, "static")) return 0;
            if (lx->toks[u].kind != CLEX_IDENT || !clex_is(lx, clex_next_sig(lx, u), "(")) continue;
            if (frame_loop_type_word(lx, u) || clex_is(lx, u, "if") || clex_is(lx, u, "for") || clex_is(lx, u, "while") ||
                clex_is(lx, u, "switch") || clex_is(lx, u, "return") || clex_is(lx, u, "sizeof"))
                continue;
            if (!known_call(h, u, depth + 1)) return 0;
        }
        return 2;
    }
    return 0;
}

/* The first token of the subscript chain after name token t (`Y[e]`): e's tokens in *a..*b,
 * the token after the chain in *after; 0 when t is not followed by `[`. */
static int subscript(const struct clex *lx, size_t t, size_t *a, size_t *b, size_t *after)
{
    size_t k = clex_next_sig(lx, t);
    if (k >= lx->n || !clex_is(lx, k, "[")) return 0;
    size_t e = clex_match(lx, k);
    if (e >= lx->n) return 0;
    *a = k + 1, *b = e;
    *after = clex_next_sig(lx, e);
    return !clex_is(lx, *after, "["); /* one subscript */
}

/* Token t (a name) is a whole argument of a call, or `Y + e` there: e's tokens in *a..*b (empty
 * when none); 0 otherwise. */
static int call_arg(const struct clex *lx, size_t t, size_t *a, size_t *b)
{
    size_t pv = clex_prev_sig(lx, t), nx = clex_next_sig(lx, t);
    if (pv == SIZE_MAX || !(clex_is(lx, pv, "(") || clex_is(lx, pv, ","))) return 0;
    size_t open = pv; /* the call's ( */
    if (clex_is(lx, pv, ",")) {
        int depth = 0;
        for (open = pv; open-- > 0;) {
            if (clex_is(lx, open, ")") || clex_is(lx, open, "]")) depth++;
            else if (clex_is(lx, open, "(") || clex_is(lx, open, "[")) {
                if (depth-- == 0) break;
            }
        }
        if (open == SIZE_MAX || !clex_is(lx, open, "(")) return 0;
    }
    size_t fn = clex_prev_sig(lx, open);
    if (fn == SIZE_MAX || lx->toks[fn].kind != CLEX_IDENT || clex_is(lx, fn, "if") || clex_is(lx, fn, "for") ||
        clex_is(lx, fn, "while") || clex_is(lx, fn, "switch") || clex_is(lx, fn, "sizeof") || clex_is(lx, fn, "return"))
        return 0;
    if (clex_is(lx, nx, ",") || clex_is(lx, nx, ")")) {
        *a = *b = nx;
        return 1;
    }
    if (!clex_is(lx, nx, "+")) return 0;
    size_t e = nx + 1;
    for (int depth = 0; e < lx->n; e++) {
        if (clex_is(lx, e, "(") || clex_is(lx, e, "[")) depth++;
        else if (clex_is(lx, e, ")") || clex_is(lx, e, "]")) {
            if (depth-- == 0) break;
        } else if (depth == 0 && clex_is(lx, e, ",")) break;
    }
    *a = nx + 1, *b = e;
    return e < lx->n;
}

/* CSR segments (frame_gather.h says what they are; access_at reads them too) */
int segment_var(const struct clex *lx, size_t a, size_t b, const char *var, size_t p, size_t *seg)
{
    const char *ps = lx->src + lx->toks[p].off;
    size_t pl = lx->toks[p].len, vl = var ? strlen(var) : 0, decl = SIZE_MAX, close = SIZE_MAX;
    if (!vl) return 0;
    for (size_t t = a; t <= b && t < lx->n; t++) {
        if (!tok_eq(lx, t, ps, pl) || !assigned_at(lx, t)) continue;
        if (decl != SIZE_MAX) { /* the header's p++ is the only other */
            size_t pv = clex_prev_sig(lx, t), nx = clex_next_sig(lx, t);
            int incr = clex_is(lx, nx, "++") || (pv != SIZE_MAX && clex_is(lx, pv, "++"));
            if (!incr || t > close) return 0;
            continue;
        }
        size_t open = SIZE_MAX; /* the for header around the declaration */
        for (size_t k = t; k-- > a && open == SIZE_MAX;)
            if (clex_is(lx, k, "(") && clex_match(lx, k) > t) open = k;
        if (open == SIZE_MAX || !clex_is(lx, clex_prev_sig(lx, open), "for")) return 0;
        close = clex_match(lx, open);
        /* for ([T] p = S[var]; p < S[var + 1]; p++) */
        size_t eq = clex_next_sig(lx, t), s0 = clex_next_sig(lx, eq), o0 = clex_next_sig(lx, s0);
        size_t v0 = clex_next_sig(lx, o0), c0 = clex_next_sig(lx, v0), semi = clex_next_sig(lx, c0);
        if (!frame_loop_declared(lx, t) || !clex_is(lx, eq, "=") || lx->toks[s0].kind != CLEX_IDENT ||
            !clex_is(lx, o0, "[") || !tok_eq(lx, v0, var, vl) || !clex_is(lx, c0, "]") || !clex_is(lx, semi, ";"))
            return 0;
        size_t p1 = clex_next_sig(lx, semi), lt = clex_next_sig(lx, p1), s1 = clex_next_sig(lx, lt);
        size_t o1 = clex_next_sig(lx, s1), v1 = clex_next_sig(lx, o1), plus = clex_next_sig(lx, v1);
        size_t one = clex_next_sig(lx, plus), c1 = clex_next_sig(lx, one);
        if (!tok_eq(lx, p1, ps, pl) || !clex_is(lx, lt, "<") ||
            !tok_eq(lx, s1, lx->src + lx->toks[s0].off, lx->toks[s0].len) || !clex_is(lx, o1, "[") ||
            !tok_eq(lx, v1, var, vl) || !clex_is(lx, plus, "+") || !clex_is(lx, one, "1") || !clex_is(lx, c1, "]"))
            return 0;
        decl = t;
        *seg = s0;
    }
    return decl != SIZE_MAX && elements_kept(lx, a, lx->src + lx->toks[*seg].off, lx->toks[*seg].len);
}

int elements_kept(const struct clex *lx, size_t a, const char *s, size_t n)
{
    for (size_t t = a; t < lx->n; t++) {
        if (!tok_eq(lx, t, s, n)) continue;
        size_t nx = clex_next_sig(lx, t), pv = clex_prev_sig(lx, t);
        if (clex_is(lx, nx, "[")) {
            size_t e = clex_match(lx, nx);
            if (e < lx->n && assign_op(lx, clex_next_sig(lx, e))) return 0;
        } else if (!(pv != SIZE_MAX && clex_is(lx, pv, "(") && clex_is(lx, clex_prev_sig(lx, pv), "free"))) {
            return 0; /* passed whole, aliased: it may change */
        }
    }
    return 1;
}

/* Tokens a..b-1 are `S[v]` (the name s, n bytes; v U's index). */
static int segment_start(const struct clex *lx, size_t a, size_t b, const char *s, size_t n, const char *v)
{
    size_t a0 = clex_next_sig(lx, a - 1), o = clex_next_sig(lx, a0), x = clex_next_sig(lx, o), c = clex_next_sig(lx, x);
    return a0 < b && c < b && clex_next_sig(lx, c) == clex_next_sig(lx, b - 1) && tok_eq(lx, a0, s, n) &&
           clex_is(lx, o, "[") && tok_eq(lx, x, v, strlen(v)) && clex_is(lx, c, "]");
}

/* The last token before the first gather of y after token from that the hoists so far hold
 * (`mpi_allgather_range(y, W, type, A, B, shape);`, after the loop around a split loop), when it
 * gathers L's share (A, B and shape L's) in rows of the width that ref's row has and stands
 * among main's own statements; SIZE_MAX when there is none. From there on every rank holds all
 * of y as its owners left it. */
static size_t gathered_after(const struct hctx *h, struct frame_hoist *const *out, size_t n_out, size_t from,
                             const char *y, size_t yl, const struct frame_loop *L, const struct frame_lin *ref)
{
    const struct clex *lx = &h->lx;
    size_t ob, cb, best = SIZE_MAX, at = SIZE_MAX;
    if (!main_braces(h, &ob, &cb) || !L->share_first || !L->share_end) return SIZE_MAX;
    for (size_t k = 0; k < n_out; k++) {
        const struct frame_hoist *o = &(*out)[k];
        if (o->at <= lx->toks[from].off || o->at >= at) continue;
        for (const char *c = strstr(o->text, "mpi_allgather_range("); c; c = strstr(c + 1, "mpi_allgather_range(")) {
            const char *p = c + strlen("mpi_allgather_range(");
            char *arg[6];
            int na = 0, depth = 0;
            for (const char *a = p; *p && na < 6; p++) { /* the arguments, at depth 0 */
                if (*p == '(') depth++;
                else if ((*p == ')' && depth-- == 0) || (*p == ',' && depth == 0)) {
                    arg[na++] = cm_strndup(a, (size_t)(p - a));
                    a = p + 1;
                    if (depth < 0) break;
                }
            }
            int ok = na == 6;
            if (ok) {
                char *name = squeeze(arg[0]), *w = squeeze(arg[1]), *f1 = squeeze(arg[3]), *e1 = squeeze(arg[4]);
                char *f0 = squeeze(L->share_first), *e0 = squeeze(L->share_end);
                ok = strlen(name) == yl && !memcmp(name, y, yl) && !strcmp(f1, f0) && !strcmp(e1, e0) &&
                     atoi(arg[5]) == L->share_shape && frame_lin_row_width(ref, w);
                free(name), free(w), free(f1), free(e1), free(f0), free(e0);
            }
            for (int i = 0; i < na; i++) free(arg[i]);
            if (ok) {
                at = o->at;
                break;
            }
        }
    }
    if (at == SIZE_MAX) return SIZE_MAX;
    for (size_t t = from; t < cb && lx->toks[t].off < at; t++)
        if (lx->toks[t].kind != CLEX_WS && lx->toks[t].kind != CLEX_COMMENT) best = t;
    size_t nx = clex_next_sig(lx, best);
    return best != SIZE_MAX && nx <= cb && h->depth[nx] == h->depth[ob] + 1 ? best : SIZE_MAX;
}

/* Array y (a name subscripted somewhere in the program) is named in U only as elements written
 * at L's reference subscript (or, when y is not gathered after U, elsewhere in its row:
 * frame_lin_same_row) or passed at its row's start, never read; and after U it is used only at
 * each rank's own elements (region_own), up to the gather of all of it when there is one. */
static int own_array(const struct hctx *h, const struct setup *u, size_t j, const char *y, size_t yl, size_t cb,
                     struct frame_hoist *const *out, size_t n_out)
{
    const struct clex *lx = &h->lx;
    const struct frame_loop *L = &h->f->loops[j];
    /* L's first use of y: the reference */
    struct frame_lin ref, base = {0}, x, d;
    struct frame_lin_env lenv = {L->var, 0, NULL}, uenv = {NULL, 0, NULL};
    size_t a, b, after, t;
    for (t = h->kw[j]; t <= h->last[j]; t++)
        if (tok_eq(lx, t, y, yl)) break;
    if (t > h->last[j] || !subscript(lx, t, &a, &b, &after)) return 0;
    size_t seg = SIZE_MAX;
    if (lx->toks[a].kind == CLEX_IDENT && clex_next_sig(lx, a) == b &&
        segment_var(lx, h->kw[j], h->last[j], L->var, a, &seg)) { /* y[p], p over S[i] .. S[i + 1] - 1 */
        if (!elements_kept(lx, u->kw, lx->src + lx->toks[seg].off, lx->toks[seg].len)) return 0; /* from U on */
        ref.n = 0;
    } else if (!frame_lin_parse(lx, a, b, &lenv, &ref) || !frame_lin_has(&ref, FRAME_LIN_VAR)) {
        return 0;
    }
    for (int k = 0; k < ref.n; k++)
        if (strstr(ref.t[k].key, FRAME_LIN_VAR)) base.t[base.n++] = ref.t[k];
    char *v = frame_tok_text(lx, u->var, u->var + 1);
    uenv.var = v;
    int ok = 1, named = 0, in_row = 0;
    for (t = u->kw; ok && t <= u->end; t++) {
        if (!tok_eq(lx, t, y, yl)) continue;
        named = 1;
        size_t pv = clex_prev_sig(lx, t);
        if (pv != SIZE_MAX && (clex_is(lx, pv, ".") || clex_is(lx, pv, "->") || clex_is(lx, pv, "&"))) ok = 0;
        else if (seg != SIZE_MAX) /* only `f(..., y + S[v], ...)`: the segment's start */
            ok = call_arg(lx, t, &a, &b) && segment_start(lx, a, b, lx->src + lx->toks[seg].off, lx->toks[seg].len, v);
        else if (subscript(lx, t, &a, &b, &after)) {
            ok = assign_op(lx, after) && frame_lin_parse(lx, a, b, &uenv, &x) && frame_lin_sub(&d, &x, &ref);
            if (ok && d.n) { /* elsewhere in the reference's row */
                ok = seg == SIZE_MAX && frame_lin_has(&d, FRAME_LIN_VAR) && frame_lin_same_row(&x, &ref);
                in_row = 1;
            }
        }
        else if (call_arg(lx, t, &a, &b))
            ok = (a == b ? base.n == 0 : frame_lin_parse(lx, a, b, &uenv, &x) && frame_lin_sub(&d, &x, &base) && d.n == 0);
        else
            ok = 0;
    }
    free(v);
    if (!ok || !named) return 0;
    size_t g = seg == SIZE_MAX ? gathered_after(h, out, n_out, u->end, y, yl, L, &ref) : SIZE_MAX;
    if (g != SIZE_MAX && !in_row) return region_own(h, j, y, yl, clex_next_sig(lx, u->end), g, 0) ? 2 : 0;
    return region_own(h, j, y, yl, clex_next_sig(lx, u->end), cb - 1, 1);
}

/* Guards the statements of U's body that set only such arrays. */
static void guard_body(const struct hctx *h, const struct setup *u, size_t body, size_t cb, struct frame_hoist **out,
                       size_t *n_out, size_t *cap)
{
    const struct clex *lx = &h->lx;
    size_t first = body, stop = clex_stmt_end(lx, body);
    if (clex_is(lx, body, "{")) first = clex_next_sig(lx, body), stop = clex_match(lx, body);
    for (size_t s = first; s < lx->n && s <= stop && !clex_is(lx, s, "}");) {
        size_t e = clex_stmt_end(lx, s);
        if (e >= lx->n) return;
        size_t s2 = clex_next_sig(lx, s); /* a loop, an if, a block, a call or an element's assignment */
        int ok = clex_is(lx, s, "for") || clex_is(lx, s, "while") || clex_is(lx, s, "if") || clex_is(lx, s, "{") ||
                 (lx->toks[s].kind == CLEX_IDENT && !frame_loop_type_word(lx, s) &&
                  (clex_is(lx, s2, "(") || clex_is(lx, s2, "[")));
        struct group w = {0};
        size_t j = SIZE_MAX;
        int gathered = 0;
        for (size_t t = s; ok && t <= e; t++) {
            if (clex_is(lx, t, "break") || clex_is(lx, t, "continue") || clex_is(lx, t, "return") ||
                clex_is(lx, t, "goto")) {
                ok = 0;
                break;
            }
            if (lx->toks[t].kind != CLEX_IDENT || frame_loop_type_word(lx, t)) continue;
            const char *ts = lx->src + lx->toks[t].off;
            size_t tl = lx->toks[t].len, a, b, after;
            size_t nx = clex_next_sig(lx, t), pv = clex_prev_sig(lx, t);
            if (clex_is(lx, nx, "(") && !clex_is(lx, t, "if") && !clex_is(lx, t, "for") && !clex_is(lx, t, "while") &&
                !clex_is(lx, t, "switch") && !clex_is(lx, t, "sizeof")) {
                ok = known_call(h, t, 0) != 0;
                continue;
            }
            int declared_here = 0; /* a name declared in S */
            for (size_t k = s; k <= e && !declared_here; k++)
                declared_here = tok_eq(lx, k, ts, tl) && frame_loop_declared(lx, k);
            int arr = subscript(lx, t, &a, &b, &after), write = arr && assign_op(lx, after);
            int passed = !arr && call_arg(lx, t, &a, &b);
            int subscripted = 0; /* an array somewhere in the program */
            for (size_t k = 0; k < lx->n && !subscripted && passed; k++)
                subscripted = tok_eq(lx, k, ts, tl) && clex_is(lx, clex_next_sig(lx, k), "[");
            if ((write || (passed && subscripted)) && !declared_here) {
                size_t m = SIZE_MAX; /* the first split loop after U with U's bounds that names it */
                for (size_t q = 0; q < h->f->n && m == SIZE_MAX; q++) {
                    const struct frame_loop *L = &h->f->loops[q];
                    if (h->kw[q] <= u->end || !L->share_first || !L->share_end) continue;
                    char *f1 = squeeze(L->share_first), *e1 = squeeze(L->share_end);
                    int same = !strcmp(f1, u->sq_first) && !strcmp(e1, u->sq_last);
                    free(f1), free(e1);
                    for (size_t k = h->kw[q]; same && k <= h->last[q] && m == SIZE_MAX; k++)
                        if (tok_eq(lx, k, ts, tl)) m = q;
                }
                int own = m == SIZE_MAX ? 0 : own_array(h, u, m, ts, tl, cb, out, *n_out);
                if (!own || (j != SIZE_MAX && h->f->loops[m].share_shape != h->f->loops[j].share_shape))
                    ok = 0;
                else if (w.n < GROUP_MAX) {
                    int dup = 0;
                    for (size_t k = 0; k < w.n; k++) dup |= w.l[k] == tl && !memcmp(w.s[k], ts, tl);
                    if (!dup) w.s[w.n] = ts, w.l[w.n++] = tl;
                    j = m;
                    gathered |= own == 2;
                } else {
                    ok = 0;
                }
            } else if (!arr && !declared_here &&
                       (assign_op(lx, nx) || (pv != SIZE_MAX && (clex_is(lx, pv, "++") || clex_is(lx, pv, "--") ||
                                                                 clex_is(lx, pv, "&"))))) {
                ok = 0; /* a variable of U or beyond changes */
            }
        }
        if (ok && w.n && j != SIZE_MAX) {
            size_t off = lx->toks[s].off, ind = off;
            while (ind > 0 && (lx->src[ind - 1] == ' ' || lx->src[ind - 1] == '\t')) ind--;
            struct cm_buf t;
            cm_buf_init(&t);
            cm_buf_puts(&t, "/* chatmpi: only this rank's rows of ");
            for (size_t k = 0; k < w.n; k++) cm_buf_printf(&t, "%s%.*s", k ? ", " : "", (int)w.l[k], w.s[k]);
            int first_on_line = ind == 0 || lx->src[ind - 1] == '\n'; /* else the comment stays on its line */
            cm_buf_printf(&t, ": no rank reads another's %s */%s%.*sif (mpi_mine_(%.*s, %s, %s, %d)) ",
                          gathered ? "before the gather" : "again", first_on_line ? "\n" : " ",
                          first_on_line ? (int)(off - ind) : 0, lx->src + ind, (int)lx->toks[u->var].len,
                          lx->src + lx->toks[u->var].off, u->first, u->last, h->f->loops[j].share_shape);
            add_hoist(out, n_out, cap, off, &t);
        }
        s = clex_next_sig(lx, e);
    }
}

void frame_setup_own(const struct hctx *h, struct frame_hoist **out, size_t *n_out, size_t *cap)
{
    const struct clex *lx = &h->lx;
    size_t ob, cb;
    if (!main_braces(h, &ob, &cb)) return;
    for (size_t t = ob + 1; t < cb; t++) {
        if (clex_is(lx, t, "goto")) return;
    }
    for (size_t t = ob + 1; t < cb; t++) {
        if (h->depth[t] != h->depth[ob] + 1 || !clex_is(lx, t, "for") || marked_at(h, t) != SIZE_MAX) continue;
        size_t before = clex_prev_sig(lx, t), body;
        if (!(clex_is(lx, before, "{") || clex_is(lx, before, "}") || clex_is(lx, before, ";"))) continue;
        struct setup u = {0};
        u.kw = t;
        u.end = clex_stmt_end(lx, t);
        if (u.end < cb && counted_header(lx, t, &u, &body) && bounds_kept(lx, t, cb - 1, u.sq_first) &&
            bounds_kept(lx, t, cb - 1, u.sq_last))
            guard_body(h, &u, body, cb, out, n_out, cap);
        setup_release(&u);
        if (u.end < cb) t = u.end;
    }
}

/* Statement tokens s..e are `for ([T] v = A; v < B; v++) BODY` with A and B (in the caller's
 * terms through cu, when given) the text first and end, and y named in it once, as `y[v] = ...;`,
 * a statement of BODY itself; BODY jumps nowhere and keeps A and B: every element y[first ..
 * end - 1] is set before any is read. */
static int sets_all(const struct hctx *h, size_t s, size_t e, const char *y, size_t yl, const char *first,
                    const char *end, const struct call_use *cu)
{
    const struct clex *lx = &h->lx;
    struct setup u = {0};
    size_t body;
    int ok = clex_is(lx, s, "for") && counted_header(lx, s, &u, &body) && bounds_kept(lx, body, e, u.first) &&
             bounds_kept(lx, body, e, u.last);
    if (ok) {
        char *f1 = cu ? share_in_caller(lx, cu, u.first) : cm_strdup(u.sq_first);
        char *e1 = cu ? share_in_caller(lx, cu, u.last) : cm_strdup(u.sq_last);
        ok = f1 && e1 && !strcmp(f1, first) && !strcmp(e1, end);
        free(f1), free(e1);
    }
    size_t named = 0;
    for (size_t t = body; ok && t <= e; t++) {
        if (clex_is(lx, t, "break") || clex_is(lx, t, "continue") || clex_is(lx, t, "return") || clex_is(lx, t, "goto"))
            ok = 0;
        if (!tok_eq(lx, t, y, yl)) continue;
        size_t pv = clex_prev_sig(lx, t), o = clex_next_sig(lx, t), v = clex_next_sig(lx, o), c = clex_next_sig(lx, v);
        int stmt = t == body || (clex_is(lx, body, "{") && h->depth[t] == h->depth[body] + 1 &&
                                 (clex_is(lx, pv, "{") || clex_is(lx, pv, ";") || clex_is(lx, pv, "}")));
        ok = !named++ && stmt && clex_is(lx, o, "[") && tok_eq(lx, v, lx->src + lx->toks[u.var].off, lx->toks[u.var].len) &&
             clex_is(lx, c, "]") && clex_is(lx, clex_next_sig(lx, c), "=");
    }
    setup_release(&u);
    return ok && named == 1;
}

int set_whole_again(const struct hctx *h, size_t at, const char *y, size_t yl, const char *first, const char *end,
                    const char *width)
{
    const struct clex *lx = &h->lx;
    size_t ob, cb, t0 = 0;
    if (strcmp(width, "1") != 0 || !main_braces(h, &ob, &cb)) return 0;
    while (t0 < lx->n && lx->toks[t0].off < at) t0++;
    if (t0 == 0) return 0;
    t0 = clex_next_sig(lx, t0 - 1);
    if (t0 >= cb || h->depth[t0] != h->depth[ob] + 1) return 0; /* one of main's own statements follows */
    int local = 0; /* y is main's own: no other function reaches it but through a call naming it */
    for (size_t t = ob + 1; t < cb && !local; t++) local = tok_eq(lx, t, y, yl) && frame_loop_declared(lx, t);
    if (!local) return 0;
    char *f = squeeze(first), *e = squeeze(end);
    /* y's aliases: the names at the top level of what y is set from (`p = buf + 1`), or of what
     * is set from y (`buf = p - 1`), in main */
    struct group al = {0};
    int ok = 1;
    for (size_t t = ob + 1; ok && t < cb; t++) {
        if (!tok_eq(lx, t, y, yl) || clex_is(lx, clex_next_sig(lx, t), "[")) continue;
        size_t pv = clex_prev_sig(lx, t), nx = clex_next_sig(lx, t), a, z;
        if (clex_is(lx, pv, "&")) ok = 0;
        if (clex_is(lx, nx, "=")) { /* y = ...: the rest of the declarator */
            a = clex_next_sig(lx, nx), z = a;
            for (int d = 0; z < cb && !(d == 0 && (clex_is(lx, z, ";") || clex_is(lx, z, ","))); z++)
                d += clex_is(lx, z, "(") - clex_is(lx, z, ")");
        } else { /* ... = y ...: what is before the `=` */
            size_t q = t;
            int d = 0;
            while (q > ob + 1 && !(d == 0 && (clex_is(lx, q, ";") || clex_is(lx, q, "{") || clex_is(lx, q, "}") ||
                                             clex_is(lx, q, "=") || clex_is(lx, q, ",")))) {
                q = clex_prev_sig(lx, q);
                d += clex_is(lx, q, ")") - clex_is(lx, q, "(");
                if (d < 0) break;
            }
            if (d < 0 || !clex_is(lx, q, "=")) continue; /* not a copy: a test, a call's argument */
            z = q, a = q;
            while (a > ob + 1 && !clex_is(lx, clex_prev_sig(lx, a), ";") && !clex_is(lx, clex_prev_sig(lx, a), "{") &&
                   !clex_is(lx, clex_prev_sig(lx, a), "}") && !clex_is(lx, clex_prev_sig(lx, a), ","))
                a = clex_prev_sig(lx, a);
        }
        for (int d = 0; ok && a < z; a++) {
            d += clex_is(lx, a, "(") - clex_is(lx, a, ")");
            if (d || lx->toks[a].kind != CLEX_IDENT || tok_eq(lx, a, y, yl) || frame_loop_type_word(lx, a) ||
                clex_is_keyword(lx->src + lx->toks[a].off, lx->toks[a].len) || clex_is(lx, clex_next_sig(lx, a), "("))
                continue;
            int dup = 0;
            for (size_t g = 0; g < al.n; g++) dup |= al.l[g] == lx->toks[a].len && !memcmp(al.s[g], lx->src + lx->toks[a].off, al.l[g]);
            if (dup) continue;
            if (al.n == GROUP_MAX) ok = 0;
            else al.s[al.n] = lx->src + lx->toks[a].off, al.l[al.n++] = lx->toks[a].len;
        }
    }
    int done = 0;
    for (size_t s = t0; ok && !done && s < cb;) { /* main's statements from the gather on */
        size_t e1 = clex_stmt_end(lx, s), names = SIZE_MAX;
        if (e1 >= cb) break;
        for (size_t t = s; ok && t <= e1; t++) {
            if (clex_is(lx, t, "goto") || clex_is(lx, t, "return") || clex_is(lx, t, "setjmp") ||
                clex_is(lx, t, "longjmp") || clex_is(lx, t, "exit"))
                ok = 0;
            for (size_t g = 0; g < al.n; g++) ok &= !tok_eq(lx, t, al.s[g], al.l[g]);
            if (tok_eq(lx, t, y, yl) && names == SIZE_MAX) names = t;
        }
        if (!ok || names == SIZE_MAX) {
            s = clex_next_sig(lx, e1);
            continue;
        }
        struct call_use cu;
        if (!bounds_kept(lx, t0, e1, first) || !bounds_kept(lx, t0, e1, end)) { /* the same range as gathered */
            ok = 0;
        } else if (sets_all(h, s, e1, y, yl, f, e, NULL)) {
            done = 1;
        } else if (call_use_at(h, names, 0, s, &cu)) { /* f(..., y, ...); where f's first use of it sets it all */
            const char *ps = lx->src + lx->toks[cu.param].off;
            size_t pl = lx->toks[cu.param].len, first_use = SIZE_MAX;
            for (size_t t = s; t <= e1; t++) /* y passed once, in the statement's only call of a program function */
                if (t != names && tok_eq(lx, t, y, yl)) ok = 0;
            for (size_t t = cu.body0 + 1; t < cu.body1 && first_use == SIZE_MAX; t++)
                if (tok_eq(lx, t, ps, pl)) first_use = t;
            size_t m = first_use == SIZE_MAX ? SIZE_MAX : marked_at(h, first_use);
            ok = ok && m != SIZE_MAX && h->depth[h->kw[m]] == h->depth[cu.body0] + 1 && frag_gathers(h->frags[m], ps, pl) &&
                 sets_all(h, h->kw[m], h->last[m], ps, pl, f, e, &cu);
            for (size_t t = cu.body0 + 1; ok && t < h->kw[m]; t++)
                if (clex_is(lx, t, "return") || clex_is(lx, t, "goto")) ok = 0;
            done = ok;
        } else {
            ok = 0;
        }
    }
    free(f), free(e);
    return ok && done;
}
