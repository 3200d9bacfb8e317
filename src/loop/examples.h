/* examples.h — worked examples: verified sequential -> MPI pairs shown to the model before
 * the user's program, the ones most like it first.
 *
 * The pool is ChatHPC records (question = the sequential program with the question's
 * prose, answer = its verified MPI program) from dataset files, by default the train and
 * refine splits exported beside the binary (data/train.json, data/refine.json). A record's
 * split is its file's name (data/<split>.json) or its "split" key.
 *
 * Similarity: both programs are read as C tokens, comments dropped; the features are the
 * token-shape trigrams (identifiers that are not keywords or well-known library names become
 * one symbol, numbers and literals their kind) and the words of the identifiers (split at
 * '_' and case changes, lowercased: `rowptr`, `col`, `u`, `new`). Each program is a vector
 * of hashed feature counts, compared by cosine; the two kinds weigh the same.
 * A record's answer that is a bare program (the corpus's are) is shown in a ```c fence, the
 * form chat models answer in: shown bare, Qwen2.5-Coder answered bare too and ran on past
 * its program into a made-up next question ("Human: ..."), measured in docs/default-model.md.
 */
#ifndef CM_LOOP_EXAMPLES_H
#define CM_LOOP_EXAMPLES_H

#include <stddef.h>

#define EXAMPLE_DIM 2048

struct example {
    char *id, *split;     /* id may be "" when the record has none */
    char *question, *context, *answer;
    char *shown;          /* the answer as the prompt shows it: a bare program in a ```c fence */
    float shape[EXAMPLE_DIM], words[EXAMPLE_DIM]; /* unit vectors (or zero) */
};

struct example_pool {
    struct example *v;
    size_t n;
};

void example_pool_init(struct example_pool *p);
void example_pool_release(struct example_pool *p);
/* Adds the records of a dataset file (dataset.h formats); records without an answer are
 * skipped. */
int example_pool_add_file(struct example_pool *p, const char *path);
/* The default pool: data/train.json and data/refine.json beside the binary, or under the
 * current directory; CM_EENV with a hint when neither is there. */
int example_pool_add_default(struct example_pool *p);

/* Up to k examples for a program (any text; it is lexed tolerantly), best first: indices
 * into p->v in idx[0..returned). Never picks a record whose split is listed in
 * exclude_splits (a comma list, or NULL) or whose id is exclude_id (NULL: none).
 * sim (may be NULL) receives each pick's similarity in [0, 1]. */
size_t example_pool_pick(const struct example_pool *p, const char *program, size_t k, const char *exclude_splits,
                         const char *exclude_id, size_t *idx, double *sim);

#endif
