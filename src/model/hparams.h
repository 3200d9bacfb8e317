/* hparams.h — the hyper-parameters of the architectures chatmpi runs, as llama.cpp stores
 * them in GGUF: general.architecture names the architecture ("llama" or "qwen2") and the
 * keys sit under that name as prefix (llama.block_count, qwen2.block_count, ...). Shared by
 * inference (src/model) and training (src/train). Reading and writing them is here;
 * tensors are not. Any other architecture is refused with its name and the file's. */
#ifndef CM_HPARAMS_H
#define CM_HPARAMS_H

#include <stdint.h>

struct gguf;
struct gguf_writer;

/* The architectures: llama (Llama 2, Code Llama, SmolLM2, chatmpi's own models) and qwen2
 * (Qwen2, Qwen2.5, Qwen2.5-Coder: llama's blocks with biases on Q, K and V and RoPE in
 * NEOX mode, as llama.cpp's llama-model.cpp builds them). */
enum llama_arch {
    LLAMA_ARCH_LLAMA = 0,
    LLAMA_ARCH_QWEN2 = 1,
    LLAMA_ARCH_COUNT
};

/* "llama", "qwen2"; NULL for a value out of range. */
const char *llama_arch_name(enum llama_arch a);
/* The architecture named (general.architecture's value); -1 when unknown. */
int llama_arch_from_name(const char *name);
/* "llama, qwen2": for messages. */
const char *llama_arch_list(void);
/* Whether the architecture has biases on Q, K and V (qwen2). */
int llama_arch_has_qkv_bias(enum llama_arch a);
/* Whether RoPE rotates the pairs (i, i + n_rot/2) (llama.cpp's NEOX mode, qwen2) instead of
 * adjacent pairs (2i, 2i+1) (NORM mode, llama). */
int llama_arch_rope_neox(enum llama_arch a);

struct llama_hparams {
    enum llama_arch arch; /* general.architecture; the prefix of the keys below (llama.* shown) */
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

/* Reads the hyper-parameters of a llama or qwen2 GGUF model; validates them (non-zero,
 * dim divisible by n_head, n_head divisible by n_head_kv, n_rot even and <= head size).
 * n_vocab comes from token_embd.weight's second dimension. */
int llama_hparams_read(struct llama_hparams *hp, const struct gguf *g);
/* Writes general.architecture = hp->arch's name and the <arch>.* keys (not n_vocab: tensors
 * say it). */
int llama_hparams_write(const struct llama_hparams *hp, struct gguf_writer *w);
/* Checks the invariants llama_hparams_read checks; message names the field. */
int llama_hparams_validate(const struct llama_hparams *hp);
/* Parses "dim=256,layers=4,heads=8,kv_heads=4,ffn=688,ctx=512[,rope_base=..][,eps=..]" into hp
 * (n_vocab and arch left as they are): the `--init` shape of `chatmpi train`. */
int llama_hparams_parse(struct llama_hparams *hp, const char *spec);
/* Number of parameters (embedding, blocks, norms, output unless tied, qwen2's Q/K/V biases). */
uint64_t llama_hparams_n_params(const struct llama_hparams *hp, int tied_output);

#endif
