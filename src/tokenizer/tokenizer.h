/* tokenizer.h — the tokenizer: SentencePiece BPE ("llama" vocabulary in llama.cpp's terms)
 * and byte-level BPE ("gpt2": GPT-2, StarCoder, SmolLM, Qwen2, DeepSeek-Coder, Llama 3).
 *
 * A vocabulary is a table of pieces with scores and token types, built from plain arrays
 * (struct tok_vocab_spec) so that any source can fill it: a GGUF file's tokenizer.ggml.*
 * keys, or a sentencepiece .model/.vocab file (spm_model.h). Every function below works on
 * both kinds; the byte-level rules are in bpe.c's header and pretok.h.
 *
 * SentencePiece encoding follows sentencepiece's BPE model exactly (what spm_encode prints for valid UTF-8):
 *   1. normalize: prepend U+2581 "▁" when add_space_prefix and the text is not empty,
 *      replace every ASCII space by "▁" (identity normalization otherwise);
 *   2. split into symbols: USER_DEFINED pieces (and, with TOK_ENCODE_SPECIAL, CONTROL and
 *      UNKNOWN pieces) matched longest-first and kept whole, everything else one UTF-8
 *      character a symbol (an invalid byte is a symbol of its own);
 *   3. merge adjacent symbols, always the pair whose concatenation is a NORMAL,
 *      USER_DEFINED or UNUSED piece with the highest score, the leftmost on ties; merged
 *      UNUSED pieces are split back into the pieces they were made of;
 *   4. a symbol that is no piece becomes its bytes' <0xXX> tokens when the vocabulary has
 *      BYTE pieces (byte fallback), or the unknown token (a run of them becomes one).
 * Decoding is the inverse: "▁" becomes a space, byte tokens become their bytes, CONTROL
 * tokens vanish (or show their text with TOK_DECODE_SPECIAL), and the space that
 * add_space_prefix put in front is dropped. So decode(encode(x)) == x for every byte
 * string x that holds no literal U+2581 (which, as in sentencepiece and llama.cpp, is
 * read as a space); unlike sentencepiece, invalid UTF-8 survives byte for byte.
 *
 * Left out on purpose: unigram models, sentencepiece normalization rules other than
 * identity (nmt_nfkc), remove_extra_whitespaces, BPE-dropout sampling, and llama.cpp's
 * habit of adding a space prefix after every special token (we add it once, at the start
 * of the text, as sentencepiece does).
 */
#ifndef CM_TOKENIZER_H
#define CM_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Token types, numbered as sentencepiece and llama.cpp's GGUF tokenizer.ggml.token_type. */
enum tok_type {
    TOK_TYPE_UNDEFINED = 0, /* llama.cpp's "undefined": treated as NORMAL */
    TOK_TYPE_NORMAL = 1,
    TOK_TYPE_UNKNOWN = 2,
    TOK_TYPE_CONTROL = 3,
    TOK_TYPE_USER_DEFINED = 4,
    TOK_TYPE_UNUSED = 5,
    TOK_TYPE_BYTE = 6, /* piece is "<0xXX>" with two uppercase hex digits */
};

enum tok_vocab_type {
    TOK_VOCAB_SPM = 0, /* SentencePiece BPE: scores decide merges */
    TOK_VOCAB_BPE = 1, /* byte-level BPE: ranked merges, a regex pre-tokenizer */
};

/* A vocabulary as plain arrays; all borrowed for the duration of tok_create only. */
struct tok_vocab_spec {
    const char **pieces; /* (n) UTF-8, spaces written as U+2581 */
    const float *scores; /* (n) higher merges first; NULL = all 0 */
    const int *types;    /* (n) enum tok_type; NULL = all NORMAL */
    size_t n;
    int bos, eos, unk;   /* token ids, -1 = none */
    int add_bos;         /* the model wants BOS in front of a prompt (advice to callers) */
    int add_space_prefix; /* SPM only */
    int vocab;            /* enum tok_vocab_type */
    const char **merges;  /* (n_merges) BPE only: "left right", rank = index */
    size_t n_merges;
    const char *pre;      /* BPE only: pre-tokenizer name (pretok.h); NULL = "default" */
};

enum tok_encode_flags {
    TOK_ENCODE_BOS = 1 << 0,     /* put the BOS token first */
    TOK_ENCODE_EOS = 1 << 1,     /* put the EOS token last */
    TOK_ENCODE_SPECIAL = 1 << 2, /* CONTROL/UNKNOWN pieces written in the text become their ids */
    /* (USER_DEFINED pieces are always matched whole, as in sentencepiece, llama.cpp and HF) */
};

enum tok_decode_flags {
    TOK_DECODE_SPECIAL = 1 << 0, /* write CONTROL tokens' text instead of dropping them */
};

/* A growable list of token ids. */
struct tok_ids {
    int32_t *v; /* owned */
    size_t n, cap;
};

void tok_ids_init(struct tok_ids *ids);
void tok_ids_release(struct tok_ids *ids);
void tok_ids_push(struct tok_ids *ids, int32_t id);

struct tokenizer;

/* Builds a tokenizer from spec (copied; spec may be freed afterwards). *out belongs to the
 * caller (tok_free). Fails with CM_EINVAL on a malformed vocabulary: an id out of range, an
 * unknown type, a BYTE piece not of the form <0xXX>, a NaN score; for BPE also a merge
 * that is not two pieces separated by a space, or an unknown pre-tokenizer (the message
 * names it). Duplicate pieces are allowed; the first one wins. */
int tok_create(struct tokenizer **out, const struct tok_vocab_spec *spec);
void tok_free(struct tokenizer *tk); /* accepts NULL */

/* Appends the ids of text[0..len) to out. Fails (CM_EINVAL) only when a symbol cannot be
 * written at all (SPM: no piece, no byte token and no unknown token; BPE drops such a byte)
 * or the text exceeds 256 MiB. */
int tok_encode(const struct tokenizer *tk, struct tok_ids *out, const char *text, size_t len,
               unsigned flags);
/* Appends the text of ids[0..n) to out; fails (CM_EINVAL) on an id out of range. */
int tok_decode(const struct tokenizer *tk, struct cm_buf *out, const int32_t *ids, size_t n,
               unsigned flags);

size_t tok_n_vocab(const struct tokenizer *tk);
/* The piece of id (borrowed, NUL-terminated), or NULL when id is out of range. */
const char *tok_piece(const struct tokenizer *tk, int32_t id);
int tok_type(const struct tokenizer *tk, int32_t id);     /* enum tok_type, -1 out of range */
float tok_score(const struct tokenizer *tk, int32_t id);  /* 0 out of range */
/* The id of piece[0..len), or -1. */
int32_t tok_find(const struct tokenizer *tk, const char *piece, size_t len);
int32_t tok_bos(const struct tokenizer *tk);
int32_t tok_eos(const struct tokenizer *tk);
int32_t tok_unk(const struct tokenizer *tk);
int tok_add_bos(const struct tokenizer *tk);
int tok_add_space_prefix(const struct tokenizer *tk);
int tok_byte_fallback(const struct tokenizer *tk); /* the vocabulary has BYTE pieces */
int tok_vocab_type(const struct tokenizer *tk);   /* enum tok_vocab_type */
/* BPE only (NULL and 0 for SPM): the pre-tokenizer's name (borrowed) and the merges used
 * (those whose two parts and result are pieces). */
const char *tok_pre_name(const struct tokenizer *tk);
size_t tok_n_merges(const struct tokenizer *tk);

#endif
