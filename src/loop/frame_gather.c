/* frame_gather.c — gathers that wait until after the loop around them, and halos (see
 * frame_loop.h; array sums whose reduction waits are in frame_sums.c).
 *
 * A split loop inside a repetition (`for (r = 0; r < reps; r++) for (i ...) y[i] = a * y[i];`)
 * gathers the whole array after every repetition, although each rank only ever reads back the
 * elements it computed itself: the array moves reps times where once would do. A stencil's
 * time loop reads, besides its own rows, only a few rows next to them: moving those (a halo)
 * is the step's communication, the whole array once at the end. Here the gather of an array
 * Y after a split loop S moves after the loop P around S when, in P:
 *
 *   - Y and the pointers copied to and from it in P (`tmp = u; u = un; un = tmp;`: Y's group)
 *     are named only inside split loops with S's share (the same first, end and shape) and in
 *     such copies; in the split loops always as X[...], never &X[...];
 *   - every element a split loop writes is at the subscript R at which S writes Y, and a loop
 *     that writes a name of the group reads it only there; the other reads are at R (its own
 *     elements), or at R + d where d is a sum of names not assigned in P and numbers (a
 *     neighbour: `u[c - W]` against `un[c]`, with `long c = j * W + i;` read in place of c);
 *     a subscript that is not such a sum must be the same text as R;
 *   - when some read is at R + d: every split loop in P that writes a name of the group
 *     gathers it (that gather becomes the halo exchange, mpi_halo_share with the offsets d);
 *   - S's share bounds are not assigned in P (and call nothing), so they are the same after it;
 *   - P is a statement of a block (not the body of an if or a loop without braces);
 *
 * and, in the whole program, the group's names are not aliased (`= Y`, `&Y[k]`) outside such
 * copies nor, unless declared in the function around P, named in another function. This is
 * tried from the innermost loop outward; after the outermost loop that passes, every name of the
 * group that a split loop uses is gathered with mpi_allgather_range(..., first, end, shape),
 * which shares [first, end) itself. If P runs no iteration, the arrays are unchanged on every
 * rank and the gathers move equal values.
 *
 * Gathers that go: when the outermost statement reached (S itself, or the last P) is one of
 * main's own statements and the same rules hold from it to the end of main (no neighbour read,
 * no goto; free(Y) reads nothing), no rank ever reads another's elements of Y again: Y is not
 * gathered at all (a set-up loop's arrays that only split loops of its share read afterwards,
 * a solver's residual vector after its loop).
 *
 * Calls (the call's parts in frame_calls.c): a name of the group passed whole to a function of
 * the program (`dot(n, r, r)`) is followed there: the parameter must be used only in split loops whose share, the parameters
 * replaced by the call's arguments, is S's, at subscripts read the same way (parameters renamed
 * to the arguments' names), and only read. And when S itself is in a function that P calls
 * (apply_a's gather of q, no loop around it there), the gather becomes
 * `if (!(mpi_in_loop_ & BIT)) mpi_allgather_share(...)`, P is wrapped in a block that sets BIT
 * while it runs, and q is gathered after P; then every call of that function in P must pass a
 * name of the group for that parameter, no other function called in P may reach it, and P may
 * not return or goto out. */
#include "loop/frame_gather.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

/* One use of a group's name in a split loop: its subscripts as text (the loop's index written
 * \x01) and, for one subscript that is a sum, as a sum. */
struct access {
    size_t loop, member;
    int write, is_lin, has_var;
    char *sig;
    struct frame_lin lin;
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

int tok_eq(const struct clex *lx, size_t i, const char *s, size_t n)
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

/* The group member token i names, or SIZE_MAX. */
static size_t member_at(const struct clex *lx, size_t i, const struct group *g)
{
    for (size_t k = 0; k < g->n; k++)
        if (names_var(lx, i, g->s[k], g->l[k])) return k;
    return SIZE_MAX;
}

static int group_add_name(struct group *g, const char *s, size_t l)
{
    for (size_t k = 0; k < g->n; k++)
        if (g->l[k] == l && !memcmp(g->s[k], s, l)) return 1;
    if (g->n == GROUP_MAX) return 0;
    g->s[g->n] = s;
    g->l[g->n++] = l;
    return 1;
}

static int group_add(struct group *g, const struct clex *lx, size_t i)
{
    if (lx->toks[i].kind != CLEX_IDENT || clex_is_keyword(lx->src + lx->toks[i].off, lx->toks[i].len)) return 0;
    if (member_at(lx, i, g) != SIZE_MAX) return 1;
    if (g->n == GROUP_MAX) return 0;
    g->s[g->n] = lx->src + lx->toks[i].off;
    g->l[g->n++] = lx->toks[i].len;
    return 1;
}

/* The loop statement around tokens a..b: the nearest for/while/do whose statement holds them,
 * or SIZE_MAX. */
size_t enclosing(const struct clex *lx, size_t a, size_t b)
{
    for (size_t t = a; t-- > 0;) {
        if (lx->toks[t].kind != CLEX_IDENT) continue;
        if (!(clex_is(lx, t, "for") || clex_is(lx, t, "while") || clex_is(lx, t, "do"))) continue;
        size_t e = clex_stmt_end(lx, t);
        if (e < lx->n && e >= b) return t;
    }
    return SIZE_MAX;
}

int assign_op(const struct clex *lx, size_t n)
{
    static const char *const ops[] = {"=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "|=", "^=", "++", "--"};
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        if (n < lx->n && clex_is(lx, n, ops[k])) return 1;
    return 0;
}

/* An assignment to token t's name: t followed by an assignment operator or ++/--, or after
 * ++, -- or &. */
int assigned_at(const struct clex *lx, size_t t)
{
    size_t p = clex_prev_sig(lx, t);
    return assign_op(lx, clex_next_sig(lx, t)) ||
           (p != SIZE_MAX && (clex_is(lx, p, "++") || clex_is(lx, p, "--") || clex_is(lx, p, "&")));
}

/* The name (s, n) is assigned somewhere in tokens a..b. */
static int assigned_in(const struct clex *lx, size_t a, size_t b, const char *s, size_t n)
{
    for (size_t t = a; t <= b && t < lx->n; t++)
        if (tok_eq(lx, t, s, n) && assigned_at(lx, t)) return 1;
    return 0;
}

/* The share's bounds (text) are the same after tokens a..b ran: no name in them is assigned
 * there, and they call nothing. */
int bounds_kept(const struct clex *lx, size_t a, size_t b, const char *bounds)
{
    struct clex bl;
    clex_init(&bl);
    int ok = !clex_run(&bl, bounds, strlen(bounds));
    for (size_t i = 0; ok && i < bl.n; i++) {
        if (bl.toks[i].kind != CLEX_IDENT || clex_is(&bl, i, "sizeof")) continue;
        if (clex_is(&bl, clex_next_sig(&bl, i), "(")) ok = 0;
        if (assigned_in(lx, a, b, bounds + bl.toks[i].off, bl.toks[i].len)) ok = 0;
    }
    clex_release(&bl);
    return ok;
}

/* The marked loop holding token t, or SIZE_MAX. */
size_t marked_at(const struct hctx *h, size_t t)
{
    for (size_t m = 0; m < h->f->n; m++)
        if (h->kw[m] <= t && t <= h->last[m]) return m;
    return SIZE_MAX;
}

/* Token t (a name of the group, outside the split loops of P) is in a copy `A = B;` (or
 * `T *A = B;`) of another pointer: that pointer joins the group. 0 for any other use. */
static int copy_at(const struct clex *lx, size_t t, struct group *g)
{
    size_t nx = clex_next_sig(lx, t), pv = clex_prev_sig(lx, t);
    if (nx < lx->n && clex_is(lx, nx, "=")) {
        size_t b = clex_next_sig(lx, nx), e = b < lx->n ? clex_next_sig(lx, b) : lx->n;
        return e < lx->n && (clex_is(lx, e, ";") || clex_is(lx, e, ",")) && group_add(g, lx, b);
    }
    if (pv != SIZE_MAX && clex_is(lx, pv, "=") && nx < lx->n && (clex_is(lx, nx, ";") || clex_is(lx, nx, ","))) {
        size_t a = clex_prev_sig(lx, pv);
        return a != SIZE_MAX && group_add(g, lx, a);
    }
    return 0;
}

/* Token t is the whole argument of `free(...)`: the array is released, none of it read. */
static int freed_at(const struct clex *lx, size_t t)
{
    size_t pv = clex_prev_sig(lx, t), nx = clex_next_sig(lx, t);
    size_t fn = pv == SIZE_MAX ? SIZE_MAX : clex_prev_sig(lx, pv);
    return fn != SIZE_MAX && clex_is(lx, pv, "(") && clex_is(lx, fn, "free") && clex_is(lx, nx, ")");
}

/* The group's names are safe to leave stale on other ranks' elements for a while: never
 * aliased (`= Y`, `= Y + k`, `&Y`, `&Y[k]`; an element read `= Y[k]` is no alias) but in the
 * copies of P (tokens p..pe outside its split loops, checked by copy_at), and, unless declared
 * in the function around token p, named in no other function. */
int private_group(const struct hctx *h, const struct group *g, size_t p, size_t pe)
{
    const struct clex *lx = &h->lx;
    size_t fn0 = p, fn1;
    while (fn0 > 0 && !(h->depth[fn0] == 0 && clex_is(lx, fn0, "{"))) fn0--;
    fn1 = clex_match(lx, fn0);
    unsigned local = 0; /* the names declared in that function's block before P: no other sees them */
    for (size_t i = fn0; i < p; i++) {
        size_t k = member_at(lx, i, g);
        if (k != SIZE_MAX && h->depth[i] == 1 && frame_loop_declared(lx, i)) local |= 1u << k;
    }
    for (size_t i = 0; i < lx->n; i++) {
        size_t k = member_at(lx, i, g);
        if (k == SIZE_MAX) continue;
        if (i < fn0 || i > fn1) {
            if (local >> k & 1) continue; /* another variable of the same name */
            if (h->depth[i] > 0) return 0;
        }
        if (i >= p && i <= pe && marked_at(h, i) == SIZE_MAX) continue;
        size_t pv = clex_prev_sig(lx, i), nx = clex_next_sig(lx, i);
        if (pv != SIZE_MAX && (clex_is(lx, pv, "&") || (clex_is(lx, pv, "=") && !clex_is(lx, nx, "[")))) return 0;
    }
    return 1;
}

/* The locals of loop m read in place of their names in subscripts: `T c = EXPR;` assigned
 * nowhere else in the loop, EXPR's names assigned in the loop only in for headers. */
static size_t loop_defs(const struct hctx *h, size_t m, struct frame_lin_def *defs, size_t max)
{
    const struct clex *lx = &h->lx;
    size_t a = h->kw[m], b = h->last[m], n = 0;
    for (size_t t = a; t <= b && n < max; t++) {
        if (lx->toks[t].kind != CLEX_IDENT) continue;
        size_t eq = clex_next_sig(lx, t);
        if (!clex_is(lx, eq, "=") || !frame_loop_declared(lx, t)) continue; /* `T c = ...`, not `else c = ...` */
        const char *s = lx->src + lx->toks[t].off;
        size_t l = lx->toks[t].len, once = 0;
        for (size_t u = a; u <= b; u++) once += tok_eq(lx, u, s, l) && assigned_at(lx, u);
        if (once != 1) continue;
        size_t e = eq + 1;
        for (int depth = 0; e <= b; e++) {
            if (clex_is(lx, e, "(") || clex_is(lx, e, "[")) depth++;
            else if (clex_is(lx, e, ")") || clex_is(lx, e, "]")) depth--;
            else if (depth == 0 && (clex_is(lx, e, ";") || clex_is(lx, e, ","))) break;
        }
        int ok = e <= b;
        for (size_t u = eq + 1; ok && u < e; u++) {
            if (lx->toks[u].kind != CLEX_IDENT) continue;
            for (size_t v = a; ok && v <= b; v++) {
                if (!tok_eq(lx, v, lx->src + lx->toks[u].off, lx->toks[u].len) || !assigned_at(lx, v)) continue;
                int in_header = 0; /* the innermost parenthesis around v is a for header's */
                for (size_t k = v; k-- > a;) {
                    if (clex_is(lx, k, "(") && clex_match(lx, k) > v) {
                        size_t kw = clex_prev_sig(lx, k);
                        in_header = kw != SIZE_MAX && clex_is(lx, kw, "for");
                        break;
                    }
                }
                ok = in_header;
            }
        }
        if (ok) defs[n++] = (struct frame_lin_def){t, eq + 1, e};
    }
    return n;
}

/* The use of a group's name at token t in split loop m; 0 when it is not X[...]. */
static int access_at(const struct hctx *h, size_t m, size_t t, size_t member, const struct frame_lin_env *env,
                     struct access *a)
{
    const struct clex *lx = &h->lx;
    const struct frame_loop *L = &h->f->loops[m];
    size_t vl = L->var ? strlen(L->var) : 0, pv = clex_prev_sig(lx, t), k = clex_next_sig(lx, t), subs = 0;
    *a = (struct access){.loop = m, .member = member};
    if ((pv != SIZE_MAX && clex_is(lx, pv, "&")) || !clex_is(lx, k, "[")) return 0;
    struct cm_buf b;
    cm_buf_init(&b);
    size_t first_open = k, first_close = lx->n;
    while (clex_is(lx, k, "[")) {
        size_t e = clex_match(lx, k);
        if (e >= lx->n) break;
        if (!subs++) first_close = e;
        cm_buf_puts(&b, "[");
        for (size_t u = k + 1; u < e; u++) {
            if (lx->toks[u].kind == CLEX_WS || lx->toks[u].kind == CLEX_COMMENT) continue;
            if (clex_is(lx, u, "[")) a->has_var = -1000; /* an index read from an array: not a row */
            if (vl && tok_eq(lx, u, L->var, vl)) {
                a->has_var++;
                cm_buf_puts(&b, "\x01 ");
            } else {
                cm_buf_printf(&b, "%.*s ", (int)lx->toks[u].len, lx->src + lx->toks[u].off);
            }
        }
        cm_buf_puts(&b, "]");
        k = clex_next_sig(lx, e);
    }
    a->sig = b.data ? cm_buf_detach(&b) : cm_strdup("");
    a->write = assign_op(lx, k) || (pv != SIZE_MAX && (clex_is(lx, pv, "++") || clex_is(lx, pv, "--")));
    a->is_lin = subs == 1 && frame_lin_parse(lx, first_open + 1, first_close, env, &a->lin);
    size_t only = clex_next_sig(lx, first_open), seg;
    if (subs == 1 && lx->toks[only].kind == CLEX_IDENT && clex_next_sig(lx, only) == first_close &&
        segment_var(lx, h->kw[m], h->last[m], L->var, only, &seg)) { /* x[p], p over S[i] .. S[i + 1] - 1 */
        free(a->sig);
        struct cm_buf sb;
        cm_buf_init(&sb);
        cm_buf_printf(&sb, "\x02segment of %.*s", (int)lx->toks[seg].len, lx->src + lx->toks[seg].off);
        a->sig = cm_buf_detach(&sb);
        a->is_lin = 0, a->has_var = 1;
    }
    return 1;
}

static int same_place(const struct access *a, const struct access *b)
{
    struct frame_lin d;
    if (a->is_lin && b->is_lin) return frame_lin_sub(&d, &a->lin, &b->lin) && d.n == 0;
    return !strcmp(a->sig, b->sig);
}

/* What the loop P is checked against: loop j's share in P's terms and, when loop j is in a
 * function that P calls, that call. */
struct pref {
    size_t j;
    char *first, *end; /* spaces removed */
    int shape;
    const struct call_use *via;
};

/* The function whose body opens at token body0 is reached from tokens a..b only by its calls
 * there (checked by the caller) : no other function of the program called there calls it, up to
 * four calls deep. */
static int reaches(const struct hctx *h, size_t a, size_t b, size_t body0, const char *fn, size_t fl, int depth)
{
    const struct clex *lx = &h->lx;
    for (size_t t = a; t <= b && t < lx->n; t++) {
        if (lx->toks[t].kind != CLEX_IDENT || !clex_is(lx, clex_next_sig(lx, t), "(")) continue;
        if (tok_eq(lx, t, fn, fl)) {
            if (depth) return 1;
            continue;
        }
        for (size_t d = 0; d < lx->n; d++) { /* the called function's body */
            if (h->depth[d] != 0 || !tok_eq(lx, d, lx->src + lx->toks[t].off, lx->toks[t].len)) continue;
            size_t po = clex_next_sig(lx, d), pc = clex_is(lx, po, "(") ? clex_match(lx, po) : lx->n;
            size_t body = pc < lx->n ? clex_next_sig(lx, pc) : lx->n;
            if (!clex_is(lx, body, "{") || body == body0) continue;
            if (depth >= 4 || reaches(h, body, clex_match(lx, body), body0, fn, fl, depth + 1)) return 1;
        }
    }
    return 0;
}

/* Whether the gather of y (in split loop R->j, or the parameter y of the function that P calls
 * by R->via) can wait until after P (tokens p..pe), see the top of the file; on success the
 * offsets of the halo (", "-separated C, NULL for none) in *deltas, their count in *nd, and in
 * *used the group's names that split loops use. */
static int check_loop(const struct hctx *h, const struct pref *R, const char *y, size_t yl, size_t p, size_t pe,
                      int rows, char **deltas, int *nd, struct group *used)
{
    const struct clex *lx = &h->lx;
    size_t j = R->j;
    struct group g = {0};
    *deltas = NULL, *nd = 0, *used = (struct group){0};
    g.s[0] = y, g.l[0] = yl, g.n = 1;
    for (size_t before = 0; before != g.n;) { /* the group: y and the pointers copied with it */
        before = g.n;
        for (size_t t = p; t <= pe; t++) {
            size_t m = marked_at(h, t);
            if (m != SIZE_MAX) {
                t = h->last[m];
                continue;
            }
            size_t k = member_at(lx, t, &g);
            struct call_use cu;
            if (k != SIZE_MAX && !copy_at(lx, t, &g) && !freed_at(lx, t) && !call_use_at(h, t, k, p, &cu)) return 0;
        }
    }
    if (!private_group(h, &g, p, pe)) return 0;
    struct call_use calls[16];
    size_t nc = 0;
    for (size_t t = p; t <= pe; t++) {
        size_t m = marked_at(h, t), k;
        if (m != SIZE_MAX) {
            t = h->last[m];
            continue;
        }
        if ((k = member_at(lx, t, &g)) != SIZE_MAX && call_use_at(h, t, k, p, &calls[nc]) && ++nc == 16) return 0;
    }
    if (R->via) { /* loop j's function runs its gather's other branch inside P: only as these calls */
        const struct clex_tok *fn = &lx->toks[clex_prev_sig(lx, R->via->open)];
        const char *fs = lx->src + fn->off;
        for (size_t t = p; t <= pe; t++) {
            if (clex_is(lx, t, "return") || clex_is(lx, t, "goto")) return 0;
            if (!tok_eq(lx, t, fs, fn->len) || !clex_is(lx, clex_next_sig(lx, t), "(")) continue;
            int passed = 0;
            for (size_t c = 0; c < nc; c++)
                passed |= calls[c].body0 == R->via->body0 && calls[c].open == clex_next_sig(lx, t) &&
                          tok_eq(lx, calls[c].param, lx->src + lx->toks[R->via->param].off, lx->toks[R->via->param].len);
            if (!passed) return 0;
        }
        if (reaches(h, p, pe, R->via->body0, fs, fn->len, 0)) return 0;
    }
    struct access *acc = NULL;
    size_t na = 0, cap = 0;
    int ok = 1;
    for (size_t c = 0; ok && c < nc; c++) { /* in the functions called: in split loops of the share */
        const struct call_use *cu = &calls[c];
        const char *ps = lx->src + lx->toks[cu->param].off;
        size_t pl = lx->toks[cu->param].len;
        for (size_t t = cu->body0; ok && t <= cu->body1; t++) {
            if (!names_var(lx, t, ps, pl)) continue;
            size_t m = marked_at(h, t);
            const struct frame_loop *M = m == SIZE_MAX ? NULL : &h->f->loops[m];
            char *f1 = M && M->share_first ? share_in_caller(lx, cu, M->share_first) : NULL;
            char *e1 = M && M->share_end ? share_in_caller(lx, cu, M->share_end) : NULL;
            ok = f1 && e1 && !strcmp(f1, R->first) && !strcmp(e1, R->end) && M->share_shape == R->shape;
            free(f1), free(e1);
            if (!ok) break;
            struct frame_lin_def defs[16];
            struct frame_lin_env env = {M->var, loop_defs(h, m, defs, 16), defs};
            if (na == cap) acc = cm_realloc(acc, (cap = cap ? 2 * cap : 16) * sizeof(*acc));
            ok = access_at(h, m, t, cu->member, &env, &acc[na]);
            na++;
            /* writes: only loop j's own, whose gather this is */
            ok = ok && acc[na - 1].is_lin && (!acc[na - 1].write || (R->via && m == j)) &&
                 lin_in_caller(lx, cu, &acc[na - 1].lin);
        }
        if (ok) group_add_name(used, g.s[cu->member], g.l[cu->member]);
    }
    for (size_t m = 0; ok && m < h->f->n; m++) {
        if (h->kw[m] < p || h->kw[m] > pe) continue;
        const struct frame_loop *M = &h->f->loops[m];
        struct frame_lin_def defs[16];
        struct frame_lin_env env = {M->var, loop_defs(h, m, defs, 16), defs};
        char *f1 = M->share_first ? squeeze(M->share_first) : NULL, *e1 = M->share_end ? squeeze(M->share_end) : NULL;
        int same = f1 && e1 && !strcmp(f1, R->first) && !strcmp(e1, R->end) && M->share_shape == R->shape;
        free(f1), free(e1);
        for (size_t t = h->kw[m]; ok && t <= h->last[m]; t++) {
            size_t k = member_at(lx, t, &g);
            if (k == SIZE_MAX) continue;
            if (!same) {
                ok = 0;
                break;
            }
            if (na == cap) acc = cm_realloc(acc, (cap = cap ? 2 * cap : 16) * sizeof(*acc));
            ok = access_at(h, m, t, k, &env, &acc[na]);
            na++;
            if (ok) group_add(used, lx, t);
        }
    }
    /* the reference: where loop j writes y (or first uses it) */
    const struct access *ref = NULL;
    for (size_t i = 0; ok && i < na; i++) {
        if (acc[i].loop != j || acc[i].member != 0) continue;
        if (!ref || (acc[i].write && !ref->write)) ref = &acc[i];
        if (acc[i].write && !same_place(&acc[i], ref)) ok = 0;
    }
    if (ok) ok = ref && (ref->is_lin ? frame_lin_has(&ref->lin, FRAME_LIN_VAR) : ref->has_var > 0);
    char *dl[64];
    int written = 0;
    for (size_t i = 0; i < na; i++) written |= acc[i].write;
    for (size_t i = 0; ok && i < na; i++) {
        const struct access *a = &acc[i];
        int writes_it = 0;
        for (size_t k = 0; k < na; k++) writes_it |= acc[k].loop == a->loop && acc[k].member == a->member && acc[k].write;
        if (same_place(a, ref)) continue;
        struct frame_lin d;
        int lin = a->is_lin && ref->is_lin && frame_lin_sub(&d, &a->lin, &ref->lin);
        if (rows && !written && lin && frame_lin_has(&d, FRAME_LIN_VAR) && frame_lin_same_row(&a->lin, &ref->lin))
            continue; /* read only, in the index's row (rows: only for the set-up rule) */
        if (writes_it || !lin || frame_lin_has(&d, FRAME_LIN_VAR)) {
            ok = 0;
            break;
        }
        for (int k = 0; ok && k < d.n; k++)
            for (const char *s = d.t[k].key; ok && *s;) {
                size_t l = strcspn(s, "*");
                if (assigned_in(lx, p, pe, s, l)) ok = 0; /* the offset is the same all through P */
                s += l + (s[l] == '*');
            }
        if (!ok) break;
        char *text = frame_lin_text(&d);
        int dup = 0;
        for (int k = 0; k < *nd && !dup; k++) dup = !strcmp(dl[k], text);
        if (dup) free(text);
        else if (*nd < 64) dl[(*nd)++] = text;
        else free(text), ok = 0;
    }
    /* a halo is exchanged where each writer gathers what it wrote */
    for (size_t i = 0; ok && *nd && i < na; i++)
        if (acc[i].write && !(R->via && acc[i].loop == j) && /* (loop j's gather is the one checked) */
            !frag_gathers(h->frags[acc[i].loop], g.s[acc[i].member], g.l[acc[i].member]))
            ok = 0;
    for (size_t i = 0; i < na; i++) free(acc[i].sig);
    free(acc);
    if (*nd) {
        struct cm_buf b;
        cm_buf_init(&b);
        for (int k = 0; k < *nd; k++) cm_buf_printf(&b, "%s%s", k ? ", " : "", dl[k]), free(dl[k]);
        if (ok) *deltas = cm_buf_detach(&b);
        else cm_buf_release(&b), *nd = 0;
    }
    return ok;
}

/* A call of loop j's function outside it (in another function, not in a marked loop) that
 * passes one name for its parameter y: *cu, or 0 when there is none from offset *from on
 * (*from moves past it). */
static int call_site(const struct hctx *h, size_t j, const char *y, size_t yl, size_t *from, struct call_use *cu)
{
    const struct clex *lx = &h->lx;
    size_t b0 = h->kw[j];
    while (b0 > 0 && !(h->depth[b0] == 0 && clex_is(lx, b0, "{"))) b0--;
    size_t b1 = clex_match(lx, b0), name = clex_prev_sig(lx, b0);
    if (name == SIZE_MAX || !clex_is(lx, name, ")")) return 0;
    for (size_t o = name; o-- > 0;) /* the function's name: before its parameters' ( */
        if (clex_is(lx, o, "(") && clex_match(lx, o) == name) {
            name = clex_prev_sig(lx, o);
            break;
        }
    if (name == SIZE_MAX || lx->toks[name].kind != CLEX_IDENT) return 0;
    for (size_t t = *from; t < lx->n; t++) {
        if ((t >= b0 && t <= b1) || h->depth[t] == 0 || !tok_eq(lx, t, lx->src + lx->toks[name].off, lx->toks[name].len))
            continue;
        size_t open = clex_next_sig(lx, t);
        if (!clex_is(lx, open, "(") || marked_at(h, t) != SIZE_MAX) continue;
        size_t close = clex_match(lx, open);
        for (size_t k = 0;; k++) { /* the argument for y */
            size_t a, e, c, d;
            if (!nth_part(lx, clex_next_sig(lx, name), clex_match(lx, clex_next_sig(lx, name)), k, &a, &e)) break;
            size_t par = param_name(lx, a, e);
            if (par == SIZE_MAX || !tok_eq(lx, par, y, yl)) continue;
            if (!nth_part(lx, open, close, k, &c, &d)) break;
            size_t x = clex_next_sig(lx, c - 1);
            if (x < d && lx->toks[x].kind == CLEX_IDENT && clex_next_sig(lx, x) >= d &&
                call_use_at(h, x, 0, x, cu)) {
                *from = t + 1;
                return 1;
            }
            break;
        }
    }
    return 0;
}

/* The statement at token a (the split loop R->j, or the outermost loop around it that passed)
 * is one of main's own statements, and from it to the end of main y's group is used only as
 * check_loop allows, with no neighbour read: every rank only ever reads its own elements of y
 * again, so y need not be gathered at all (a set-up loop's arrays that only split loops of the
 * same share read afterwards, each its own rows). */
int main_braces(const struct hctx *h, size_t *ob, size_t *cb)
{
    const struct clex *lx = &h->lx;
    *ob = SIZE_MAX;
    for (size_t t = 0; t < lx->n && *ob == SIZE_MAX; t++)
        if (lx->toks[t].off + 1 == h->f->main_body && clex_is(lx, t, "{")) *ob = t;
    if (*ob == SIZE_MAX) return 0;
    *cb = clex_match(lx, *ob);
    return *cb < lx->n;
}

static int rest_of_main_own(const struct hctx *h, const struct pref *R, const char *y, size_t yl, size_t a)
{
    const struct clex *lx = &h->lx;
    size_t ob, cb;
    if (!main_braces(h, &ob, &cb) || a <= ob || h->depth[a] != h->depth[ob] + 1) return 0;
    size_t before = clex_prev_sig(lx, a);
    if (a >= cb || before == SIZE_MAX ||
        !(clex_is(lx, before, "{") || clex_is(lx, before, "}") || clex_is(lx, before, ";")))
        return 0;
    for (size_t t = a; t < cb; t++) /* main runs straight on to its end: no jump back */
        if (clex_is(lx, t, "goto") || clex_is(lx, t, "setjmp") || clex_is(lx, t, "longjmp")) return 0;
    if (!bounds_kept(lx, a, cb - 1, R->first) || !bounds_kept(lx, a, cb - 1, R->end)) return 0;
    char *d = NULL;
    int n = 0;
    struct group u;
    int ok = check_loop(h, R, y, yl, a, cb - 1, 0, &d, &n, &u) && n == 0;
    free(d);
    return ok;
}

int region_own(const struct hctx *h, size_t j, const char *y, size_t yl, size_t p, size_t pe, int rows)
{
    const struct frame_loop *L = &h->f->loops[j];
    if (!L->share_first || !L->share_end || L->share_shape == FRAME_SHAPE_SEG) return 0;
    struct pref R = {j, squeeze(L->share_first), squeeze(L->share_end), L->share_shape, NULL};
    char *d = NULL;
    int n = 0;
    struct group u;
    int ok = bounds_kept(&h->lx, p, pe, R.first) && bounds_kept(&h->lx, p, pe, R.end) &&
             check_loop(h, &R, y, yl, p, pe, rows, &d, &n, &u) && n == 0;
    free(d), free(R.first), free(R.end);
    return ok;
}

/* Where loop j's gather of y can go: the offset just after the outermost loop P around it (or,
 * when there is none in its function, around a call of its function that passes a name for y:
 * *via, with P's keyword offset in *wrap_at) that passes check_loop, with its indentation in
 * *indent, the halo's offsets in *deltas (*nd), the names to gather there in *used and the
 * share's bounds in P's terms in *first, *end; SIZE_MAX when none. */
static size_t hoist_point(const struct hctx *h, size_t j, const char *y, size_t yl, char **indent, char **deltas,
                          int *nd, struct group *used, struct call_use *via, size_t *wrap_at, char **first, char **end,
                          int *unneeded, size_t *around)
{
    const struct clex *lx = &h->lx;
    const struct frame_loop *L = &h->f->loops[j];
    *indent = NULL, *deltas = NULL, *nd = 0, *wrap_at = SIZE_MAX, *first = *end = NULL, *unneeded = 0;
    *around = SIZE_MAX;
    if (!L->share_first || !L->share_end || L->share_shape == FRAME_SHAPE_SEG) return SIZE_MAX;
    size_t best = SIZE_MAX, best_kw = SIZE_MAX, from = 0;
    for (int pass = 0; pass < 2 && best == SIZE_MAX; pass++) {
        struct pref R = {j, NULL, NULL, L->share_shape, NULL};
        size_t a = h->kw[j], b = h->last[j];
        const char *yy = y;
        size_t yyl = yl;
        if (pass == 0) {
            R.first = squeeze(L->share_first), R.end = squeeze(L->share_end);
        } else { /* through a call: y is the caller's argument there */
            if (!call_site(h, j, y, yl, &from, via)) break;
            R.via = via;
            R.first = share_in_caller(lx, via, L->share_first), R.end = share_in_caller(lx, via, L->share_end);
            a = b = via->open;
            yy = NULL;
            for (size_t t = via->open + 1; t < via->close && !yy; t++) { /* the argument token call_site found */
                struct call_use c2;
                if (lx->toks[t].kind == CLEX_IDENT && call_use_at(h, t, 0, t, &c2) && c2.param == via->param &&
                    c2.open == via->open)
                    yy = lx->src + lx->toks[t].off, yyl = lx->toks[t].len;
            }
            if (!yy || !R.first || !R.end) {
                free(R.first), free(R.end);
                pass--; /* the next call site */
                continue;
            }
        }
        for (;;) {
            size_t p = enclosing(lx, a, b);
            if (p == SIZE_MAX) break;
            size_t pe = clex_stmt_end(lx, p), before = clex_prev_sig(lx, p);
            if (!(before == SIZE_MAX || clex_is(lx, before, "{") || clex_is(lx, before, "}") ||
                  clex_is(lx, before, ";") || clex_is(lx, before, ":")))
                break;
            if (!bounds_kept(lx, p, pe, R.first) || !bounds_kept(lx, p, pe, R.end)) break;
            char *d;
            int n;
            struct group u;
            if (!check_loop(h, &R, yy, yyl, p, pe, 0, &d, &n, &u)) break;
            if (R.via && d && strpbrk(d, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")) {
                free(d); /* a halo in the called function: its offsets must read there too */
                break;
            }
            free(*deltas);
            *deltas = d, *nd = n, *used = u;
            best = lx->toks[pe].off + lx->toks[pe].len, best_kw = p;
            a = p, b = pe;
        }
        if (pass == 0 && rest_of_main_own(h, &R, y, yl, best == SIZE_MAX ? h->kw[j] : best_kw)) {
            free(R.first), free(R.end);
            free(*deltas);
            *deltas = NULL, *nd = 0;
            *unneeded = 1;
            return 0;
        }
        if (best != SIZE_MAX) {
            if (R.via) {
                *first = R.first, *end = R.end, *wrap_at = lx->toks[best_kw].off;
            } else {
                *first = cm_strdup(L->share_first), *end = cm_strdup(L->share_end);
                free(R.first), free(R.end);
            }
        } else {
            free(R.first), free(R.end);
            if (pass == 1) pass--; /* the next call site */
        }
    }
    if (best != SIZE_MAX) {
        size_t s = lx->toks[best_kw].off;
        *around = best_kw;
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

int frag_gathers(const char *frag, const char *s, size_t n)
{
    for (const char *p = frag; p && *p;) {
        const char *a0, *a1, *name;
        size_t l = frame_line_len(p), len;
        int gather;
        if (gather_call(p, l, &a0, &a1) && frame_buffer_name(p, l, &name, &len, &gather) && len == n &&
            !memcmp(name, s, n))
            return 1;
        p += l;
    }
    return 0;
}

static int by_offset(const void *a, const void *b)
{
    const struct frame_hoist *x = a, *y = b;
    return x->at < y->at ? -1 : x->at > y->at;
}

void add_hoist(struct frame_hoist **out, size_t *n_out, size_t *cap, size_t at, struct cm_buf *t)
{
    for (size_t k = 0; k < *n_out; k++)
        if ((*out)[k].at == at && !strcmp((*out)[k].text, t->data)) {
            cm_buf_release(t);
            return;
        }
    if (*n_out == *cap) *out = cm_realloc(*out, (*cap = *cap ? 2 * *cap : 4) * sizeof(**out));
    (*out)[*n_out].at = at;
    (*out)[(*n_out)++].text = cm_buf_detach(t);
}

static int by_name(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    return strcmp(*x, *y);
}

size_t frame_gather_hoist(const struct frame *f, char **frags, struct frame_hoist **out)
{
    *out = NULL;
    char **given = cm_calloc(f->n + 1, sizeof(*given));
    for (size_t j = 0; j < f->n; j++) given[j] = frags[j] ? cm_strdup(frags[j]) : NULL;
    struct hctx h = {f, {0}, NULL, NULL, NULL, given};
    clex_init(&h.lx);
    size_t n_out = 0, cap = 0, wraps[31], n_wraps = 0; /* the loops that calls leave gathers to */
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
        const struct frame_loop *L = &f->loops[j];
        struct cm_buf b;
        cm_buf_init(&b);
        int changed = 0;
        char *pack_name = NULL, *pack_width = NULL, *pack_type = NULL; /* frame_pack.c */
        size_t pack_p = 0, pack_pe = 0;
        for (const char *p = frags[j]; *p;) {
            size_t l = frame_line_len(p);
            const char *a0, *a1, *name;
            size_t nlen, at = SIZE_MAX;
            char *indent = NULL, *deltas = NULL, *first = NULL, *end = NULL;
            int nd = 0;
            struct group used = {0};
            struct call_use via;
            size_t wrap_at = SIZE_MAX, around = SIZE_MAX;
            unsigned bit = 0;
            int gather;
            int unneeded = 0;
            if (gather_call(p, l, &a0, &a1) && frame_buffer_name(p, l, &name, &nlen, &gather))
                at = hoist_point(&h, j, name, nlen, &indent, &deltas, &nd, &used, &via, &wrap_at, &first, &end,
                                 &unneeded, &around);
            if (unneeded) { /* the gather goes: no rank reads another's elements of it again */
                cm_buf_printf(&b, "%.*s/* chatmpi: %.*s is not gathered: from here on each rank reads only its own "
                                  "elements of it */\n",
                              (int)strspn(p, " \t"), p, (int)nlen, name);
                changed = 1;
                p += l;
                continue;
            }
            if (at != SIZE_MAX && wrap_at != SIZE_MAX) { /* the loop's bit in mpi_in_loop_ */
                size_t k = 0;
                while (k < n_wraps && wraps[k] != wrap_at) k++;
                if (k == n_wraps && n_wraps < 31) wraps[n_wraps++] = wrap_at;
                if (k < n_wraps) bit = 1u << k;
                else at = SIZE_MAX;
            }
            int ind = (int)strspn(p, " \t");
            if (at == SIZE_MAX) {
                cm_buf_append(&b, p, l);
            } else {
                changed = 1;
                if (bit && nd) /* called inside the loop around: the halo there, the gather elsewhere */
                    cm_buf_printf(&b,
                                  "%.*sif (mpi_in_loop_ & %uu) /* chatmpi: called in the loop around, where only the "
                                  "elements next to its own are read */\n%.*s    mpi_halo_share(%.*s, %s, %s, %d, %d, "
                                  "(const long[]){%s});\n%.*selse\n%.*s    %.*s",
                                  ind, p, bit, ind, p, (int)(a1 - a0), a0, L->share_first, L->share_end,
                                  L->share_shape, nd, deltas, ind, p, ind, p, (int)(l - (size_t)ind), p + ind);
                else if (bit) /* called inside the loop around: the gather waits until after it */
                    cm_buf_printf(&b,
                                  "%.*sif (!(mpi_in_loop_ & %uu)) /* chatmpi: called in the loop around, the gather "
                                  "waits until after it */\n%.*s    %.*s",
                                  ind, p, bit, ind, p, (int)(l - (size_t)ind), p + ind);
                else if (nd) /* the halo, where the gather was */
                    cm_buf_printf(&b,
                                  "%.*smpi_halo_share(%.*s, %s, %s, %d, %d, (const long[]){%s}); /* chatmpi: only the "
                                  "elements next to its own that the loop around reads; all of %.*s after it */\n",
                                  ind, p, (int)(a1 - a0), a0, L->share_first, L->share_end, L->share_shape, nd, deltas,
                                  (int)nlen, name);
                if (b.len && b.data[b.len - 1] != '\n') cm_buf_puts(&b, "\n");
                /* after the loop around: every name of the group the split loops use, in name
                 * order (the same text from each loop that gathers one of them) */
                char *names[GROUP_MAX];
                for (size_t k = 0; k < used.n; k++) names[k] = cm_strndup(used.s[k], used.l[k]);
                qsort(names, used.n, sizeof(names[0]), by_name);
                struct cm_buf t;
                cm_buf_init(&t);
                if (bit) /* the loop's bit cleared again after it */
                    cm_buf_printf(&t, "\n%smpi_in_loop_ = mpi_in_loop_was_%u_;\n%s}", indent, bit, indent);
                char *width = NULL; /* the gather's second argument */
                const char *w0 = name + nlen;
                while (w0 < a1 && (*w0 == ' ' || *w0 == '\t')) w0++;
                if (w0 < a1 && *w0 == ',') {
                    const char *w1 = ++w0;
                    while (w1 < a1 && *w1 != ',') w1++;
                    char *wt = cm_strndup(w0, (size_t)(w1 - w0));
                    width = squeeze(wt);
                    free(wt);
                }
                for (size_t k = 0; k < used.n; k++) {
                    if (width && set_whole_again(&h, at, names[k], strlen(names[k]), first, end, width)) {
                        cm_buf_printf(&t, "\n%s/* chatmpi: %s is not gathered: the program sets all of it again "
                                          "before it reads it */", indent, names[k]);
                        free(names[k]);
                        continue;
                    }
                    cm_buf_printf(&t, "\n%smpi_allgather_range(%s%.*s, %s, %s, %d); /* chatmpi: once, after the loop "
                                      "around the split (only its own elements of %s are used in it%s) */",
                                  indent, names[k], (int)(a1 - (name + nlen)), name + nlen, first, end,
                                  L->share_shape, names[k], nd ? " and the halo's" : "");
                    free(names[k]);
                }
                if (!bit && !nd && used.n == 1 && !pack_name && width && t.data) { /* a triangle's rows packed */
                    char gathered[96];
                    snprintf(gathered, sizeof(gathered), "mpi_allgather_range(%.*s,", (int)nlen, name);
                    const char *ty = strstr(t.data, gathered);
                    if (ty && (ty = strstr(ty, "MPI_"))) {
                        pack_name = cm_strndup(name, nlen), pack_width = cm_strdup(width);
                        pack_type = cm_strndup(ty, strcspn(ty, ", "));
                        pack_p = around, pack_pe = clex_stmt_end(&h.lx, around);
                    }
                }
                free(width);
                add_hoist(out, &n_out, &cap, at, &t);
                if (bit) { /* and set before it, in a block of its own */
                    cm_buf_init(&t);
                    cm_buf_printf(&t, "{ /* chatmpi: calls in this loop leave gathers until after it */\n%s"
                                      "unsigned mpi_in_loop_was_%u_ = mpi_in_loop_;\n%smpi_in_loop_ |= %uu;\n%s",
                                  indent, bit, indent, bit, indent);
                    add_hoist(out, &n_out, &cap, wrap_at, &t);
                }
            }
            free(first), free(end);
            free(indent), free(deltas);
            p += l;
        }
        if (changed) {
            free(frags[j]);
            frags[j] = b.data ? cm_buf_detach(&b) : cm_strdup("");
        } else {
            cm_buf_release(&b);
        }
        if (pack_name) {
            char *packed = frame_pack(&h, j, frags[j], pack_name, strlen(pack_name), pack_width, pack_type, pack_p,
                                      pack_pe);
            if (packed) free(frags[j]), frags[j] = packed;
            free(pack_name), free(pack_width), free(pack_type);
        }
    }
    for (size_t j = 0; j < f->n; j++) frame_sums_wait(&h, j, frags, out, &n_out, &cap);
    for (size_t j = 0; j < f->n; j++) frame_sums_block(&h, j, frags, out, &n_out, &cap);
    frame_setup_own(&h, out, &n_out, &cap);
    if (n_out) qsort(*out, n_out, sizeof(**out), by_offset);
done:
    for (size_t j = 0; j < f->n; j++) free(given[j]);
    free(given), free(h.kw), free(h.last), free(h.depth);
    clex_release(&h.lx);
    return n_out;
}
