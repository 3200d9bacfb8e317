/* examples.c — the worked-example pool and its similarity (see examples.h). */
#include "loop/examples.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "corpus/clex.h"
#include "prompt/dataset.h"

void example_pool_init(struct example_pool *p) { memset(p, 0, sizeof(*p)); }

void example_pool_release(struct example_pool *p)
{
    for (size_t i = 0; i < p->n; i++) {
        struct example *e = &p->v[i];
        free(e->id), free(e->split), free(e->question), free(e->context), free(e->answer), free(e->shown);
    }
    free(p->v);
    memset(p, 0, sizeof(*p));
}

/* ---- features ---- */

static const char *const libnames[] = {
    "printf", "fprintf", "sprintf", "snprintf", "puts", "putchar", "malloc", "calloc", "realloc", "free",
    "memcpy", "memset", "memmove", "strtol", "strtod", "strtoul", "atoi", "atol", "atof", "sqrt", "sqrtf",
    "fabs", "fabsf", "exp", "expf", "log", "sin", "cos", "pow", "fmax", "fmin", "abs", "labs", "stderr",
    "stdout", "size_t", "int64_t", "uint64_t", "int32_t", "uint32_t", "main", "argc", "argv", "NULL",
};

static int is_libname(const char *s, size_t n)
{
    if (n > 4 && !memcmp(s, "MPI_", 4)) return 1;
    for (size_t i = 0; i < sizeof(libnames) / sizeof(libnames[0]); i++)
        if (strlen(libnames[i]) == n && !memcmp(libnames[i], s, n)) return 1;
    return 0;
}

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

#define FNV0 0xcbf29ce484222325ULL

struct feat {
    float *shape, *words;
    uint64_t tri[3]; /* the last three token hashes */
    size_t n_tok;
};

static void add_token(struct feat *f, const char *s, size_t n)
{
    f->tri[0] = f->tri[1], f->tri[1] = f->tri[2], f->tri[2] = fnv(FNV0, s, n);
    if (++f->n_tok >= 3) {
        uint64_t h = f->tri[0] * 0x9e3779b97f4a7c15ULL ^ f->tri[1] * 0xc2b2ae3d27d4eb4fULL ^ f->tri[2];
        f->shape[h % EXAMPLE_DIM] += 1;
    }
}

/* The words of an identifier: split at '_', digits and lower->upper changes, lowercased. */
static void add_words(struct feat *f, const char *s, size_t n)
{
    char w[64];
    size_t k = 0;
    for (size_t i = 0; i <= n; i++) {
        int c = i < n ? (unsigned char)s[i] : 0;
        int split = !c || c == '_' || isdigit(c) || (k && isupper(c) && islower((unsigned char)w[k - 1]));
        if (split && k) {
            f->words[fnv(FNV0 ^ 1, w, k) % EXAMPLE_DIM] += 1;
            k = 0;
        }
        if (c && c != '_' && !isdigit(c) && k < sizeof(w)) w[k++] = (char)tolower(c);
    }
}

static void normalize(float *v)
{
    double s = 0;
    for (size_t i = 0; i < EXAMPLE_DIM; i++) s += (double)v[i] * v[i];
    if (s > 0)
        for (size_t i = 0; i < EXAMPLE_DIM; i++) v[i] = (float)(v[i] / sqrt(s));
}

/* A tolerant C scanner: prose around the program, an apostrophe in a sentence, a stray byte
 * are all just tokens. */
static void features(float *shape, float *words, const char *src)
{
    memset(shape, 0, EXAMPLE_DIM * sizeof(float));
    memset(words, 0, EXAMPLE_DIM * sizeof(float));
    struct feat f = {shape, words, {0}, 0};
    static const char *const ops[] = {"->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
                                      "+=", "-=", "*=", "/=", "%="};
    const char *p = src;
    while (*p) {
        if (isspace((unsigned char)*p)) {
            p++;
        } else if (p[0] == '/' && p[1] == '/') {
            while (*p && *p != '\n') p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
        } else if (isalpha((unsigned char)*p) || *p == '_') {
            const char *s = p;
            while (isalnum((unsigned char)*p) || *p == '_') p++;
            size_t n = (size_t)(p - s);
            if (clex_is_keyword(s, n) || is_libname(s, n)) {
                add_token(&f, s, n);
            } else {
                add_token(&f, "I", 1);
                add_words(&f, s, n);
            }
        } else if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
            while (isalnum((unsigned char)*p) || *p == '.' || *p == '_' ||
                   ((*p == '+' || *p == '-') && (p[-1] == 'e' || p[-1] == 'E')))
                p++;
            add_token(&f, "N", 1);
        } else if (*p == '"' || *p == '\'') {
            const char *e = p + 1;
            while (*e && *e != *p && *e != '\n') e += e[0] == '\\' && e[1] ? 2 : 1;
            if (*e == *p) {
                add_token(&f, *p == '"' ? "S" : "C", 1);
                p = e + 1;
            } else {
                add_token(&f, p, 1);
                p++;
            }
        } else {
            size_t n = 1;
            for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
                if (p[0] == ops[i][0] && p[1] == ops[i][1]) n = 2;
            add_token(&f, p, n);
            p += n;
        }
    }
    normalize(shape);
    normalize(words);
}

/* ---- the pool ---- */

static char *split_of_path(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    return cm_strndup(b, dot ? (size_t)(dot - b) : strlen(b));
}

int example_pool_add_file(struct example_pool *p, const char *path)
{
    struct dataset ds;
    dataset_init(&ds);
    int rc = dataset_load(&ds, path);
    if (rc) {
        dataset_release(&ds);
        return rc;
    }
    p->v = cm_realloc(p->v, (p->n + ds.n + 1) * sizeof(*p->v));
    for (size_t i = 0; i < ds.n; i++) {
        const struct dataset_record *r = &ds.recs[i];
        if (!r->answer || !*r->answer) continue;
        struct example *e = &p->v[p->n++];
        const char *id = dataset_record_get(r, "id"), *split = dataset_record_get(r, "split");
        e->id = cm_strdup(id ? id : "");
        e->split = split ? cm_strdup(split) : split_of_path(path);
        e->question = cm_strdup(r->question);
        e->context = r->context ? cm_strdup(r->context) : NULL;
        e->answer = cm_strdup(r->answer);
        if (strstr(r->answer, "```")) {
            e->shown = cm_strdup(r->answer);
        } else {
            size_t n = strlen(r->answer);
            e->shown = cm_malloc(n + 16);
            snprintf(e->shown, n + 16, "```c\n%s%s```", r->answer, n && r->answer[n - 1] == '\n' ? "" : "\n");
        }
        features(e->shape, e->words, e->question);
    }
    dataset_release(&ds);
    return 0;
}

int example_pool_add_default(struct example_pool *p)
{
    static const char *const files[] = {"data/train.json", "data/refine.json"};
    char *dir = cm_exe_dir();
    const char *bases[] = {dir, "."};
    for (size_t b = 0; b < 2; b++) {
        if (!bases[b]) continue;
        char *first = cm_path_join(bases[b], files[0]);
        int found = cm_is_file(first);
        free(first);
        if (!found) continue;
        for (size_t i = 0; i < 2; i++) {
            char *f = cm_path_join(bases[b], files[i]);
            int rc = cm_is_file(f) ? example_pool_add_file(p, f) : 0;
            free(f);
            if (rc) {
                free(dir);
                return rc;
            }
        }
        free(dir);
        return 0;
    }
    free(dir);
    cm_error_set(CM_EENV, "no worked examples: data/train.json is neither beside the chatmpi binary nor here");
    cm_error_hint("pass --examples-from FILE.json (ChatHPC records), or --examples 0");
    return CM_EENV;
}

static int listed(const char *list, const char *s)
{
    if (!list) return 0;
    size_t n = strlen(s);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && !memcmp(p, s, n)) return 1;
        if (!strncmp(p, "all", k) && k == 3) return 1;
        p += k + (e != NULL);
    }
    return 0;
}

size_t example_pool_pick(const struct example_pool *p, const char *program, size_t k, const char *exclude_splits,
                         const char *exclude_id, size_t *idx, double *sim)
{
    if (!k || !p->n) return 0;
    float *shape = cm_malloc(2 * EXAMPLE_DIM * sizeof(float)), *words = shape + EXAMPLE_DIM;
    features(shape, words, program);
    double *score = cm_malloc(p->n * sizeof(double));
    for (size_t i = 0; i < p->n; i++) {
        const struct example *e = &p->v[i];
        double a = 0, b = 0;
        for (size_t j = 0; j < EXAMPLE_DIM; j++) a += (double)shape[j] * e->shape[j], b += (double)words[j] * e->words[j];
        score[i] = 0.5 * a + 0.5 * b;
        if (listed(exclude_splits, e->split) || (exclude_id && *e->id && !strcmp(exclude_id, e->id))) score[i] = -1;
    }
    size_t got = 0;
    while (got < k) { /* k is small: repeated selection */
        size_t best = p->n;
        for (size_t i = 0; i < p->n; i++)
            if (score[i] >= 0 && (best == p->n || score[i] > score[best])) best = i;
        if (best == p->n) break;
        idx[got] = best;
        if (sim) sim[got] = score[best];
        score[best] = -1;
        got++;
    }
    free(score), free(shape);
    return got;
}
