/* cmd_info.c — `chatmpi info MODEL.gguf`: what a GGUF file holds.
 *
 * Prints the header facts, every metadata key with its type and value (long strings
 * cut, arrays summarized by element type, length and first items), and a table of
 * tensors (name, type, shape, bytes) with totals. A model's architecture (and whether
 * chatmpi runs it) and the prompt template its tokenizer.chat_template is recognized as
 * (tmpl_detect) come first. --tensor NAME adds statistics and the
 * first values of one tensor, dequantized. --memory loads the file as a llama model and
 * prints the memory running it takes (weights mapped, KV cache at full context, scratch).
 * A file with tokenizer.ggml.* keys also gets a line on its tokenizer as chatmpi reads it
 * (vocabulary type, pre-tokenizer, tokens, merges), or why chatmpi cannot use it.
 * Left out: dumping whole tensors or whole arrays (other tools do that better).
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/fmt.h"
#include "cli/opt.h"
#include "core/error.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "model/model.h"
#include "prompt/template.h"
#include "tensor/tensor.h"
#include "tokenizer/tok_gguf.h"
#include "tokenizer/tokenizer.h"

#define INFO_STR_MAX 60
#define INFO_ARR_ITEMS 5

static const char *info_tensor;
static int info_memory;
static const struct opt_spec info_opts[] = {
    {OPT_STR, "tensor", 't', "NAME", "also print statistics and the first values of tensor NAME", &info_tensor},
    {OPT_FLAG, "memory", 0, NULL, "only the memory a llama or qwen2 model needs to run: weights, KV cache, scratch", &info_memory},
    {0},
};
static const struct opt_cmd info_cmd = {
    "info",
    "[options] MODEL.gguf",
    "Print a GGUF file's metadata and tensor table.",
    "Arrays are shown as [TYPE x LENGTH] and their first items; strings longer than\n"
    "60 bytes are cut. Shapes are listed row length first, as GGUF stores them.\n"
    "--memory loads the file as a llama model (checking every tensor) and prints what\n"
    "running it takes: the weights (read into huge pages when a model runs, or mapped from\n"
    "the file with CHATMPI_MMAP=1), the KV cache at the full context length, and the\n"
    "scratch of one generation state.",
    1,
    1,
    info_opts,
};

typedef unsigned long long ull;

static void fmt_scalar(struct cm_buf *b, enum gguf_type t, const struct gguf_kv *kv)
{
    if (t == GGUF_TYPE_FLOAT32) cm_buf_printf(b, "%.9g", kv->v.f);
    else if (t == GGUF_TYPE_FLOAT64) cm_buf_printf(b, "%.17g", kv->v.f);
    else if (t == GGUF_TYPE_BOOL) cm_buf_puts(b, kv->v.u ? "true" : "false");
    else if (t == GGUF_TYPE_INT8 || t == GGUF_TYPE_INT16 || t == GGUF_TYPE_INT32 || t == GGUF_TYPE_INT64)
        cm_buf_printf(b, "%lld", (long long)kv->v.i);
    else cm_buf_printf(b, "%llu", (ull)kv->v.u);
}

static void fmt_arr(struct cm_buf *b, const struct gguf_arr *a, int depth)
{
    cm_buf_printf(b, "[%s x %llu]", gguf_type_name(a->type), (ull)a->n);
    if (depth > 0 || a->n == 0) return;
    uint64_t n = a->n < INFO_ARR_ITEMS ? a->n : INFO_ARR_ITEMS;
    for (uint64_t i = 0; i < n; i++) {
        cm_buf_puts(b, i ? ", " : " ");
        if (a->type == GGUF_TYPE_STRING) {
            struct gguf_str s = gguf_arr_get_str(a, i);
            cli_fmt_quoted(b, s.data, s.len, INFO_STR_MAX);
        } else if (a->type == GGUF_TYPE_ARRAY) {
            fmt_arr(b, &a->arrs[i], depth + 1);
        } else if (a->type == GGUF_TYPE_FLOAT32 || a->type == GGUF_TYPE_FLOAT64) {
            double d = 0;
            gguf_arr_get_f64(a, i, &d);
            cm_buf_printf(b, a->type == GGUF_TYPE_FLOAT32 ? "%.9g" : "%.17g", d);
        } else if (a->type == GGUF_TYPE_UINT64) {
            uint64_t u = 0;
            gguf_arr_get_u64(a, i, &u);
            cm_buf_printf(b, "%llu", (ull)u);
        } else {
            int64_t v = 0;
            gguf_arr_get_i64(a, i, &v);
            if (a->type == GGUF_TYPE_BOOL) cm_buf_puts(b, v ? "true" : "false");
            else cm_buf_printf(b, "%lld", (long long)v);
        }
    }
    if (a->n > n) cm_buf_puts(b, ", ...");
}

static void fmt_shape(struct cm_buf *b, const struct gguf_tensor *t)
{
    for (uint32_t d = 0; d < t->n_dims; d++) cm_buf_printf(b, "%s%lld", d ? " x " : "", (long long)t->ne[d]);
    if (t->n_dims == 0) cm_buf_puts(b, "scalar");
}

static int print_tensor_values(const struct gguf *g, const struct gguf_tensor *t)
{
    const struct tensor_type_info *ti = tensor_type_get(t->type);
    struct cm_buf sh;
    cm_buf_init(&sh);
    cli_fmt_name(&sh, t->name);
    printf("\ntensor %s (%s", sh.data, ti->name);
    sh.len = 0;
    fmt_shape(&sh, t);
    printf(", %s):\n", sh.data);
    cm_buf_release(&sh);
    if (!ti->can_dequantize) {
        printf("  values: not shown (no %s dequantizer)\n", ti->name);
        return 0;
    }
    int64_t ne0 = t->ne[0], rows = ne0 ? t->n_elements / ne0 : 0;
    size_t row_bytes = tensor_row_size(t->type, ne0);
    float *row = cm_malloc((size_t)(ne0 ? ne0 : 1) * sizeof(float));
    double sum = 0, sumsq = 0, mn = INFINITY, mx = -INFINITY;
    int64_t nonfinite = 0;
    int rc = 0;
    printf("  first:");
    for (int64_t r = 0; r < rows && !rc; r++) {
        rc = tensor_dequantize_row(t->type, (const uint8_t *)t->data + (size_t)r * row_bytes, row, ne0);
        for (int64_t i = 0; i < ne0 && !rc; i++) {
            if (r == 0 && i < 8) printf(" %.6g", row[i]);
            if (!isfinite(row[i])) {
                nonfinite++;
                continue;
            }
            sum += row[i], sumsq += (double)row[i] * row[i];
            if (row[i] < mn) mn = row[i];
            if (row[i] > mx) mx = row[i];
        }
    }
    free(row);
    if (rc) return rc;
    int64_t n = t->n_elements - nonfinite;
    printf("%s\n", t->n_elements > 8 ? " ..." : "");
    if (n > 0)
        printf("  min %.6g  max %.6g  mean %.6g  rms %.6g\n", mn, mx, sum / (double)n, sqrt(sumsq / (double)n));
    if (nonfinite) printf("  non-finite values: %lld\n", (long long)nonfinite);
    (void)g;
    return 0;
}

/* One line on the tokenizer the file holds, as chatmpi reads it (or why it cannot). */
static void print_tokenizer(const struct gguf *g)
{
    if (!gguf_find_key(g, "tokenizer.ggml.model")) return;
    struct tokenizer *tk = NULL;
    if (tok_from_gguf(&tk, g)) {
        printf("\ntokenizer: not usable: %s\n", cm_error_message());
        return;
    }
    if (tok_vocab_type(tk) == TOK_VOCAB_BPE)
        printf("\ntokenizer: byte-level BPE (gpt2), pre-tokenizer %s, %zu tokens, %zu merges\n", tok_pre_name(tk),
               tok_n_vocab(tk), tok_n_merges(tk));
    else
        printf("\ntokenizer: SentencePiece BPE (llama), %zu tokens%s\n", tok_n_vocab(tk),
               tok_byte_fallback(tk) ? ", byte fallback" : "");
    tok_free(tk);
}

static void print_info(const struct gguf *g)
{
    char sz[32];
    printf("%s: GGUF v%u, %s, alignment %u, tensor data at offset %llu\n", g->path, g->version,
           cli_fmt_bytes(sz, sizeof(sz), g->size), g->alignment, (ull)g->data_offset);
    const char *arch = NULL, *jinja = NULL;
    if (gguf_find_key(g, "general.architecture") && !gguf_get_str(g, "general.architecture", &arch))
        printf("architecture: %s%s\n", arch, llama_arch_from_name(arch) >= 0 ? "" : " (chatmpi does not run it)");
    if (gguf_find_key(g, "tokenizer.chat_template") && !gguf_get_str(g, "tokenizer.chat_template", &jinja)) {
        const char *name = tmpl_detect(jinja);
        if (name) printf("chat template: %s (detected from tokenizer.chat_template)\n", name);
        else printf("chat template: not one chatmpi knows (chathpc is used unless --template says otherwise)\n");
    }
    cm_error_clear();
    printf("\nmetadata (%zu keys):\n", g->n_kv);
    size_t kw = 24;
    for (size_t i = 0; i < g->n_kv; i++)
        if (strlen(g->kv[i].key) > kw) kw = strlen(g->kv[i].key);
    if (kw > 48) kw = 48;
    struct cm_buf b;
    cm_buf_init(&b);
    for (size_t i = 0; i < g->n_kv; i++) {
        const struct gguf_kv *kv = &g->kv[i];
        b.len = 0;
        if (kv->type == GGUF_TYPE_STRING) {
            cli_fmt_quoted(&b, kv->str.data, kv->str.len, INFO_STR_MAX);
            if (kv->str.len > INFO_STR_MAX) cm_buf_printf(&b, " (%llu bytes)", (ull)kv->str.len);
        } else if (kv->type == GGUF_TYPE_ARRAY) {
            fmt_arr(&b, &kv->arr, 0);
        } else {
            fmt_scalar(&b, kv->type, kv);
        }
        struct cm_buf key;
        cm_buf_init(&key);
        cli_fmt_name(&key, kv->key);
        printf("  %-*s %-4s %s\n", (int)kw, key.data, gguf_type_name(kv->type), b.data ? b.data : "");
        cm_buf_release(&key);
    }
    print_tokenizer(g);
    printf("\ntensors (%zu):\n", g->n_tensors);
    size_t nw = 24;
    for (size_t i = 0; i < g->n_tensors; i++)
        if (strlen(g->tensors[i].name) > nw) nw = strlen(g->tensors[i].name);
    if (nw > 64) nw = 64;
    printf("  %-*s %-7s %-22s %12s\n", (int)nw, "name", "type", "shape", "bytes");
    uint64_t total_bytes = 0, total_el = 0;
    for (size_t i = 0; i < g->n_tensors; i++) {
        const struct gguf_tensor *t = &g->tensors[i];
        struct cm_buf name;
        cm_buf_init(&name);
        cli_fmt_name(&name, t->name);
        b.len = 0;
        fmt_shape(&b, t);
        printf("  %-*s %-7s %-22s %12llu\n", (int)nw, name.data, tensor_type_name(t->type), b.data ? b.data : "",
               (ull)t->nbytes);
        cm_buf_release(&name);
        total_bytes += t->nbytes, total_el += (uint64_t)t->n_elements;
    }
    cm_buf_release(&b);
    printf("total: %zu tensors, %llu elements, %llu bytes (%s)", g->n_tensors, (ull)total_el, (ull)total_bytes,
           cli_fmt_bytes(sz, sizeof(sz), total_bytes));
    if (total_el) printf(", %.2f bits per element", 8.0 * (double)total_bytes / (double)total_el);
    printf("\n");
}

/* --memory: takes g (closed here). */
static int print_memory(struct gguf *g)
{
    struct llama_model *m;
    int rc = llama_model_from_gguf(&m, g);
    if (rc) return cli_report_error(rc);
    const struct llama_hparams *hp = &m->hp;
    int threads = omp_get_max_threads();
    uint64_t w = m->weight_bytes, kv = llama_state_kv_bytes(hp, hp->n_ctx),
             sc = llama_state_scratch_bytes(hp, hp->n_ctx, 0, threads);
    char b1[32], b2[32], b3[32], b4[32];
    printf("%s: %s, %.1fM parameters, dim %u, %u layers, %u/%u heads, ffn %u, ctx %u, vocab %u%s\n", m->g->path,
           llama_arch_name(hp->arch), (double)llama_hparams_n_params(hp, m->tied) / 1e6, hp->dim, hp->n_layer, hp->n_head, hp->n_head_kv,
           hp->n_ff, hp->n_ctx, hp->n_vocab, m->tied ? ", tied output" : "");
    printf("  weights   %12s  (%s)\n", cli_fmt_bytes(b1, sizeof(b1), w),
           llama_model_mmap() ? "mapped from the file: CHATMPI_MMAP" : "read into huge pages");
    printf("  kv cache  %12s  (%u layers x %u kv heads x %u x 2 bytes (fp16) x (%u key + %u value positions))\n",
           cli_fmt_bytes(b2, sizeof(b2), kv), hp->n_layer, hp->n_head_kv, m->head_size, llama_key_positions(hp->n_ctx),
           hp->n_ctx);
    printf("  scratch   %12s  (prompt chunks of %u tokens, %d threads)\n", cli_fmt_bytes(b3, sizeof(b3), sc),
           llama_batch_default(hp->n_ctx), threads);
    printf("  total     %12s\n", cli_fmt_bytes(b4, sizeof(b4), w + kv + sc));
    llama_model_free(m);
    return 0;
}

int cmd_info(int argc, char **argv)
{
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    info_tensor = NULL;
    info_memory = 0;
    struct gguf *g = NULL;
    int rc = opt_parse(&info_cmd, argc, argv, &pos);
    if (rc != OPT_OK) goto done;
    if ((rc = gguf_open(&g, pos.items[0]))) {
        rc = cli_report_error(rc);
        goto done;
    }
    const struct gguf_tensor *t = NULL;
    if (info_tensor && !(t = gguf_find_tensor(g, info_tensor))) {
        fprintf(stderr, "chatmpi info: no tensor '%s' in '%s'\nhint: the tensor table lists the names: chatmpi info %s\n",
                info_tensor, pos.items[0], pos.items[0]);
        rc = EXIT_USAGE;
        goto done;
    }
    if (info_memory) {
        rc = print_memory(g);
        g = NULL; /* the model owns it now, and has closed it */
        goto done;
    }
    print_info(g);
    if (t && (rc = print_tensor_values(g, t))) rc = cli_report_error(rc);
done:
    gguf_close(g);
    cm_strlist_release(&pos);
    fflush(stdout);
    return rc == OPT_HELP ? EXIT_OK : rc;
}
