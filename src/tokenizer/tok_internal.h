/* tok_internal.h — the tokenizer's representation, shared by the files of src/tokenizer
 * only (tokenizer.c: the table and SentencePiece-BPE; bpe.c: byte-level BPE). Callers
 * outside src/tokenizer use tokenizer.h. Nothing here allocates or checks input. */
#ifndef CM_TOK_INTERNAL_H
#define CM_TOK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tokenizer/tokenizer.h"

/* Pieces that may be matched whole in the text, grouped by first byte, longest first. */
struct tok_matcher {
    uint32_t start[257]; /* ids[start[b] .. start[b+1]) begin with byte b */
    int32_t *ids;
};

struct tok_bpe;

struct tokenizer {
    size_t n;
    int vocab;      /* enum tok_vocab_type */
    char *arena;    /* every piece, NUL-terminated */
    uint32_t *off;  /* (n) piece i is arena + off[i] */
    uint32_t *len;  /* (n) */
    float *score;   /* (n) */
    uint8_t *type;  /* (n) enum tok_type, UNDEFINED folded into NORMAL */
    uint8_t *bytev; /* (n) the byte of a BYTE piece */
    int32_t *table; /* hash table of ids, -1 empty; size mask + 1 */
    size_t mask;
    int32_t byte_id[256]; /* id of "<0xXX>", or unk */
    int32_t bos, eos, unk;
    int add_bos, add_space_prefix, byte_fallback, has_unused;
    struct tok_matcher user;    /* USER_DEFINED */
    struct tok_matcher special; /* USER_DEFINED, CONTROL, UNKNOWN */
    struct tok_bpe *bpe;        /* byte-level BPE state (merges, pre-tokenizer); NULL for SPM */
};

/* The longest matcher piece at s[0..n), or -1 (tokenizer.c). */
int32_t tok_matcher_match(const struct tok_matcher *m, const struct tokenizer *tk, const char *s, size_t n);

/* Byte-level BPE (bpe.c). tok_bpe_create builds tk->bpe from spec's merges and pre-tokenizer
 * once tk's table is complete; the others are tok_encode/tok_decode for a BPE vocabulary. */
int tok_bpe_create(struct tokenizer *tk, const struct tok_vocab_spec *spec);
void tok_bpe_free(struct tok_bpe *b);
int tok_bpe_encode(const struct tokenizer *tk, struct tok_ids *out, const char *text, size_t len, unsigned flags);
int tok_bpe_decode(const struct tokenizer *tk, struct cm_buf *out, const int32_t *ids, size_t n, unsigned flags);

#endif
