/* frame_lin.c — a subscript as a sum of integer multiples of products of names (frame_loop.h).
 *
 * `k * P + j * W + i - W - 1` is read as {P*k: 1, W*j: 1, i: 1, W: -1, 1: -1}, so that two
 * subscripts of the same array can be subtracted: u[c - W] against un[c] (with c = j * W + i
 * substituted) differs by -W, an offset the frame can evaluate at run time. Only +, -, *,
 * parentheses, integer literals and plain names are read; anything else (a call, an array
 * element, a cast, a division) makes the subscript unreadable, and the caller falls back to
 * comparing text. */
#include "loop/frame_loop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

struct lp {
    const struct clex *lx;
    size_t i, b; /* the next token, the end */
    const struct frame_lin_env *env;
    int depth, bad;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The product of two keys (names joined by '*', sorted; "" is 1) in out; 0 when too long. */
static int key_mul(char out[FRAME_LIN_KEY], const char *x, const char *y)
{
    char buf[2 * FRAME_LIN_KEY + 2], *names[2 * FRAME_LIN_KEY];
    size_t n = 0;
    snprintf(buf, sizeof buf, "%s%s%s", x, *x && *y ? "*" : "", y);
    for (char *s = buf; *s;) {
        names[n++] = s;
        char *e = strchr(s, '*');
        if (!e) break;
        *e = 0;
        s = e + 1;
    }
    qsort(names, n, sizeof(names[0]), cmp_str);
    struct cm_buf b;
    cm_buf_init(&b);
    for (size_t k = 0; k < n; k++) cm_buf_printf(&b, "%s%s", k ? "*" : "", names[k]);
    int ok = b.len < FRAME_LIN_KEY;
    if (ok) memcpy(out, b.data ? b.data : "", b.len + 1);
    cm_buf_release(&b);
    return ok;
}

/* x += s * key; 0 on overflow or too many terms. */
static int add_term(struct frame_lin *x, const char *key, long coef)
{
    for (int k = 0; k < x->n; k++) {
        if (strcmp(x->t[k].key, key)) continue;
        if (__builtin_add_overflow(x->t[k].coef, coef, &x->t[k].coef)) return 0;
        if (x->t[k].coef == 0) x->t[k] = x->t[--x->n];
        return 1;
    }
    if (coef == 0) return 1;
    if (x->n == FRAME_LIN_TERMS) return 0;
    snprintf(x->t[x->n].key, FRAME_LIN_KEY, "%s", key);
    x->t[x->n++].coef = coef;
    return 1;
}

static void lin_scale_add(struct lp *p, struct frame_lin *x, const struct frame_lin *y, long s)
{
    for (int k = 0; k < y->n; k++) {
        long c;
        if (__builtin_mul_overflow(y->t[k].coef, s, &c) || !add_term(x, y->t[k].key, c)) p->bad = 1;
    }
}

static void lin_mul(struct lp *p, struct frame_lin *out, const struct frame_lin *x, const struct frame_lin *y)
{
    struct frame_lin r = {0};
    for (int a = 0; a < x->n; a++)
        for (int b = 0; b < y->n; b++) {
            char key[FRAME_LIN_KEY];
            long c;
            if (!key_mul(key, x->t[a].key, y->t[b].key) || __builtin_mul_overflow(x->t[a].coef, y->t[b].coef, &c) ||
                !add_term(&r, key, c))
                p->bad = 1;
        }
    *out = r;
}

static size_t peek(struct lp *p)
{
    while (p->i < p->b && (p->lx->toks[p->i].kind == CLEX_WS || p->lx->toks[p->i].kind == CLEX_COMMENT)) p->i++;
    return p->i;
}

static int at(struct lp *p, const char *s)
{
    size_t i = peek(p);
    return i < p->b && clex_is(p->lx, i, s);
}

static void expr(struct lp *p, struct frame_lin *out);

static void primary(struct lp *p, struct frame_lin *out)
{
    size_t i = peek(p);
    const struct clex *lx = p->lx;
    *out = (struct frame_lin){0};
    if (p->bad || i >= p->b) {
        p->bad = 1;
        return;
    }
    const char *s = lx->src + lx->toks[i].off;
    size_t len = lx->toks[i].len;
    if (clex_is(lx, i, "(")) {
        p->i++;
        expr(p, out);
        if (!at(p, ")")) p->bad = 1;
        p->i++;
        return;
    }
    if (lx->toks[i].kind == CLEX_NUMBER) {
        char num[32], *end;
        if (len >= sizeof num) {
            p->bad = 1;
            return;
        }
        memcpy(num, s, len), num[len] = 0;
        long v = strtol(num, &end, 0);
        end += strspn(end, "uUlL");
        if (*end || (num[0] == '0' && len > 1 && num[1] != 'x' && num[1] != 'X')) p->bad = 1; /* a float, an octal */
        else add_term(out, "", v);
        p->i++;
        return;
    }
    if (lx->toks[i].kind != CLEX_IDENT || clex_is_keyword(s, len) || len >= FRAME_LIN_KEY) {
        p->bad = 1;
        return;
    }
    p->i++;
    size_t nx = clex_next_sig(lx, i);
    if (nx < lx->n && (clex_is(lx, nx, "(") || clex_is(lx, nx, "[") || clex_is(lx, nx, ".") ||
                       clex_is(lx, nx, "->") || clex_is(lx, nx, "++") || clex_is(lx, nx, "--"))) {
        p->bad = 1;
        return;
    }
    const struct frame_lin_env *env = p->env;
    if (env && env->var && strlen(env->var) == len && !memcmp(env->var, s, len)) {
        add_term(out, FRAME_LIN_VAR, 1);
        return;
    }
    for (size_t d = 0; env && d < env->ndefs; d++) {
        const struct clex_tok *nt = &lx->toks[env->defs[d].name];
        if (nt->len != len || memcmp(lx->src + nt->off, s, len)) continue;
        if (p->depth >= 4) {
            p->bad = 1;
            return;
        }
        struct lp q = {lx, env->defs[d].a, env->defs[d].b, env, p->depth + 1, 0};
        expr(&q, out);
        if (q.bad || peek(&q) < q.b) p->bad = 1;
        return;
    }
    char key[FRAME_LIN_KEY];
    memcpy(key, s, len), key[len] = 0;
    add_term(out, key, 1);
}

static void unary(struct lp *p, struct frame_lin *out)
{
    if (at(p, "-") || at(p, "+")) {
        int neg = at(p, "-");
        p->i++;
        struct frame_lin x;
        unary(p, &x);
        *out = (struct frame_lin){0};
        lin_scale_add(p, out, &x, neg ? -1 : 1);
        return;
    }
    primary(p, out);
}

static void term(struct lp *p, struct frame_lin *out)
{
    unary(p, out);
    while (!p->bad && at(p, "*")) {
        p->i++;
        struct frame_lin y;
        unary(p, &y);
        lin_mul(p, out, out, &y);
    }
}

static void expr(struct lp *p, struct frame_lin *out)
{
    term(p, out);
    while (!p->bad && (at(p, "+") || at(p, "-"))) {
        int neg = at(p, "-");
        p->i++;
        struct frame_lin y;
        term(p, &y);
        lin_scale_add(p, out, &y, neg ? -1 : 1);
    }
}

int frame_lin_parse(const struct clex *lx, size_t a, size_t b, const struct frame_lin_env *env, struct frame_lin *out)
{
    struct lp p = {lx, a, b, env, 0, 0};
    expr(&p, out);
    return !p.bad && peek(&p) == b;
}

int frame_lin_sub(struct frame_lin *out, const struct frame_lin *x, const struct frame_lin *y)
{
    struct lp p = {0};
    struct frame_lin r = *x;
    lin_scale_add(&p, &r, y, -1);
    *out = r;
    return !p.bad;
}

int frame_lin_has(const struct frame_lin *x, const char *name)
{
    size_t n = strlen(name);
    for (int k = 0; k < x->n; k++)
        for (const char *s = x->t[k].key; *s;) {
            size_t l = strcspn(s, "*");
            if (l == n && !memcmp(s, name, n)) return 1;
            s += l + (s[l] == '*');
        }
    return 0;
}

/* The one term index * W of x (coefficient 1, W's names in *w), when every other term is free
 * of W's names and names the index, if at all, alone (`i * n + i`, `i * w + kl + j - i`). */
static int row_term(const struct frame_lin *x, const char **w)
{
    const char *lead = FRAME_LIN_VAR "*";
    size_t ll = strlen(lead);
    int at = -1;
    for (int k = 0; k < x->n; k++) {
        if (strncmp(x->t[k].key, lead, ll) != 0) continue;
        if (at >= 0 || x->t[k].coef != 1) return 0;
        at = k;
    }
    if (at < 0) return 0;
    *w = x->t[at].key + ll;
    for (int k = 0; k < x->n; k++) {
        if (k == at || !strcmp(x->t[k].key, FRAME_LIN_VAR)) continue;
        for (const char *s = x->t[k].key; *s;) {
            size_t l = strcspn(s, "*");
            if ((l == strlen(FRAME_LIN_VAR) && !memcmp(s, FRAME_LIN_VAR, l))) return 0;
            for (const char *u = *w; *u;) { /* a name of W: another row */
                size_t m = strcspn(u, "*");
                if (m == l && !memcmp(u, s, l)) return 0;
                u += m + (u[m] == '*');
            }
            s += l + (s[l] == '*');
        }
    }
    return 1;
}

int frame_lin_same_row(const struct frame_lin *x, const struct frame_lin *y)
{
    const char *wx, *wy;
    return row_term(x, &wx) && row_term(y, &wy) && !strcmp(wx, wy);
}

int frame_lin_row_width(const struct frame_lin *x, const char *width)
{
    const char *w;
    if (!row_term(x, &w)) return x->n == 1 && !strcmp(x->t[0].key, FRAME_LIN_VAR) && x->t[0].coef == 1 && !strcmp(width, "1");
    return !strcmp(w, width);
}

static int by_key(const void *a, const void *b)
{
    const struct frame_lin_term *x = a, *y = b;
    if (!*x->key != !*y->key) return *x->key ? -1 : 1; /* the constant last */
    return strcmp(x->key, y->key);
}

char *frame_lin_text(const struct frame_lin *x)
{
    struct frame_lin s = *x;
    qsort(s.t, (size_t)s.n, sizeof(s.t[0]), by_key);
    struct cm_buf b;
    cm_buf_init(&b);
    for (int k = 0; k < s.n; k++) {
        long c = s.t[k].coef;
        unsigned long m = c < 0 ? 0UL - (unsigned long)c : (unsigned long)c;
        if (k) cm_buf_puts(&b, c < 0 ? " - " : " + ");
        else if (c < 0) cm_buf_puts(&b, "-");
        if (!*s.t[k].key) {
            cm_buf_printf(&b, "%lu", m);
            continue;
        }
        if (m != 1) cm_buf_printf(&b, "%lu * ", m);
        for (const char *t = s.t[k].key; *t; t++) cm_buf_puts(&b, *t == '*' ? " * " : (char[]){*t, 0});
    }
    return b.len ? cm_buf_detach(&b) : (cm_buf_release(&b), cm_strdup("0"));
}

int frame_lin_add(struct frame_lin *out, const struct frame_lin *x, const struct frame_lin *y)
{
    struct lp p = {0};
    struct frame_lin r = *x;
    lin_scale_add(&p, &r, y, 1);
    *out = r;
    return !p.bad;
}

int frame_lin_mul_name(struct frame_lin *x, const char *name)
{
    struct frame_lin r = {0};
    for (int k = 0; k < x->n; k++) {
        char key[FRAME_LIN_KEY];
        if (!key_mul(key, x->t[k].key, name) || !add_term(&r, key, x->t[k].coef)) return 0;
    }
    *x = r;
    return 1;
}
