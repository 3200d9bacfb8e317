/* model.h — a llama or qwen2 model for inference on the CPU: loading, forward, KV cache.
 *
 * A model is a GGUF file mapped read-only (gguf_open); the weights are used where they lie
 * in the mapping, in their stored type (any type the tensor layer can dequantize: F32, F16,
 * BF16, Q8_0, Q4_0, Q6_K, ...), and are never converted to F32 as a whole. Tensor names are
 * llama.cpp's: token_embd.weight, blk.N.attn_norm.weight, blk.N.attn_{q,k,v,output}.weight,
 * blk.N.ffn_norm.weight, blk.N.ffn_{gate,up,down}.weight, output_norm.weight, output.weight
 * (absent: tied to token_embd.weight); qwen2 adds blk.N.attn_{q,k,v}.bias (F32, required,
 * as llama.cpp requires them). Every tensor's shape and type are checked on load; a message
 * names the tensor that is wrong.
 *
 * Shapes are GGUF's: ne[0] is the row length. A weight W with ne = [n_in, n_out] maps x
 * (n_in values) to y = W x (n_out values), y[i] = dot(row i of W, x).
 *
 * The forward pass (llama_eval) is the llama.cpp graph: RMSNorm, Q/K/V projections (plus
 * their biases for qwen2), RoPE in llama.cpp's NORM mode for llama (adjacent pairs (2i, 2i+1)
 * rotated) or NEOX mode for qwen2 (pairs (i, i + n_rot/2)), grouped-query causal attention
 * over a KV cache, SwiGLU
 * feed-forward, final norm, output projection. A batch of tokens (prefill) goes through
 * matrix products (cblas_sgemm over f32 tiles); one token (decode) through matrix-vector
 * products parallel over output rows, quantized weights dotted block by block against the
 * activation quantized to 8 bits (see matmul.h).
 *
 * LoRA adapters (lora.h) attached to the model are applied unmerged in every product of
 * the weight they adapt, in prefill and decode alike (biases are not adapted).
 *
 * Left out: other architectures, rope scaling, sliding windows, biases other than qwen2's
 * Q/K/V, batches of independent sequences, KV cache quantization or shifting.
 * Ownership: llama_model_load's *out and llama_state_new's *out belong to the caller.
 */
#ifndef CM_MODEL_MODEL_H
#define CM_MODEL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "model/hparams.h"

struct gguf;

/* A weight matrix in the mapping: n_out rows of n_in values of element type `type`. */
struct llama_weight {
    const char *name; /* borrowed from the gguf */
    const void *data; /* borrowed from the mapping */
    uint32_t type;    /* enum tensor_type */
    int64_t n_in, n_out;
    size_t row_bytes;
    struct llama_lora_delta *lora; /* adapters on this weight (lora.h), NULL: none */
};

/* One LoRA adapter's update of one weight, applied unmerged: y += scale * B (A x).
 * A list per weight (next), one node per attached adapter, in the order attached. */
struct llama_lora_delta {
    struct llama_weight a; // (n_in -> r), F32: A's r rows
    struct llama_weight b; // (r -> n_out), F32: B's n_out rows
    float scale;           /* the user's scale times alpha / r */
    struct llama_lora_delta *next;
};

struct llama_adapter;

struct llama_layer {
    const float *attn_norm;    // (dim)
    struct llama_weight wq;    // (dim -> dim)
    struct llama_weight wk;    // (dim -> n_head_kv * head_size)
    struct llama_weight wv;    // (dim -> n_head_kv * head_size)
    const float *bq, *bk, *bv; // (dim), (kv_dim), (kv_dim): qwen2's biases; NULL for llama
    struct llama_weight wo;    // (dim -> dim)
    const float *ffn_norm;     // (dim)
    struct llama_weight w_gate; // (dim -> n_ff)
    struct llama_weight w_up;   // (dim -> n_ff)
    struct llama_weight w_down; // (n_ff -> dim)
};

struct llama_model {
    struct gguf *g; /* owned; the mapping the weights live in */
    struct llama_hparams hp;
    uint32_t head_size, kv_dim;
    struct llama_weight tok_embd; // (dim -> n_vocab): row t is token t's embedding
    struct llama_layer *layers;   // (n_layer), owned
    const float *output_norm;     // (dim)
    struct llama_weight output;   // (dim -> n_vocab); tok_embd when tied
    int tied;                     /* output.weight absent */
    int32_t bos, eos;             /* tokenizer.ggml.{bos,eos}_token_id, -1 when absent */
    uint64_t weight_bytes;        /* bytes of all tensors the model uses */
    struct llama_adapter **adapters; /* (n_adapters) attached LoRA adapters, owned (lora.h) */
    size_t n_adapters;
    uint32_t lora_max_r;          /* the largest rank among them (0: none) */
};

/* Opens path, reads the hyper-parameters and checks every tensor. The file is read into
 * memory asked for in transparent huge pages (gguf_open_flags: decode streams every weight
 * each token, and 2 MiB pages spare the TLB), or mapped when llama_model_mmap() says so. */
int llama_model_load(struct llama_model **out, const char *path);
/* CHATMPI_MMAP set and not "0": models are mapped from their files instead (processes
 * loading the same model share its pages; no private copy). */
int llama_model_mmap(void);
/* The same for a model already open; takes ownership of g (closed on failure too). */
int llama_model_from_gguf(struct llama_model **out, struct gguf *g);
void llama_model_free(struct llama_model *m); /* accepts NULL */

/* Inference state: the KV cache for n_ctx positions and the scratch for batches of up to
 * n_batch tokens. Several states may share one model (each used by one thread at a time). */
struct llama_state {
    const struct llama_model *m;
    uint32_t n_ctx;   /* positions the cache holds (<= the model's context length) */
    uint32_t n_batch; /* tokens one internal step processes */
    uint32_t n_past;  /* positions already in the cache */
    uint16_t *k_cache; // (n_layer, n_head_kv, n_ctx / 32, head_size, 32) fp16: keys in transposed blocks (forward.c)
    uint16_t *v_cache; // (n_layer, n_head_kv, n_ctx, head_size) fp16
    float *act;       /* one allocation carved into the activations below */
    float *x;         // (n_batch, dim) residual stream
    float *xb;        // (n_batch, dim) normed input of a sub-layer
    float *xb2;       // (n_batch, dim) output of a sub-layer
    float *q;         // (n_batch, dim)
    float *k;         // (n_batch, kv_dim)
    float *v;         // (n_batch, kv_dim)
    float *hb;        // (n_batch, n_ff)
    float *hb2;       // (n_batch, n_ff)
    float *rope_freq; // (n_rot / 2) RoPE frequencies
    int n_threads;    /* threads of the products and the attention */
    void *mm_scratch; /* matmul.h's scratch (quantized activations, dequantized tiles) */
    size_t mm_scratch_size;
    float *lora_tmp;  // (n_batch, lora_r_cap) A x of a LoRA update; grown when adapters come
    uint32_t lora_r_cap;
};

/* Tokens a prompt chunk holds by default: each chunk dequantizes every weight tile once and
 * multiplies it with sgemm, so longer chunks spread that cost (Qwen2.5-Coder-1.5B Q4_K_M, 1
 * thread, a 512-token prompt: 17.0 tokens/s at 128, 19.4 at 256, 20.9 at 512; 14.1 at 64 for
 * 256 tokens) for 25 MB of activations a 1536-wide layer at 512. */
#define LLAMA_DEFAULT_BATCH 512
/* The chunk a state with this context takes by default: LLAMA_DEFAULT_BATCH, at most n_ctx. */
uint32_t llama_batch_default(uint32_t n_ctx);
/* n_ctx == 0 means the model's context length; n_batch == 0 means LLAMA_DEFAULT_BATCH (at
 * most n_ctx). *out is the caller's (llama_state_free). Fails when n_ctx exceeds the model's
 * context length. */
int llama_state_new(struct llama_state **out, const struct llama_model *m, uint32_t n_ctx, uint32_t n_batch);
void llama_state_free(struct llama_state *s); /* accepts NULL */
/* Forgets the cached positions (n_past = 0). */
void llama_state_reset(struct llama_state *s);
/* Keeps only the first n cached positions (a shared prompt prefix; n >= n_past: no change). */
void llama_state_truncate(struct llama_state *s, uint32_t n);
/* Bytes of the KV cache and of the scratch a state with these sizes allocates (n_batch 0:
 * the default, as llama_state_new). */
uint64_t llama_state_kv_bytes(const struct llama_hparams *hp, uint32_t n_ctx);
/* Positions the key cache holds for a context of n_ctx (whole blocks of 32; the values hold n_ctx). */
uint32_t llama_key_positions(uint32_t n_ctx);
uint64_t llama_state_scratch_bytes(const struct llama_hparams *hp, uint32_t n_ctx, uint32_t n_batch,
                                   int n_threads);

/* Runs tokens[0..n) at positions n_past.. and appends them to the cache. logits receives
 * n_vocab values for the last token, or (all_logits) n * n_vocab values, token by token;
 * logits may be NULL. Fails (CM_EINVAL) on a token id out of range or when the cache
 * would overflow; the state is unchanged then. */
int llama_eval(struct llama_state *s, const int32_t *tokens, size_t n, float *logits, int all_logits);

/* Sets the threads OpenMP and OpenBLAS use (n >= 1). */
void llama_set_threads(int n);

/* Writes a model with random weights (seeded, deterministic): matrices drawn from a
 * Gaussian scaled by 1/sqrt(n_in) (the residual projections also by 1/sqrt(2 n_layer)),
 * embeddings N(0, 1), norm weights near 1, so activations stay O(1). Matrices are stored
 * as `type` (F32, F16, BF16, Q8_0 or Q4_0), norms as F32; hp->n_vocab must be set. The
 * architecture is hp->arch: a qwen2 model also gets its Q/K/V biases (F32, N(0, 0.5^2), so
 * that a forward pass that drops them is visibly wrong). The file is written atomically. */
int llama_model_write_random(const char *path, const struct llama_hparams *hp, uint32_t type, uint64_t seed,
                             int tied);

#endif
