/* dataset.c — ChatHPC records from JSON (jansson) and YAML (libyaml's document loader).
 * Both parsers hand (key, value) pairs to one record builder that applies the aliases and
 * the rules of dataset.h. Left out: what dataset.h leaves out. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "prompt/dataset.h"

enum { K_QUESTION, K_CONTEXT, K_ANSWER, K_OTHER };

void dataset_init(struct dataset *d) { memset(d, 0, sizeof(*d)); }

static void record_release(struct dataset_record *r)
{
    free(r->question), free(r->context), free(r->answer);
    for (size_t i = 0; i < r->n_extra; i++) free(r->extra[i].key), free(r->extra[i].value);
    free(r->extra);
    memset(r, 0, sizeof(*r));
}

void dataset_release(struct dataset *d)
{
    for (size_t i = 0; i < d->n; i++) record_release(&d->recs[i]);
    free(d->recs);
    dataset_init(d);
}

/* Drops records appended since n0 (a failed load leaves d as it was). */
static void truncate_to(struct dataset *d, size_t n0)
{
    while (d->n > n0) record_release(&d->recs[--d->n]);
}

static struct dataset_record *add_record(struct dataset *d, size_t line)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 16;
        d->recs = cm_realloc(d->recs, d->cap * sizeof(*d->recs));
    }
    struct dataset_record *r = &d->recs[d->n++];
    memset(r, 0, sizeof(*r));
    r->line = line;
    return r;
}

static int key_kind(const char *k)
{
    static const struct {
        const char *name;
        int kind;
    } keys[] = {{"question", K_QUESTION}, {"prompt", K_QUESTION},   {"user", K_QUESTION}, {"answer", K_ANSWER},
                {"response", K_ANSWER},   {"assistant", K_ANSWER}, {"context", K_CONTEXT}};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!strcasecmp(k, keys[i].name)) return keys[i].kind;
    return K_OTHER;
}

/* Where a record is, for messages: "'x.json', record 3" or "x.yaml:12:3, record 3". */
static void where(char *buf, size_t n, const char *name, size_t idx, size_t line, size_t col)
{
    if (line)
        snprintf(buf, n, "at %s:%zu:%zu, record %zu", name, line, col ? col : 1, idx);
    else
        snprintf(buf, n, "'%s', record %zu", name, idx);
}

/* Adds (key, value) to r; value NULL means null. is_string says the value was a string
 * (a YAML scalar, a JSON string); known keys need one. */
static int record_set(struct dataset_record *r, const char *key, const char *value, int is_string, const char *loc)
{
    int kind = key_kind(key);
    if (kind == K_OTHER) {
        for (size_t i = 0; i < r->n_extra; i++)
            if (!strcasecmp(r->extra[i].key, key))
                return cm_error_set(CM_EFORMAT, "cannot read dataset %s: key '%s' is given twice", loc, key);
        r->extra = cm_realloc(r->extra, (r->n_extra + 1) * sizeof(*r->extra));
        r->extra[r->n_extra].key = cm_strdup(key);
        r->extra[r->n_extra++].value = cm_strdup(value ? value : "");
        return 0;
    }
    char **slot = kind == K_QUESTION ? &r->question : kind == K_CONTEXT ? &r->context : &r->answer;
    static const char *const canon[] = {"question", "context", "answer"};
    if (*slot)
        return cm_error_set(CM_EFORMAT, "cannot read dataset %s: the %s is given twice (key '%s')", loc, canon[kind], key);
    if (value && !is_string)
        return cm_error_set(CM_EFORMAT, "cannot read dataset %s: the value of '%s' is not a string", loc, key);
    if (!value || (kind != K_QUESTION && !*value)) return 0; /* absent */
    *slot = cm_strdup(value);
    return 0;
}

static int record_finish(const struct dataset_record *r, const char *loc)
{
    if (r->question) return 0;
    cm_error_set(CM_EFORMAT, "cannot read dataset %s: it has no question", loc);
    cm_error_hint("each record needs a 'question' (or 'prompt' / 'user'); 'context' and 'answer' ('response', "
                  "'assistant') are optional");
    return CM_EFORMAT;
}

/* ---- JSON ---- */

static int json_record(struct dataset *d, json_t *obj, const char *name, size_t idx, size_t line)
{
    char loc[512];
    where(loc, sizeof(loc), name, idx, line, 0);
    if (!json_is_object(obj))
        return cm_error_set(CM_EFORMAT, "cannot read dataset %s: it is not an object", loc);
    struct dataset_record *r = add_record(d, line);
    const char *key;
    json_t *val;
    int rc = 0;
    /* question twice through aliases is caught because every key goes through record_set */
    json_object_foreach(obj, key, val)
    {
        if (json_is_string(val)) {
            if (memchr(json_string_value(val), 0, json_string_length(val)))
                return cm_error_set(CM_EFORMAT, "cannot read dataset %s: the value of '%s' holds a NUL", loc, key);
            rc = record_set(r, key, json_string_value(val), 1, loc);
        } else if (json_is_null(val)) {
            rc = record_set(r, key, NULL, 0, loc);
        } else {
            char *txt = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
            rc = record_set(r, key, txt ? txt : "", 0, loc);
            free(txt);
        }
        if (rc) return rc;
    }
    return record_finish(r, loc);
}

static int json_syntax(const char *name, const json_error_t *e, size_t line_base)
{
    return cm_error_set(CM_EFORMAT, "cannot read dataset at %s:%d:%d: %s", name, e->line + (int)line_base,
                        e->column > 0 ? e->column : 1, e->text);
}

int dataset_parse_json(struct dataset *d, const char *text, size_t len, const char *name)
{
    size_t n0 = d->n, i = 0;
    int rc = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) i++;
    json_error_t e;
    if (i < len && text[i] == '{') { /* JSON Lines */
        size_t line = 0, idx = 0;
        for (size_t pos = 0; pos < len && !rc;) {
            const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
            size_t l = nl ? (size_t)(nl - s) : len - pos;
            pos += l + (nl != NULL);
            line++;
            size_t k = 0;
            while (k < l && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r')) k++;
            if (k == l) continue;
            json_t *obj = json_loadb(s, l, JSON_REJECT_DUPLICATES, &e);
            if (!obj) {
                rc = json_syntax(name, &e, line - 1);
                break;
            }
            rc = json_record(d, obj, name, ++idx, line);
            json_decref(obj);
        }
    } else {
        json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
        if (!root) {
            rc = json_syntax(name, &e, 0);
        } else if (!json_is_array(root)) {
            rc = cm_error_set(CM_EFORMAT, "cannot read dataset '%s': it is not a JSON array of records", name);
            cm_error_hint("a ChatHPC dataset is [{\"question\": ..., \"context\": ..., \"answer\": ...}, ...]");
        } else {
            for (size_t k = 0; k < json_array_size(root) && !rc; k++)
                rc = json_record(d, json_array_get(root, k), name, k + 1, 0);
        }
        json_decref(root);
    }
    if (rc) truncate_to(d, n0);
    return rc;
}

/* ---- YAML ---- */

static int yaml_is_null(const yaml_node_t *v)
{
    if (v->type != YAML_SCALAR_NODE || v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *s = (const char *)v->data.scalar.value;
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

int dataset_parse_yaml(struct dataset *d, const char *text, size_t len, const char *name)
{
    size_t n0 = d->n;
    int rc = 0;
    yaml_parser_t p;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&p)) return cm_error_set(CM_ENOMEM, "cannot read dataset '%s': out of memory", name);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &doc)) {
        rc = cm_error_set(CM_EFORMAT, "cannot read dataset at %s:%zu:%zu: %s%s%s", name, p.problem_mark.line + 1,
                          p.problem_mark.column + 1, p.problem ? p.problem : "invalid YAML",
                          p.context ? " " : "", p.context ? p.context : "");
        yaml_parser_delete(&p);
        return rc;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_SEQUENCE_NODE) {
        rc = cm_error_set(CM_EFORMAT, "cannot read dataset '%s': it is not a YAML list of records", name);
        cm_error_hint("a ChatHPC test file is a list: '- question: ...' then '  context: ...' on the next lines");
        goto done;
    }
    size_t idx = 0;
    for (yaml_node_item_t *it = root->data.sequence.items.start; it < root->data.sequence.items.top && !rc; it++) {
        yaml_node_t *rec = yaml_document_get_node(&doc, *it);
        char loc[512];
        idx++;
        where(loc, sizeof(loc), name, idx, rec->start_mark.line + 1, rec->start_mark.column + 1);
        if (rec->type != YAML_MAPPING_NODE) {
            rc = cm_error_set(CM_EFORMAT, "cannot read dataset %s: it is not a mapping of keys to values", loc);
            break;
        }
        struct dataset_record *r = add_record(d, rec->start_mark.line + 1);
        for (yaml_node_pair_t *pr = rec->data.mapping.pairs.start; pr < rec->data.mapping.pairs.top && !rc; pr++) {
            yaml_node_t *k = yaml_document_get_node(&doc, pr->key), *v = yaml_document_get_node(&doc, pr->value);
            char kloc[512];
            where(kloc, sizeof(kloc), name, idx, k->start_mark.line + 1, k->start_mark.column + 1);
            if (k->type != YAML_SCALAR_NODE) {
                rc = cm_error_set(CM_EFORMAT, "cannot read dataset %s: a key is not a plain string", kloc);
            } else if (v->type != YAML_SCALAR_NODE) {
                rc = cm_error_set(CM_EFORMAT, "cannot read dataset %s: the value of '%s' is not a string", kloc,
                                  (const char *)k->data.scalar.value);
            } else if (memchr(v->data.scalar.value, 0, v->data.scalar.length)) {
                rc = cm_error_set(CM_EFORMAT, "cannot read dataset %s: the value of '%s' holds a NUL", kloc,
                                  (const char *)k->data.scalar.value);
            } else {
                rc = record_set(r, (const char *)k->data.scalar.value,
                                yaml_is_null(v) ? NULL : (const char *)v->data.scalar.value, 1, kloc);
            }
        }
        if (!rc) rc = record_finish(r, loc);
    }
done:
    yaml_document_delete(&doc);
    yaml_parser_delete(&p);
    if (rc) truncate_to(d, n0);
    return rc;
}

int dataset_load(struct dataset *d, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    int rc = cm_read_file(&data, &len, path, 0);
    if (rc) return rc;
    size_t pl = strlen(path);
    int yaml = (pl > 5 && !strcasecmp(path + pl - 5, ".yaml")) || (pl > 4 && !strcasecmp(path + pl - 4, ".yml"));
    rc = yaml ? dataset_parse_yaml(d, data, len, path) : dataset_parse_json(d, data, len, path);
    free(data);
    return rc;
}

const char *dataset_record_get(const struct dataset_record *r, const char *key)
{
    for (size_t i = 0; i < r->n_extra; i++)
        if (!strcasecmp(r->extra[i].key, key)) return r->extra[i].value;
    return NULL;
}
