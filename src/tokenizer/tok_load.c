/* tok_load.c — a tokenizer from a GGUF file or a sentencepiece model (see tok_load.h). */
#include "tokenizer/tok_load.h"

#include <string.h>

#include "gguf/gguf.h"
#include "tokenizer/spm_model.h"
#include "tokenizer/tok_gguf.h"
#include "tokenizer/tokenizer.h"

int tok_load_gguf(struct tokenizer **out, const char *path)
{
    struct gguf *g = NULL;
    int rc = gguf_open(&g, path);
    if (!rc) rc = tok_from_gguf(out, g);
    gguf_close(g);
    return rc;
}

int tok_load_spm(struct tokenizer **out, const char *path)
{
    struct tok_spm_model m;
    struct tok_vocab_spec spec;
    tok_spm_model_init(&m);
    int rc = tok_spm_model_load(&m, path);
    if (!rc) {
        tok_spm_model_spec(&m, &spec);
        rc = tok_create(out, &spec);
    }
    tok_spm_model_release(&m);
    return rc;
}

int tok_load(struct tokenizer **out, const char *path)
{
    size_t n = strlen(path);
    if (n > 5 && !strcmp(path + n - 5, ".gguf")) return tok_load_gguf(out, path);
    return tok_load_spm(out, path);
}
