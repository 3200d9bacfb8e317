/* frame_sums.c — array sums whose reduction waits until after the loop around them (see
 * frame_loop.h; the rules below).
 *
 * A split loop S that only adds to an array Y away from its index (`y[col[k]] += ...`, a
 * scatter) ends with MPI_Allreduce over all of Y; inside a loop P (`for (r = 0; r < reps; r++)`)
 * that moves the whole array every time round. It can move after P when, in P, outside S:
 *
 *   - Y is only set to zero (`Y[e] = 0;` in code every rank runs, not in another split loop),
 *     never read: zero adds nothing to any rank's part, so the parts still sum to the result;
 *   - P has no return or goto, and is a statement of a block;
 *   - the count of Y's elements (the set-up's `mpi_t < COUNT`) keeps its value;
 *
 * and in S's answer Y appears only as `Y[...] +=` / `-=`, beside the set-up's zeroing and the
 * one MPI_Allreduce(MPI_IN_PLACE, Y, ...) at its top level; Y is aliased nowhere
 * (private_group). Then the ranks other than 0 set Y to zero once before P (rank 0 keeps its
 * values from before P, as S's set-up did each time), and one MPI_Allreduce after P sums the
 * parts; it is tried outward, loop by loop, as the gathers are. If P runs no iteration, the
 * other ranks' zeros leave rank 0's values. */
#include "loop/frame_gather.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* A literal zero: 0, 0.0, 0., 0.0f, 0e0 */
static int zero_at(const struct clex *lx, size_t t)
{
    if (t >= lx->n || lx->toks[t].kind != CLEX_NUMBER) return 0;
    char buf[32];
    size_t n = lx->toks[t].len < sizeof(buf) - 1 ? lx->toks[t].len : sizeof(buf) - 1;
    memcpy(buf, lx->src + lx->toks[t].off, n);
    buf[n] = 0;
    for (size_t k = 0; k < n; k++)
        if (!strchr("0.eEfFlL+-", buf[k])) return 0;
    return 1;
}

/* Token t (Y) begins `Y [ ... ] = 0 ;` */
static int zeroing_at(const struct clex *lx, size_t t)
{
    size_t o = clex_next_sig(lx, t);
    if (o >= lx->n || !clex_is(lx, o, "[")) return 0;
    size_t c = clex_match(lx, o), eq = c < lx->n ? clex_next_sig(lx, c) : lx->n;
    if (eq >= lx->n || !clex_is(lx, eq, "=")) return 0;
    size_t z = clex_next_sig(lx, eq), sc = z < lx->n ? clex_next_sig(lx, z) : lx->n;
    return zero_at(lx, z) && sc < lx->n && clex_is(lx, sc, ";");
}

/* Split loop m only sets elements of Y to zero (`for (...) Y[i] = 0;`, braces or not), and its
 * answer still gathers Y where it ran (frags[m]: the gather did not wait): every rank holds zeros
 * in all of Y after it, as when every rank runs it whole. */
static int zero_loop(const struct hctx *h, size_t m, char *const *frags, const char *y, size_t yl)
{
    const struct clex *lx = &h->lx;
    size_t t = h->kw[m], o = clex_next_sig(lx, t);
    if (!clex_is(lx, t, "for") || o >= lx->n || !clex_is(lx, o, "(")) return 0;
    size_t b = clex_next_sig(lx, clex_match(lx, o)), e = h->last[m];
    if (b < lx->n && clex_is(lx, b, "{")) {
        if (clex_match(lx, b) != e) return 0;
        b = clex_next_sig(lx, b), e = clex_prev_sig(lx, e);
    }
    if (b >= lx->n || !tok_eq(lx, b, y, yl) || !zeroing_at(lx, b)) return 0;
    size_t sc = clex_next_sig(lx, clex_next_sig(lx, clex_next_sig(lx, clex_match(lx, clex_next_sig(lx, b)))));
    if (sc != e) return 0;
    return frag_gathers(frags[m], y, yl);
}

/* P (tokens p..pe) lets the sum into Y of split loop j wait: see above. The split loops in P
 * that only zero Y (zero_loop) are set in *zeros (bit m). */
static int sum_can_wait(const struct hctx *h, size_t j, char *const *frags, const char *y, size_t yl, size_t p,
                        size_t pe, const char *count, uint64_t *zeros)
{
    const struct clex *lx = &h->lx;
    size_t before = clex_prev_sig(lx, p);
    if (!(before == SIZE_MAX || clex_is(lx, before, "{") || clex_is(lx, before, "}") || clex_is(lx, before, ";") ||
          clex_is(lx, before, ":")))
        return 0;
    if (!bounds_kept(lx, p, pe, count)) return 0;
    for (size_t t = p; t <= pe; t++) {
        if (clex_is(lx, t, "return") || clex_is(lx, t, "goto")) return 0;
        if (!tok_eq(lx, t, y, yl) || (h->kw[j] <= t && t <= h->last[j])) continue;
        size_t m = marked_at(h, t);
        if (m != SIZE_MAX) {
            if (m >= 64 || !zero_loop(h, m, frags, y, yl)) return 0;
            *zeros |= (uint64_t)1 << m;
            continue;
        }
        if (!zeroing_at(lx, t)) return 0;
        size_t pv = clex_prev_sig(lx, t);
        if (pv != SIZE_MAX && (clex_is(lx, pv, ".") || clex_is(lx, pv, "->"))) return 0;
    }
    struct group g = {0};
    g.s[0] = y, g.l[0] = yl, g.n = 1;
    return private_group(h, &g, p, pe);
}

/* The answer's lines: `MPI_Allreduce(MPI_IN_PLACE, Y, N, TYPE, MPI_SUM, MPI_COMM_WORLD);` at its top
 * level; Y's name and TYPE's text out. */
static int allreduce_sum_line(const char *line, size_t n, const char **y, size_t *yl, const char **ty, size_t *tyl)
{
    static const char head[] = "MPI_Allreduce(MPI_IN_PLACE,";
    if (n < sizeof(head) || memcmp(line, head, sizeof(head) - 1)) return 0;
    const char *p = line + sizeof(head) - 1, *e = line + n, *arg[6];
    size_t len[6], k = 0;
    int depth = 0;
    while (p < e && k < 5) {
        while (p < e && (*p == ' ' || *p == '\t')) p++;
        arg[k] = p;
        while (p < e && (depth || (*p != ',' && *p != ')'))) {
            if (*p == '(') depth++;
            else if (*p == ')') depth--;
            p++;
        }
        len[k] = (size_t)(p - arg[k]);
        while (len[k] && (arg[k][len[k] - 1] == ' ' || arg[k][len[k] - 1] == '\t')) len[k]--;
        k++;
        if (p >= e || *p++ == ')') break;
    }
    if (k != 5 || len[3] != 7 || memcmp(arg[3], "MPI_SUM", 7) || len[4] != 14 || memcmp(arg[4], "MPI_COMM_WORLD", 14))
        return 0;
    for (size_t i = 0; i < len[0]; i++)
        if (!(arg[0][i] == '_' || (arg[0][i] >= 'a' && arg[0][i] <= 'z') || (arg[0][i] >= 'A' && arg[0][i] <= 'Z') ||
              (i && arg[0][i] >= '0' && arg[0][i] <= '9')))
            return 0;
    while (p < e && (*p == ' ' || *p == '\t')) p++;
    if (p >= e || *p != ';' || !len[0]) return 0;
    *y = arg[0], *yl = len[0], *ty = arg[2], *tyl = len[2];
    return 1;
}

/* In answer text a: the set-up's two lines zeroing Y on the other ranks (`    for (long mpi_t = 0;
 * mpi_t < COUNT; mpi_t++)` then `        Y[mpi_t] = 0;`): the first's offset, COUNT in *count. */
static const char *setup_zeroing(const char *a, const char *y, size_t yl, char **count)
{
    static const char head[] = "    for (long mpi_t = 0; mpi_t < ";
    for (const char *p = a; *p; p += frame_line_len(p)) {
        size_t l = frame_line_len(p);
        if (l < sizeof(head) || memcmp(p, head, sizeof(head) - 1)) continue;
        const char *c = p + sizeof(head) - 1, *ce = strstr(c, "; mpi_t++)\n");
        if (!ce || ce > p + l) continue;
        const char *q = p + l;
        if (strncmp(q, "        ", 8) || strncmp(q + 8, y, yl) || strncmp(q + 8 + yl, "[mpi_t] = 0;\n", 13)) continue;
        *count = cm_strndup(c, (size_t)(ce - c));
        return p;
    }
    return NULL;
}

/* Y in the answer (after the set-up's and the reduction's lines are taken out) only as
 * `Y[...] +=` or `-=`. */
static int only_added(const char *a, const char *y, size_t yl)
{
    struct clex lx;
    clex_init(&lx);
    int ok = !clex_run(&lx, a, strlen(a));
    for (size_t t = 0; ok && t < lx.n; t++) {
        if (!tok_eq(&lx, t, y, yl)) continue;
        size_t o = clex_next_sig(&lx, t), c = o < lx.n && clex_is(&lx, o, "[") ? clex_match(&lx, o) : lx.n;
        size_t op = c < lx.n ? clex_next_sig(&lx, c) : lx.n;
        size_t pv = clex_prev_sig(&lx, t);
        ok = op < lx.n && (clex_is(&lx, op, "+=") || clex_is(&lx, op, "-=")) &&
             !(pv != SIZE_MAX && (clex_is(&lx, pv, ".") || clex_is(&lx, pv, "->")));
    }
    clex_release(&lx);
    return ok;
}

/* Loop j's answer: each sum into an array that can wait is taken out of it (its set-up's zeroing
 * and its MPI_Allreduce) and put around the outermost loop that lets it (hoists). */
void frame_sums_wait(const struct hctx *h, size_t j, char **frags, struct frame_hoist **out, size_t *n_out,
                     size_t *cap)
{
    const struct clex *lx = &h->lx;
    const struct frame_loop *L = &h->f->loops[j];
    char **frag = &frags[j];
    if (!L->sums || !L->sum_arrays || !*frag) return;
    for (const char *p = *frag; *p;) {
        size_t l = frame_line_len(p);
        const char *y, *ty;
        size_t yl, tyl;
        char key[80], *count = NULL;
        const char *z = NULL;
        if (!allreduce_sum_line(p, l, &y, &yl, &ty, &tyl) || yl + 3 > sizeof(key)) {
            p += l;
            continue;
        }
        snprintf(key, sizeof(key), ",%.*s,", (int)yl, y);
        if (strstr(L->sums, key)) z = setup_zeroing(*frag, y, yl, &count);
        /* the answer without those lines: Y only added to there */
        struct cm_buf rest;
        cm_buf_init(&rest);
        size_t zo = z ? (size_t)(z - *frag) : SIZE_MAX, zl = z ? frame_line_len(z) : 0;
        zl += z ? frame_line_len(z + zl) : 0;
        for (const char *q = *frag; z && *q;) {
            size_t ql = frame_line_len(q), at = (size_t)(q - *frag);
            if (q != p && (at < zo || at >= zo + zl)) cm_buf_append(&rest, q, ql);
            q += ql;
        }
        size_t best = SIZE_MAX, best_kw = SIZE_MAX;
        uint64_t zeros = 0;
        if (z && only_added(rest.data ? rest.data : "", y, yl)) {
            size_t a = h->kw[j], b = h->last[j];
            for (size_t pp; (pp = enclosing(lx, a, b)) != SIZE_MAX;) {
                size_t pe = clex_stmt_end(lx, pp);
                uint64_t zz = zeros;
                if (!sum_can_wait(h, j, frags, y, yl, pp, pe, count, &zz)) break;
                zeros = zz;
                best = lx->toks[pe].off + lx->toks[pe].len, best_kw = pp;
                a = pp, b = pe;
            }
        }
        if (best == SIZE_MAX) {
            cm_buf_release(&rest);
            free(count);
            p += l;
            continue;
        }
        size_t s = lx->toks[best_kw].off;
        while (s > 0 && (lx->src[s - 1] == ' ' || lx->src[s - 1] == '\t')) s--;
        int ind = (int)(lx->toks[best_kw].off - s);
        const char *in = lx->src + s;
        struct cm_buf t;
        cm_buf_init(&t);
        cm_buf_printf(&t, "if (mpi_rank != 0) /* chatmpi: the loop below adds to %.*s in a split loop; the other ranks' "
                          "parts start from zero, summed once after it */\n%.*s    for (long mpi_t = 0; mpi_t < %s; "
                          "mpi_t++)\n%.*s        %.*s[mpi_t] = 0;\n%.*s",
                      (int)yl, y, ind, in, count, ind, in, (int)yl, y, ind, in);
        add_hoist(out, n_out, cap, lx->toks[best_kw].off, &t);
        cm_buf_init(&t);
        cm_buf_printf(&t, "\n%.*sMPI_Allreduce(MPI_IN_PLACE, %.*s, (int)(%s), %.*s, MPI_SUM, MPI_COMM_WORLD); /* chatmpi: "
                          "once, after the loop around the split (each rank only added its part of %.*s in it) */",
                      ind, in, (int)yl, y, count, (int)tyl, ty, (int)yl, y);
        add_hoist(out, n_out, cap, best, &t);
        for (size_t m = 0; m < h->f->n && m < 64; m++) {
            if (!(zeros >> m & 1)) continue; /* its zeros on every rank: the loop whole, no gather */
            free(frags[m]);
            frags[m] = cm_malloc(strlen(h->f->loops[m].text) + 128);
            sprintf(frags[m], "/* chatmpi: every rank runs it all: zeros for a sum that waits, no gather */\n%s\n",
                    h->f->loops[m].text);
        }
        /* the answer is the rest (without the reduction and the zeroing); an emptied set-up block goes too */
        char *text = rest.data ? cm_buf_detach(&rest) : cm_strdup("");
        char *empty = strstr(text, FRAME_ZERO_HEAD "}\n");
        if (empty) memmove(empty, empty + strlen(FRAME_ZERO_HEAD "}\n"), strlen(empty + strlen(FRAME_ZERO_HEAD "}\n")) + 1);
        free(*frag);
        *frag = text;
        free(count);
        p = *frag; /* from the start again: the lines moved (the reduction just taken out is gone) */
    }
}

