/* cmd_model.c — `chatmpi model init`: models for tests and benchmarks.
 *   init  writes a llama or qwen2 model with random weights of a given shape and type
 * The writer is llama_model_write_random (src/model/init.c).
 * Left out: a tokenizer in the file (the vocabulary size is given; other tools attach one). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opt.h"
#include "core/error.h"
#include "model/model.h"
#include "tensor/tensor.h"

static int model_init(int argc, char **argv)
{
    const char *shape = NULL, *type_name = "f32", *out = NULL, *arch = "llama";
    long vocab = 0, seed = 1;
    int tied = 0, quiet = 0;
    const struct opt_spec specs[] = {
        {OPT_STR, "shape", 's', "SPEC",
         "dim=..,layers=..,heads=..,kv_heads=..,ffn=..,ctx=..,vocab=N[,rot=..][,rope_base=..][,eps=..] (required)",
         &shape},
        {OPT_STR, "type", 't', "TYPE", "weight type: f32 (default), f16, bf16, q8_0 or q4_0", &type_name},
        {OPT_INT, "seed", 0, "S", "random seed (default 1)", &seed, 0, 0x7fffffffffffffffL},
        {OPT_STR, "arch", 0, "ARCH", "architecture: llama (default) or qwen2 (adds Q/K/V biases, NEOX RoPE)", &arch},
        {OPT_FLAG, "tied", 0, NULL, "no output.weight: the output projection is the token embedding", &tied},
        {OPT_STR, "output", 'o', "OUT.gguf", "file to write (required)", &out},
        {OPT_FLAG, "quiet", 'q', NULL, "print nothing on success", &quiet},
        {0},
    };
    const struct opt_cmd cmd = {
        "model init", "--shape SPEC [--arch ARCH] [--type TYPE] [--seed S] [--tied] -o OUT.gguf",
        "Write a llama or qwen2 model with seeded random weights (for tests and benchmarks).",
        "Matrices are Gaussian scaled by 1/sqrt(rows' length) so activations stay O(1); norm\n"
        "weights are near 1. The same seed gives the same file; the same seed in another\n"
        "type gives the same weights rounded to that type. q8_0 and q4_0 need dim and ffn to\n"
        "be multiples of 32. The file has no tokenizer: use token ids (generate --prompt-ids).\n\n"
        "exit codes: 0 written, 2 usage or invalid shape, 3 cannot write",
        0, 0, specs};
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    int rc = opt_parse(&cmd, argc, argv, &pos);
    cm_strlist_release(&pos);
    if (rc != OPT_OK) return rc == OPT_HELP ? EXIT_OK : EXIT_USAGE;
    if (!shape || !out) {
        fprintf(stderr, "chatmpi model init: --shape and -o are required\nhint: see 'chatmpi model init --help'\n");
        return EXIT_USAGE;
    }
    /* vocab=N is ours; the other items are llama_hparams_parse's */
    char spec[512] = "";
    size_t sl = 0;
    for (const char *p = shape; *p;) {
        size_t k = strcspn(p, ",");
        if (k > 6 && !strncmp(p, "vocab=", 6)) {
            char num[16], *end;
            if (k - 6 >= sizeof(num)) k = 6; /* too long: refused below */
            memcpy(num, p + 6, k - 6), num[k - 6] = '\0';
            errno = 0;
            vocab = strtol(num, &end, 10);
            if (errno || *end || vocab < 1 || vocab > (1L << 24)) {
                fprintf(stderr, "chatmpi model init: invalid vocab in '%s': expected 1..16777216\n", shape);
                return EXIT_USAGE;
            }
        } else if (sl + k + 2 < sizeof(spec)) {
            sl += (size_t)snprintf(spec + sl, sizeof(spec) - sl, "%s%.*s", sl ? "," : "", (int)k, p);
        } else {
            fprintf(stderr, "chatmpi model init: shape '%s' is too long\n", shape);
            return EXIT_USAGE;
        }
        p += k + (p[k] == ',');
    }
    if (!vocab) {
        fprintf(stderr, "chatmpi model init: the shape needs vocab=N\nhint: e.g. --shape "
                        "dim=288,layers=6,heads=6,kv_heads=6,ffn=768,ctx=256,vocab=32000\n");
        return EXIT_USAGE;
    }
    int a = llama_arch_from_name(arch);
    if (a < 0) {
        fprintf(stderr, "chatmpi model init: unknown architecture '%s'; supported: %s\n", arch, llama_arch_list());
        return EXIT_USAGE;
    }
    struct llama_hparams hp = {.n_vocab = (uint32_t)vocab, .arch = (enum llama_arch)a};
    uint32_t type;
    if ((rc = llama_hparams_parse(&hp, spec)) || (rc = tensor_type_from_name(&type, type_name))) {
        cli_report_error(CM_EINVAL);
        return EXIT_USAGE;
    }
    rc = llama_model_write_random(out, &hp, type, (uint64_t)seed, tied);
    if (rc) return cli_report_error(rc);
    if (!quiet) {
        uint64_t np = llama_hparams_n_params(&hp, tied);
        printf("wrote %s: %s, %llu parameters (%.1fM), %s, dim %u, %u layers, %u/%u heads, ffn %u, ctx %u, vocab %u%s\n",
               out, llama_arch_name(hp.arch), (unsigned long long)np, (double)np / 1e6, tensor_type_name(type), hp.dim, hp.n_layer, hp.n_head,
               hp.n_head_kv, hp.n_ff, hp.n_ctx, hp.n_vocab, tied ? ", tied output" : "");
    }
    return EXIT_OK;
}

static const struct cli_subcommand model_cmds[] = {
    {"init", model_init, "write a model with random weights (tests, benchmarks)"},
};

int cmd_model(int argc, char **argv)
{
    return cli_dispatch("model", "llama and qwen2 models.", model_cmds, sizeof(model_cmds) / sizeof(model_cmds[0]),
                        argc, argv);
}
