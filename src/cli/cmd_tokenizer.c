/* cmd_tokenizer.c — `chatmpi tokenizer import`: put a sentencepiece vocabulary into GGUF.
 *
 *   import SPM.model|SPM.vocab -o OUT.gguf        a tokenizer-only GGUF (no tensors)
 *   import SPM.model --into MODEL.gguf [-o OUT]  add or replace a model's tokenizer keys
 *
 * The vocabulary is checked by building the tokenizer before anything is written. With
 * --into, the model's other keys and its tensors are copied unchanged and the file is
 * rewritten atomically; a vocabulary whose size differs from the model's embedding rows is
 * refused. A tokenizer-only file carries general.architecture = "llama" (the GGUF writer,
 * like llama.cpp, needs one), general.type = "tokenizer" and the tokenizer keys: llama.cpp's
 * gguf tools read it, llama.cpp cannot load it as a model (it has no weights).
 * Left out: exporting a GGUF vocabulary back to a sentencepiece .model.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opt.h"
#include "core/error.h"
#include "gguf/gguf.h"
#include "tokenizer/spm_model.h"
#include "tokenizer/tok_gguf.h"
#include "tokenizer/tokenizer.h"

static int usage(const char *msg)
{
    fprintf(stderr, "chatmpi tokenizer import: %s\nhint: see 'chatmpi tokenizer import --help'\n", msg);
    return EXIT_USAGE;
}

/* Refuses a vocabulary whose size differs from what the model's tensors and keys say. */
static int model_vocab_check(const struct gguf *g, size_t n)
{
    static const char *const tensors[] = {"token_embd.weight", "output.weight"};
    for (size_t i = 0; i < 2; i++) {
        const struct gguf_tensor *t = gguf_find_tensor(g, tensors[i]);
        if (t && t->n_dims >= 2 && (uint64_t)t->ne[1] != n) {
            cm_error_set(CM_EINVAL, "cannot put a %zu-token vocabulary into '%s': its %s has %lld rows", n, g->path,
                         tensors[i], (long long)t->ne[1]);
            cm_error_hint("a model's tokenizer must have exactly one piece per embedding row");
            return CM_EINVAL;
        }
    }
    const char *arch = NULL;
    if (gguf_find_key(g, "general.architecture") && !gguf_get_str(g, "general.architecture", &arch)) {
        char key[128];
        snprintf(key, sizeof(key), "%s.vocab_size", arch);
        uint64_t vs;
        if (gguf_find_key(g, key) && !gguf_get_u64(g, key, &vs) && vs != n) {
            cm_error_set(CM_EINVAL, "cannot put a %zu-token vocabulary into '%s': its %s is %llu", n, g->path, key,
                         (unsigned long long)vs);
            return CM_EINVAL;
        }
    }
    cm_error_clear();
    return 0;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int tokenizer_import(int argc, char **argv)
{
    const char *out = NULL, *into = NULL;
    const struct opt_spec opts[] = {
        {OPT_STR, "output", 'o', "OUT.gguf", "write the result here (with --into: instead of over MODEL)", &out},
        {OPT_STR, "into", 0, "MODEL.gguf", "add (or replace) the tokenizer keys of this model", &into},
        {0},
    };
    const struct opt_cmd cmd = {
        "tokenizer import",
        "SPM.model|SPM.vocab (-o OUT.gguf | --into MODEL.gguf [-o OUT.gguf])",
        "Store a sentencepiece vocabulary in GGUF under llama.cpp's tokenizer.ggml.* keys.",
        "Without --into the output is a tokenizer-only GGUF: general.type = \"tokenizer\", no\n"
        "tensors. With --into the model's keys and tensors are copied and its tokenizer keys\n"
        "replaced; MODEL is rewritten atomically unless -o names another file.\n\n"
        "exit codes: 0 written, 2 usage error or a vocabulary that does not fit the model,\n"
        "3 unreadable or unsupported input, or a failed write",
        1,
        1,
        opts,
    };
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    int rc = opt_parse(&cmd, argc, argv, &pos);
    if (rc != OPT_OK) {
        cm_strlist_release(&pos);
        return rc == OPT_HELP ? EXIT_OK : EXIT_USAGE;
    }
    if (!out && !into) {
        cm_strlist_release(&pos);
        return usage("say where to write: -o OUT.gguf or --into MODEL.gguf");
    }

    struct tok_spm_model m;
    struct tok_vocab_spec spec;
    struct tokenizer *tk = NULL;
    struct gguf *g = NULL;
    struct gguf_writer w;
    tok_spm_model_init(&m);
    gguf_writer_init(&w);
    if ((rc = tok_spm_model_load(&m, pos.items[0]))) goto fail;
    tok_spm_model_spec(&m, &spec);
    if ((rc = tok_create(&tk, &spec))) goto fail; /* refuse what chatmpi could not encode */
    if (into) {
        if ((rc = gguf_open(&g, into))) goto fail;
        if ((rc = model_vocab_check(g, spec.n))) goto fail;
        for (size_t i = 0; i < g->n_kv && !rc; i++)
            if (strncmp(g->kv[i].key, "tokenizer.ggml.", 15)) rc = gguf_writer_copy_kv(&w, g, &g->kv[i]);
        for (size_t i = 0; i < g->n_tensors && !rc; i++) {
            const struct gguf_tensor *t = &g->tensors[i];
            rc = gguf_writer_add_tensor(&w, t->name, t->type, t->n_dims, t->ne, t->data);
        }
    } else {
        if (!(rc = gguf_writer_set_str(&w, "general.architecture", "llama")) &&
            !(rc = gguf_writer_set_str(&w, "general.type", "tokenizer")))
            rc = gguf_writer_set_str(&w, "general.name", base_name(pos.items[0]));
    }
    if (rc || (rc = tok_write_gguf(&w, &spec, m.pad, 0)) || (rc = gguf_writer_write(&w, out ? out : into))) goto fail;
    printf("wrote %s: %zu tokens (bos %d, eos %d, unk %d%s)\n", out ? out : into, spec.n, spec.bos, spec.eos, spec.unk,
           spec.add_space_prefix ? ", space prefix" : "");
    rc = EXIT_OK;
    goto done;
fail:
    rc = cli_report_error(rc);
done:
    gguf_writer_release(&w);
    gguf_close(g);
    tok_free(tk);
    tok_spm_model_release(&m);
    cm_strlist_release(&pos);
    return rc;
}

static const struct cli_subcommand tokenizer_cmds[] = {
    {"import", tokenizer_import, "store a sentencepiece .model/.vocab in a GGUF file"},
};

int cmd_tokenizer(int argc, char **argv)
{
    return cli_dispatch("tokenizer", "Tokenizer files.", tokenizer_cmds, sizeof(tokenizer_cmds) / sizeof(tokenizer_cmds[0]), argc, argv);
}
