/* cmd_serve.c — `chatmpi serve`: the model as an OpenAI-compatible HTTP service, with the
 * candidate loop as one more route (src/serve/serve.h). Parses the options, starts the
 * server, waits for Ctrl-C (or SIGTERM) and stops it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opt.h"
#include "core/fs.h"
#include "core/mem.h"
#include "harness/sandbox.h"
#include "serve/serve.h"

int cmd_serve(int argc, char **argv)
{
    const char *model = NULL, *tmpl = NULL, *host = "127.0.0.1";
    long port = 8080, threads = 0, queue = 8, max_tokens = 4096, seed = 1, max_body = 1 << 20;
    double temperature = 0, top_p = 0.95;
    struct cm_strlist loras;
    cm_strlist_init(&loras);
    const struct opt_spec specs[] = {
        {OPT_STR, "model", 'm', "MODEL", "a GGUF with a tokenizer, or a fetched base's name (default $CHATMPI_MODEL, else "
                                         "the default assistant's base if fetched, else models/default.gguf)",
         &model},
        {OPT_STR_LIST, "lora", 0, "FILE[:SCALE]", "apply a LoRA adapter, scaled (default 1)", &loras},
        {OPT_STR, "template", 0, "NAME|FILE", "prompt template: chathpc, chatml, codellama or a file (default: the "
                                              "model's own, else chathpc)", &tmpl},
        {OPT_STR, "host", 0, "ADDR", "the address to listen on (default 127.0.0.1: this machine only)", &host},
        {OPT_INT, "port", 'p', "N", "the port (default 8080; 0: any free one, printed)", &port, 0, 65535},
        {OPT_INT, "threads", 0, "N", "threads of the model (default all cores)", &threads, 0, 1024},
        {OPT_INT, "queue", 0, "N", "requests that may wait while one generates; more get 503 (default 8)", &queue, 1,
         4096},
        {OPT_INT, "max-tokens", 'n', "N", "the longest answer, and a request's default (default 4096)", &max_tokens, 1,
         1 << 20},
        {OPT_DOUBLE, "temperature", 'T', NULL, "default sampling temperature (default 0: greedy)", &temperature, 0, 0, 0,
         10},
        {OPT_DOUBLE, "top-p", 0, NULL, "default nucleus sampling (default 0.95)", &top_p, 0, 0, 0, 1},
        {OPT_INT, "seed", 's', NULL, "default sampling seed (default 1; request k adds k)", &seed, 0, 1L << 62},
        {OPT_INT, "max-body", 0, "BYTES", "the largest request body; larger get 413 (default 1 MiB)", &max_body, 1024,
         1L << 30},
        {0},
    };
    const struct opt_cmd cmd = {
        "serve", "[options]",
        "Serve the model over HTTP: GET /v1/models, POST /v1/chat/completions and /v1/completions\n"
        "(OpenAI's shapes, \"stream\": true for server-sent events), and POST /v1/chatmpi/parallelize\n"
        "(a sequential program in, the verified MPI program and its report out). One request\n"
        "generates at a time; --queue more wait. See docs/serve.md.",
        "exit status: 0 stopped by Ctrl-C or SIGTERM, 2 usage or a model or adapter that does not\n"
        "fit, 3 environment (no model, the port in use).",
        0, 0, specs};
    char *model_path = NULL;
    struct serve *s = NULL;
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    int rc = opt_parse(&cmd, argc, argv, &pos);
    if (rc != OPT_OK) goto done;
    if ((rc = cli_model_path(&model_path, model, 0, 1, "serve"))) goto done; /* a path, or a fetched base's name */
    if (!cm_is_file(model_path)) {
        fprintf(stderr, "chatmpi serve: no model at '%s'\nhint: pass -m MODEL.gguf (a llama or qwen2 GGUF with a "
                        "tokenizer) or a base's name from models/bases.tsv, or set CHATMPI_MODEL; 'make model' "
                        "rebuilds chatmpi's default model\n", model_path);
        rc = EXIT_ENV;
        goto done;
    }
    struct serve_opts so = {0};
    so.host = host;
    so.port = (int)port;
    so.queue = (size_t)queue;
    so.max_body = (size_t)max_body;
    so.model.model_path = model_path;
    so.model.template_name = tmpl;
    so.model.sampling = (struct sampler_params){temperature, 0, top_p, (uint64_t)seed};
    so.model.max_tokens = (size_t)max_tokens;
    so.model.threads = (int)threads;
    so.model.lora = (const char *const *)loras.items;
    so.model.n_lora = loras.n;
    signal(SIGPIPE, SIG_IGN); /* a client that hangs up is an error on its connection, not a signal */
    sandbox_catch_signals();  /* Ctrl-C and SIGTERM stop the server below */
    if ((rc = serve_start(&s, &so))) {
        rc = cli_report_error(rc);
        goto done;
    }
    printf("chatmpi serve: listening on http://%s%s%s:%d/v1 (model %s; %ld waiting at most); Ctrl-C stops\n",
           strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", serve_port(s), serve_model_name(s), queue);
    fflush(stdout);
    while (!sandbox_interrupted()) usleep(100 * 1000);
    serve_stop(s);
    printf("chatmpi serve: stopped\n");
    rc = EXIT_OK;
done:
    free(model_path);
    cm_strlist_release(&pos);
    cm_strlist_release(&loras);
    return rc == OPT_HELP ? EXIT_OK : rc;
}
