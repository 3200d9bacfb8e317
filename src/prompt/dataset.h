/* dataset.h — ChatHPC dataset records: {question, context, answer} from JSON or YAML.
 *
 * Files: a JSON array of objects (ChatHPC's training files, `chatmpi data export`), JSON
 * Lines (one object a line), or a YAML sequence of mappings (ChatHPC's test files, e.g.
 * "- Context: |\n    ...\n  Question: |\n    ..."). The format is chosen by the name
 * (.yaml/.yml is YAML) and, for JSON, by the first character ('[' array, '{' lines).
 *
 * Keys are case-insensitive, with ChatHPC's aliases: question = prompt = user,
 * answer = response = assistant; context is optional (absent, null and "" all mean none),
 * answer is optional (test files have none). Values of these keys must be strings (YAML
 * scalars). Every other key is kept in order with its value as text (a JSON value that is
 * not a string is kept as compact JSON; a YAML value must be a scalar): id, domain, kernel
 * are ours. A record without a question, a key given twice (also through an alias), a
 * record that is not an object are errors naming the file, the record (counting from 1) and,
 * for YAML and JSON Lines, the line; syntax errors give file:line:column.
 *
 * Left out: YAML documents after the first, JSON files over 1 GiB, multi-turn records.
 */
#ifndef CM_PROMPT_DATASET_H
#define CM_PROMPT_DATASET_H

#include <stddef.h>

struct dataset_field {
    char *key;   /* as written in the file */
    char *value; /* text */
};

struct dataset_record {
    char *question;
    char *context; /* NULL = none */
    char *answer;  /* NULL = none */
    struct dataset_field *extra; /* (n_extra) keys other than the three, in file order */
    size_t n_extra;
    size_t line; /* where the record starts (YAML, JSON Lines); 0 when unknown */
};

struct dataset {
    struct dataset_record *recs; /* (n) owned */
    size_t n, cap;
};

void dataset_init(struct dataset *d);
void dataset_release(struct dataset *d);

/* Appends the records of path to d (on failure d keeps what it had before the call). */
int dataset_load(struct dataset *d, const char *path);
/* The same from memory; name is used in messages. */
int dataset_parse_json(struct dataset *d, const char *text, size_t len, const char *name);
int dataset_parse_yaml(struct dataset *d, const char *text, size_t len, const char *name);

/* The value of an extra key (case-insensitive), or NULL. Borrowed. */
const char *dataset_record_get(const struct dataset_record *r, const char *key);

#endif
