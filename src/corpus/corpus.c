/* corpus.c — finding, loading and validating corpus cases (see corpus.h). */
#include "corpus/corpus.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"

static const char *const domains[] = {"blas1", "blas2", "blas3", "spmv", "stencil", "cg", NULL};

void corpus_init(struct corpus *c) { c->cases = NULL, c->n = 0; }

void corpus_case_release(struct corpus_case *cc)
{
    free(cc->dir), free(cc->id), free(cc->domain), free(cc->kernel), free(cc->split);
    free(cc->precision), free(cc->bench_args), free(cc->notes), free(cc->baseline_notes);
    cm_strlist_release(&cc->check_args);
    memset(cc, 0, sizeof(*cc));
}

void corpus_release(struct corpus *c)
{
    for (size_t i = 0; i < c->n; i++) corpus_case_release(&c->cases[i]);
    free(c->cases);
    corpus_init(c);
}

int corpus_valid_split(const char *s) { return !strcmp(s, "train") || !strcmp(s, "test") || !strcmp(s, "refine"); }

int corpus_split_check(const char *sel)
{
    if (!strcmp(sel, "all")) return 0;
    for (const char *p = sel;;) {
        size_t k = strcspn(p, ",");
        int ok = (k == 5 && !strncmp(p, "train", 5)) || (k == 4 && !strncmp(p, "test", 4)) ||
                 (k == 6 && !strncmp(p, "refine", 6));
        if (!ok) {
            cm_error_set(CM_EINVAL, "unknown split '%.*s'", (int)k, p);
            cm_error_hint("use train, test, refine, several joined by commas (train,refine), or all");
            return CM_EINVAL;
        }
        if (!p[k]) return 0;
        p += k + 1;
    }
}

int corpus_split_selects(const char *sel, const char *split)
{
    if (!sel || !strcmp(sel, "all")) return 1;
    size_t n = strlen(split);
    for (const char *p = sel; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && !strncmp(p, split, n)) return 1;
        p += k + (p[k] == ',');
    }
    return 0;
}

static int in_list(const char *s, const char *const *l)
{
    for (; *l; l++)
        if (!strcmp(s, *l)) return 1;
    return 0;
}

static int get_str(char **out, json_t *root, const char *key, const char *file, int required)
{
    json_t *v = json_object_get(root, key);
    *out = NULL;
    if (!v && !required) return 0;
    if (!v) return cm_error_set(CM_EFORMAT, "%s: missing key '%s'", file, key);
    if (!json_is_string(v)) return cm_error_set(CM_EFORMAT, "%s: key '%s' must be a string", file, key);
    *out = cm_strdup(json_string_value(v));
    return 0;
}

static int get_num(double *out, json_t *root, const char *key, const char *file)
{
    json_t *v = json_object_get(root, key);
    if (!v) return cm_error_set(CM_EFORMAT, "%s: missing key '%s'", file, key);
    if (!json_is_number(v) || json_number_value(v) < 0)
        return cm_error_set(CM_EFORMAT, "%s: key '%s' must be a number >= 0", file, key);
    *out = json_number_value(v);
    return 0;
}

static const char *base_name(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/') n--;
    const char *s = p + n;
    while (s > p && s[-1] != '/') s--;
    return s;
}

static char *last_two(const char *dir, char **domain_dir)
{
    /* returns "<parent name>/<dir name>" and the parent name */
    char *d = cm_strdup(dir);
    size_t n = strlen(d);
    while (n > 1 && d[n - 1] == '/') d[--n] = '\0';
    char *slash = strrchr(d, '/');
    char *name = slash ? slash + 1 : d;
    char *parent = cm_strdup("");
    if (slash) {
        *slash = '\0';
        parent = (free(parent), cm_strdup(base_name(d)));
    }
    size_t k = strlen(parent) + strlen(name) + 2;
    char *id = cm_malloc(k);
    snprintf(id, k, "%s/%s", parent, name);
    *domain_dir = parent;
    free(d);
    return id;
}

int corpus_case_load(struct corpus_case *cc, const char *dir)
{
    memset(cc, 0, sizeof(*cc));
    cm_strlist_init(&cc->check_args);
    cc->dir = cm_strdup(dir);
    char *file = cm_path_join(dir, "case.json");
    json_error_t je;
    json_t *root = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
    int rc = 0;
    char *domain_dir = NULL, *want_id = NULL;
    if (!root) {
        rc = cm_error_set(CM_EFORMAT, "%s:%d:%d: %s", file, je.line, je.column, je.text);
        goto done;
    }
    if (!json_is_object(root)) {
        rc = cm_error_set(CM_EFORMAT, "%s: expected a JSON object", file);
        goto done;
    }
    if ((rc = get_str(&cc->id, root, "id", file, 1)) || (rc = get_str(&cc->domain, root, "domain", file, 1)) ||
        (rc = get_str(&cc->kernel, root, "kernel", file, 1)) || (rc = get_str(&cc->split, root, "split", file, 1)) ||
        (rc = get_str(&cc->precision, root, "precision", file, 1)) ||
        (rc = get_str(&cc->bench_args, root, "bench_args", file, 1)) ||
        (rc = get_str(&cc->notes, root, "notes", file, 1)) ||
        (rc = get_str(&cc->baseline_notes, root, "baseline_notes", file, 0)) ||
        (rc = get_num(&cc->rtol, root, "rtol", file)) || (rc = get_num(&cc->atol, root, "atol", file)))
        goto done;
    json_t *ca = json_object_get(root, "check_args");
    if (!json_is_array(ca) || json_array_size(ca) == 0) {
        rc = cm_error_set(CM_EFORMAT, "%s: key 'check_args' must be a non-empty array of strings", file);
        goto done;
    }
    size_t i;
    json_t *v;
    json_array_foreach(ca, i, v)
    {
        if (!json_is_string(v)) {
            rc = cm_error_set(CM_EFORMAT, "%s: check_args[%zu] must be a string", file, i);
            goto done;
        }
        cm_strlist_push(&cc->check_args, json_string_value(v));
    }
    const char *known[] = {"id", "domain", "kernel", "split", "precision", "check_args", "bench_args",
                           "rtol", "atol", "notes", "baseline_notes", NULL};
    const char *key;
    json_object_foreach(root, key, v)
    {
        if (!in_list(key, known)) {
            rc = cm_error_set(CM_EFORMAT, "%s: unknown key '%s'", file, key);
            goto done;
        }
    }
    if (!in_list(cc->domain, domains)) {
        rc = cm_error_set(CM_EFORMAT, "%s: unknown domain '%s'", file, cc->domain);
        cm_error_hint("domains: blas1, blas2, blas3, spmv, stencil, cg");
        goto done;
    }
    if (!corpus_valid_split(cc->split)) {
        rc = cm_error_set(CM_EFORMAT, "%s: split '%s' must be train, test or refine", file, cc->split);
        goto done;
    }
    if (strcmp(cc->precision, "double") && strcmp(cc->precision, "float")) {
        rc = cm_error_set(CM_EFORMAT, "%s: precision '%s' must be double or float", file, cc->precision);
        goto done;
    }
    want_id = last_two(dir, &domain_dir);
    if (strcmp(cc->id, want_id)) {
        rc = cm_error_set(CM_EFORMAT, "%s: id '%s' does not match its place: expected '%s'", file, cc->id, want_id);
        goto done;
    }
    if (strcmp(cc->domain, domain_dir)) {
        rc = cm_error_set(CM_EFORMAT, "%s: domain '%s' does not match its folder '%s'", file, cc->domain, domain_dir);
        goto done;
    }
    const char *need[] = {"seq.c", "mpi.c"};
    for (int k = 0; k < 2; k++) {
        char *p = cm_path_join(dir, need[k]);
        int ok = cm_is_file(p);
        free(p);
        if (!ok) {
            rc = cm_error_set(CM_EFORMAT, "%s: the case has no %s", dir, need[k]);
            goto done;
        }
    }
    char *b = cm_path_join(dir, "baseline.c");
    cc->has_baseline = cm_is_file(b);
    free(b);
done:
    if (root) json_decref(root);
    free(file);
    free(want_id);
    free(domain_dir);
    if (rc) corpus_case_release(cc);
    return rc;
}

static int cmp_case(const void *a, const void *b)
{
    return strcmp(((const struct corpus_case *)a)->id, ((const struct corpus_case *)b)->id);
}

static int walk(struct corpus *c, const char *dir, int depth)
{
    char *cj = cm_path_join(dir, "case.json");
    int is_case = cm_is_file(cj);
    free(cj);
    if (is_case) {
        struct corpus_case cc;
        int rc = corpus_case_load(&cc, dir);
        if (rc) return rc;
        c->cases = cm_realloc(c->cases, (c->n + 1) * sizeof(*c->cases));
        c->cases[c->n++] = cc;
        return 0;
    }
    if (depth > 4) return 0;
    DIR *d = opendir(dir);
    if (!d) return cm_error_set(CM_EIO, "cannot read the directory '%s'", dir);
    struct cm_strlist names;
    cm_strlist_init(&names);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') cm_strlist_push(&names, e->d_name);
    closedir(d);
    int rc = 0;
    for (size_t i = 0; i < names.n && !rc; i++) {
        char *p = cm_path_join(dir, names.items[i]);
        if (cm_is_dir(p)) rc = walk(c, p, depth + 1);
        free(p);
    }
    cm_strlist_release(&names);
    return rc;
}

int corpus_load(struct corpus *c, char *const *paths, size_t n_paths)
{
    char *def[] = {CORPUS_DEFAULT_ROOT};
    if (!n_paths) paths = def, n_paths = 1;
    int rc = 0;
    for (size_t i = 0; i < n_paths && !rc; i++) {
        if (!cm_is_dir(paths[i])) {
            rc = cm_error_set(CM_EINVAL, "'%s' is not a directory", paths[i]);
            cm_error_hint("give case directories (data/corpus/blas1/dot), domains or the corpus root");
        } else {
            rc = walk(c, paths[i], 0);
        }
    }
    if (!rc && c->n) qsort(c->cases, c->n, sizeof(*c->cases), cmp_case);
    for (size_t i = 1; !rc && i < c->n; i++)
        if (!strcmp(c->cases[i].id, c->cases[i - 1].id))
            rc = cm_error_set(CM_EFORMAT, "two cases share the id '%s' ('%s' and '%s')", c->cases[i].id,
                              c->cases[i - 1].dir, c->cases[i].dir);
    if (rc) corpus_release(c);
    return rc;
}

int corpus_case_read(char **out, const struct corpus_case *cc, const char *file)
{
    char *p = cm_path_join(cc->dir, file);
    int rc = cm_read_file(out, NULL, p, 4u << 20);
    free(p);
    return rc;
}
