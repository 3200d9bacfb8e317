/* pretok.h — byte-level BPE pre-tokenizers: the regexes that cut a text into words before
 * merging, chosen by GGUF tokenizer.ggml.pre, as llama.cpp names and defines them.
 *
 * A pre-tokenizer is a list of regexes applied in sequence: the first cuts the text into
 * the pieces it matches and the gaps between matches (both kept: HF tokenizers' Split
 * with behavior Isolated), each next regex cuts each of those pieces on its own (a
 * lookahead such as \s+(?!\S) sees the end of its piece, not the text after it). Regexes
 * are PCRE2 with Unicode properties (PCRE2_UTF | PCRE2_UCP), JIT-compiled when the
 * library can; bytes that are not valid UTF-8 never match and so end up in gaps.
 *
 * Supported names (aliases as llama.cpp reads them):
 *   default (also an absent key)  llama.cpp's fallback list of four regexes
 *   gpt2, gpt-2, phi-2, roberta-bpe, mpt, olmo, jais, jina-*   the GPT-2 regex
 *   starcoder, smollm, refact, codeshell, command-r, exaone, minerva-7b
 *                                 every digit alone (\p{N}), then the GPT-2 regex
 *   qwen2, deepseek-r1-qwen, stablelm2, megrez   Qwen2's (single digits, \s*[\r\n]+ ...)
 *   llama3, llama-v3, llama-bpe, falcon3, dbrx, smaug-bpe, chatglm-bpe
 *                                 Llama 3's (digits in runs of 1..3); the first four also
 *                                 take a whole word that is a piece as is (ignore_merges)
 *   deepseek-coder                five regexes: [\r\n], \s?\p{L}+, \s?\p{P}+, CJK, \p{N}
 * Left out: the other llama.cpp pre-tokenizers (falcon, deepseek-llm, deepseek-v3, bloom,
 * poro, viking, tekken, chameleon, ...): they are refused by name.
 */
#ifndef CM_PRETOK_H
#define CM_PRETOK_H

#include <stddef.h>

struct tok_pretok;

/* Compiles the pre-tokenizer called name (NULL or "" = "default"); *out belongs to the
 * caller (tok_pretok_free). An unknown name fails with CM_EINVAL naming it. */
int tok_pretok_create(struct tok_pretok **out, const char *name);
void tok_pretok_free(struct tok_pretok *p); /* accepts NULL */

/* The name it was created with ("default" for NULL or ""), borrowed. */
const char *tok_pretok_name(const struct tok_pretok *p);
/* Whether a word that is itself a piece skips merging (llama.cpp's ignore_merges). */
int tok_pretok_ignore_merges(const struct tok_pretok *p);

/* Calls fn on every word of text[0..len), in order; the words cover the text exactly. Stops
 * at and returns the first non-zero value fn returns; CM_EINTERNAL when the regex engine
 * fails (it sets a message). Safe to call from several threads at once. */
typedef int (*tok_pretok_fn)(void *ctx, const char *word, size_t n);
int tok_pretok_split(const struct tok_pretok *p, const char *text, size_t len, tok_pretok_fn fn, void *ctx);

#endif
