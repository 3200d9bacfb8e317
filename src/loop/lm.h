/* lm.h — the model behind the candidate loop: a conversation in, an answer out.
 *
 * One interface for every place answers come from: the local GGUF runtime (lm_open_local,
 * model/assistant.h) and a remote OpenAI-compatible endpoint (lm_open_remote).
 * Turns and usage are assistant.h's (question/context/answer; prompt and generated tokens,
 * the tokens taken from a cache, seconds).
 */
#ifndef CM_LOOP_LM_H
#define CM_LOOP_LM_H

#include <stddef.h>

#include "model/assistant.h"

struct lm;

struct lm_ops {
    /* Answers the last of n turns; *out is the caller's. prefix (NULL: none) begins the
     * answer: the model continues it, and *out starts with it (a model that cannot be given
     * the start of its answer, a remote one, ignores it). usage may be NULL. */
    int (*chat)(struct lm *m, char **out, const struct assistant_turn *turns, size_t n,
                const struct sampler_params *sp, const char *prefix, struct assistant_usage *usage);
    /* The prompt's size in tokens for these turns (budgets), or an estimate. */
    int (*count_tokens)(struct lm *m, size_t *n_tokens, const struct assistant_turn *turns, size_t n);
    void (*close)(struct lm *m);
};

struct lm {
    const struct lm_ops *ops;
    char *name;      /* what reports print: the model file, or the endpoint's model; owned */
    size_t n_ctx;    /* the context in tokens (0: unknown) */
    int chat;        /* a pretrained chat model (its own chat template, or a server's): worked
                      * examples help it; chatmpi's own chathpc models were trained without them */
    int prefix;      /* chat's prefix is used (the local runtime) */
};

/* The local runtime: assistant_open with these options. */
int lm_open_local(struct lm **out, const struct assistant_opts *o);
/* A model behind an OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, a hosted
 * API; lm_remote.c): POST {base_url}/chat/completions with the system text (the MPI preamble)
 * then the turns as user/assistant messages, a turn's context before its question. Borrowed
 * strings, read only during lm_open_remote (copied). */
struct lm_remote_opts {
    const char *base_url;     /* "http://gpu-node:8000/v1" */
    const char *model;        /* the server's model name; NULL: the first of GET {base_url}/models */
    const char *api_key_env;  /* the environment variable holding the API key, sent as a bearer token;
                               * NULL: no Authorization header. The key is never printed or logged */
    double timeout_s;         /* each request's limit (0: 600); streaming: the longest silence */
    int stream;               /* ask for a streamed answer (server-sent events), read as it comes */
    int retries;              /* tries after the first on 429, 5xx and connection errors (< 0: 3) */
    double backoff_s;         /* the first wait between tries, doubled each time (0: 0.5; at most 30) */
    const char *system;       /* NULL: the chat templates' MPI system text (tmpl_mpi_system) */
    struct sampler_params sampling; /* defaults for calls without their own (top_k is not sent) */
    size_t max_tokens;        /* answer length limit (0: 4096) */
    const char *const *stops; /* (n_stops) stop strings sent with every request */
    size_t n_stops;
    int (*interrupted)(void); /* polled during a request and between tries; may be NULL */
};

/* Fails with a clear message: the key's variable unset, the server unreachable (after the
 * retries), the key refused (401/403), no such route or model (404), a reply that is not the
 * JSON expected (what was wrong). The usage's tokens are the server's counts, its seconds the
 * wall time of the request (decode_s); count_tokens estimates (bytes / 4). */
int lm_open_remote(struct lm **out, const struct lm_remote_opts *o);

/* The local runtime's assistant (the interactive chat uses it directly), or NULL for another
 * kind of model. */
struct assistant *lm_local_assistant(struct lm *m);

static inline int lm_chat(struct lm *m, char **out, const struct assistant_turn *turns, size_t n,
                          const struct sampler_params *sp, const char *prefix, struct assistant_usage *usage)
{
    return m->ops->chat(m, out, turns, n, sp, prefix, usage);
}

void lm_close(struct lm *m); /* accepts NULL */

#endif
