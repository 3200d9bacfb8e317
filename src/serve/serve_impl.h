/* serve_impl.h — the server's insides, shared by server.c (HTTP, the queue, the worker),
 * routes.c (the OpenAI routes) and parallelize.c (the candidate loop's route). Not an API. */
#ifndef CM_SERVE_IMPL_H
#define CM_SERVE_IMPL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core/buf.h"
#include "loop/examples.h"
#include "loop/lm.h"
#include "serve/serve.h"

enum serve_kind { SERVE_MODELS, SERVE_CHAT, SERVE_COMPLETION, SERVE_PARALLELIZE };

/* A generation request, validated (strings borrowed from the job's JSON or owned in own). */
struct serve_gen {
    struct cm_strlist own;
    struct assistant_turn *turns; /* (n_turns) */
    size_t n_turns;
    const char *system;           /* NULL: the template's */
    const char *prompt;           /* completions */
    size_t max_tokens;            /* 0: the server's */
    struct sampler_params sp;
    const char **stops;           /* (n_stops) */
    size_t n_stops;
    int stream;
};

/* The parallelize route's fields. */
struct serve_par {
    const char *program;
    size_t samples, repair, examples, max_tokens;
    long np[16];
    size_t n_np;
    struct cm_strlist args;
    double timeout_s;
    struct sampler_params sp;
    int frame;          /* "frame": true: chatmpi writes the MPI frame, the model each marked loop */
};

struct serve_job {
    struct serve *s;
    enum serve_kind kind;
    json_t *req;        /* the request body (owned reference) */
    struct serve_gen g;
    struct serve_par p;
    unsigned long id;
    /* under s->mu */
    int done;           /* the worker is through with it */
    int status;         /* the reply's HTTP status (not streaming) */
    char *body;         /* the reply (not streaming) */
    struct cm_buf sse;  /* streaming: event bytes produced */
    size_t sent;        /* of them, handed to the connection */
    int refs;           /* the connection's and the queue's */
    struct serve_job *next;
    atomic_int cancelled; /* the client went away: stop generating */
};

struct serve {
    struct MHD_Daemon *d;
    struct lm *m;
    struct assistant *a; /* m's, borrowed */
    char *name;          /* the model's name in replies */
    size_t queue, max_body, max_tokens;
    struct sampler_params sampling; /* defaults for requests */
    int port;
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* any job's progress, the queue, stopping */
    struct serve_job *head, *tail;
    size_t n_waiting;
    int busy, stopping;
    pthread_t worker;
    int worker_started;
    struct example_pool pool; /* for the parallelize route's examples, loaded at first use */
    int pool_loaded;
    unsigned long next_id;
};

/* routes.c */
/* Validates j->req for j->kind into j->g or j->p; 0, or an error message in err. */
int serve_parse(struct serve_job *j, char *err, size_t cap);
/* max_tokens, temperature, top_p, seed (every generating route); the server's defaults. */
int serve_parse_sampling(struct serve_job *j, size_t *max_tokens, struct sampler_params *sp, char *err, size_t cap);
void serve_run_generation(struct serve_job *j);     /* worker: chat and completions */
char *serve_error_body(const char *message, const char *type); /* {"error": {...}}, caller frees */
char *serve_models_body(const struct serve *s);
void serve_job_release_fields(struct serve_job *j);

/* parallelize.c */
int serve_parse_parallelize(struct serve_job *j, char *err, size_t cap);
void serve_run_parallelize(struct serve_job *j);    /* worker */

/* server.c: what the worker gives back (take the lock themselves) */
void serve_job_reply(struct serve_job *j, int status, char *body); /* takes body */
void serve_job_emit(struct serve_job *j, const char *data, size_t n); /* streaming bytes */
int serve_job_cancelled(const struct serve_job *j);
/* The model's and the loop's interrupt hook: the running job's client went away, or the
 * server stops (or Ctrl-C). */
int serve_job_interrupted(void);

#endif
