/* assistant.h — the model as an assistant: a question (and an optional context) in, answer
 * text out. Loads a llama or qwen2 GGUF with its tokenizer, renders the prompt with a
 * template (the one named, else the one the model's chat template is, else ChatHPC's; see
 * tmpl_resolve), generates with the sampler until end-of-sequence, the token limit, a stop
 * string or the template's end of turn (chatml's <|im_end|>), and decodes. Used by `run` (interactive and FILE.c), `verify` and `test`.
 *
 * A conversation (assistant_chat) is a list of turns: worked examples and earlier rounds
 * (question and answer), then the question to answer. Each turn is rendered with the
 * template (the system text only in the first), one after the other.
 *
 * The KV cache is kept between calls: a prompt that begins with the tokens of the previous
 * call's prompt and answer (the K candidates of one question, a repair round that extends
 * the conversation) evaluates only the tokens after the shared prefix. The last prompt
 * token is always evaluated again, so the first answer token is drawn from fresh logits;
 * logits may differ from a cold start in the last bits (one token evaluated alone instead of
 * in a batch), and greedy answers agree with a cold start in the tests.
 *
 * Left out: streaming to a terminal (the caller gets the whole answer; on_text reports
 * progress).
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

/* The default assistant's pretrained base (models/bases.tsv): the strongest assistant measured
 * (docs/default-model.md), fetched by `make demo` or scripts/fetch_base.sh. */
#define ASSISTANT_DEFAULT_BASE "qwen2.5-coder-1.5b-instruct"

/* The model used when none is named: $CHATMPI_MODEL; else ASSISTANT_DEFAULT_BASE's GGUF when
 * it is fetched (in the cache); else models/default.gguf beside the chatmpi binary, the small
 * embedded model. Owned by the caller. */
char *assistant_default_model(void);

/* A -m argument as a model file: an existing path as it is; else the name of a pretrained
 * base listed in models/bases.tsv beside the binary (smollm2-135m-instruct,
 * qwen2.5-coder-1.5b-instruct), which is $CHATMPI_CACHE/models/<its file> (default
 * ~/.cache/chatmpi) once scripts/fetch_base.sh NAME has fetched it; else the argument as
 * given (the caller says there is no model there). A listed base not fetched yet is CM_EENV
 * with the command that fetches it. Caller frees *out. */
int assistant_resolve_model(char **out, const char *arg);

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
/* One exchange: the question (with an optional context) and its answer; the answer is NULL
 * in the last turn, the one to answer. Borrowed. */
struct assistant_turn {
    const char *question, *context, *answer;
};

/* What one answer cost. */
struct assistant_usage {
    size_t prompt_tokens;  /* the whole prompt */
    size_t cached_tokens;  /* of them, taken from the previous call's cache (not evaluated) */
    size_t tokens;         /* generated */
    double prefill_s, decode_s;
    int cut;               /* the answer hit max_tokens or the context */
};

/* Answers the last of n turns (n >= 1) given the ones before; usage may be NULL. The prompt
 * must leave room for one token in the context (else CM_EINVAL, with the counts). */
int assistant_chat(struct assistant *a, char **out, const struct assistant_turn *turns, size_t n,
                   const struct sampler_params *sampling, struct assistant_usage *usage);
/* What one call may set apart from the options (the server's per-request fields); zero
 * fields keep the options'. Borrowed for the call. */
struct assistant_call {
    size_t max_tokens;        /* 0: the options' max_tokens */
    const char *const *stops; /* (n_stops) stop strings for this answer, besides the options' and
                               * the template's end of turn; each non-empty */
    size_t n_stops;
    const char *system;       /* the system text (NULL: the template's default, the MPI preamble) */
    const char *raw_prompt;   /* a completion: this text as the whole prompt, no template, no turns
                               * (and no name normalization); NULL: the turns */
    /* streams the answer as it becomes safe to show (textgen.h: never part of a stop string);
     * a model trained on normalized names streams them normalized (the returned answer has
     * them restored); may be NULL */
    void (*on_text)(void *ctx, const char *text, size_t len);
    void *ctx;
    const char *answer_prefix; /* the start of the answer, after the template's assistant turn
                                * begins: the model continues it, and the answer (streamed and
                                * returned) starts with it; NULL or "": none. Not with raw_prompt */
};

/* assistant_chat with per-call settings (call may be NULL); with call->raw_prompt, turns may
 * be NULL and n 0. */
int assistant_chat_call(struct assistant *a, char **out, const struct assistant_turn *turns, size_t n,
                        const struct sampler_params *sampling, const struct assistant_call *call,
                        struct assistant_usage *usage);
/* The prompt's token count for these turns (for budgets; nothing evaluated). */
int assistant_count_tokens(struct assistant *a, size_t *n_tokens, const struct assistant_turn *turns, size_t n);

/* The model's context length and the prompt's token count for a question (for messages). */
uint32_t assistant_n_ctx(const struct assistant *a);
/* The built-in template in use ("chatml"), or NULL for a file or text. */
const char *assistant_template_name(const struct assistant *a);
/* 1 when the template is a chat model's: a built-in other than chathpc, or a file or text
 * written with a chat model's special-token markers (<|im_start|>: tmpl_special_tokens). */
int assistant_template_chat(const struct assistant *a);

#endif
