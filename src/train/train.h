/* train.h — chatmpi's training core: a llama or qwen2 model whose forward pass keeps its
 * activations, a backward pass for every op, AdamW, checkpoints and GGUF export. qwen2 adds
 * biases on Q, K and V (trainable F32 parameters without weight decay in full training,
 * frozen under LoRA) and NEOX RoPE (pairs (i, i + n_rot/2) instead of llama's (2i, 2i+1)).
 *
 * Memory follows llm.c: the trainable parameters are one allocation carved into named
 * tensors (the table m->tensors names them as llama.cpp does), gradients mirror it, and
 * the activations are one more allocation sized for (B, T). Layers are stacked per kind,
 * so "blk.3.attn_q.weight" is the slice wq + 3*dim*dim.
 *
 * The model code is written once over a real type and compiled twice (train/kernels.c):
 * the _f32 variant trains (OpenBLAS sgemm, or bf16 products in float sums: train/gemm.h,
 * `matmul: bf16`), the _f64 variant exists so that the tests
 * can check the very same code against central finite differences in double precision.
 *
 * Two modes:
 *   full training: every weight is an F32 parameter (from a seeded init or a base GGUF);
 *   LoRA:          the base's weights stay frozen in the mapped GGUF (F32, F16, BF16,
 *                  Q8_0, Q4_0, Q6_K: dequantized once into float by tr_model_expand when
 *                  memory allows, else in blocks of rows inside each matmul; the small
 *                  norm vectors and biases are copied), and the
 *                  parameters are the adapters A (r, n_in) and B (n_out, r):
 *                  y = W x + (alpha / r) * B (A dropout(x)).
 * Data parallelism sits outside the model (train/dist.h, train/optim.h).
 * Left out: bf16 or f16 parameters and activations, loss scaling, KV-cache style inference (the runtime
 * in src/model does that), biases other than qwen2's on Q, K and V.
 * The output head runs over chunks of head_rows positions, so the (positions, vocabulary)
 * logits are never held whole.
 */
#ifndef CM_TRAIN_TRAIN_H
#define CM_TRAIN_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "model/hparams.h"

struct gguf;
struct gguf_writer;

/* The linear maps of a block, in llama.cpp's names (blk.N.<name>.weight). */
enum tr_module {
    TR_MOD_Q = 0,
    TR_MOD_K,
    TR_MOD_V,
    TR_MOD_O,
    TR_MOD_GATE,
    TR_MOD_UP,
    TR_MOD_DOWN,
    TR_MOD_COUNT,
};
const char *tr_module_name(enum tr_module mod); /* "attn_q", ..., "ffn_down" */

#define TR_LORA_DEFAULT_TARGETS ((1u << TR_MOD_Q) | (1u << TR_MOD_K) | (1u << TR_MOD_V) | (1u << TR_MOD_O))

struct tr_lora_cfg {
    int r;            /* rank; 0 = no LoRA (full training) */
    float alpha;      /* scale is alpha / r */
    float dropout;    /* on the adapter's input, 0 <= p < 1 */
    unsigned targets; /* bit (1 << enum tr_module) per adapted map */
    int layers;       /* adapters on the top `layers` layers only, 0: on every layer. The layers
                       * below are frozen whole: no backward reaches them, and their output for a
                       * sequence is computed once and kept (tr_model.cache) */
};
/* Parses "r=8,alpha=16,dropout=0.05,targets=q+k+v+o+gate+up+down,layers=8" (missing keys keep cfg's). */
int tr_lora_parse(struct tr_lora_cfg *cfg, const char *spec);

/* One trainable tensor: a slice of params/grads, named and shaped for GGUF. */
struct tr_ptensor {
    char name[64];
    size_t off;   /* in elements from params */
    int64_t ne[2]; /* ne[0] is the row length */
    int n_dims;
    int decay;    /* AdamW weight decay applies (matrices yes, norms no) */
};

/* A deterministic generator (splitmix64); its whole state is the one word. */
uint64_t tr_rng_next(uint64_t *state);
double tr_rng_uniform(uint64_t *state); /* [0, 1) */
double tr_rng_normal(uint64_t *state);  /* N(0, 1), Box-Muller */

/* e^x as the float attention's softmax computes it (x <= 0; at least e^-87; kernels.c). */
float tr_expf_softmax(float x);

#define R float
#define SFX(x) x##_f32
#include "train/model_decl.inc"
#undef R
#undef SFX
#define R double
#define SFX(x) x##_f64
#include "train/model_decl.inc"
#undef R
#undef SFX

/* Copies the parameters of a float model into a double one of the same shape (tests). */
void tr_model_widen(struct tr_model_f64 *dst, const struct tr_model_f32 *src);

#endif
