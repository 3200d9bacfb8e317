/* frame_pack.c — a triangle's rows packed for the loop around their split loop (see
 * frame_gather.h).
 *
 * A split loop over the rows of a triangle (syr's `for (j = i; j < n; j++) a[i * n + j] += t *
 * x[j];`, cut by work with mpi_share_tri) updates, in each repetition of the loop around it,
 * pieces of rows that lie a whole row apart in memory: every row starts a new memory stream.
 * Kept one after another, as packed storage keeps them (the expert's syr), the same rows run
 * 1.6 times as fast on one rank. When the loop's gather of Y already waits until after the loop
 * P around it (mpi_allgather_range(Y, W, type, ...), frame_gather.c), the rank copies the
 * pieces of its own rows that the loop touches into one buffer the first time the split loop
 * runs in P, the loop reads and writes them there, and mpi_allgather_range puts them back
 * (mpi_unpack_) before it gathers the rows. It is done when:
 *
 *   - the cut is a triangle's (mpi_share_tri) and Y is the only name of its group;
 *   - in the rewrite, Y is named only inside one inner loop `for ([T] j = A; j < B | j <= B;
 *     j++)` that is one of the split loop's own statements, each time as `Y[i * W + j]` (i the
 *     split index, W the gather's width), and j is assigned nowhere else there;
 *   - A and B are names, numbers, + - * and parentheses; their names other than i are not
 *     declared in the rewrite and not assigned in P (so row i's columns [A, B) are the same
 *     before the loop as in it);
 *   - the rewrite has no goto or return, nor a break or continue outside the inner loop (every
 *     row's inner loop runs); in P, Y is named only in the split loop, and nothing in P returns
 *     or jumps out (the gather after P puts the rows back). */
#include "loop/frame_gather.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

/* The C type of an MPI type's elements, or NULL. */
static const char *c_type(const char *mpi)
{
    static const char *const map[][2] = {
        {"MPI_DOUBLE", "double"}, {"MPI_FLOAT", "float"}, {"MPI_INT", "int"}, {"MPI_LONG", "long"}};
    for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
        if (!strcmp(mpi, map[k][0])) return map[k][1];
    return NULL;
}

/* Tokens a..b-1 of lx are a bound the pack can work out before the loop: names (i, or names not
 * declared in the rewrite and not assigned in P), numbers, + - * and parentheses. */
static int plain_bound(const struct hctx *h, const struct clex *lx, size_t a, size_t b, const char *iv, size_t p,
                       size_t pe)
{
    static const char *const ops[] = {"+", "-", "*", "(", ")"};
    int any = 0;
    for (size_t t = a; t < b; t++) {
        const struct clex_tok *k = &lx->toks[t];
        if (k->kind == CLEX_WS || k->kind == CLEX_COMMENT) continue;
        any = 1;
        if (k->kind == CLEX_NUMBER) continue;
        if (k->kind == CLEX_IDENT) {
            if (tok_eq(lx, t, iv, strlen(iv))) continue;
            char *name = cm_strndup(lx->src + k->off, k->len);
            int ok = bounds_kept(&h->lx, p, pe, name);
            for (size_t u = 0; ok && u < lx->n; u++) ok = !(tok_eq(lx, u, name, k->len) && frame_loop_declared(lx, u));
            free(name);
            if (!ok) return 0;
            continue;
        }
        int op = 0;
        for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]) && !op; o++) op = clex_is(lx, t, ops[o]);
        if (!op) return 0;
    }
    return any;
}

char *frame_pack(const struct hctx *h, size_t j, const char *frag, const char *y, size_t yl, const char *width,
                 const char *mpi_type, size_t p, size_t pe)
{
    const struct frame_loop *L = &h->f->loops[j];
    const char *type = c_type(mpi_type);
    if (!type || !L->var || (L->share_shape != 1 && L->share_shape != -1)) return NULL;
    for (size_t t = p; t <= pe && t < h->lx.n; t++) { /* P: Y only in the split loop, no way out */
        if (clex_is(&h->lx, t, "return") || clex_is(&h->lx, t, "goto")) return NULL;
        if (tok_eq(&h->lx, t, y, yl) && (t < h->kw[j] || t > h->last[j])) return NULL;
    }
    struct clex lx;
    clex_init(&lx);
    char *out = NULL, *A = NULL, *B = NULL;
    if (clex_run(&lx, frag, strlen(frag))) goto done;
    size_t share = SIZE_MAX, named = 0;
    for (size_t t = 0; t < lx.n; t++) {
        if (clex_is(&lx, t, "goto") || clex_is(&lx, t, "return")) goto done;
        if (share == SIZE_MAX && clex_is(&lx, t, "mpi_share_tri") && clex_is(&lx, clex_next_sig(&lx, t), "("))
            share = t;
        named += tok_eq(&lx, t, y, yl);
    }
    if (share == SIZE_MAX) goto done;
    size_t kw = clex_next_sig(&lx, clex_stmt_end(&lx, share));
    struct frame_header hd, ih;
    if (kw >= lx.n || !clex_is(&lx, kw, "for") || !frame_loop_header(&lx, kw, &hd) || hd.down ||
        !tok_eq(&lx, hd.var, L->var, strlen(L->var)))
        goto done;
    const char *iv = L->var;
    size_t body = clex_next_sig(&lx, hd.close), first = body, stop, inner = SIZE_MAX, inner_end = 0;
    if (body >= lx.n) goto done;
    if (clex_is(&lx, body, "{")) first = clex_next_sig(&lx, body), stop = clex_match(&lx, body);
    else stop = clex_stmt_end(&lx, body);
    for (size_t s = first; s < lx.n && s <= stop && !clex_is(&lx, s, "}");) { /* the body's own statements */
        size_t e = clex_stmt_end(&lx, s), here = 0;
        if (e >= lx.n) goto done;
        for (size_t t = s; t <= e; t++) here += tok_eq(&lx, t, y, yl);
        if (clex_is(&lx, s, "for") && here == named && named) inner = s, inner_end = e;
        for (size_t t = s; inner != s && t <= e; t++)
            if (clex_is(&lx, t, "break") || clex_is(&lx, t, "continue")) goto done;
        s = clex_next_sig(&lx, e);
    }
    if (inner == SIZE_MAX || !frame_loop_header(&lx, inner, &ih) || ih.down || clex_is(&lx, ih.op, "!=")) goto done;
    const char *jv = lx.src + lx.toks[ih.var].off;
    size_t jl = lx.toks[ih.var].len;
    for (size_t t = ih.close + 1; t <= inner_end; t++)
        if (tok_eq(&lx, t, jv, jl) && assigned_at(&lx, t)) goto done;
    if (!plain_bound(h, &lx, ih.eq + 1, ih.semi1, iv, p, pe) || !plain_bound(h, &lx, ih.op + 1, ih.semi2, iv, p, pe))
        goto done;
    A = frame_tok_text(&lx, ih.eq + 1, ih.semi1), B = frame_tok_text(&lx, ih.op + 1, ih.semi2);
    /* every Y is Y[i * W + j] */
    char want_text[512];
    snprintf(want_text, sizeof(want_text), "%s * (%s) + %.*s", iv, width, (int)jl, jv);
    struct clex wl;
    clex_init(&wl);
    struct frame_lin want, got, d;
    struct frame_lin_env env = {iv, 0, NULL};
    int ok = !clex_run(&wl, want_text, strlen(want_text)) && frame_lin_parse(&wl, 0, wl.n, &env, &want);
    clex_release(&wl);
    struct cm_buf b;
    cm_buf_init(&b);
    size_t from = 0; /* the rewrite's bytes copied so far */
    for (size_t t = inner; ok && t <= inner_end; t++) {
        if (!tok_eq(&lx, t, y, yl)) continue;
        size_t pv = clex_prev_sig(&lx, t), open = clex_next_sig(&lx, t);
        size_t close = clex_is(&lx, open, "[") ? clex_match(&lx, open) : lx.n;
        ok = !(pv != SIZE_MAX && (clex_is(&lx, pv, "&") || clex_is(&lx, pv, ".") || clex_is(&lx, pv, "->"))) &&
             close < lx.n && t > ih.close && frame_lin_parse(&lx, open + 1, close, &env, &got) &&
             frame_lin_sub(&d, &got, &want) && d.n == 0 && !clex_is(&lx, clex_next_sig(&lx, close), "[");
        if (!ok) break;
        if (from == 0) { /* the pack, before the split loop */
            size_t at = lx.toks[kw].off;
            cm_buf_append(&b, frag, at);
            cm_buf_printf(&b,
                          "long *mpi_pko_ = NULL; /* chatmpi: this rank's rows of %.*s packed for the loop around "
                          "(put back before their gather after it) */\n"
                          "%s *mpi_pk_ = mpi_packed_(%.*s, &mpi_pko_);\n"
                          "if (!mpi_pk_ && %s < %s) {\n"
                          "    long *mpi_c_ = mpi_pack_rows_(%.*s, sizeof *%.*s, %s, %s, %s);\n"
                          "    for (long %s = %s; %s < %s; %s++)\n"
                          "        mpi_c_[2 * (%s - %s)] = (%s), mpi_c_[2 * (%s - %s) + 1] = (%s)%s;\n"
                          "    mpi_pk_ = mpi_pack_fill_(%.*s, &mpi_pko_);\n"
                          "}\n",
                          (int)yl, y, type, (int)yl, y, h->f->lo, h->f->hi, (int)yl, y, (int)yl, y, width, h->f->lo,
                          h->f->hi, iv, h->f->lo, iv, h->f->hi, iv, iv, h->f->lo, A, iv, h->f->lo, B,
                          ih.le ? " + 1" : "", (int)yl, y);
            from = at;
        }
        cm_buf_append(&b, frag + from, lx.toks[t].off - from);
        cm_buf_printf(&b, "mpi_pk_[mpi_pko_[%s - %s] + %.*s]", iv, h->f->lo, (int)jl, jv);
        from = lx.toks[close].off + 1;
    }
    if (ok && from) {
        cm_buf_puts(&b, frag + from);
        out = cm_buf_detach(&b);
    } else {
        cm_buf_release(&b);
    }
done:
    free(A), free(B);
    clex_release(&lx);
    return out;
}
