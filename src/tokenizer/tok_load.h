/* tok_load.h — a tokenizer from a file: a GGUF model or tokenizer file (tokenizer.ggml.*
 * keys) or a sentencepiece .model/.vocab. *out belongs to the caller (tok_free). */
#ifndef CM_TOK_LOAD_H
#define CM_TOK_LOAD_H

struct tokenizer;

int tok_load_gguf(struct tokenizer **out, const char *path);
int tok_load_spm(struct tokenizer **out, const char *path);
/* By extension: .gguf is GGUF, anything else a sentencepiece model or vocabulary. */
int tok_load(struct tokenizer **out, const char *path);

#endif
