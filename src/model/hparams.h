/* hparams.h — the llama architecture's hyper-parameters, as llama.cpp stores them in GGUF
 * (general.architecture = "llama", llama.*), shared by inference (src/model) and training
 * (src/train). Reading and writing them is here; tensors are not. */
#ifndef CM_HPARAMS_H
#define CM_HPARAMS_H

#include <stdint.h>

struct gguf;
struct gguf_writer;

struct llama_hparams {
    uint32_t n_vocab;     /* from the tokenizer tokens, or token_embd's shape */
    uint32_t n_ctx;       /* llama.context_length */
    uint32_t dim;         /* llama.embedding_length */
    uint32_t n_ff;        /* llama.feed_forward_length */
    uint32_t n_layer;     /* llama.block_count */
    uint32_t n_head;      /* llama.attention.head_count */
    uint32_t n_head_kv;   /* llama.attention.head_count_kv (default n_head) */
    uint32_t n_rot;       /* llama.rope.dimension_count (default dim / n_head) */
    float rope_base;      /* llama.rope.freq_base (default 10000; Code Llama 1e6) */
    float norm_eps;       /* llama.attention.layer_norm_rms_epsilon (default 1e-5) */
};

/* Reads the hyper-parameters of a llama-architecture GGUF model; validates them (non-zero,
 * dim divisible by n_head, n_head divisible by n_head_kv, n_rot even and <= head size).
 * n_vocab comes from token_embd.weight's second dimension. */
int llama_hparams_read(struct llama_hparams *hp, const struct gguf *g);
/* Writes general.architecture = "llama" and the llama.* keys (not n_vocab: tensors say it). */
int llama_hparams_write(const struct llama_hparams *hp, struct gguf_writer *w);
/* Checks the invariants llama_hparams_read checks; message names the field. */
int llama_hparams_validate(const struct llama_hparams *hp);
/* Parses "dim=256,layers=4,heads=8,kv_heads=4,ffn=688,ctx=512[,rope_base=..][,eps=..]" into hp
 * (n_vocab left as is): the `--init` shape of `chatmpi train`. */
int llama_hparams_parse(struct llama_hparams *hp, const char *spec);
/* Number of parameters (embedding, blocks, norms, output unless tied). */
uint64_t llama_hparams_n_params(const struct llama_hparams *hp, int tied_output);

#endif
