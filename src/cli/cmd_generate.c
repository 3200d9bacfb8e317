/* cmd_generate.c — `chatmpi generate -m MODEL --prompt-ids 1,2,3`: run a llama model.
 *
 * Loads the model (mapped), evaluates the prompt in one batch and samples new tokens one
 * at a time (src/model/sampler.h) until --max-tokens, the model's end-of-sequence token or
 * a full context. Prints the generated ids on one line, space-separated; --verbose adds
 * timings on stderr.
 * Text prompts (-p/-f) are encoded with the tokenizer stored in the model and the output is
 * decoded at the end. Left out: stop strings, chat templates and the interactive mode
 * (`chatmpi run` is the assistant).
 */
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opt.h"
#include "core/error.h"
#include "core/mem.h"
#include "model/model.h"
#include "model/sampler.h"
#include "core/fs.h"
#include "gguf/gguf.h"
#include "tokenizer/tok_gguf.h"
#include "tokenizer/tokenizer.h"

static double gen_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* "1,2,3" or "1 2 3" into ids; 0 or a usage message printed. */
static int parse_ids(struct tok_ids *ids, const char *s)
{
    const char *p = s;
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n') p++;
        if (!*p) break;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 0 || v > INT32_MAX || (*end && !strchr(", \t\n", *end))) {
            fprintf(stderr, "chatmpi generate: invalid token id near '%.20s' in --prompt-ids\n", p);
            return EXIT_USAGE;
        }
        tok_ids_push(ids, (int32_t)v);
        p = end;
    }
    if (!ids->n) {
        fprintf(stderr, "chatmpi generate: --prompt-ids has no ids\n");
        return EXIT_USAGE;
    }
    return 0;
}

struct gen_out {
    int first;
    struct tok_ids *text; /* text output: the ids are collected and decoded at the end */
};

static int gen_print(void *ctx, int32_t token)
{
    struct gen_out *o = ctx;
    if (o->text) {
        tok_ids_push(o->text, token);
        return 0;
    }
    printf("%s%d", o->first ? "" : " ", (int)token);
    o->first = 0;
    fflush(stdout);
    return 0;
}

int cmd_generate(int argc, char **argv)
{
    const char *model_path = NULL, *prompt_ids = NULL, *prompt_text = NULL, *prompt_file = NULL;
    long max_tokens = 128, top_k = 0, seed = 1, threads = 0, ctx = 0;
    double temperature = 0, top_p = 1;
    int print_ids = 0, verbose = 0, no_eos = 0;
    const struct opt_spec specs[] = {
        {OPT_STR, "model", 'm', "MODEL", "llama-architecture GGUF model (required)", &model_path},
        {OPT_STR, "prompt-ids", 0, "IDS", "prompt as token ids: 1,2,3 or \"1 2 3\"", &prompt_ids},
        {OPT_STR, "prompt", 'p', "TEXT", "prompt text (encoded with the model's tokenizer; output decoded)", &prompt_text},
        {OPT_STR, "file", 'f', "FILE", "prompt text from a file", &prompt_file},
        {OPT_INT, "max-tokens", 'n', NULL, "tokens to generate at most (default 128)", &max_tokens, 0, 1 << 20},
        {OPT_DOUBLE, "temperature", 't', NULL, "0 = greedy (default); higher is more random", &temperature, 0, 0,
         0, 100},
        {OPT_INT, "top-k", 0, NULL, "sample among the K most likely tokens (default 0 = all)", &top_k, 0, 1 << 24},
        {OPT_DOUBLE, "top-p", 0, NULL, "sample within the smallest set of probability P (default 1)", &top_p, 0, 0,
         1e-9, 1},
        {OPT_INT, "seed", 's', NULL, "sampling seed (default 1)", &seed, 0, 0x7fffffffffffffffL},
        {OPT_INT, "threads", 0, NULL, "threads (default: all cores)", &threads, 1, 1024},
        {OPT_INT, "ctx", 'c', NULL, "context length (default: the model's, at most 4096)", &ctx, 1, 1 << 24},
        {OPT_FLAG, "print-ids", 0, NULL, "print only the generated ids, space-separated, one line", &print_ids},
        {OPT_FLAG, "no-eos", 0, NULL, "do not stop at the end-of-sequence token", &no_eos},
        {OPT_FLAG, "verbose", 'v', NULL, "print timings and the reason generation stopped on stderr", &verbose},
        {0},
    };
    const struct opt_cmd cmd = {
        "generate", "-m MODEL --prompt-ids IDS [options]",
        "Generate tokens with a llama-architecture model.",
        "The prompt is evaluated in one batch, then tokens are sampled one at a time until\n"
        "--max-tokens, the model's end-of-sequence token (tokenizer.ggml.eos_token_id) or a\n"
        "full context. Output: the generated token ids on one line. Text prompts (-p, -f)\n"
        "and decoded text need the model's tokenizer and are not available yet.\n\n"
        "exit codes: 0 done, 2 usage error or invalid ids, 3 unreadable or unsupported model",
        0, 0, specs};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    struct tok_ids ids;
    tok_ids_init(&ids);
    struct llama_model *m = NULL;
    struct llama_state *st = NULL;
    struct tokenizer *tk = NULL;
    struct sampler sp;
    sampler_init(&sp, &(struct sampler_params){0, 0, 1, 0});
    int rc = opt_parse(&cmd, argc, argv, &pos);
    if (rc != OPT_OK) {
        rc = rc == OPT_HELP ? EXIT_OK : EXIT_USAGE;
        goto done;
    }
    if (!model_path || (!!prompt_ids + !!prompt_text + !!prompt_file) != 1) {
        fprintf(stderr, "chatmpi generate: -m MODEL and one of --prompt-ids, -p TEXT and -f FILE are required\n"
                        "hint: see 'chatmpi generate --help'\n");
        rc = EXIT_USAGE;
        goto done;
    }
    if (prompt_ids && (rc = parse_ids(&ids, prompt_ids))) goto done;
    llama_set_threads(threads ? (int)threads : omp_get_num_procs());
    if ((rc = llama_model_load(&m, model_path))) {
        cli_report_error(rc);
        rc = EXIT_ENV;
        goto done;
    }
    if (!prompt_ids) { /* text: the model's own tokenizer */
        char *text = NULL;
        size_t len = 0;
        int e = tok_from_gguf(&tk, m->g);
        if (!e && prompt_file) e = cm_read_file(&text, &len, prompt_file, 64u << 20);
        if (!e) e = tok_encode(tk, &ids, prompt_file ? text : prompt_text, prompt_file ? len : strlen(prompt_text),
                               tok_add_bos(tk) ? TOK_ENCODE_BOS : 0);
        free(text);
        if (e) {
            rc = cli_report_error(e) == EXIT_USAGE ? EXIT_USAGE : EXIT_ENV;
            goto done;
        }
        if (!ids.n) {
            fprintf(stderr, "chatmpi generate: the prompt is empty\n");
            rc = EXIT_USAGE;
            goto done;
        }
    }
    for (size_t i = 0; i < ids.n; i++)
        if ((uint32_t)ids.v[i] >= m->hp.n_vocab) {
            fprintf(stderr, "chatmpi generate: prompt token %zu is id %d, outside the vocabulary of %u\n", i + 1,
                    (int)ids.v[i], m->hp.n_vocab);
            rc = EXIT_USAGE;
            goto done;
        }
    uint32_t n_ctx = ctx ? (uint32_t)ctx : (m->hp.n_ctx < 4096 ? m->hp.n_ctx : 4096);
    if ((rc = llama_state_new(&st, m, n_ctx, 0))) {
        rc = cli_report_error(rc);
        goto done;
    }
    if (ids.n >= st->n_ctx) {
        fprintf(stderr, "chatmpi generate: the prompt's %zu tokens leave no room in a context of %u\n", ids.n,
                st->n_ctx);
        rc = EXIT_USAGE;
        goto done;
    }
    sampler_release(&sp);
    sampler_init(&sp, &(struct sampler_params){temperature, (int)top_k, top_p, (uint64_t)seed});
    struct tok_ids gen;
    tok_ids_init(&gen);
    struct gen_out out = {1, tk && !print_ids ? &gen : NULL};
    enum llama_stop stop;
    size_t made = 0;
    double t0 = gen_now();
    /* the prompt alone first, to time it apart from decoding */
    float *lg = cm_malloc(m->hp.n_vocab * sizeof(float));
    rc = ids.n > 1 ? llama_eval(st, ids.v, ids.n - 1, lg, 0) : 0;
    free(lg);
    double t1 = gen_now();
    if (!rc)
        rc = llama_generate(st, &sp, ids.v + ids.n - 1, 1, (size_t)max_tokens, no_eos ? -1 : m->eos, gen_print, &out,
                            &stop, &made);
    double t2 = gen_now();
    if (out.text && !rc) {
        struct cm_buf txt;
        cm_buf_init(&txt);
        rc = tok_decode(tk, &txt, gen.v, gen.n, 0);
        if (!rc && txt.len) fwrite(txt.data, 1, txt.len, stdout);
        cm_buf_release(&txt);
    }
    tok_ids_release(&gen);
    if (!out.first || print_ids || out.text) printf("\n");
    if (rc) {
        rc = cli_report_error(rc) == EXIT_USAGE ? EXIT_USAGE : EXIT_ENV;
        goto done;
    }
    if (verbose) {
        static const char *why[] = {"max-tokens", "end-of-sequence token", "context full", "caller"};
        fprintf(stderr, "prompt: %zu tokens in %.3f s (%.1f tokens/s)\n", ids.n, t1 - t0,
                (double)(ids.n - 1) / (t1 - t0 > 0 ? t1 - t0 : 1e-9));
        fprintf(stderr, "generated: %zu tokens in %.3f s (%.1f tokens/s), stopped at %s; %d threads\n", made,
                t2 - t1, (double)made / (t2 - t1 > 0 ? t2 - t1 : 1e-9), why[stop], st->n_threads);
    }
    rc = EXIT_OK;
done:
    tok_free(tk);
    sampler_release(&sp);
    llama_state_free(st);
    llama_model_free(m);
    tok_ids_release(&ids);
    cm_strlist_release(&pos);
    return rc;
}
