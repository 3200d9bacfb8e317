/* cmd_merge.c — `chatmpi merge BASE ADAPTER[:SCALE]... -o OUT [--out-type TYPE]`: fold LoRA
 * adapters into a model's weights (W' = W + scale (alpha/r) B A for each) and write a model
 * GGUF that runs without them (src/model/lora_merge.c).
 * Every adapter is checked against the base first (architecture, tensor names, shapes), so a
 * merge either writes the whole file or nothing.
 * Left out: subtracting adapters (give a negative scale), merging adapters into one adapter.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/fmt.h"
#include "cli/opt.h"
#include "core/error.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "model/lora.h"
#include "model/model.h"
#include "tensor/tensor.h"

int cmd_merge(int argc, char **argv)
{
    const char *out = NULL, *out_type_name = NULL;
    long threads = 0;
    int quiet = 0;
    const struct opt_spec specs[] = {
        {OPT_STR, "output", 'o', "OUT.gguf", "the merged model to write (required)", &out},
        {OPT_STR, "out-type", 0, "TYPE", "write the weights as f32, f16, bf16, q8_0, q6_k, q5_k, q5_1, q5_0, q4_k, q4_1 or q4_0 (default: as in BASE)",
         &out_type_name},
        {OPT_INT, "threads", 0, NULL, "threads (default: all cores)", &threads, 1, 1024},
        {OPT_FLAG, "quiet", 'q', NULL, "print nothing on success", &quiet},
        {0},
    };
    const struct opt_cmd cmd = {
        "merge", "BASE.gguf ADAPTER.gguf[:SCALE]... -o OUT.gguf [--out-type TYPE]",
        "Fold LoRA adapters into a model: W' = W + SCALE * (alpha/r) * B * A for each adapter.",
        "BASE is a llama GGUF model (any type chatmpi runs: f32, f16, bf16, q8_0, q4_0, q6_k);\n"
        "each ADAPTER a LoRA adapter GGUF for it (chatmpi train --lora, llama.cpp's\n"
        "convert_lora_to_gguf.py), with an optional scale (default 1). OUT gets all of BASE's\n"
        "metadata and tokenizer. The weights an adapter updates are dequantized, merged and\n"
        "written in their own type (q8_0 for a q6_k weight); the rest is copied as it is. With\n"
        "--out-type, every weight matrix is written in that type, as 'chatmpi quantize' would.\n\n"
        "exit codes: 0 written, 2 usage or an adapter that does not fit BASE, 3 unreadable or\n"
        "malformed file, cannot write",
        2, -1, specs};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    struct llama_model *m = NULL;
    struct llama_adapter **ads = NULL;
    float *scales = NULL;
    size_t n = 0;
    int rc = opt_parse(&cmd, argc, argv, &pos), err = 0;
    if (rc != OPT_OK) goto done;
    rc = EXIT_USAGE;
    if (!out) {
        fprintf(stderr, "chatmpi merge: -o OUT.gguf is required\nhint: see 'chatmpi merge --help'\n");
        goto done;
    }
    uint32_t out_type = TENSOR_TYPE_COUNT;
    if (out_type_name) {
        const struct tensor_type_info *ti = NULL;
        if (!tensor_type_from_name(&out_type, out_type_name)) ti = tensor_type_get(out_type);
        cm_error_clear();
        if (!ti || !ti->can_quantize || out_type == TENSOR_TYPE_COUNT) {
            fprintf(stderr, "chatmpi merge: unsupported --out-type '%s'\n"
                            "hint: use f32, f16, bf16, q8_0, q6_k, q5_k, q5_1, q5_0, q4_k, q4_1 or q4_0\n",
                    out_type_name);
            goto done;
        }
    }
    if (threads) omp_set_num_threads((int)threads);
    if ((err = llama_model_load(&m, pos.items[0]))) goto fail;
    n = pos.n - 1;
    ads = cm_calloc(n, sizeof(*ads));
    scales = cm_calloc(n, sizeof(*scales));
    for (size_t i = 0; i < n; i++) {
        char *path = NULL;
        if (!(err = llama_lora_spec_parse(pos.items[i + 1], &path, &scales[i])))
            err = llama_adapter_load(&ads[i], path, m);
        free(path);
        if (err) goto fail;
    }
    struct llama_merge_report rep;
    if ((err = llama_lora_merge(m, ads, scales, n, out_type, out, &rep))) goto fail;
    if (!quiet) {
        struct gguf *g = NULL;
        char sz[32] = "?";
        if (!gguf_open(&g, out)) cli_fmt_bytes(sz, sizeof(sz), g->size);
        cm_error_clear();
        gguf_close(g);
        printf("merged %zu adapter%s into '%s' (%s): %zu weights updated", n, n == 1 ? "" : "s", out, sz,
               rep.n_merged);
        if (out_type != TENSOR_TYPE_COUNT) printf(", %zu converted to %s", rep.n_converted, tensor_type_name(out_type));
        printf(", %zu tensors copied\n", rep.n_copied);
        if (rep.n_retyped) {
            struct cm_buf name;
            cm_buf_init(&name);
            cli_fmt_name(&name, rep.retyped_example);
            printf("note: %zu updated weight%s (such as %s) written as q8_0: chatmpi cannot write their type\n",
                   rep.n_retyped, rep.n_retyped == 1 ? "" : "s", name.data);
            cm_buf_release(&name);
        }
    }
    rc = EXIT_OK;
    goto done;
fail:
    rc = cli_report_error(err);
done:
    for (size_t i = 0; i < n; i++) llama_adapter_free(ads[i]);
    free(ads), free(scales);
    llama_model_free(m);
    cm_strlist_release(&pos);
    return rc == OPT_HELP ? EXIT_OK : rc;
}
