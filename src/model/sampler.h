/* sampler.h — choosing the next token from logits, and the generation loop.
 *
 * Sampling: temperature 0 is greedy (the lowest id among equal maxima); otherwise the
 * logits are divided by the temperature, cut to the top_k highest (0 = no cut), turned
 * into probabilities, cut to the smallest set whose probability reaches top_p (1 = no
 * cut; at least one token stays), renormalized and drawn with chatmpi's own seeded RNG
 * (rng.h), so a seed gives the same tokens on every machine.
 * Generation (llama_generate): evaluates the prompt in one batch, then samples and
 * evaluates one token at a time until max_tokens, the end-of-sequence token, a full
 * context, or the callback asks to stop (stop strings: textgen.h, which decodes the text).
 * Left out: repetition/frequency penalties, min-p, typical, mirostat, grammars, beams.
 */
#ifndef CM_MODEL_SAMPLER_H
#define CM_MODEL_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "model/rng.h"

struct llama_state;

struct sampler_params {
    double temperature; /* 0 = greedy */
    int top_k;          /* 0 = all tokens */
    double top_p;       /* 1 = no nucleus cut */
    uint64_t seed;
};

struct sampler {
    struct sampler_params p;
    struct cm_rng rng;
    int32_t *idx; /* candidate ids (owned) */
    float *val;   /* their logits, then probabilities (owned) */
    size_t cap;
};

void sampler_init(struct sampler *s, const struct sampler_params *p);
void sampler_release(struct sampler *s);
/* The next token for logits[0..n) (n >= 1); logits are not modified. */
int32_t sampler_sample(struct sampler *s, const float *logits, size_t n);

enum llama_stop {
    LLAMA_STOP_MAX_TOKENS = 0, /* produced max_tokens */
    LLAMA_STOP_EOS = 1,        /* sampled the end-of-sequence token (not reported to on_token) */
    LLAMA_STOP_CONTEXT = 2,    /* the context is full */
    LLAMA_STOP_CALLER = 3,     /* on_token returned non-zero */
    LLAMA_STOP_STRING = 4,     /* a stop string appeared in the text (textgen.h) */
};

/* Called for every generated token; a non-zero return stops generation after it. */
typedef int (*llama_token_fn)(void *ctx, int32_t token);

/* Continues from the state's cache: evaluates prompt[0..n_prompt) (n_prompt >= 1), then
 * generates up to max_tokens tokens. eos < 0 means no end-of-sequence token. *stop (may
 * be NULL) says why it ended; *n_out (may be NULL) how many tokens were produced. */
int llama_generate(struct llama_state *st, struct sampler *sp, const int32_t *prompt, size_t n_prompt,
                   size_t max_tokens, int32_t eos, llama_token_fn on_token, void *ctx, enum llama_stop *stop,
                   size_t *n_out);

#endif
