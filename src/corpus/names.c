/* names.c — name normalization for prompts (see names.h). */
#include "corpus/names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "corpus/augment.h"

void names_map_init(struct names_map *m)
{
    cm_strlist_init(&m->from), cm_strlist_init(&m->to);
    m->is_c = 0;
}

void names_map_release(struct names_map *m)
{
    cm_strlist_release(&m->from), cm_strlist_release(&m->to);
    names_map_init(m);
}

static int list_find(const struct cm_strlist *l, const char *s, size_t n)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->items[i]) == n && !memcmp(l->items[i], s, n)) return (int)i;
    return -1;
}

static int is_id0(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_id(char c) { return is_id0(c) || (c >= '0' && c <= '9'); }

int names_map_build(struct names_map *m, const char *question, const char *context)
{
    struct cm_strlist names, decl, all; /* names: the object-like macros (they come first), then the declared */
    cm_strlist_init(&names), cm_strlist_init(&decl), cm_strlist_init(&all);
    struct cm_buf both; /* the program may be in either */
    cm_buf_init(&both);
    cm_buf_printf(&both, "%s\n%s", question, context ? context : "");
    int rc = aug_program_names(both.data, &decl, &all, &names);
    if (!rc) {
        m->is_c = 1;
        for (size_t i = 0; i < decl.n; i++) cm_strlist_push(&names, decl.items[i]); /* never a macro name */
        unsigned k = 1;
        for (size_t i = 0; i < names.n; i++) {
            char cand[32];
            do snprintf(cand, sizeof(cand), "v%u", k++);
            while (list_find(&all, cand, strlen(cand)) >= 0);
            cm_strlist_push(&m->from, names.items[i]);
            cm_strlist_push(&m->to, cand);
        }
    }
    cm_buf_release(&both);
    cm_strlist_release(&names), cm_strlist_release(&decl), cm_strlist_release(&all);
    return rc;
}

void names_map_shuffle(struct names_map *m, uint64_t *rng)
{
    for (size_t i = m->to.n; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)(aug_rng_next(rng) % i);
        char *t = m->to.items[i - 1];
        m->to.items[i - 1] = m->to.items[j], m->to.items[j] = t;
    }
}

/* The end of a literal opened by the quote at p, on the same line, or NULL. */
static const char *literal_end(const char *p)
{
    char q = *p++;
    for (; *p && *p != '\n'; p++) {
        if (*p == '\\' && p[1]) p++;
        else if (*p == q) return p + 1;
    }
    return NULL;
}

static void trim_blanks(struct cm_buf *b)
{
    while (b->len && (b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\t')) b->data[--b->len] = 0;
}

/* Calls fn for every identifier in the code of text (see names.h for what is code) and
 * copies everything else through; fn appends the identifier or its replacement. With
 * drop_comments, comments are left out (a space where one joins two words), and so are the
 * blanks before a dropped comment and a line a dropped comment leaves empty. */
typedef void (*ident_fn)(void *ctx, const char *id, size_t n, struct cm_buf *out);

static char *rewrite(const char *text, ident_fn fn, void *ctx, int drop_comments)
{
    struct cm_buf b;
    cm_buf_init(&b);
    const char *p = text;
    int line_start = 1, dropped = 0; /* a comment was dropped on this output line */
    while (*p) {
        const char *s = p;
        if (line_start) { /* a directive other than #define is copied whole */
            const char *q = p;
            while (*q == ' ' || *q == '\t') q++;
            if (*q == '#') {
                const char *d = q + 1;
                while (*d == ' ' || *d == '\t') d++;
                if (strncmp(d, "define", 6) || is_id(d[6])) {
                    while (*q && !(*q == '\n' && q[-1] != '\\')) q++;
                    cm_buf_append(&b, p, (size_t)(q - p));
                    p = q;
                    continue;
                }
            }
        }
        line_start = 0;
        if (p[0] == '/' && (p[1] == '/' || p[1] == '*')) {
            if (p[1] == '/') {
                while (*p && *p != '\n') p++;
            } else {
                const char *e = strstr(p + 2, "*/");
                p = e ? e + 2 : p + strlen(p);
            }
            if (drop_comments) {
                if (b.len && is_id(b.data[b.len - 1]) && is_id(*p)) cm_buf_append(&b, " ", 1);
                dropped = 1;
                continue;
            }
        } else if (*p == '"' || *p == '\'') {
            const char *e = literal_end(p);
            p = e ? e : p + 1;
        } else if ((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9')) {
            while (is_id(*p) || *p == '.' ||
                   ((*p == '+' || *p == '-') && strchr("eEpP", p[-1])))
                p++;
        } else if (is_id0(*p)) {
            while (is_id(*p)) p++;
            fn(ctx, s, (size_t)(p - s), &b);
            continue;
        } else if (*p == '\n' && dropped) {
            trim_blanks(&b);
            p++;
            line_start = 1, dropped = 0;
            if (b.len && b.data[b.len - 1] != '\n') cm_buf_append(&b, "\n", 1);
            continue;
        } else {
            line_start = *p == '\n';
            p++;
        }
        cm_buf_append(&b, s, (size_t)(p - s));
        if (p > s && p[-1] == '\n') line_start = 1;
    }
    if (dropped) trim_blanks(&b);
    return cm_buf_detach(&b);
}

struct swap_ctx {
    const struct cm_strlist *from, *to;
    struct cm_strlist seen;  /* identifiers of the text (pass 1) */
    struct cm_strlist clash, fresh; /* the text's own identifiers that spell a to[k], renamed */
};

static void collect(void *ctx, const char *id, size_t n, struct cm_buf *out)
{
    struct swap_ctx *c = ctx;
    if (list_find(&c->seen, id, n) < 0) cm_strlist_push_owned(&c->seen, cm_strndup(id, n));
    cm_buf_append(out, id, n);
}

static int taken(const struct swap_ctx *c, const char *s)
{
    size_t n = strlen(s);
    return list_find(&c->seen, s, n) >= 0 || list_find(c->from, s, n) >= 0 || list_find(c->to, s, n) >= 0 ||
           list_find(&c->fresh, s, n) >= 0;
}

static void replace(void *ctx, const char *id, size_t n, struct cm_buf *out)
{
    struct swap_ctx *c = ctx;
    int k = list_find(&c->clash, id, n);
    if (k >= 0) {
        cm_buf_puts(out, c->fresh.items[k]);
        return;
    }
    k = list_find(c->from, id, n);
    if (k >= 0) cm_buf_puts(out, c->to->items[k]);
    else cm_buf_append(out, id, n);
}

/* from[k] -> to[k] in the code of text; the text's own identifiers equal to a to[k] (and not
 * a from[j]) become fresh names first, so nothing is captured. */
static char *swap(const char *text, const struct cm_strlist *from, const struct cm_strlist *to)
{
    struct swap_ctx c = {from, to, {0}, {0}, {0}};
    cm_strlist_init(&c.seen), cm_strlist_init(&c.clash), cm_strlist_init(&c.fresh);
    free(rewrite(text, collect, &c, 0));
    for (size_t i = 0; i < c.seen.n; i++) {
        const char *w = c.seen.items[i];
        if (list_find(to, w, strlen(w)) < 0 || list_find(from, w, strlen(w)) >= 0) continue;
        char cand[300];
        for (unsigned k = 1;; k++) {
            snprintf(cand, sizeof(cand), "%.250s_%u", w, k);
            if (!taken(&c, cand)) break;
        }
        cm_strlist_push(&c.clash, w);
        cm_strlist_push(&c.fresh, cand);
    }
    char *out = rewrite(text, replace, &c, 0);
    cm_strlist_release(&c.seen), cm_strlist_release(&c.clash), cm_strlist_release(&c.fresh);
    return out;
}

/* The corpus's layout (4-space indentation, K&R braces, `if (`); a copy when text does not lex. */
static char *layout(const char *text)
{
    const struct aug_style corpus = {4, AUG_BRACES_KR, 1};
    char *out = NULL;
    if (aug_format(&out, text, &corpus)) {
        cm_error_clear();
        return cm_strdup(text);
    }
    return out;
}

static void keep(void *ctx, const char *id, size_t n, struct cm_buf *out)
{
    (void)ctx;
    cm_buf_append(out, id, n);
}

char *names_normalize_prompt(const char *text, const struct names_map *m)
{
    if (!m->is_c) return names_normalize(text, m);
    char *code = rewrite(text, keep, NULL, 1), *out = names_normalize(code, m);
    free(code);
    return out;
}

char *names_normalize(const char *text, const struct names_map *m)
{
    char *laid = layout(text), *out = swap(laid, &m->from, &m->to);
    free(laid);
    return out;
}

char *names_restore(const char *text, const struct names_map *m) { return swap(text, &m->to, &m->from); }

int names_model_setting(const struct gguf *g, int *normalized)
{
    *normalized = 0;
    if (!gguf_find_key(g, NAMES_GGUF_KEY)) return 0;
    const char *v;
    int rc = gguf_get_str(g, NAMES_GGUF_KEY, &v);
    if (rc) return rc;
    if (!strcmp(v, NAMES_NORMALIZED)) *normalized = 1;
    else if (strcmp(v, "as-is"))
        return cm_error_set(CM_EFORMAT, "the model's key '%s' is '%s'; expected '%s' or 'as-is'", NAMES_GGUF_KEY, v,
                            NAMES_NORMALIZED);
    return 0;
}
