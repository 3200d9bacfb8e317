/* cmd_quantize.c — `chatmpi quantize IN.gguf OUT.gguf --type TYPE`.
 *
 * Converts the weight matrices (tensors of two or more dimensions whose name ends in
 * "weight") to the chosen type, or to a mix of types (q4_k_m, q5_k_m: llama.cpp's rules
 * of llama_tensor_get_type, simplified; docs/quantize.md), as llama.cpp's quantize does;
 * 1-D tensors (norms, biases) are stored as f32. A row length that is not a multiple of a
 * K type's 256 falls back to llama.cpp's 32-value type (q4_k -> q5_0, q5_k -> q5_1,
 * q6_k -> q8_0), with a note. A matrix whose row length does not fit the type's blocks,
 * or whose type chatmpi cannot dequantize, is copied unchanged and named in the output.
 * All metadata is copied; general.file_type and (for quantized types)
 * general.quantization_version are set like llama.cpp. The output is written atomically,
 * one tensor in memory at a time.
 * Left out: Q2_K/Q3_K and IQ targets, importance matrices, per-tensor type overrides.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/fmt.h"
#include "cli/opt.h"
#include "core/error.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "tensor/tensor.h"

#define QUANT_VERSION 2 /* ggml's GGML_QNT_VERSION */

static const char *quant_type;
static int quant_verbose;
static const struct opt_spec quant_opts[] = {
    {OPT_STR, "type", 0, "TYPE",
     "target: q8_0, q6_k, q5_k, q5_1, q5_0, q4_k, q4_1, q4_0, f16, bf16, f32, or the mixes q5_k_m, q4_k_m "
     "(required)",
     &quant_type},
    {OPT_FLAG, "verbose", 'v', NULL, "print one line per tensor", &quant_verbose},
    {0},
};
static const struct opt_cmd quant_cmd = {
    "quantize",
    "[options] --type TYPE IN.gguf OUT.gguf",
    "Convert a GGUF model's weight matrices to another element type.",
    "Matrices (2 or more dimensions, name ending in 'weight') whose row length is a\n"
    "multiple of the type's block (32, or 256 for the k types, which fall back to a\n"
    "32-value type otherwise) are converted; 1-D tensors are kept as f32; the rest is\n"
    "copied unchanged. q4_k_m and q5_k_m mix types as llama.cpp does (see\n"
    "docs/quantize.md). IN and OUT may be the same file.",
    2,
    2,
    quant_opts,
};

enum quant_mix { QUANT_PURE, QUANT_K_M };

/* The targets: type (the default type of a mix), the llama_ftype value llama.cpp stores in
 * general.file_type. */
static const struct quant_target {
    const char *name;
    uint32_t type, ftype;
    enum quant_mix mix;
} quant_targets[] = {
    {"f32", TENSOR_TYPE_F32, 0, QUANT_PURE},      {"f16", TENSOR_TYPE_F16, 1, QUANT_PURE},
    {"q4_0", TENSOR_TYPE_Q4_0, 2, QUANT_PURE},    {"q4_1", TENSOR_TYPE_Q4_1, 3, QUANT_PURE},
    {"q8_0", TENSOR_TYPE_Q8_0, 7, QUANT_PURE},    {"q5_0", TENSOR_TYPE_Q5_0, 8, QUANT_PURE},
    {"q5_1", TENSOR_TYPE_Q5_1, 9, QUANT_PURE},    {"q4_k", TENSOR_TYPE_Q4_K, 14, QUANT_PURE},
    {"q4_k_m", TENSOR_TYPE_Q4_K, 15, QUANT_K_M},  {"q5_k", TENSOR_TYPE_Q5_K, 16, QUANT_PURE},
    {"q5_k_m", TENSOR_TYPE_Q5_K, 17, QUANT_K_M},  {"q6_k", TENSOR_TYPE_Q6_K, 18, QUANT_PURE},
    {"bf16", TENSOR_TYPE_BF16, 32, QUANT_PURE},
};

/* What the mix rules need to know about the model. */
struct quant_model {
    int n_layer;    /* 1 + the largest N of a "blk.N." tensor */
    int has_output; /* an output.weight of its own (else token_embd is the output too) */
};

struct quant_job {
    const struct gguf_tensor *src;
    uint32_t dst_type;
};

static int quant_fill(void *ctx, void *dst, size_t nbytes)
{
    const struct quant_job *j = ctx;
    const struct gguf_tensor *t = j->src;
    int64_t ne0 = t->ne[0], rows = ne0 ? t->n_elements / ne0 : 0;
    size_t src_row = tensor_row_size(t->type, ne0), dst_row = tensor_row_size(j->dst_type, ne0);
    CM_ASSERT(!rows || (size_t)rows * dst_row == nbytes);
    float *buf = cm_malloc((size_t)(ne0 ? ne0 : 1) * sizeof(float));
    int rc = 0;
    for (int64_t r = 0; r < rows && !rc; r++) {
        rc = tensor_dequantize_row(t->type, (const uint8_t *)t->data + (size_t)r * src_row, buf, ne0);
        if (!rc) rc = tensor_quantize_row(j->dst_type, buf, (uint8_t *)dst + (size_t)r * dst_row, ne0);
    }
    free(buf);
    if (rc) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", cm_error_message());
        return cm_error_set(CM_EFORMAT, "cannot convert tensor '%s': %s", t->name, msg);
    }
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* The layer of a "blk.N." tensor, or -1. */
static int quant_layer(const char *name)
{
    if (strncmp(name, "blk.", 4)) return -1;
    char *end;
    long v = strtol(name + 4, &end, 10);
    return end != name + 4 && *end == '.' && v >= 0 && v < 1000000 ? (int)v : -1;
}

/* llama.cpp's use_more_bits: the first and last eighth of the layers and every third
 * between them. */
static int quant_more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

/* The k_m mixes (llama_tensor_get_type for Q4_K_M / Q5_K_M, simplified): the output
 * matrix (token_embd when the model has no output.weight) q6_k; attn_v and ffn_down q6_k
 * in the layers of quant_more_bits (by the layer number in the name); attn_qkv one step up
 * (q4_k_m: q5_k, q5_k_m: q6_k); the rest the mix's type. */
static uint32_t quant_mix_type(const struct gguf_tensor *t, const struct quant_target *tg,
                               const struct quant_model *qm)
{
    const char *n = t->name;
    int layer = quant_layer(n);
    if (!strcmp(n, "output.weight") || (!qm->has_output && !strcmp(n, "token_embd.weight"))) return TENSOR_TYPE_Q6_K;
    if (layer >= 0 && (strstr(n, ".attn_v.weight") || strstr(n, ".ffn_down")) && quant_more_bits(layer, qm->n_layer))
        return TENSOR_TYPE_Q6_K;
    if (strstr(n, ".attn_qkv.weight")) return tg->type == TENSOR_TYPE_Q4_K ? TENSOR_TYPE_Q5_K : TENSOR_TYPE_Q6_K;
    return tg->type;
}

/* llama.cpp's fallback for a row length that is not a multiple of 256. */
static uint32_t quant_fallback(uint32_t type)
{
    switch (type) {
    case TENSOR_TYPE_Q4_K: return TENSOR_TYPE_Q5_0;
    case TENSOR_TYPE_Q5_K: return TENSOR_TYPE_Q5_1;
    case TENSOR_TYPE_Q6_K: return TENSOR_TYPE_Q8_0;
    default: return type;
    }
}

/* The type tensor t gets, and why it keeps its own when it does (NULL: converted or same);
 * *note: why it gets another type than asked (a fallback), else NULL. */
static uint32_t quant_choose(const struct gguf_tensor *t, const struct quant_target *tg, const struct quant_model *qm,
                             const char **why, const char **note)
{
    const struct tensor_type_info *src = tensor_type_get(t->type);
    *why = *note = NULL;
    uint32_t target = tg->type;
    if (t->n_dims < 2) target = TENSOR_TYPE_F32;
    else if (!ends_with(t->name, "weight")) return *why = "not a weight", t->type;
    else {
        if (tg->mix == QUANT_K_M) target = quant_mix_type(t, tg, qm);
        if (t->ne[0] % tensor_type_get(target)->block_size && quant_fallback(target) != target) {
            target = quant_fallback(target);
            *note = "rows are not a multiple of 256 values";
        }
        if (t->ne[0] % tensor_type_get(target)->block_size) return *why = "row length does not fit the blocks", t->type;
    }
    if (target == t->type) return target;
    if (!src->can_dequantize) return *why = "no dequantizer for its type", t->type;
    return target;
}

int cmd_quantize(int argc, char **argv)
{
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    quant_type = NULL, quant_verbose = 0;
    struct gguf *g = NULL;
    struct gguf_writer w;
    gguf_writer_init(&w);
    struct quant_job *jobs = NULL;
    int rc = opt_parse(&quant_cmd, argc, argv, &pos);
    if (rc != OPT_OK) goto done;
    const struct quant_target *tg = NULL;
    for (size_t i = 0; quant_type && i < sizeof(quant_targets) / sizeof(quant_targets[0]); i++)
        if (!strcasecmp(quant_targets[i].name, quant_type)) tg = &quant_targets[i];
    if (!tg) {
        fprintf(stderr,
                "chatmpi quantize: %s\nhint: use --type q8_0, q6_k, q5_k, q5_1, q5_0, q4_k, q4_1, q4_0, q5_k_m, "
                "q4_k_m, f16, bf16 or f32\n",
                quant_type ? "unsupported --type value" : "--type is required");
        rc = EXIT_USAGE;
        goto done;
    }
    const char *in = pos.items[0], *out = pos.items[1];
    if ((rc = gguf_open(&g, in))) goto fail;
    for (size_t i = 0; i < g->n_kv && !rc; i++) rc = gguf_writer_copy_kv(&w, g, &g->kv[i]);
    if (!rc) rc = gguf_writer_set_u32(&w, "general.file_type", tg->ftype);
    if (!rc && tensor_type_get(tg->type)->block_size > 1)
        rc = gguf_writer_set_u32(&w, "general.quantization_version", QUANT_VERSION);
    if (rc) goto fail;

    struct quant_model qm = {0, 0};
    for (size_t i = 0; i < g->n_tensors; i++) {
        int l = quant_layer(g->tensors[i].name);
        if (l >= qm.n_layer) qm.n_layer = l + 1;
        if (!strcmp(g->tensors[i].name, "output.weight")) qm.has_output = 1;
    }
    jobs = cm_calloc(g->n_tensors ? g->n_tensors : 1, sizeof(*jobs));
    size_t converted = 0, kept = 0, fallbacks = 0;
    uint64_t bytes_in = 0, bytes_out = 0;
    for (size_t i = 0; i < g->n_tensors; i++) {
        const struct gguf_tensor *t = &g->tensors[i];
        const char *why, *note;
        uint32_t target = quant_choose(t, tg, &qm, &why, &note);
        jobs[i] = (struct quant_job){t, target};
        uint32_t n_dims = t->n_dims ? t->n_dims : 1; /* a 0-D scalar is stored as 1-D */
        if (target == t->type)
            rc = gguf_writer_add_tensor(&w, t->name, t->type, n_dims, t->ne, t->data);
        else
            rc = gguf_writer_add_tensor_fill(&w, t->name, target, n_dims, t->ne, quant_fill, &jobs[i]);
        if (rc) goto fail;
        uint64_t nb = w.tensors[w.n_tensors - 1].nbytes;
        bytes_in += t->nbytes, bytes_out += nb;
        if (target != t->type) converted++;
        if (note) fallbacks++;
        if (why) {
            struct cm_buf name;
            cm_buf_init(&name);
            cli_fmt_name(&name, t->name);
            kept++;
            printf("kept %s as %s: %s\n", name.data, tensor_type_name(t->type), why);
            cm_buf_release(&name);
        } else if (note && quant_verbose) {
            struct cm_buf name;
            cm_buf_init(&name);
            cli_fmt_name(&name, t->name);
            printf("note: %s as %s: %s\n", name.data, tensor_type_name(target), note);
            cm_buf_release(&name);
        }
        if (!why && quant_verbose) {
            printf("%-40s %-5s -> %-5s %12llu -> %llu bytes\n", t->name, tensor_type_name(t->type),
                   tensor_type_name(target), (unsigned long long)t->nbytes, (unsigned long long)nb);
        }
    }
    if (fallbacks)
        printf("note: %zu matrices have rows that are not a multiple of 256 values: q5_0, q5_1 or q8_0 instead of "
               "q4_k, q5_k or q6_k (-v names them)\n",
               fallbacks);
    if ((rc = gguf_writer_write(&w, out))) goto fail;
    uint64_t in_size = g->size; /* in may be out: it is replaced now, still mapped */
    gguf_close(g);
    g = NULL;
    /* report what was written, as the reader sees it */
    if ((rc = gguf_open(&g, out))) goto fail;
    char a[32], b[32], c[32], d[32];
    printf("wrote '%s' as %s: %zu tensors converted, %zu kept; tensor data %s -> %s; file %s -> %s\n", out,
           tg->name, converted, kept, cli_fmt_bytes(a, sizeof(a), bytes_in),
           cli_fmt_bytes(b, sizeof(b), bytes_out), cli_fmt_bytes(c, sizeof(c), in_size),
           cli_fmt_bytes(d, sizeof(d), g->size));
    rc = EXIT_OK;
    goto done;
fail:
    rc = cli_report_error(rc);
done:
    free(jobs);
    gguf_writer_release(&w);
    gguf_close(g);
    cm_strlist_release(&pos);
    fflush(stdout);
    return rc == OPT_HELP ? EXIT_OK : rc;
}
