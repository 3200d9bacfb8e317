/* tok_gguf.h — a tokenizer's vocabulary in a GGUF file, under llama.cpp's keys.
 *
 * Read and written (tokenizer.ggml.* as llama.cpp's convert scripts write them):
 *   tokenizer.ggml.model              str   "llama" (SentencePiece BPE) or "gpt2" (byte-level
 *                                           BPE); anything else is refused
 *   tokenizer.ggml.tokens             arr[str]  the pieces (spaces as U+2581, or in GPT-2's
 *                                               byte alphabet)
 *   tokenizer.ggml.scores             arr[f32]  optional on read (all 0); not written for gpt2
 *   tokenizer.ggml.merges             arr[str]  gpt2 only, required: "left right", rank = index
 *   tokenizer.ggml.pre                str   gpt2 only, optional: the pre-tokenizer (pretok.h)
 *   tokenizer.ggml.token_type         arr[i32]  optional on read (all NORMAL)
 *   tokenizer.ggml.bos_token_id / eos_token_id / unknown_token_id / padding_token_id   u32
 *   tokenizer.ggml.add_bos_token / add_eos_token / add_space_prefix                     bool
 * Absent ids and flags take llama.cpp's defaults: for "llama" bos 1, eos 2, unk 0, no pad,
 * add_bos true, add_eos false, add_space_prefix true; for "gpt2" bos 11, eos 11, no unk,
 * no pad, add_bos false (true for the Llama 3 pre-tokenizers), add_space_prefix false; a
 * default id only when the vocabulary is large enough to hold it. Arrays must all have the same length
 * and every id must be in range; a malformed vocabulary is an error naming the file and
 * the key.
 *
 * Left out: WPM, UGM and RWKV vocabularies, tokenizer.chat_template (a key we leave alone).
 */
#ifndef CM_TOK_GGUF_H
#define CM_TOK_GGUF_H

#include <stddef.h>

#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

/* A vocabulary read from a GGUF file; every array owned. */
struct tok_gguf_vocab {
    char **pieces; /* (n) NUL-terminated copies */
    float *scores; /* (n) */
    int *types;    /* (n) enum tok_type */
    size_t n;
    int bos, eos, unk, pad; /* -1 = none */
    int add_bos, add_eos, add_space_prefix;
    int vocab;        /* enum tok_vocab_type */
    char **merges;    /* (n_merges) gpt2 only, NUL-terminated copies */
    size_t n_merges;
    char *pre;        /* gpt2 only; NULL when the file has no tokenizer.ggml.pre */
};

void tok_gguf_vocab_init(struct tok_gguf_vocab *v);
void tok_gguf_vocab_release(struct tok_gguf_vocab *v);

/* Reads and validates g's tokenizer keys into v. A file without tokenizer.ggml.model
 * fails with "model 'x.gguf' has no tokenizer" and a hint. */
int tok_gguf_vocab_read(struct tok_gguf_vocab *v, const struct gguf *g);
/* Fills spec with a view of v (borrowed: valid while v is). */
void tok_gguf_vocab_spec(const struct tok_gguf_vocab *v, struct tok_vocab_spec *spec);

/* Builds the tokenizer stored in g; *out belongs to the caller (tok_free). */
int tok_from_gguf(struct tokenizer **out, const struct gguf *g);

/* Sets the tokenizer keys of spec in w, replacing any there; pad is the padding id
 * (-1 = none, then the key is not written), add_eos the add_eos_token flag. */
int tok_write_gguf(struct gguf_writer *w, const struct tok_vocab_spec *spec, int pad, int add_eos);

/* Removes every tokenizer.ggml.* key from w (before writing another vocabulary). */
void tok_gguf_remove_keys(struct gguf_writer *w);

#endif
