/* names.h — name normalization: the names a user's program declares, replaced by canonical
 * ones (v1, v2, ... in order of first declaration) before a model reads the program, and put
 * back in the model's answer.
 *
 * The layout is normalized too (the corpus's: 4-space indentation, K&R braces), and stays
 * so in the answer.
 *
 * Why: a small model trained on a few kernels learns the kernels' names along with them and,
 * given a program with other names, writes the names it knows (`count` for `n`): the code
 * then does not compile; given another layout (tabs, Allman braces) it loses its way. With normalized names every program it reads or writes spells its
 * variables the same way, whatever the user called them. A model trained so says it in its
 * GGUF (key chatmpi.prompt.names = "normalized"); `chatmpi train` normalizes its records and
 * the assistant the questions and answers (src/model/assistant.c).
 *
 * The map comes from the question (prose and the program): the names its program declares,
 * found by the corpus augmenter's declaration scan (augment.h), so library functions,
 * function-like macros, typedefs, struct tags, main/argc/argv and MPI_* names are never
 * touched, and its object-like macros. Replacing works on
 * code only: identifiers outside comments, string and character literals and preprocessor
 * lines other than #define. The scanner for that is tolerant (prose before or after the code
 * is fine: a quote without its closing quote on the same line is an ordinary character).
 * Restoring first renames any identifier in the answer's code that already spells one of the
 * user's names (the model's own variable, say `n`, when the user's `n` became v1) to a fresh
 * name (n_1), so that putting the user's names back cannot capture it.
 *
 * What the model reads (names_normalize_prompt) has no comments either: the user's comments
 * are prose the corpus's programs do not have, and a small model keyed on the text loses its
 * way among them. Object-like macros with a value (`#define N 100`) are renamed with the
 * declared names, first.
 *
 * Left out: scopes (one name is one name everywhere in the program), names in the answer's
 * comments and in strings (kept as written), questions that do not lex as C (nothing is
 * renamed or dropped).
 */
#ifndef CM_CORPUS_NAMES_H
#define CM_CORPUS_NAMES_H

#include <stdint.h>

#include "core/buf.h"

struct names_map {
    struct cm_strlist from, to; /* the user's names and their canonical names, pairwise */
    int is_c;                   /* the question lexed as C (else nothing is normalized) */
};

void names_map_init(struct names_map *m);
void names_map_release(struct names_map *m);

/* Builds the map from a question (and context, may be NULL) holding a C program. When the
 * text does not lex as C the map stays empty (nothing will be renamed) and CM_EFORMAT is
 * returned with the lexer's message (callers that go on without renaming clear it). */
int names_map_build(struct names_map *m, const char *question, const char *context);
/* text in the corpus's layout (4-space indentation, K&R braces, `if (`: augment.h's
 * aug_format, which changes no token; kept as it is when it does not lex), with every
 * identifier from[k] in its code replaced by to[k]. Caller frees. */
char *names_normalize(const char *text, const struct names_map *m);
/* names_normalize for what the model reads (question, context): comments are left out too
 * (the blanks before them, and the lines they leave empty), when the question lexed as C.
 * Answers keep their comments. */
char *names_normalize_prompt(const char *text, const struct names_map *m);
/* Deals m's canonical names (to) to its names (from) in another order: a random permutation
 * drawn from *rng (any state; it is advanced). For training records in which the model must
 * copy each name from its prompt rather than remember it by kernel (train's shuffled_names). */
void names_map_shuffle(struct names_map *m, uint64_t *rng);
/* The inverse, for an answer written with canonical names: to[k] -> from[k], after renaming
 * the answer's own identifiers that spell a from[k]. Caller frees. */
char *names_restore(const char *text, const struct names_map *m);

/* The GGUF key and value of a model trained on normalized names. */
#define NAMES_GGUF_KEY "chatmpi.prompt.names"
#define NAMES_NORMALIZED "normalized"

/* Reads a model's chatmpi.prompt.names key: *normalized is 1 for "normalized" (the model
 * reads and writes canonical names: the assistant normalizes the question before the prompt
 * and restores the answer; training inherits it from a base), 0 for "as-is" or no key.
 * CM_EFORMAT for another value. */
struct gguf;
int names_model_setting(const struct gguf *g, int *normalized);

#endif
