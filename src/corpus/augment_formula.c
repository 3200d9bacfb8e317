/* augment_formula.c — a formula changed alike in both programs of a case (augment.h,
 * AUG_FORMULA): one floating constant or one arithmetic operator of a floating-point
 * assignment that seq.c and mpi.c share.
 *
 * A statement is the tokens from the last `;`, `{` or `}` to its own `;`, control headers
 * (`for (...)`, `if (...)`, `else`, ...) left off. Two statements are the same formula when
 * their significant tokens agree with everything between `[` and `]` left out: the MPI program
 * indexes its local block (y[k] += alpha * x[k]) where the sequential one indexes the whole
 * array (y[i] += alpha * x[i]). A statement qualifies when it assigns (=, +=, -=) to a name
 * declared float or double, holds no string, no argv/argc, no call to an allocator or to MPI,
 * and the MPI program has at least one statement of the same shape. Its candidate sites are on
 * the right of the assignment and outside brackets (never an index): a floating literal (a new
 * value from a short list, the suffix kept), a binary + or - (swapped), a binary * (to + or -),
 * and a compound += or -= (swapped). One site is drawn; the change is made in every statement
 * of that shape in both programs, so that the pair stays a parallelization of one computation.
 * The harness decides whether it still is (a changed sum may stop converging, or overflow):
 * the caller drops what does not verify.
 * Deliberately leaves out integer arithmetic (sizes, strides, loop bounds, index formulas,
 * where a change could index out of bounds yet print the same thing) and comments (a comment
 * that gives the old formula keeps it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "corpus/augment.h"
#include "corpus/clex.h"

struct stmt {
    size_t a, b;  /* significant tokens a..b, b the `;` */
    size_t asg;   /* the assignment operator's token */
    char *shape;  /* owned: the token texts, bracket contents left out */
};

struct prog {
    struct clex lx;
    struct stmt *st;
    size_t n;
    struct cm_strlist fl; /* names declared float or double */
    struct cm_strlist fp; /* names declared float * or double *, or arrays of them */
};

static int tok_eq(const struct clex *lx, size_t i, const char *s) { return i < lx->n && clex_is(lx, i, s); }

static int has_name(const struct cm_strlist *l, const char *s, size_t n)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->items[i]) == n && !memcmp(l->items[i], s, n)) return 1;
    return 0;
}

/* Names declared with float or double: every declarator of `double a, *b = ..., c[4];` and
 * parameters `double *x`; scalars in p->fl, pointers and arrays in p->fp. */
static void scan_floating(struct prog *p)
{
    const struct clex *lx = &p->lx;
    for (size_t i = 0; i < lx->n; i++) {
        if (!(tok_eq(lx, i, "double") || tok_eq(lx, i, "float")) || lx->toks[i].in_define) continue;
        int depth = 0; /* parentheses and braces of initializers */
        for (size_t j = clex_next_sig(lx, i); j < lx->n; j = clex_next_sig(lx, j)) {
            const struct clex_tok *t = &lx->toks[j];
            if (t->kind == CLEX_PUNCT) {
                if (clex_is(lx, j, "(") || clex_is(lx, j, "{") || clex_is(lx, j, "[")) depth++;
                else if (clex_is(lx, j, ")") || clex_is(lx, j, "}") || clex_is(lx, j, "]")) {
                    if (--depth < 0) break;
                } else if (depth == 0 && clex_is(lx, j, ";")) break;
                continue;
            }
            if (t->kind != CLEX_IDENT || depth) continue;
            size_t pv = clex_prev_sig(lx, j), nx = clex_next_sig(lx, j);
            int after = pv != SIZE_MAX && (clex_is(lx, pv, "double") || clex_is(lx, pv, "float") ||
                                           clex_is(lx, pv, "*") || clex_is(lx, pv, ",") ||
                                           clex_is(lx, pv, "restrict") || clex_is(lx, pv, "const"));
            int before = nx < lx->n && (clex_is(lx, nx, "=") || clex_is(lx, nx, ",") || clex_is(lx, nx, ";") ||
                                        clex_is(lx, nx, "[") || clex_is(lx, nx, ")"));
            struct cm_strlist *l = clex_is(lx, pv, "*") || clex_is(lx, nx, "[") ? &p->fp : &p->fl;
            if (after && before && !clex_is_keyword(lx->src + t->off, t->len) &&
                !has_name(l, lx->src + t->off, t->len)) {
                char *nm = cm_strndup(lx->src + t->off, t->len);
                cm_strlist_push(l, nm);
                free(nm);
            }
            if (nx < lx->n && clex_is(lx, nx, ")")) break; /* a parameter: its declaration ends */
        }
    }
}

static const char *const banned[] = {"argc", "argv", "malloc", "calloc", "realloc", "free", "sizeof", "return",
                                     "printf", "fprintf", "strtol", "strtod", "atoi", "atof", NULL};

static int is_assign(const struct clex *lx, size_t i)
{
    return tok_eq(lx, i, "=") || tok_eq(lx, i, "+=") || tok_eq(lx, i, "-=");
}

/* The statement ending at the `;` b, from a: control headers skipped; 0 when it does not
 * qualify. */
static int make_stmt(struct prog *p, size_t a, size_t b, struct stmt *s)
{
    const struct clex *lx = &p->lx;
    for (;;) { /* leave off for (...), if (...), while (...), else, do */
        if (tok_eq(lx, a, "else") || tok_eq(lx, a, "do")) {
            a = clex_next_sig(lx, a);
            continue;
        }
        if (tok_eq(lx, a, "for") || tok_eq(lx, a, "if") || tok_eq(lx, a, "while") || tok_eq(lx, a, "switch")) {
            size_t j = clex_next_sig(lx, a);
            if (!tok_eq(lx, j, "(")) return 0;
            int d = 0;
            for (; j < b; j = clex_next_sig(lx, j)) {
                if (clex_is(lx, j, "(")) d++;
                if (clex_is(lx, j, ")") && --d == 0) break;
            }
            if (j >= b) return 0;
            a = clex_next_sig(lx, j);
            continue;
        }
        break;
    }
    if (a >= b) return 0;
    struct cm_buf sh;
    cm_buf_init(&sh);
    size_t asg = SIZE_MAX, first = SIZE_MAX;
    int br = 0, par = 0, ok = 1;
    for (size_t j = a; j <= b && ok; j = clex_next_sig(lx, j)) {
        const struct clex_tok *t = &lx->toks[j];
        const char *tx = lx->src + t->off;
        if (t->kind == CLEX_STRING || t->kind == CLEX_PP || t->in_define) ok = 0;
        if (t->kind == CLEX_IDENT) {
            for (int k = 0; banned[k]; k++)
                if (strlen(banned[k]) == t->len && !memcmp(banned[k], tx, t->len)) ok = 0;
            if (t->len > 4 && !memcmp(tx, "MPI_", 4)) ok = 0;
            if (first == SIZE_MAX && !clex_is(lx, j, "double") && !clex_is(lx, j, "float") &&
                !clex_is(lx, j, "const") && !clex_is(lx, j, "static"))
                first = j;
        }
        if (clex_is(lx, j, "[")) {
            if (br++ == 0) cm_buf_puts(&sh, "[_] ");
            continue;
        }
        if (clex_is(lx, j, "]")) {
            br--;
            continue;
        }
        if (br) continue;
        if (clex_is(lx, j, "(")) par++;
        if (clex_is(lx, j, ")")) par--;
        if (!par && asg == SIZE_MAX && is_assign(lx, j)) asg = j;
        cm_buf_append(&sh, tx, t->len);
        cm_buf_puts(&sh, " ");
    }
    /* the target: a floating scalar (not declared here as a pointer), or an element of a
     * floating array; never a pointer (pbuf + 1 is an address) */
    if (ok && asg != SIZE_MAX && first != SIZE_MAX && first < asg && br == 0) {
        const char *fn = lx->src + lx->toks[first].off;
        size_t fl = lx->toks[first].len, pv = clex_prev_sig(lx, first), nx = clex_next_sig(lx, first);
        int elem = has_name(&p->fp, fn, fl) && tok_eq(lx, nx, "[");
        int scalar = has_name(&p->fl, fn, fl) && !has_name(&p->fp, fn, fl) && !(pv >= a && tok_eq(lx, pv, "*"));
        ok = elem || scalar;
    } else {
        ok = 0;
    }
    if (!ok) {
        cm_buf_release(&sh);
        return 0;
    }
    s->a = a, s->b = b, s->asg = asg;
    s->shape = cm_buf_detach(&sh);
    return 1;
}

static int prog_open(struct prog *p, const char *text)
{
    clex_init(&p->lx);
    p->st = NULL, p->n = 0;
    cm_strlist_init(&p->fl), cm_strlist_init(&p->fp);
    if (clex_run(&p->lx, text, strlen(text))) return -1;
    scan_floating(p);
    const struct clex *lx = &p->lx;
    size_t start = clex_next_sig(lx, SIZE_MAX), cap = 0;
    int par = 0;
    for (size_t i = start; i < lx->n; i = clex_next_sig(lx, i)) {
        if (lx->toks[i].kind == CLEX_PP || lx->toks[i].kind == CLEX_DEFINE || lx->toks[i].in_define) {
            start = clex_next_sig(lx, i);
            continue;
        }
        if (clex_is(lx, i, "(")) par++;
        if (clex_is(lx, i, ")")) par--;
        if (par) continue;
        if (clex_is(lx, i, "{") || clex_is(lx, i, "}")) {
            start = clex_next_sig(lx, i);
        } else if (clex_is(lx, i, ";")) {
            struct stmt s;
            if (make_stmt(p, start, i, &s)) {
                if (p->n == cap) p->st = cm_realloc(p->st, (cap = cap ? 2 * cap : 16) * sizeof(*p->st));
                p->st[p->n++] = s;
            }
            start = clex_next_sig(lx, i);
        }
    }
    return 0;
}

static void prog_close(struct prog *p)
{
    for (size_t i = 0; i < p->n; i++) free(p->st[i].shape);
    free(p->st);
    cm_strlist_release(&p->fl), cm_strlist_release(&p->fp);
    clex_release(&p->lx);
}

static int is_float_lit(const char *t, size_t n)
{
    if (n > 1 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) return 0;
    for (size_t i = 0; i < n; i++)
        if (t[i] == '.' || t[i] == 'e' || t[i] == 'E') return 1;
    return 0;
}

/* Token j of a statement is a binary operator when what precedes it ends an operand. */
static int is_binary(const struct clex *lx, size_t j)
{
    size_t pv = clex_prev_sig(lx, j);
    if (pv == SIZE_MAX) return 0;
    const struct clex_tok *t = &lx->toks[pv];
    if (t->kind == CLEX_NUMBER) return 1;
    if (t->kind == CLEX_IDENT) return !clex_is_keyword(lx->src + t->off, t->len);
    return clex_is(lx, pv, ")") || clex_is(lx, pv, "]");
}

/* The significant tokens of statement s outside brackets, up to its `;`, into *out (owned
 * by the caller); returns their count. A site is a position in this list, so that the same
 * position names the same token in every statement of one shape. */
static size_t outside(const struct prog *p, const struct stmt *s, size_t **out)
{
    const struct clex *lx = &p->lx;
    size_t n = 0;
    *out = cm_malloc((s->b - s->a + 1) * sizeof(**out));
    int br = 0;
    for (size_t j = s->a; j < s->b; j = clex_next_sig(lx, j)) {
        if (clex_is(lx, j, "[")) br++;
        if (br) {
            if (clex_is(lx, j, "]")) br--;
            continue;
        }
        (*out)[n++] = j;
    }
    return n;
}

/* The sites of statement s, right of the assignment: positions in outside()'s list. */
static size_t stmt_sites(const struct prog *p, const struct stmt *s, size_t *pos, size_t max)
{
    const struct clex *lx = &p->lx;
    size_t *tok, nt = outside(p, s, &tok), n = 0;
    for (size_t k = 0; k < nt; k++) {
        size_t j = tok[k];
        const struct clex_tok *t = &lx->toks[j];
        int site = 0;
        if (j == s->asg) site = !clex_is(lx, j, "=");
        else if (j > s->asg && t->kind == CLEX_NUMBER) site = is_float_lit(lx->src + t->off, t->len);
        else if (j > s->asg && (clex_is(lx, j, "+") || clex_is(lx, j, "-") || clex_is(lx, j, "*")))
            site = is_binary(lx, j);
        if (site && n < max) pos[n++] = k;
    }
    free(tok);
    return n;
}

/* The token at site k of statement s, or SIZE_MAX. */
static size_t site_token(const struct prog *p, const struct stmt *s, size_t k)
{
    size_t *tok, nt = outside(p, s, &tok), j = k < nt ? tok[k] : SIZE_MAX;
    free(tok);
    return j;
}

static const char *const new_values[] = {"0.25", "0.5", "0.75", "1.5", "2.0", "0.2", "0.3", "1.25", NULL};

/* The replacement of token j: *out owned. */
static char *mutate(const struct clex *lx, size_t j, uint64_t *rng)
{
    const struct clex_tok *t = &lx->toks[j];
    const char *tx = lx->src + t->off;
    if (clex_is(lx, j, "+=")) return cm_strdup("-=");
    if (clex_is(lx, j, "-=")) return cm_strdup("+=");
    if (clex_is(lx, j, "+")) return cm_strdup("-");
    if (clex_is(lx, j, "-")) return cm_strdup("+");
    if (clex_is(lx, j, "*")) return cm_strdup(aug_rng_next(rng) % 2 ? "+" : "-");
    size_t body = t->len; /* the literal without its suffix */
    while (body && strchr("fFlL", tx[body - 1])) body--;
    char *old = cm_strndup(tx, body);
    double v = strtod(old, NULL);
    free(old);
    size_t nv = 0;
    while (new_values[nv]) nv++;
    const char *pick;
    do pick = new_values[aug_rng_next(rng) % nv];
    while (strtod(pick, NULL) == v);
    struct cm_buf b;
    cm_buf_init(&b);
    cm_buf_puts(&b, pick);
    cm_buf_append(&b, tx + body, t->len - body);
    return cm_buf_detach(&b);
}

static char *render(const struct clex *lx, char **rep)
{
    struct cm_buf b;
    cm_buf_init(&b);
    for (size_t i = 0; i < lx->n; i++) {
        if (rep[i])
            cm_buf_puts(&b, rep[i]);
        else
            cm_buf_append(&b, lx->src + lx->toks[i].off, lx->toks[i].len);
    }
    return cm_buf_detach(&b);
}

int aug_formula(char **seq_out, char **mpi_out, char **note, const char *seq, const char *mpi, uint64_t *rng)
{
    *seq_out = *mpi_out = *note = NULL;
    struct prog p[2];
    int lexed = !prog_open(&p[0], seq);
    lexed = !prog_open(&p[1], mpi) && lexed;
    if (!lexed) { /* the caller has lexed both already: nothing to vary */
        prog_close(&p[0]), prog_close(&p[1]);
        return 0;
    }
    /* candidate (statement, site) pairs of seq.c whose shape mpi.c shares */
    size_t ncand = 0, cap = 0, (*cand)[2] = NULL;
    for (size_t i = 0; i < p[0].n; i++) {
        int shared = 0, earlier = 0;
        for (size_t m = 0; m < p[1].n && !shared; m++) shared = !strcmp(p[0].st[i].shape, p[1].st[m].shape);
        for (size_t e = 0; e < i && !earlier; e++) earlier = !strcmp(p[0].st[i].shape, p[0].st[e].shape);
        if (!shared || earlier) continue;
        size_t pos[64];
        size_t ns = stmt_sites(&p[0], &p[0].st[i], pos, 64);
        for (size_t k = 0; k < ns; k++) {
            if (ncand == cap) cand = cm_realloc(cand, (cap = cap ? 2 * cap : 16) * sizeof(*cand));
            cand[ncand][0] = i, cand[ncand][1] = pos[k];
            ncand++;
        }
    }
    if (ncand) {
        size_t c = (size_t)(aug_rng_next(rng) % ncand);
        const struct stmt *s0 = &p[0].st[cand[c][0]];
        size_t tok0 = site_token(&p[0], s0, cand[c][1]);
        char *to = mutate(&p[0].lx, tok0, rng);
        for (int f = 0; f < 2; f++) {
            char **rep = cm_calloc(p[f].lx.n ? p[f].lx.n : 1, sizeof(char *));
            for (size_t i = 0; i < p[f].n; i++)
                if (!strcmp(p[f].st[i].shape, s0->shape)) {
                    size_t j = site_token(&p[f], &p[f].st[i], cand[c][1]);
                    if (j != SIZE_MAX && !rep[j]) rep[j] = cm_strdup(to);
                }
            *(f ? mpi_out : seq_out) = render(&p[f].lx, rep);
            for (size_t i = 0; i < p[f].lx.n; i++) free(rep[i]);
            free(rep);
        }
        /* the note: the change and the statement as written in seq.c, whitespace collapsed */
        const struct clex *lx = &p[0].lx;
        struct cm_buf st;
        cm_buf_init(&st);
        for (size_t j = s0->a; j <= s0->b; j++) {
            if (lx->toks[j].kind == CLEX_COMMENT) continue;
            if (lx->toks[j].kind == CLEX_WS) {
                if (st.len && st.data[st.len - 1] != ' ') cm_buf_puts(&st, " ");
                continue;
            }
            cm_buf_append(&st, lx->src + lx->toks[j].off, lx->toks[j].len);
        }
        struct cm_buf nb;
        cm_buf_init(&nb);
        cm_buf_printf(&nb, "formula (%.*s -> %s in `%.*s%s`)", (int)lx->toks[tok0].len, lx->src + lx->toks[tok0].off,
                      to, (int)(st.len > 80 ? 77 : st.len), st.data ? st.data : "", st.len > 80 ? "..." : "");
        *note = cm_buf_detach(&nb);
        cm_buf_release(&st);
        free(to);
    }
    free(cand);
    prog_close(&p[0]), prog_close(&p[1]);
    return 0;
}
