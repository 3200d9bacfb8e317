/* corpus.h — the expert dataset on disk: data/corpus/<domain>/<case>/{seq.c, mpi.c, case.json
 * [, baseline.c]}. Finds cases under given paths, loads and validates case.json strictly
 * (file:line:column on parse errors, the key on schema errors), and hands out the records.
 * Deliberately leaves out running anything: `data verify` combines this with the harness. */
#ifndef CM_CORPUS_H
#define CM_CORPUS_H

#include <stddef.h>

#include "core/buf.h"

struct corpus_case {
    char *dir;            /* the case directory, as found */
    char *id;             /* "<domain>/<case dir name>" */
    char *domain, *kernel, *split, *precision;
    struct cm_strlist check_args;
    char *bench_args;
    double rtol, atol;
    char *notes, *baseline_notes; /* baseline_notes may be NULL */
    int has_baseline;     /* baseline.c present */
};

struct corpus {
    struct corpus_case *cases; /* sorted by id */
    size_t n;
};

#define CORPUS_DEFAULT_ROOT "data/corpus"

void corpus_init(struct corpus *c);
void corpus_release(struct corpus *c);
/* Loads every case found under each path (a case directory, a domain directory or a corpus
 * root; searched recursively for case.json). No paths: CORPUS_DEFAULT_ROOT. Fails on the
 * first invalid case (message names its file) or when two cases share an id. */
int corpus_load(struct corpus *c, char *const *paths, size_t n_paths);
/* Loads one case directory. */
int corpus_case_load(struct corpus_case *cc, const char *dir);
void corpus_case_release(struct corpus_case *cc);
/* Reads a file of the case ("seq.c", "mpi.c", "baseline.c"); *out owned by the caller. */
int corpus_case_read(char **out, const struct corpus_case *cc, const char *file);

int corpus_valid_split(const char *s);
/* A split selection: "all", one split, or several joined by commas ("train,refine").
 * corpus_split_check returns 0, or CM_EINVAL with a message naming the bad element;
 * corpus_split_selects says whether a case's split is selected (NULL selects every split). */
int corpus_split_check(const char *sel);
int corpus_split_selects(const char *sel, const char *split);

#endif
