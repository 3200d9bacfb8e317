/* cmd_generate.c — `chatmpi generate -m MODEL (--prompt-ids 1,2,3 | -p TEXT | -f FILE)`: run
 * a llama model.
 *
 * Loads the model (mapped) and the LoRA adapters given with --lora (applied unmerged, see
 * src/model/lora.h), evaluates the prompt in one batch and samples new tokens one at a time
 * (src/model/sampler.h) until --max-tokens, the model's end-of-sequence token, a full
 * context or a --stop string. Token-id prompts print the generated ids on one line; text
 * prompts (-p/-f, encoded with the tokenizer stored in the model) print the decoded text as
 * it comes, holding back what may be the start of a stop string (src/model/textgen.h).
 * --template NAME|FILE renders a text prompt as the question of that prompt template
 * (tmpl_resolve: chatml, chathpc, codellama, a file or the text) and adds the template's
 * end-of-turn stop strings; without it the prompt goes to the model as it is.
 * --verbose adds timings on stderr.
 * Left out: chat history and the interactive mode (`chatmpi run` is the assistant).
 */
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opt.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/mem.h"
#include "model/lora.h"
#include "model/matmul.h"
#include "model/model.h"
#include "model/sampler.h"
#include "model/textgen.h"
#include "core/fs.h"
#include "gguf/gguf.h"
#include "prompt/template.h"
#include "tokenizer/tok_gguf.h"
#include "tokenizer/tokenizer.h"


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

static int gen_print_id(void *ctx, int32_t token)
{
    int *first = ctx;
    printf("%s%d", *first ? "" : " ", (int)token);
    *first = 0;
    fflush(stdout);
    return 0;
}

static void gen_print_text(void *ctx, const char *text, size_t len)
{
    fwrite(text, 1, len, stdout);
    fflush(stdout);
}

int cmd_generate(int argc, char **argv)
{
    const char *model_path = NULL, *prompt_ids = NULL, *prompt_text = NULL, *prompt_file = NULL, *tmpl_spec = NULL,
               *logits_path = NULL;
    long max_tokens = 128, top_k = 0, seed = 1, threads = 0, ctx = 0;
    double temperature = 0, top_p = 1;
    int print_ids = 0, verbose = 0, no_eos = 0;
    unsigned enc_flags = 0; /* how the text prompt is encoded, besides BOS */
    struct cm_strlist loras, stops;
    cm_strlist_init(&loras), cm_strlist_init(&stops);
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
        {OPT_STR_LIST, "lora", 0, "FILE[:SCALE]", "apply a LoRA adapter, scaled (default 1)", &loras},
        {OPT_STR_LIST, "stop", 0, "STR", "stop when the text contains STR (not printed)", &stops},
        {OPT_STR, "template", 0, "NAME|FILE", "render the text prompt as the question of this template (chatml, "
         "chathpc, codellama, a file) and stop at its end of turn", &tmpl_spec},
        {OPT_STR, "logits", 0, "FILE", "write the last prompt token's logits to FILE (n_vocab float32, little-endian)",
         &logits_path},
        {OPT_FLAG, "print-ids", 0, NULL, "print only the generated ids, space-separated, one line", &print_ids},
        {OPT_FLAG, "no-eos", 0, NULL, "do not stop at the end-of-sequence token", &no_eos},
        {OPT_FLAG, "verbose", 'v', NULL, "print timings and the reason generation stopped on stderr", &verbose},
        {0},
    };
    const struct opt_cmd cmd = {
        "generate", "-m MODEL (--prompt-ids IDS | -p TEXT | -f FILE) [options]",
        "Generate tokens with a llama or qwen2 model.",
        "The prompt is evaluated in one batch, then tokens are sampled one at a time until\n"
        "--max-tokens, the model's end-of-sequence token (tokenizer.ggml.eos_token_id) or a\n"
        "full context, or until the generated text contains a --stop string (which is not\n"
        "printed, nor anything after it). Output: with --prompt-ids, the generated token ids on\n"
        "one line; with -p or -f (encoded with the model's tokenizer) the text, as it comes.\n"
        "--lora adds an adapter's update to the weights it adapts, unmerged (chatmpi merge folds\n"
        "it in for good); several adapters add up.\n\n"
        "exit codes: 0 done, 2 usage error, invalid ids or an adapter that does not fit the\n"
        "model, 3 unreadable or unsupported model or adapter",
        0, 0, specs};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    struct tok_ids ids;
    tok_ids_init(&ids);
    struct cm_buf rendered; /* the prompt rendered with --template */
    cm_buf_init(&rendered);
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
    if (tmpl_spec && prompt_ids) {
        fprintf(stderr, "chatmpi generate: --template renders a text prompt (-p or -f), not --prompt-ids\n");
        rc = EXIT_USAGE;
        goto done;
    }
    if (prompt_ids && (rc = parse_ids(&ids, prompt_ids))) goto done;
    const char *simd = getenv("CHATMPI_SIMD");
    enum mm_simd want;
    if (simd && *simd && (mm_simd_from_name(&want, simd) || !mm_simd_supported(want)))
        fprintf(stderr, "chatmpi generate: warning: CHATMPI_SIMD=%s: %s; using the %s kernels\n", simd,
                mm_simd_from_name(&want, simd) ? "not a kernel set (scalar, avx2, avx512, avx512vnni)"
                                               : "this CPU cannot run it",
                mm_kernel_name());
    llama_set_threads(threads ? (int)threads : omp_get_num_procs());
    if ((rc = llama_model_load(&m, model_path))) {
        rc = cli_report_error(rc);
        goto done;
    }
    for (size_t i = 0; i < loras.n; i++)
        if ((rc = llama_model_add_lora_spec(m, loras.items[i]))) {
            rc = cli_report_error(rc);
            goto done;
        }
    if ((rc = cli_check_stops("generate", &stops))) goto done;
    if (tmpl_spec) { /* the prompt becomes the template's question; its end of turn stops */
        struct tmpl *t = NULL;
        char *q = NULL;
        int e = tmpl_resolve(&t, tmpl_spec, m->g, NULL);
        if (!e && prompt_file) e = cm_read_file(&q, NULL, prompt_file, 64u << 20);
        struct tmpl_vars v = {q ? q : prompt_text, NULL, NULL, NULL};
        if (!e) e = tmpl_render_prompt(t, &v, &rendered);
        size_t nt = 0;
        const char *const *ts = e ? NULL : tmpl_stops(t, &nt);
        if (!e && tmpl_special_tokens(t)) enc_flags |= TOK_ENCODE_SPECIAL; /* its markers are tokens */
        for (size_t i = 0; i < nt; i++) cm_strlist_push(&stops, ts[i]);
        tmpl_free(t);
        free(q);
        if (e) {
            rc = cli_report_error(e);
            goto done;
        }
        prompt_text = rendered.data ? rendered.data : "", prompt_file = NULL;
    }
    if (stops.n && prompt_ids && !gguf_find_key(m->g, "tokenizer.ggml.tokens")) {
        fprintf(stderr, "chatmpi generate: --stop needs the text, but model '%s' has no tokenizer\n", model_path);
        rc = EXIT_USAGE;
        goto done;
    }
    if (!prompt_ids || stops.n) { /* text: the model's own tokenizer */
        char *text = NULL;
        size_t len = 0;
        int e = tok_from_gguf(&tk, m->g);
        if (!e && prompt_file) e = cm_read_file(&text, &len, prompt_file, 64u << 20);
        if (!e && !prompt_ids) e = tok_encode(tk, &ids, prompt_file ? text : prompt_text, prompt_file ? len : strlen(prompt_text),
                               enc_flags | (tok_add_bos(tk) ? TOK_ENCODE_BOS : 0));
        free(text);
        if (e) {
            rc = cli_report_error(e);
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
    int first = 1;
    struct llama_text_result res;
    llama_text_result_init(&res);
    enum llama_stop stop = LLAMA_STOP_MAX_TOKENS;
    size_t made = 0;
    double t0 = cm_now();
    /* the prompt alone first, to time it apart from decoding */
    float *lg = cm_malloc(m->hp.n_vocab * sizeof(float));
    rc = ids.n > 1 ? llama_eval(st, ids.v, ids.n - 1, lg, 0) : 0;
    if (!rc && logits_path) { /* the last prompt token alone, then forgotten: generation feeds it again */
        rc = llama_eval(st, ids.v + ids.n - 1, 1, lg, 0);
        if (!rc) rc = cm_write_file_atomic(logits_path, lg, m->hp.n_vocab * sizeof(float));
        if (!rc) st->n_past--;
    }
    free(lg);
    double t1 = cm_now();
    int32_t eos = no_eos ? -1 : m->eos;
    const int ids_out = print_ids || prompt_ids; /* ids in, ids out (stop strings still act on the text) */
    if (!rc && tk) {
        const struct llama_text_opts to = {(const char *const *)stops.items, stops.n,
                                           ids_out ? NULL : gen_print_text, ids_out ? gen_print_id : NULL, &first};
        rc = llama_generate_text(st, &sp, tk, ids.v + ids.n - 1, 1, (size_t)max_tokens, eos, &to, &res);
        stop = res.stop, made = res.ids.n;
    } else if (!rc) {
        rc = llama_generate(st, &sp, ids.v + ids.n - 1, 1, (size_t)max_tokens, eos, gen_print_id, &first, &stop,
                            &made);
    }
    double t2 = cm_now();
    llama_text_result_release(&res);
    printf("\n");
    if (rc) {
        rc = cli_report_error(rc);
        goto done;
    }
    if (verbose) {
        static const char *why[] = {"max-tokens", "end-of-sequence token", "context full", "caller", "a stop string"};
        fprintf(stderr, "prompt: %zu tokens in %.3f s (%.1f tokens/s)\n", ids.n, t1 - t0,
                (double)(ids.n - 1) / (t1 - t0 > 0 ? t1 - t0 : 1e-9));
        fprintf(stderr, "generated: %zu tokens in %.3f s (%.1f tokens/s), stopped at %s; %d threads\n", made,
                t2 - t1, (double)made / (t2 - t1 > 0 ? t2 - t1 : 1e-9), why[stop], st->n_threads);
        fprintf(stderr, "kernels %s, batches in %s; %zu LoRA adapter%s\n", mm_kernel_name(), mm_batch_name(),
                m->n_adapters, m->n_adapters == 1 ? "" : "s");
    }
    rc = EXIT_OK;
done:
    tok_free(tk);
    sampler_release(&sp);
    llama_state_free(st);
    llama_model_free(m);
    tok_ids_release(&ids);
    cm_buf_release(&rendered);
    cm_strlist_release(&pos);
    cm_strlist_release(&loras), cm_strlist_release(&stops);
    return rc;
}
