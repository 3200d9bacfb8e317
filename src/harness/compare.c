/* compare.c — token-wise output comparison (see compare.h). Deliberately leaves out any
 * notion of structure (lines, columns): the contract compares token streams. */
#include "harness/compare.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cursor {
    const char *p, *end;
    size_t line;
};

/* Advances to the next token; returns its length (0 at the end). */
static size_t next_token(struct cursor *c, const char **tok)
{
    while (c->p < c->end && isspace((unsigned char)*c->p)) {
        if (*c->p == '\n') c->line++;
        c->p++;
    }
    *tok = c->p;
    while (c->p < c->end && !isspace((unsigned char)*c->p)) c->p++;
    return (size_t)(c->p - *tok);
}

int cmp_parse_number(const char *tok, size_t len, double *out)
{
    char buf[128];
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, tok, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end == buf || *end) return 0;
    *out = v;
    return 1;
}

static void copy_tok(char *dst, size_t n, const char *tok, size_t len)
{
    if (len >= n) {
        memcpy(dst, tok, n - 4);
        memcpy(dst + n - 4, "...", 4);
    } else {
        memcpy(dst, tok, len);
        dst[len] = '\0';
    }
}

static size_t count_rest(struct cursor *c)
{
    const char *t;
    size_t n = 0;
    while (next_token(c, &t)) n++;
    return n;
}

int cmp_outputs(struct cmp_result *res, const char *got, size_t got_len, const char *want,
                size_t want_len, double rtol, double atol)
{
    struct cursor g = {got, got + got_len, 1}, w = {want, want + want_len, 1};
    memset(res, 0, sizeof(*res));
    for (size_t i = 0;; i++) {
        const char *tg, *tw;
        size_t lg = next_token(&g, &tg), lw = next_token(&w, &tw);
        res->index = i;
        res->line = g.line;
        if (!lg && !lw) return 1;
        copy_tok(res->got, sizeof(res->got), tg, lg);
        copy_tok(res->want, sizeof(res->want), tw, lw);
        if (!lg || !lw) {
            res->why = !lg ? CMP_TOO_FEW : CMP_TOO_MANY;
            res->n_got = i + (lg ? 1 + count_rest(&g) : 0);
            res->n_want = i + (lw ? 1 + count_rest(&w) : 0);
            return 0;
        }
        double a, b;
        int na = cmp_parse_number(tg, lg, &a), nb = cmp_parse_number(tw, lw, &b);
        if (na && nb) {
            if (isnan(a) || isnan(b)) {
                res->why = CMP_NAN;
                return 0;
            }
            if (isinf(a) || isinf(b)) {
                if (a == b) continue;
                res->why = CMP_VALUE;
                return 0;
            }
            if (a == b || fabs(a - b) <= atol + rtol * fabs(b)) continue;
            res->why = CMP_VALUE;
            return 0;
        }
        if (na != nb || lg != lw || memcmp(tg, tw, lg) != 0) {
            res->why = CMP_TEXT;
            return 0;
        }
    }
}

const char *cmp_why_name(enum cmp_why why)
{
    static const char *names[] = {"same", "value", "nan", "text", "too_few_tokens", "too_many_tokens"};
    return names[why];
}

void cmp_describe(const struct cmp_result *r, char *buf, size_t n)
{
    switch (r->why) {
    case CMP_SAME:
        snprintf(buf, n, "outputs agree");
        break;
    case CMP_TOO_FEW:
    case CMP_TOO_MANY:
        snprintf(buf, n, "token count %zu, expected %zu (first %s at token %zu, line %zu%s%s%s)", r->n_got,
                 r->n_want, r->why == CMP_TOO_FEW ? "missing" : "extra", r->index, r->line,
                 r->why == CMP_TOO_FEW ? ": expected '" : ": got '", r->why == CMP_TOO_FEW ? r->want : r->got,
                 "'");
        break;
    default:
        snprintf(buf, n, "token %zu (line %zu): got '%s', expected '%s'%s", r->index, r->line, r->got, r->want,
                 r->why == CMP_NAN ? " (NaN never matches)" : "");
        break;
    }
}
