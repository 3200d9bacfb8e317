/* lora.h — LoRA adapters in llama.cpp's adapter GGUF format: loading, checking against a
 * base model, applying unmerged in the forward pass, and merging into the weights.
 *
 * An adapter file (what `chatmpi train --lora` and llama.cpp's convert_lora_to_gguf.py write):
 *   general.type = "adapter", adapter.type = "lora", general.architecture = the base's
 *   ("llama" or "qwen2"), adapter.lora.alpha (f32; absent or 0 means a scale of 1, as llama.cpp reads
 *   it), and for each adapted weight W (ne [n_in, n_out]) the pair
 *   "<W's name>.lora_a" ne [n_in, r] and "<W's name>.lora_b" ne [r, n_out],
 *   stored as F32 or F16 (BF16, Q8_0, Q4_0 are read too); all converted to F32 on load.
 * With A the r x n_in matrix (lora_a's rows) and B the n_out x r matrix (lora_b's rows), an
 * adapter attached with scale s makes the weight W + s (alpha/r) B A. Unmerged, the forward
 * pass computes y = W x + s (alpha/r) B (A x) (two small products after the big one);
 * merged (lora_merge.c), the sum is folded into W once. Several adapters may be attached;
 * their updates add up. The rank may differ from weight to weight.
 *
 * Every weight matrix of the model may carry an update: blk.N.attn_{q,k,v,output},
 * blk.N.ffn_{gate,up,down} and output (untied models). Refused, each with a message naming
 * the file and the tensor:
 *   CM_EINVAL (the adapter does not fit this model, or is no adapter): general.type other
 *     than "adapter", adapter.type other than "lora", another general.architecture, a pair
 *     for a weight the model lacks (or token_embd), lora_a's n_in or lora_b's n_out unlike
 *     the weight's;
 *   CM_EFORMAT (the file itself is broken): a tensor that is not a .lora_a/.lora_b, half a
 *     pair, ranks of a and b that disagree, more than 2 dimensions, a type chatmpi cannot
 *     convert, a non-finite value or alpha, no LoRA tensor at all.
 * Left out: adapters on token_embd.weight, on norms and on qwen2's biases, activated LoRA (aLoRA), control
 * vectors, per-adapter enable/disable after attaching (free the model instead).
 * Ownership: *out of llama_adapter_load belongs to the caller until llama_model_add_adapter
 * takes it; the model then frees it (llama_model_free).
 */
#ifndef CM_MODEL_LORA_H
#define CM_MODEL_LORA_H

#include <stddef.h>
#include <stdint.h>

struct gguf;
struct llama_model;
struct llama_weight;

/* One adapted weight of an adapter. */
struct llama_adapter_pair {
    const char *name;     /* the base weight's name ("blk.0.attn_q.weight"), borrowed from the model */
    int64_t r, n_in, n_out;
    float *a;             // (r, n_in) row-major, in the adapter's data
    float *b;             // (n_out, r) row-major, in the adapter's data
};

struct llama_adapter {
    char *path;                     /* as given; for messages */
    float alpha;                    /* adapter.lora.alpha; 0 when absent */
    const struct llama_model *base; /* the model it was checked against (borrowed) */
    struct llama_adapter_pair *pairs; /* (n_pairs), in the file's order of the lora_a tensors */
    size_t n_pairs;
    float *data;                    /* one allocation holding every A and B */
    uint64_t n_params;              /* values in all A and B */
    float scale;                    /* the user's scale once attached */
    struct llama_lora_delta *deltas; /* (n_pairs) once attached: the nodes in the weights' lists */
};

/* Reads an adapter file and checks it against the model (architecture, names, shapes). */
int llama_adapter_load(struct llama_adapter **out, const char *path, const struct llama_model *base);
/* The same from an open GGUF (not taken; everything needed is copied). */
int llama_adapter_from_gguf(struct llama_adapter **out, const struct gguf *g, const struct llama_model *base);
void llama_adapter_free(struct llama_adapter *a); /* accepts NULL */

/* The factor B A is multiplied by for a pair: scale * alpha / r (scale alone without alpha). */
float llama_adapter_pair_scale(const struct llama_adapter *a, const struct llama_adapter_pair *p, float scale);

/* Attaches the adapter to the model it was loaded for, with a user scale (any finite
 * value; 1 is the adapter as trained): from now on every product of an adapted weight adds
 * the update. Takes ownership of a (freed here on failure). States made before keep working
 * (their scratch grows on the next llama_eval). */
int llama_model_add_adapter(struct llama_model *m, struct llama_adapter *a, float scale);

/* Parses "FILE[:SCALE]" (the --lora option): SCALE is a finite number after the last ':'
 * (a suffix that is no number belongs to the file name); default 1. *path is the caller's.
 * CM_EINVAL on an empty file name or a scale that is not finite. */
int llama_lora_spec_parse(const char *spec, char **path, float *scale);
/* llama_lora_spec_parse, llama_adapter_load and llama_model_add_adapter in one call. */
int llama_model_add_lora_spec(struct llama_model *m, const char *spec);

/* The model's weight of that name that an adapter may update, or NULL (token_embd, norms,
 * the tied output and unknown names). Borrowed. */
const struct llama_weight *llama_model_find_weight(const struct llama_model *m, const char *name);

/* Merging (lora_merge.c): writes the base model with every adapter's update folded in,
 * W' = W + sum_k scale_k (alpha_k / r_k) B_k A_k, as a model GGUF with all of the base's
 * metadata (tokenizer included). The adapted weights are dequantized to f32, merged, and
 * written in out_type, or when out_type is TENSOR_TYPE_COUNT in their own type (Q8_0 for a
 * type chatmpi cannot write, such as Q6_K); the others are copied byte for byte, except that
 * with an out_type every weight matrix (2-D, name ending in "weight", rows fitting the
 * type's blocks) is converted to it, as `chatmpi quantize` would. The file is written
 * atomically, one tensor in memory at a time. The adapters must have been loaded for base
 * and not attached to it. */
struct llama_merge_report {
    size_t n_merged;      /* weights that received at least one update */
    size_t n_converted;   /* other tensors converted to out_type */
    size_t n_copied;      /* tensors copied as they are */
    size_t n_retyped;     /* merged weights written as Q8_0 because their type cannot be written */
    const char *retyped_example; /* the first of those (borrowed from base), or NULL */
};
int llama_lora_merge(const struct llama_model *base, struct llama_adapter *const *adapters, const float *scales,
                     size_t n, uint32_t out_type, const char *path, struct llama_merge_report *rep);

#endif
