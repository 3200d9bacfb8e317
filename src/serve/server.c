/* server.c — HTTP (libmicrohttpd, a thread a connection), the bounded queue and the one
 * generation worker (see serve.h).
 *
 * A connection's thread reads the body (at most max_body bytes), validates the request
 * (routes.c), queues a job and waits for it; a streaming job's events are handed to the
 * connection as the worker produces them. The worker takes jobs in order and runs them one at
 * a time; the model's interrupt hook stops the one running when its client has gone
 * (a failed write mid-stream; a hang-up seen while waiting) or the server stops.
 * Left out: keep-alive tuning, TLS, authentication.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/error.h"
#include "core/mem.h"
#include "harness/sandbox.h"
#include "serve/serve_impl.h"

/* The job the worker runs, for the model's interrupt hook (one server a process). */
static struct serve_job *_Atomic g_running;
static atomic_int g_stopping;

int serve_job_interrupted(void)
{
    struct serve_job *j = g_running;
    return atomic_load(&g_stopping) || sandbox_interrupted() || (j && atomic_load(&j->cancelled));
}

int serve_job_cancelled(const struct serve_job *j) { return atomic_load(&j->cancelled) || atomic_load(&g_stopping); }

/* ---- jobs ---- */

static void job_unref_locked(struct serve_job *j)
{
    if (--j->refs > 0) return;
    serve_job_release_fields(j);
    json_decref(j->req);
    free(j->body);
    cm_buf_release(&j->sse);
    free(j);
}

void serve_job_reply(struct serve_job *j, int status, char *body)
{
    pthread_mutex_lock(&j->s->mu);
    free(j->body);
    j->status = status;
    j->body = body;
    pthread_mutex_unlock(&j->s->mu);
}

void serve_job_emit(struct serve_job *j, const char *data, size_t n)
{
    pthread_mutex_lock(&j->s->mu);
    cm_buf_append(&j->sse, data, n);
    pthread_cond_broadcast(&j->s->cv);
    pthread_mutex_unlock(&j->s->mu);
}

static void *worker_main(void *arg)
{
    struct serve *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->head && !s->stopping) pthread_cond_wait(&s->cv, &s->mu);
        if (!s->head) break; /* stopping, nothing left */
        struct serve_job *j = s->head;
        s->head = j->next;
        if (!s->head) s->tail = NULL;
        s->n_waiting--;
        if (s->stopping || atomic_load(&j->cancelled)) {
            if (!j->body) j->body = serve_error_body("the server is stopping, or the client went away", "server_error");
            j->status = 503;
        } else {
            s->busy = 1;
            g_running = j;
            pthread_mutex_unlock(&s->mu);
            if (j->kind == SERVE_PARALLELIZE) serve_run_parallelize(j);
            else serve_run_generation(j);
            pthread_mutex_lock(&s->mu);
            g_running = NULL;
            s->busy = 0;
        }
        j->done = 1;
        job_unref_locked(j);
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Queues j (taking a reference for the queue); 0, or -1 when the queue is full. */
static int enqueue(struct serve *s, struct serve_job *j)
{
    pthread_mutex_lock(&s->mu);
    int ok = !s->stopping && s->n_waiting < s->queue + (s->busy ? 0 : 1);
    if (ok) {
        j->refs++;
        if (s->tail) s->tail->next = j;
        else s->head = j;
        s->tail = j;
        s->n_waiting++;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return ok ? 0 : -1;
}

/* ---- HTTP ---- */

struct conn {
    struct cm_buf body;
    int too_big;
    enum serve_kind kind;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", type ? type : "application/json");
    if (status == 405) MHD_add_response_header(r, "Allow", "GET, POST");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    const char *type = status == 503 ? "server_busy" : status >= 500 ? "server_error" : "invalid_request_error";
    return reply(c, status, serve_error_body(msg, type), NULL);
}

/* The client hung up (seen while it waits for its answer). */
static int peer_gone(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci) return 0;
    struct pollfd p = {ci->connect_fd, POLLRDHUP, 0};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static void wait_tick(struct serve *s)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += 200 * 1000 * 1000;
    if (t.tv_nsec >= 1000000000) t.tv_sec++, t.tv_nsec -= 1000000000;
    pthread_cond_timedwait(&s->cv, &s->mu, &t);
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct serve_job *j = cls;
    struct serve *s = j->s;
    pthread_mutex_lock(&s->mu);
    while (j->sent == j->sse.len && !j->done) wait_tick(s);
    ssize_t n = MHD_CONTENT_READER_END_OF_STREAM;
    if (j->sent < j->sse.len) {
        size_t k = j->sse.len - j->sent < max ? j->sse.len - j->sent : max;
        memcpy(buf, j->sse.data + j->sent, k);
        j->sent += k;
        n = (ssize_t)k;
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

static void sse_free(void *cls)
{
    struct serve_job *j = cls;
    struct serve *s = j->s;
    pthread_mutex_lock(&s->mu);
    atomic_store(&j->cancelled, 1); /* ends the generation when the client left early */
    job_unref_locked(j);
    pthread_mutex_unlock(&s->mu);
}

static enum MHD_Result run_job(struct serve *s, struct MHD_Connection *c, struct conn *cn)
{
    json_error_t je;
    json_t *req = json_loadb(cn->body.data ? cn->body.data : "", cn->body.len, 0, &je);
    char err[512];
    if (!req) {
        snprintf(err, sizeof(err), "the body is not valid JSON: line %d, column %d: %s", je.line, je.column, je.text);
        return reply_error(c, 400, err);
    }
    struct serve_job *j = cm_calloc(1, sizeof(*j));
    j->s = s;
    j->kind = cn->kind;
    j->req = req;
    j->refs = 1;
    cm_buf_init(&j->sse);
    atomic_init(&j->cancelled, 0);
    pthread_mutex_lock(&s->mu);
    j->id = ++s->next_id;
    pthread_mutex_unlock(&s->mu);
    enum MHD_Result ret;
    int bad = j->kind == SERVE_PARALLELIZE ? serve_parse_parallelize(j, err, sizeof(err)) : serve_parse(j, err, sizeof(err));
    if (bad) {
        ret = reply_error(c, 400, err);
    } else if (enqueue(s, j)) {
        snprintf(err, sizeof(err), "the server is busy: %zu requests wait already (--queue); try again later", s->queue);
        ret = reply_error(c, 503, err);
    } else if (j->kind != SERVE_PARALLELIZE && j->g.stream) {
        struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, j, sse_free);
        MHD_add_response_header(r, "Content-Type", "text/event-stream");
        MHD_add_response_header(r, "Cache-Control", "no-cache");
        ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret; /* the response holds the connection's reference now */
    } else {
        pthread_mutex_lock(&s->mu);
        while (!j->done) {
            wait_tick(s);
            if (!atomic_load(&j->cancelled) && peer_gone(c)) atomic_store(&j->cancelled, 1);
        }
        char *body = j->body ? j->body : serve_error_body("no answer", "server_error");
        unsigned status = j->status ? (unsigned)j->status : 500;
        j->body = NULL;
        pthread_mutex_unlock(&s->mu);
        ret = reply(c, status, body, NULL);
    }
    pthread_mutex_lock(&s->mu);
    job_unref_locked(j);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

/* The route's kind, or -1 unknown (404), -2 wrong method (405). */
static int route(const char *url, const char *method)
{
    static const struct {
        const char *url, *method;
        enum serve_kind kind;
    } routes[] = {
        {"/v1/models", "GET", SERVE_MODELS},
        {"/v1/chat/completions", "POST", SERVE_CHAT},
        {"/v1/completions", "POST", SERVE_COMPLETION},
        {"/v1/chatmpi/parallelize", "POST", SERVE_PARALLELIZE},
    };
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if (!strcmp(url, routes[i].url)) return strcmp(method, routes[i].method) ? -2 : (int)routes[i].kind;
    return -1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    struct serve *s = cls;
    struct conn *cn = *con_cls;
    char err[600];
    if (!cn) { /* the headers: answer what needs no body at once */
        int k = route(url, method);
        if (k == -1) {
            snprintf(err, sizeof(err), "no route %s %.200s (routes: GET /v1/models, POST /v1/chat/completions, "
                                       "/v1/completions, /v1/chatmpi/parallelize)", method, url);
            return reply_error(c, 404, err);
        }
        if (k == -2) {
            snprintf(err, sizeof(err), "%s is not allowed on %.200s", method, url);
            return reply_error(c, 405, err);
        }
        if (k == SERVE_MODELS) return reply(c, 200, serve_models_body(s), NULL);
        const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (len && strtoull(len, NULL, 10) > s->max_body) {
            snprintf(err, sizeof(err), "the body is over the limit of %zu bytes", s->max_body);
            return reply_error(c, 413, err);
        }
        cn = cm_calloc(1, sizeof(*cn));
        cm_buf_init(&cn->body);
        cn->kind = (enum serve_kind)k;
        *con_cls = cn;
        return MHD_YES;
    }
    if (*upload_size) {
        if (cn->body.len + *upload_size > s->max_body) cn->too_big = 1;
        else cm_buf_append(&cn->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (cn->too_big) {
        snprintf(err, sizeof(err), "the body is over the limit of %zu bytes", s->max_body);
        return reply_error(c, 413, err);
    }
    return run_job(s, c, cn);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    struct conn *cn = *con_cls;
    if (!cn) return;
    cm_buf_release(&cn->body);
    free(cn);
    *con_cls = NULL;
}

/* ---- start and stop ---- */

int serve_start(struct serve **out, const struct serve_opts *o)
{
    *out = NULL;
    const char *host = o->host && *o->host ? o->host : "127.0.0.1";
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)o->port);
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)o->port);
        flags |= MHD_USE_IPv6;
    } else {
        cm_error_set(CM_EINVAL, "--host '%s' is not a numeric IPv4 or IPv6 address", host);
        cm_error_hint("127.0.0.1 (the default) serves this machine only; 0.0.0.0 every interface");
        return CM_EINVAL;
    }
    struct serve *s = cm_calloc(1, sizeof(*s));
    s->queue = o->queue ? o->queue : 8;
    s->max_body = o->max_body ? o->max_body : 1u << 20;
    s->max_tokens = o->model.max_tokens ? o->model.max_tokens : 4096;
    s->sampling = o->model.sampling;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    example_pool_init(&s->pool);
    atomic_store(&g_stopping, 0);
    struct assistant_opts ao = o->model;
    ao.interrupted = serve_job_interrupted;
    int rc = lm_open_local(&s->m, &ao);
    if (rc) goto fail;
    s->a = lm_local_assistant(s->m);
    const char *base = strrchr(s->m->name, '/');
    s->name = cm_strdup(base ? base + 1 : s->m->name);
    if (pthread_create(&s->worker, NULL, worker_main, s)) {
        rc = cm_error_set(CM_EENV, "cannot start the generation thread");
        goto fail;
    }
    s->worker_started = 1;
    s->d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)120, MHD_OPTION_THREAD_STACK_SIZE, (size_t)(1u << 20), MHD_OPTION_END);
    if (!s->d) {
        rc = cm_error_set(CM_EENV, "cannot listen on %s port %d (in use, or not an address of this machine)", host,
                          o->port);
        cm_error_hint("choose another --port, or --port 0 for any free one");
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : o->port;
    *out = s;
    return 0;
fail:
    serve_stop(s);
    return rc;
}

int serve_port(const struct serve *s) { return s->port; }
const char *serve_model_name(const struct serve *s) { return s->name; }

void serve_stop(struct serve *s)
{
    if (!s) return;
    atomic_store(&g_stopping, 1);
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->worker_started) pthread_join(s->worker, NULL); /* answers what waits with 503 */
    if (s->d) MHD_stop_daemon(s->d);
    lm_close(s->m);
    example_pool_release(&s->pool);
    free(s->name);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
