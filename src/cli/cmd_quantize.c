/* cmd_quantize.c — `chatmpi quantize IN.gguf OUT.gguf --type q8_0|q4_0|f16|bf16|f32`.
 *
 * Converts the weight matrices (tensors of two or more dimensions whose name ends in
 * "weight") to the chosen type, as llama.cpp's quantize does for the legacy types; 1-D
 * tensors (norms, biases) are stored as f32. A matrix whose row length does not fit the
 * type's blocks, or whose type chatmpi cannot dequantize, is copied unchanged and named
 * in the output. All metadata is copied; general.file_type and (for quantized types)
 * general.quantization_version are set like llama.cpp. The output is written atomically,
 * one tensor in memory at a time.
 * Left out: K-quant and IQ targets, importance matrices, per-tensor type overrides.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    {OPT_STR, "type", 0, "TYPE", "target type: q8_0, q4_0, f16, bf16 or f32 (required)", &quant_type},
    {OPT_FLAG, "verbose", 'v', NULL, "print one line per tensor", &quant_verbose},
    {0},
};
static const struct opt_cmd quant_cmd = {
    "quantize",
    "[options] --type TYPE IN.gguf OUT.gguf",
    "Convert a GGUF model's weight matrices to another element type.",
    "Matrices (2 or more dimensions, name ending in 'weight') whose row length is a\n"
    "multiple of the type's block (32 for q8_0 and q4_0) are converted; 1-D tensors\n"
    "are kept as f32; the rest is copied unchanged. IN and OUT may be the same file.",
    2,
    2,
    quant_opts,
};

/* The llama_ftype value llama.cpp stores in general.file_type. */
static const struct {
    uint32_t type, ftype;
} quant_ftypes[] = {
    {TENSOR_TYPE_F32, 0}, {TENSOR_TYPE_F16, 1}, {TENSOR_TYPE_Q4_0, 2}, {TENSOR_TYPE_Q8_0, 7}, {TENSOR_TYPE_BF16, 32},
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

/* The type tensor t gets, and why it keeps its own when it does (NULL: converted or same). */
static uint32_t quant_choose(const struct gguf_tensor *t, uint32_t want, const char **why)
{
    const struct tensor_type_info *src = tensor_type_get(t->type), *dst = tensor_type_get(want);
    *why = NULL;
    uint32_t target = want;
    if (t->n_dims < 2) target = TENSOR_TYPE_F32;
    else if (!ends_with(t->name, "weight")) return *why = "not a weight", t->type;
    else if (t->ne[0] % dst->block_size) return *why = "row length does not fit the blocks", t->type;
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
    uint32_t want = 0, ftype = UINT32_MAX;
    if (quant_type && !tensor_type_from_name(&want, quant_type))
        for (size_t i = 0; i < sizeof(quant_ftypes) / sizeof(quant_ftypes[0]); i++)
            if (quant_ftypes[i].type == want) ftype = quant_ftypes[i].ftype;
    if (ftype == UINT32_MAX) {
        fprintf(stderr, "chatmpi quantize: %s\nhint: use --type q8_0, q4_0, f16, bf16 or f32\n",
                quant_type ? "unsupported --type value" : "--type is required");
        rc = EXIT_USAGE;
        goto done;
    }
    const char *in = pos.items[0], *out = pos.items[1];
    if ((rc = gguf_open(&g, in))) goto fail;
    for (size_t i = 0; i < g->n_kv && !rc; i++) rc = gguf_writer_copy_kv(&w, g, &g->kv[i]);
    if (!rc) rc = gguf_writer_set_u32(&w, "general.file_type", ftype);
    if (!rc && tensor_type_get(want)->block_size > 1)
        rc = gguf_writer_set_u32(&w, "general.quantization_version", QUANT_VERSION);
    if (rc) goto fail;

    jobs = cm_calloc(g->n_tensors ? g->n_tensors : 1, sizeof(*jobs));
    size_t converted = 0, kept = 0;
    uint64_t bytes_in = 0, bytes_out = 0;
    for (size_t i = 0; i < g->n_tensors; i++) {
        const struct gguf_tensor *t = &g->tensors[i];
        const char *why;
        uint32_t target = quant_choose(t, want, &why);
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
        if (why) {
            struct cm_buf name;
            cm_buf_init(&name);
            cli_fmt_name(&name, t->name);
            kept++;
            printf("kept %s as %s: %s\n", name.data, tensor_type_name(t->type), why);
            cm_buf_release(&name);
        } else if (quant_verbose) {
            printf("%-40s %-5s -> %-5s %12llu -> %llu bytes\n", t->name, tensor_type_name(t->type),
                   tensor_type_name(target), (unsigned long long)t->nbytes, (unsigned long long)nb);
        }
    }
    if ((rc = gguf_writer_write(&w, out))) goto fail;
    uint64_t in_size = g->size; /* in may be out: it is replaced now, still mapped */
    gguf_close(g);
    g = NULL;
    /* report what was written, as the reader sees it */
    if ((rc = gguf_open(&g, out))) goto fail;
    char a[32], b[32], c[32], d[32];
    printf("wrote '%s' as %s: %zu tensors converted, %zu kept; tensor data %s -> %s; file %s -> %s\n", out,
           tensor_type_name(want), converted, kept, cli_fmt_bytes(a, sizeof(a), bytes_in),
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
