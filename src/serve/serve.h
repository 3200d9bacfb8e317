/* serve.h — the model as an HTTP service: OpenAI-compatible routes and the candidate loop.
 *
 *   GET  /v1/models                 the one model
 *   POST /v1/chat/completions       messages in, an answer out (stream: server-sent events)
 *   POST /v1/completions            a raw prompt continued (stream: server-sent events)
 *   POST /v1/chatmpi/parallelize    a sequential program in, the candidate loop's verdict out
 *
 * One model, one generation at a time (the model's state is not thread-safe): requests wait
 * in a bounded queue and get 503 past it. Bad requests get 400 saying what was wrong (JSON
 * errors with line and column), unknown routes 404, wrong methods 405, bodies over the limit
 * 413. A client that goes away (mid-stream, or while its request waits) stops its
 * generation. Connections are served by threads of libmicrohttpd; generation runs on one
 * worker thread of the server.
 * One server a process (the model's interrupt hook is process-wide). Left out: TLS, API
 * keys (bind to loopback, or put a proxy in front), n > 1, logprobs, tools, embeddings.
 */
#ifndef CM_SERVE_H
#define CM_SERVE_H

#include <stddef.h>

#include "model/assistant.h"

struct serve_opts {
    const char *host;       /* the address to bind (default "127.0.0.1"); numeric IPv4 or IPv6 */
    int port;               /* 0: one the system picks (serve_port says which) */
    size_t queue;           /* requests that may wait while one generates (default 8 when 0) */
    size_t max_body;        /* the largest request body in bytes (0: 1 MiB) */
    struct assistant_opts model; /* the model; its interrupted hook is the server's */
};

struct serve;

/* Opens the model and starts listening; *out is the caller's (serve_stop). */
int serve_start(struct serve **out, const struct serve_opts *o);
int serve_port(const struct serve *s);
const char *serve_model_name(const struct serve *s); /* borrowed */
/* Stops listening, ends the generation in progress, answers waiting requests 503, frees. */
void serve_stop(struct serve *s); /* accepts NULL */

#endif
