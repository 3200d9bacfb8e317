/* frame_block.c — a split loop's sum that the next iterations of the loop around it need: one
 * MPI_Allreduce a block of iterations instead of one an iteration (see frame_gather.h).
 *
 * Forward substitution, `for (i < n) { t = b[i]; for (j = 0; j < i; j++) t -= l[i*n+j] * x[j];
 * x[i] = t / l[i*n+i]; }`, splits its inner loop L over the ranks and sums t with MPI_Allreduce
 * at every row: n reductions of one value each, each waiting for the slowest rank. But the terms
 * of rows v0 .. v0+B-1 for columns j < v0 are all known once row v0 - 1 is done. So chatmpi sums
 * them for the whole block at its first row, each rank over its share of the columns before it,
 * and reduces the B sums at once (mpi_blk_, B = FRAME_BLOCK); each row then runs L over the
 * block's own columns v0 .. v-1 on every rank and adds its block sum.
 *
 * L, `for ([T] j = A; j < v; j++) BODY` (the share chatmpi wrote, A .. v-1), only adds to one
 * variable s (int, long, float or double), and its loop around O is `for ([T] v = F; v < E; v++)
 * { ... }` (or ++v, v += 1), where:
 *
 *   - L is one of O's statements and the only marked loop in O; nothing in O jumps (break,
 *     continue, return, goto); v is not assigned there, nor any name of E or A (A names no v);
 *   - BODY calls nothing and names no member; every name it reads but j, v, s and its own locals
 *     is not assigned in O outside L, nor given whole to anything in parentheses (a call), nor
 *     its address taken; except an array X written outside L only as `X[v] (op)= ...` (the
 *     subscript v alone) and read in BODY only as `X[j]`: element j < v0 is final at row v0;
 *   - outside L, O calls only math functions and assigns only names (not through `*`, `.` or
 *     `->`) and elements `W[e]`; every array it writes (an X above or any other W) is declared in
 *     the function (not a parameter), set only by malloc or calloc if at all, and no name is
 *     copied from it (private_group): no other name reaches its elements.
 *
 * The terms are added in another order than the program's (as the split's order already is): the
 * harness's check compares with its tolerance. The block's own terms are computed by every rank,
 * B * B / 2 of them a block, against (v0 / size) * B each rank's share of the rest. */
#include "loop/frame_gather.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

#define FRAME_BLOCK 64
#define NAMES_MAX 16

struct names {
    size_t n;
    size_t tok[NAMES_MAX]; /* a token of each name */
    unsigned at_v;         /* bit k: the name is an array written at [v] outside L */
};

/* Token t's name is in the list: its index, or SIZE_MAX. */
static size_t name_index(const struct clex *lx, const struct names *nm, size_t t)
{
    for (size_t k = 0; k < nm->n; k++)
        if (tok_eq(lx, t, lx->src + lx->toks[nm->tok[k]].off, lx->toks[nm->tok[k]].len)) return k;
    return SIZE_MAX;
}

/* The names that BODY (tokens a..b) reads, but the ones declared in it and skip[0..2]; 0 when it
 * calls something, names a member or has too many. */
static int body_names(const struct clex *lx, size_t a, size_t b, const size_t skip[3], struct names *nm)
{
    struct names local = {0};
    for (size_t t = a; t <= b; t++) {
        if (clex_is(lx, t, ".") || clex_is(lx, t, "->")) return 0;
        if (lx->toks[t].kind != CLEX_IDENT || frame_loop_type_word(lx, t)) continue;
        if (clex_is_keyword(lx->src + lx->toks[t].off, lx->toks[t].len)) {
            if (clex_is(lx, t, "sizeof")) return 0;
            continue;
        }
        size_t nx = clex_next_sig(lx, t);
        if (nx < lx->n && clex_is(lx, nx, "(")) return 0; /* a call */
        if (frame_loop_declared(lx, t)) {
            if (local.n == NAMES_MAX) return 0;
            local.tok[local.n++] = t;
            continue;
        }
        int skipped = 0;
        for (int k = 0; k < 3; k++) skipped |= tok_eq(lx, t, lx->src + lx->toks[skip[k]].off, lx->toks[skip[k]].len);
        if (skipped || name_index(lx, &local, t) != SIZE_MAX || name_index(lx, nm, t) != SIZE_MAX) continue;
        if (nm->n == NAMES_MAX) return 0;
        nm->tok[nm->n++] = t;
    }
    return 1;
}

/* Token t (a name) is given whole in parentheses or a list: `f(t)`, `(t, ...)`. */
static int given_whole(const struct clex *lx, size_t t)
{
    size_t pv = clex_prev_sig(lx, t), nx = clex_next_sig(lx, t);
    return pv != SIZE_MAX && nx < lx->n && (clex_is(lx, pv, "(") || clex_is(lx, pv, ",")) &&
           (clex_is(lx, nx, ")") || clex_is(lx, nx, ","));
}

/* The name of token y is declared in the function whose body is fn0..fn1 and set there, if at all,
 * only by malloc or calloc (`T *y = malloc(...)`, `y = (T *)calloc(...)`). */
static int fresh_array(const struct clex *lx, size_t y, size_t fn0, size_t fn1)
{
    const char *s = lx->src + lx->toks[y].off;
    size_t n = lx->toks[y].len;
    int declared = 0;
    for (size_t t = fn0; t <= fn1; t++) {
        if (!tok_eq(lx, t, s, n)) continue;
        size_t pv = clex_prev_sig(lx, t);
        if (pv != SIZE_MAX && (clex_is(lx, pv, ".") || clex_is(lx, pv, "->"))) continue;
        declared |= frame_loop_declared(lx, t);
        size_t eq = clex_next_sig(lx, t);
        if (eq >= lx->n || !assign_op(lx, eq)) continue;
        if (!clex_is(lx, eq, "=")) return 0;
        size_t r = clex_next_sig(lx, eq);
        if (r < lx->n && clex_is(lx, r, "(")) { /* a cast */
            size_t c = clex_match(lx, r);
            for (size_t k = r + 1; k < c && k < lx->n; k++)
                if (lx->toks[k].kind == CLEX_IDENT && !frame_loop_type_word(lx, k)) return 0;
            r = c < lx->n ? clex_next_sig(lx, c) : lx->n;
        }
        if (r >= lx->n || !(clex_is(lx, r, "malloc") || clex_is(lx, r, "calloc"))) return 0;
    }
    return declared;
}

/* What O (its body's braces ob, oc) does outside L (tokens kw..last): it calls only math
 * functions, assigns only names (not through `*`, `.` or `->`) and elements `W[e]`; no name that
 * BODY reads (nm) is assigned, given whole or addressed there, and an array among them is
 * written only at [v] (nm->at_v); the other arrays written go to w. */
static int outside(const struct clex *lx, size_t ob, size_t oc, size_t kw, size_t last, const char *v,
                   struct names *nm, struct names *w)
{
    size_t closes[64], nc = 0; /* the `]` of each element written */
    size_t vl = strlen(v);
    for (size_t t = ob + 1; t < oc; t++) {
        if (t == kw) t = last + 1;
        if (lx->toks[t].kind != CLEX_IDENT) continue;
        size_t nx = clex_next_sig(lx, t), pv = clex_prev_sig(lx, t);
        if (clex_is(lx, nx, "(") && !clex_is_keyword(lx->src + lx->toks[t].off, lx->toks[t].len) &&
            !frame_loop_type_word(lx, t) && !math_call(lx, t))
            return 0;
        if (clex_is(lx, pv, ".") || clex_is(lx, pv, "->")) continue; /* a member of that name */
        size_t k = name_index(lx, nm, t);
        if (k != SIZE_MAX && (assigned_at(lx, t) || given_whole(lx, t))) return 0;
        if (!clex_is(lx, nx, "[")) continue;
        size_t c = clex_match(lx, nx), op = c < lx->n ? clex_next_sig(lx, c) : lx->n;
        if (op >= lx->n || !assign_op(lx, op)) continue; /* read */
        if (clex_is(lx, pv, "*") || clex_is(lx, pv, "&") || clex_is(lx, pv, "++") || clex_is(lx, pv, "--") ||
            nc == sizeof(closes) / sizeof(closes[0]))
            return 0;
        closes[nc++] = c;
        if (k != SIZE_MAX) {
            size_t i0 = clex_next_sig(lx, nx);
            if (!tok_eq(lx, i0, v, vl) || clex_next_sig(lx, i0) != c) return 0;
            nm->at_v |= 1u << k;
        } else if (name_index(lx, w, t) == SIZE_MAX) {
            if (w->n == NAMES_MAX) return 0;
            w->tok[w->n++] = t;
        }
    }
    for (size_t t = ob + 1; t < oc; t++) {
        if (t == kw) t = last + 1;
        if (!assign_op(lx, t)) continue;
        size_t p = clex_prev_sig(lx, t), n = clex_next_sig(lx, t), target = p;
        if ((clex_is(lx, t, "++") || clex_is(lx, t, "--")) && !(clex_is(lx, p, "]") || lx->toks[p].kind == CLEX_IDENT))
            target = n; /* prefix */
        if (clex_is(lx, target, "]")) {
            size_t k = 0;
            while (k < nc && closes[k] != target) k++;
            if (k == nc) return 0;
            continue;
        }
        if (target >= lx->n || lx->toks[target].kind != CLEX_IDENT || clex_is(lx, clex_next_sig(lx, target), "["))
            return 0;
        size_t pp = clex_prev_sig(lx, target);
        if (target == p && (clex_is(lx, pp, "*") || clex_is(lx, pp, ".") || clex_is(lx, pp, "->"))) return 0;
    }
    return 1;
}

/* Text s with each line after the first indented by ind. */
static void put_indented(struct cm_buf *b, const char *s, const char *ind)
{
    for (const char *p = s; *p; p++) {
        cm_buf_append(b, p, 1);
        if (*p == '\n' && p[1] && p[1] != '\n') cm_buf_puts(b, ind);
    }
}

/* The C type of MPI type m. */
static const char *c_type(const char *m)
{
    if (!strcmp(m, "MPI_DOUBLE")) return "double";
    if (!strcmp(m, "MPI_FLOAT")) return "float";
    if (!strcmp(m, "MPI_INT")) return "int";
    if (!strcmp(m, "MPI_LONG")) return "long";
    return NULL;
}

/* The loop's body as written in L->text (indentation taken off), or NULL. Caller frees. */
static char *body_text(const struct frame_loop *L)
{
    struct clex tl;
    clex_init(&tl);
    char *body = NULL;
    if (!clex_run(&tl, L->text, strlen(L->text))) {
        size_t kw = 0;
        while (kw < tl.n && tl.toks[kw].kind != CLEX_IDENT) kw++;
        struct frame_header hd;
        if (frame_loop_header(&tl, kw, &hd)) body = frame_tok_text(&tl, hd.close + 1, tl.n);
    }
    clex_release(&tl);
    return body;
}

void frame_sums_block(const struct hctx *h, size_t j, char **frags, struct frame_hoist **out, size_t *n_out,
                      size_t *cap)
{
    const struct clex *lx = &h->lx;
    const struct frame_loop *L = &h->f->loops[j];
    if (!frags[j] || !L->share_first || !L->share_end || L->share_shape == FRAME_SHAPE_SEG || !L->sums ||
        L->sum_arrays || L->extremum || L->maxes || L->mins || L->merges)
        return;
    const char *s = L->sums + 1, *se = strchr(s, ',');
    if (!se || se[1] || !L->written || strcmp(L->written, L->sums)) return; /* one sum, and nothing else written */
    size_t sl = (size_t)(se - s);
    struct frame_header lh, oh;
    size_t kw = h->kw[j], last = h->last[j];
    if (!frame_loop_header(lx, kw, &lh) || !clex_is(lx, lh.op, "<")) return;
    size_t vb = clex_next_sig(lx, lh.op); /* L's end: O's index alone */
    if (vb >= lx->n || lx->toks[vb].kind != CLEX_IDENT || clex_next_sig(lx, vb) != lh.semi2) return;
    size_t o = enclosing(lx, kw, last);
    if (o == SIZE_MAX || !frame_loop_header(lx, o, &oh) || !clex_is(lx, oh.op, "<") || !tok_eq(lx, oh.var,
        lx->src + lx->toks[vb].off, lx->toks[vb].len))
        return;
    size_t ob = clex_next_sig(lx, oh.close), oc = ob < lx->n && clex_is(lx, ob, "{") ? clex_match(lx, ob) : lx->n;
    if (oc >= lx->n || h->depth[kw] != h->depth[ob] + 1) return;
    size_t before = clex_prev_sig(lx, kw);
    if (!(clex_is(lx, before, "{") || clex_is(lx, before, "}") || clex_is(lx, before, ";"))) return;
    const char *v = lx->src + lx->toks[oh.var].off;
    size_t vl = lx->toks[oh.var].len;
    char *vs = cm_strndup(v, vl);
    for (size_t t = ob; t <= oc; t++) {
        size_t m = marked_at(h, t);
        if (clex_is(lx, t, "break") || clex_is(lx, t, "continue") || clex_is(lx, t, "return") ||
            clex_is(lx, t, "goto") || (m != SIZE_MAX && m != j) || (tok_eq(lx, t, v, vl) && assigned_at(lx, t))) {
            free(vs);
            return;
        }
    }
    for (size_t t = lh.eq + 1; t < lh.semi1; t++)
        if (tok_eq(lx, t, v, vl)) {
            free(vs);
            return;
        }
    char *first = frame_tok_text(lx, lh.eq + 1, lh.semi1), *end = frame_tok_text(lx, oh.op + 1, oh.semi2);
    char *ltype = frame_tok_text(lx, lh.open + 1, lh.var), *otype = frame_tok_text(lx, oh.open + 1, oh.var);
    char *body = body_text(L);
    const char *mt = frame_loop_mpi_type(lx, lx->toks[kw].off, s, sl), *ct = mt ? c_type(mt) : NULL;
    struct names nm = {0};
    size_t sk = SIZE_MAX;
    for (size_t t = lh.close; t <= last && sk == SIZE_MAX; t++)
        if (tok_eq(lx, t, s, sl)) sk = t;
    size_t skip[3] = {lh.var, oh.var, sk};
    int ok = body && ct && sk != SIZE_MAX && bounds_kept(lx, ob, oc, first) && bounds_kept(lx, ob, oc, end) &&
             body_names(lx, clex_next_sig(lx, lh.close), last, skip, &nm);
    struct names w = {0}; /* the other arrays O writes outside L */
    ok = ok && outside(lx, ob, oc, kw, last, vs, &nm, &w);
    /* an array written at [v]: read in BODY only at [j], its elements reached by no other name */
    size_t fn0 = o, fn1;
    while (fn0 > 0 && !(h->depth[fn0] == 0 && clex_is(lx, fn0, "{"))) fn0--;
    fn1 = clex_match(lx, fn0);
    struct group g = {0};
    for (size_t k = 0; ok && k < nm.n; k++) {
        if (!(nm.at_v >> k & 1)) continue;
        const char *x = lx->src + lx->toks[nm.tok[k]].off;
        size_t xl = lx->toks[nm.tok[k]].len;
        for (size_t t = lh.close; ok && t <= last; t++) {
            if (!tok_eq(lx, t, x, xl)) continue;
            size_t a = clex_next_sig(lx, t), i0 = a < lx->n ? clex_next_sig(lx, a) : lx->n;
            ok = a < lx->n && clex_is(lx, a, "[") && i0 < lx->n && tok_eq(lx, i0, lx->src + lx->toks[lh.var].off,
                 lx->toks[lh.var].len) && clex_next_sig(lx, i0) == clex_match(lx, a);
        }
        ok = ok && fn1 < lx->n && fresh_array(lx, nm.tok[k], fn0, fn1) && g.n < GROUP_MAX;
        if (ok) g.s[g.n] = x, g.l[g.n++] = xl;
    }
    for (size_t k = 0; ok && k < w.n; k++) {
        ok = fn1 < lx->n && fresh_array(lx, w.tok[k], fn0, fn1) && g.n < GROUP_MAX;
        if (ok) g.s[g.n] = lx->src + lx->toks[w.tok[k]].off, g.l[g.n++] = lx->toks[w.tok[k]].len;
    }
    ok = ok && private_group(h, &g, o, oc);
    if (!ok) goto done;

    /* the wrapper around O: the block's sums and bounds */
    size_t s0 = lx->toks[o].off;
    while (s0 > 0 && (lx->src[s0 - 1] == ' ' || lx->src[s0 - 1] == '\t')) s0--;
    char *oind = cm_strndup(lx->src + s0, lx->toks[o].off - s0);
    struct cm_buf t, ind;
    cm_buf_init(&t);
    cm_buf_init(&ind);
    cm_buf_printf(&t, "{ /* chatmpi: the loop below sums %.*s over a split loop and its next rows need it: one "
                      "MPI_Allreduce a block of %d rows */\n%s%s mpi_blk_[%d];\n%slong mpi_blk0_ = 0, mpi_blk1_ = 0;\n"
                      "%sint mpi_blk_on_ = 0;\n%s",
                  (int)sl, s, FRAME_BLOCK, oind, ct, FRAME_BLOCK, oind, oind, oind);
    add_hoist(out, n_out, cap, lx->toks[o].off, &t);
    cm_buf_init(&t);
    cm_buf_printf(&t, "\n%s}", oind);
    add_hoist(out, n_out, cap, lx->toks[oc].off + 1, &t);
    /* at the top of O's body: a new block's sums of the columns before it */
    const char *I = L->indent;
    cm_buf_printf(&ind, "%s        ", I);
    cm_buf_init(&t);
    cm_buf_printf(&t, "\n%sif (!mpi_blk_on_ || %s >= mpi_blk1_) { /* chatmpi: a new block of rows; each rank sums its "
                      "share of the columns before it for every row of the block, one reduction */\n"
                      "%s    mpi_blk_on_ = 1, mpi_blk0_ = %s, mpi_blk1_ = %s + %d < (%s) ? %s + %d : (%s);\n"
                      "%s    for (%s %s = mpi_blk0_; %s < mpi_blk1_; %s++) {\n"
                      "%s        %s %.*s = 0;\n"
                      "%s        long mpi_blo_, mpi_bhi_;\n"
                      "%s        mpi_share_of_(%s, mpi_blk0_, 0, mpi_rank, &mpi_blo_, &mpi_bhi_);\n"
                      "%s        for (%s %s = mpi_blo_; %s < mpi_bhi_; %s++)",
                  I, vs, I, vs, vs, FRAME_BLOCK, end, vs, FRAME_BLOCK, end, I, *otype ? otype : "long", vs, vs, vs, I, ct,
                  (int)sl, s, I, I, first, I, *ltype ? ltype : "long", L->var, L->var, L->var);
    if (*body != '{') cm_buf_printf(&t, "\n%s    ", ind.data);
    else cm_buf_puts(&t, " ");
    put_indented(&t, body, ind.data);
    cm_buf_printf(&t, "\n%s        mpi_blk_[%s - mpi_blk0_] = %.*s;\n%s    }\n%s    MPI_Allreduce(MPI_IN_PLACE, mpi_blk_, "
                      "(int)(mpi_blk1_ - mpi_blk0_), %s, MPI_SUM, MPI_COMM_WORLD);\n%s}",
                  I, vs, (int)sl, s, I, I, mt, I);
    add_hoist(out, n_out, cap, lx->toks[ob].off + 1, &t);
    /* L: the block's own columns, then the block's sum */
    cm_buf_init(&t);
    cm_buf_printf(&t, "/* chatmpi: the columns before this block were summed at its first row (above); its own "
                      "columns here, on every rank */\nfor (%s%s%s = (%s) > mpi_blk0_ ? (%s) : mpi_blk0_; %s < %s; %s++)%s",
                  ltype, *ltype ? " " : "", L->var, first, first, L->var, vs, L->var, *body == '{' ? " " : "\n    ");
    cm_buf_puts(&t, body);
    cm_buf_printf(&t, "\n%.*s += mpi_blk_[%s - mpi_blk0_];\n", (int)sl, s, vs);
    free(frags[j]);
    frags[j] = cm_buf_detach(&t);
    cm_buf_release(&ind);
    free(oind);
done:
    free(first), free(end), free(ltype), free(otype), free(body), free(vs);
}
