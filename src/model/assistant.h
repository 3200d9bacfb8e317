/* assistant.h — the model as an assistant: a question (and an optional context) in, answer
 * text out. Loads a llama or qwen2 GGUF with its tokenizer, renders the prompt with a
 * template (the one named, else the one the model's chat template is, else ChatHPC's; see
 * tmpl_resolve), generates with the sampler until end-of-sequence, the token limit, a stop
 * string or the template's end of turn (chatml's <|im_end|>), and decodes. Used by `run` (interactive and FILE.c), `verify` and `test`.
 *
 * Left out: chat history (the seed answers each question on its own), streaming to a
 * terminal (the caller gets the whole answer; on_text reports progress).
 */
#ifndef CM_ASSISTANT_H
#define CM_ASSISTANT_H

#include <stddef.h>
#include <stdint.h>

#include "model/sampler.h"

struct assistant_opts {
    const char *model_path;   /* GGUF model with tokenizer.ggml.* keys */
    const char *template_name; /* --template: a built-in name, a file or text; NULL: the model's (tmpl_resolve) */
    struct sampler_params sampling; /* default sampling; temperature 0 = greedy */
    size_t max_tokens;        /* answer length limit (default 4096; the context caps it) */
    uint32_t n_ctx;           /* 0: the model's context length */
    int threads;              /* 0: all cores */
    const char *const *lora;  /* (n_lora) LoRA adapters as "FILE[:SCALE]" (lora.h), applied unmerged */
    size_t n_lora;
    const char *const *stops; /* (n_stops) stop strings: an answer ends before the first (textgen.h);
                               * borrowed until assistant_close */
    size_t n_stops;
    int (*interrupted)(void); /* polled once a token; non-zero ends the answer with an error
                               * "interrupted" (CM_EENV): Ctrl-C during a long generation; may be NULL */
};

struct assistant;

/* The model used when none is named: $CHATMPI_MODEL, else models/default.gguf beside the
 * chatmpi binary. Owned by the caller. */
char *assistant_default_model(void);

/* *out belongs to the caller (assistant_close). Fails with a clear message for a model
 * without a tokenizer, an unknown template or an adapter that does not fit the model
 * (CM_EINVAL, as lora.h). */
int assistant_open(struct assistant **out, const struct assistant_opts *o);
void assistant_close(struct assistant *a); /* accepts NULL */
/* Answers one question (context may be NULL) with these sampling parameters (NULL: the
 * options'). *out (caller frees) is the decoded answer; *stopped_by_limit (may be NULL) is
 * set when the answer hit max_tokens or the context. */
int assistant_answer(struct assistant *a, char **out, const char *question, const char *context,
                     const struct sampler_params *sampling, int *stopped_by_limit);
/* The model's context length and the prompt's token count for a question (for messages). */
uint32_t assistant_n_ctx(const struct assistant *a);
/* The built-in template in use ("chatml"), or NULL for a file or text. */
const char *assistant_template_name(const struct assistant *a);

#endif
