/* spm_model.h — import of sentencepiece models: the binary .model file (a protobuf
 * ModelProto, parsed by hand) and the .vocab text file (piece TAB score per line).
 *
 * Only what the BPE tokenizer needs is kept: the pieces with scores and types, the
 * special ids, add_dummy_prefix, byte_fallback. Models that the tokenizer would encode
 * differently from sentencepiece are refused with a message saying why (a unigram model,
 * a normalization rule other than identity, remove_extra_whitespaces,
 * treat_whitespace_as_suffix, unescaped whitespace).
 */
#ifndef CM_SPM_MODEL_H
#define CM_SPM_MODEL_H

#include <stddef.h>

#include "tokenizer/tokenizer.h"

enum tok_spm_model_type { TOK_SPM_UNIGRAM = 1, TOK_SPM_BPE = 2, TOK_SPM_WORD = 3, TOK_SPM_CHAR = 4 };

struct tok_spm_model {
    char **pieces; /* (n) owned */
    float *scores; /* (n) */
    int *types;    /* (n) enum tok_type */
    size_t n;
    int bos, eos, unk, pad; /* ids, -1 = none */
    int add_dummy_prefix;
    int byte_fallback;
    int model_type;         /* enum tok_spm_model_type */
    char *normalizer_name;  /* owned; "" when the file does not say */
};

void tok_spm_model_init(struct tok_spm_model *m);
void tok_spm_model_release(struct tok_spm_model *m);

/* Loads path: a .vocab text file when the name ends in ".vocab", otherwise a binary
 * .model file. Errors name the file and, for a malformed file, the byte offset or line. */
int tok_spm_model_load(struct tok_spm_model *m, const char *path);
/* Parses a .model file's bytes; name is used in messages. */
int tok_spm_model_parse(struct tok_spm_model *m, const void *data, size_t len, const char *name);
/* Parses a .vocab file's text; types are inferred (<unk> UNKNOWN, <s> and </s> CONTROL,
 * <0xXX> BYTE, the rest NORMAL), add_dummy_prefix is assumed. */
int tok_spm_vocab_parse(struct tok_spm_model *m, const char *text, size_t len, const char *name);

/* Fills spec with a view of m (borrowed: valid while m is). */
void tok_spm_model_spec(const struct tok_spm_model *m, struct tok_vocab_spec *spec);

#endif
