/* lm.h — the model behind the candidate loop: a conversation in, an answer out.
 *
 * One interface for every place answers come from: the local GGUF runtime (lm_open_local,
 * model/assistant.h) today; a remote OpenAI-compatible endpoint fits the same operations.
 * Turns and usage are assistant.h's (question/context/answer; prompt and generated tokens,
 * the tokens taken from a cache, seconds).
 */
#ifndef CM_LOOP_LM_H
#define CM_LOOP_LM_H

#include <stddef.h>

#include "model/assistant.h"

struct lm;

struct lm_ops {
    /* Answers the last of n turns; *out is the caller's. usage may be NULL. */
    int (*chat)(struct lm *m, char **out, const struct assistant_turn *turns, size_t n,
                const struct sampler_params *sp, struct assistant_usage *usage);
    /* The prompt's size in tokens for these turns (budgets), or an estimate. */
    int (*count_tokens)(struct lm *m, size_t *n_tokens, const struct assistant_turn *turns, size_t n);
    void (*close)(struct lm *m);
};

struct lm {
    const struct lm_ops *ops;
    char *name;      /* what reports print: the model file, or the endpoint's model; owned */
    size_t n_ctx;    /* the context in tokens (0: unknown) */
};

/* The local runtime: assistant_open with these options. */
int lm_open_local(struct lm **out, const struct assistant_opts *o);
/* The local runtime's assistant (the interactive chat uses it directly), or NULL for another
 * kind of model. */
struct assistant *lm_local_assistant(struct lm *m);

static inline int lm_chat(struct lm *m, char **out, const struct assistant_turn *turns, size_t n,
                          const struct sampler_params *sp, struct assistant_usage *usage)
{
    return m->ops->chat(m, out, turns, n, sp, usage);
}

void lm_close(struct lm *m); /* accepts NULL */

#endif
