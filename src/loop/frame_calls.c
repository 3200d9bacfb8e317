/* frame_calls.c — following a name passed whole to a function of the program (see
 * frame_gather.h): the call's parts, the parameter that receives the name, and a callee's
 * subscripts and share bounds in the caller's terms. The gathers that wait use them to check a
 * callee's loops (frame_gather.c). */
#include "loop/frame_gather.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

/* The n-th (from 0) comma-separated part [*a, *b) of the tokens open+1 .. close-1 (depth 0). */
int nth_part(const struct clex *lx, size_t open, size_t close, size_t n, size_t *a, size_t *b)
{
    size_t k = 0, start = open + 1;
    int depth = 0;
    for (size_t t = open + 1; t <= close; t++) {
        if (t < close && (clex_is(lx, t, "(") || clex_is(lx, t, "[") || clex_is(lx, t, "{"))) depth++;
        else if (t < close && (clex_is(lx, t, ")") || clex_is(lx, t, "]") || clex_is(lx, t, "}"))) depth--;
        else if (t == close || (depth == 0 && clex_is(lx, t, ","))) {
            if (k++ == n) {
                *a = start, *b = t;
                return 1;
            }
            start = t + 1;
        }
    }
    return 0;
}

/* The parameter's name in the declaration tokens [a, b): its last name before `[` or the end. */
size_t param_name(const struct clex *lx, size_t a, size_t b)
{
    size_t name = SIZE_MAX;
    for (size_t t = a; t < b; t++) {
        if (clex_is(lx, t, "[")) break;
        if (lx->toks[t].kind == CLEX_IDENT && !clex_is_keyword(lx->src + lx->toks[t].off, lx->toks[t].len)) name = t;
    }
    return name;
}

/* Token t (a group's name, in P outside its split loops) is a whole argument of a call of a
 * function the program defines (not the one holding P): *cu says which. */
int call_use_at(const struct hctx *h, size_t t, size_t member, size_t p, struct call_use *cu)
{
    const struct clex *lx = &h->lx;
    size_t pv = clex_prev_sig(lx, t), nx = clex_next_sig(lx, t);
    if (pv == SIZE_MAX || !(clex_is(lx, pv, "(") || clex_is(lx, pv, ",")) || !(clex_is(lx, nx, ",") || clex_is(lx, nx, ")")))
        return 0;
    size_t open = SIZE_MAX, idx = 0;
    int depth = 0;
    for (size_t q = pv; q != SIZE_MAX; q = clex_prev_sig(lx, q)) {
        if (clex_is(lx, q, ")") || clex_is(lx, q, "]")) depth++;
        else if (clex_is(lx, q, "[")) depth--;
        else if (clex_is(lx, q, "(") && depth-- == 0) {
            open = q;
            break;
        } else if (depth == 0 && clex_is(lx, q, ",")) idx++;
    }
    size_t fn = open == SIZE_MAX ? SIZE_MAX : clex_prev_sig(lx, open);
    if (fn == SIZE_MAX || lx->toks[fn].kind != CLEX_IDENT || clex_is_keyword(lx->src + lx->toks[fn].off, lx->toks[fn].len))
        return 0;
    for (size_t d = 0; d < lx->n; d++) { /* its definition: NAME ( ... ) { at depth 0 */
        if (h->depth[d] != 0 || !tok_eq(lx, d, lx->src + lx->toks[fn].off, lx->toks[fn].len)) continue;
        size_t po = clex_next_sig(lx, d), pc = clex_is(lx, po, "(") ? clex_match(lx, po) : lx->n;
        size_t body = pc < lx->n ? clex_next_sig(lx, pc) : lx->n;
        if (!clex_is(lx, body, "{")) continue;
        size_t body1 = clex_match(lx, body), a, b;
        if (body1 >= lx->n || (p > body && p < body1) || !nth_part(lx, po, pc, idx, &a, &b)) return 0;
        size_t par = param_name(lx, a, b);
        if (par == SIZE_MAX) return 0;
        *cu = (struct call_use){member, open, clex_match(lx, open), body, body1, po, pc, par};
        return 1;
    }
    return 0;
}

/* The call's argument for the function's parameter named (s, n): one name, or NULL. */
static const struct clex_tok *arg_for(const struct clex *lx, const struct call_use *cu, const char *s, size_t n)
{
    for (size_t i = 0;; i++) {
        size_t a, b, c, d;
        if (!nth_part(lx, cu->par0, cu->par1, i, &a, &b)) return NULL;
        size_t par = param_name(lx, a, b);
        if (par == SIZE_MAX || !tok_eq(lx, par, s, n)) continue;
        if (!nth_part(lx, cu->open, cu->close, i, &c, &d)) return NULL;
        size_t x = clex_next_sig(lx, c - 1);
        if (x >= d || lx->toks[x].kind != CLEX_IDENT || clex_next_sig(lx, x) < d) return NULL;
        return &lx->toks[x];
    }
}

/* The name (s, n) is one of the called function's parameters. */
static int is_param(const struct clex *lx, const struct call_use *cu, const char *s, size_t n)
{
    for (size_t k = 0;; k++) {
        size_t a, e;
        if (!nth_part(lx, cu->par0, cu->par1, k, &a, &e)) return 0;
        size_t par = param_name(lx, a, e);
        if (par != SIZE_MAX && tok_eq(lx, par, s, n)) return 1;
    }
}

/* The name (s, n) is declared in the function body [b0, b1]. */
static int declared_in(const struct clex *lx, size_t b0, size_t b1, const char *s, size_t n)
{
    for (size_t t = b0; t <= b1; t++)
        if (tok_eq(lx, t, s, n) && frame_loop_declared(lx, t)) return 1;
    return 0;
}

/* A bound of the callee's share with its parameters replaced by the call's arguments, spaces
 * removed; NULL when it names a local of the callee or an argument that is not one name. */
char *share_in_caller(const struct clex *lx, const struct call_use *cu, const char *bound)
{
    struct clex bl;
    clex_init(&bl);
    struct cm_buf b;
    cm_buf_init(&b);
    int ok = !clex_run(&bl, bound, strlen(bound));
    for (size_t i = 0; ok && i < bl.n; i++) {
        if (bl.toks[i].kind == CLEX_WS || bl.toks[i].kind == CLEX_COMMENT) continue;
        const char *s = bound + bl.toks[i].off;
        size_t n = bl.toks[i].len;
        if (bl.toks[i].kind == CLEX_IDENT && !clex_is_keyword(s, n)) {
            const struct clex_tok *arg = NULL;
            int param = is_param(lx, cu, s, n);
            if (param && !(arg = arg_for(lx, cu, s, n))) ok = 0;
            else if (!param && declared_in(lx, cu->body0, cu->body1, s, n)) ok = 0;
            if (arg) s = lx->src + arg->off, n = arg->len;
        }
        cm_buf_append(&b, s, n);
    }
    clex_release(&bl);
    if (!ok) {
        cm_buf_release(&b);
        return NULL;
    }
    return b.data ? cm_buf_detach(&b) : cm_strdup("");
}

char *squeeze(const char *s)
{
    char *o = cm_strdup(s), *w = o;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n') *w++ = *s;
    *w = 0;
    return o;
}

/* The callee's use as the caller's: its parameters renamed to the call's argument names; 0
 * when a term names a parameter given something else, or a local of the callee. */
int lin_in_caller(const struct clex *lx, const struct call_use *cu, struct frame_lin *x)
{
    struct frame_lin out = {0};
    for (int k = 0; k < x->n; k++) {
        struct frame_lin term = {1, {{x->t[k].coef, ""}}};
        for (const char *s = x->t[k].key; *s;) {
            size_t l = strcspn(s, "*");
            const char *name = s;
            size_t nl = l;
            if (!(l == 1 && *s == FRAME_LIN_VAR[0])) {
                int param = is_param(lx, cu, s, l);
                const struct clex_tok *arg = param ? arg_for(lx, cu, s, l) : NULL;
                if (param && !arg) return 0;
                if (!param && declared_in(lx, cu->body0, cu->body1, s, l)) return 0;
                if (arg) name = lx->src + arg->off, nl = arg->len;
            }
            char key[FRAME_LIN_KEY];
            if (nl >= FRAME_LIN_KEY) return 0;
            memcpy(key, name, nl), key[nl] = 0;
            if (!frame_lin_mul_name(&term, key)) return 0;
            s += l + (s[l] == '*');
        }
        struct frame_lin sum;
        if (!frame_lin_add(&sum, &out, &term)) return 0;
        out = sum;
    }
    *x = out;
    return 1;
}

