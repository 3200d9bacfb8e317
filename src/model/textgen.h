/* textgen.h — generation as text: incremental decoding, stop strings, streaming.
 *
 * llama_generate_text runs llama_generate and decodes the generated tokens as they come
 * (the whole generated sequence is decoded again after each token, so the text is exactly
 * what decoding all of it at the end gives). It stops as soon as the text contains one of
 * the stop strings; the text from that stop string on is dropped (the stop string itself,
 * and whatever else the last token carried after it). Text is streamed through on_text
 * without ever showing part of a stop string: a tail of the text that is the beginning of
 * some stop string is held back until the next tokens show it is not one (then it is
 * released) or it completes the stop string (then it is dropped). At the end every
 * held-back byte that turned out not to start a stop string is released.
 *
 * The stop-string scan (struct text_stops) is separate and works on any growing text.
 * Stop strings are bytes: no escapes are interpreted, matching is case-sensitive, and a
 * stop string may span several tokens or lie inside one.
 * Left out: stop strings over token ids, regular expressions, stop strings in the prompt
 * (only generated text is searched).
 */
#ifndef CM_MODEL_TEXTGEN_H
#define CM_MODEL_TEXTGEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "model/sampler.h"
#include "tokenizer/tokenizer.h"

/* Stop strings (borrowed; each non-empty) and how far a growing text has been searched. */
struct text_stops {
    const char *const *s;
    size_t n;
    size_t max_len;  /* the longest stop string */
    size_t searched; /* text[0..searched) holds no stop string */
};

void text_stops_init(struct text_stops *ts, const char *const *stops, size_t n);
/* Scans text[0..len) (the previous text with more bytes appended). Returns 1 when a stop
 * string occurs: *at is where the earliest one starts and *which its index. Returns 0
 * otherwise: *at is how much of the text may be shown, len minus the longest tail that is
 * a proper beginning of a stop string. which may be NULL. */
int text_stops_scan(struct text_stops *ts, const char *text, size_t len, size_t *at, size_t *which);

/* Streams text as it becomes safe to show (never part of a stop string). */
typedef void (*llama_text_fn)(void *ctx, const char *text, size_t len);

struct llama_text_opts {
    const char *const *stops; /* (n_stops) stop strings, borrowed; each non-empty */
    size_t n_stops;
    llama_text_fn on_text;    /* may be NULL */
    llama_token_fn on_token;  /* every generated token, before its text; may be NULL; non-zero stops */
    void *ctx;                /* for both callbacks */
};

struct llama_text_result {
    struct cm_buf text;  /* the generated text without the stop string and what followed it */
    struct tok_ids ids;  /* the generated tokens (including the one that completed a stop string) */
    enum llama_stop stop; /* LLAMA_STOP_STRING when a stop string ended it */
    int stop_index;      /* which stop string, or -1 */
};

void llama_text_result_init(struct llama_text_result *r);
void llama_text_result_release(struct llama_text_result *r);

/* llama_generate (see sampler.h) with the output decoded by tk and the stop strings of o
 * (NULL: none) applied; res (initialized by the caller) receives the text and tokens.
 * Fails with CM_EINVAL on an empty stop string. */
int llama_generate_text(struct llama_state *st, struct sampler *sp, const struct tokenizer *tk, const int32_t *prompt,
                        size_t n_prompt, size_t max_tokens, int32_t eos, const struct llama_text_opts *o,
                        struct llama_text_result *res);

#endif
