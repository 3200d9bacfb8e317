/* io.h — what training writes: versioned checkpoints (resume bit for bit), the trained model
 * as a llama or qwen2 GGUF, and LoRA adapters in llama.cpp's adapter GGUF format.
 *
 * Checkpoint file (little-endian; written atomically: temporary file, fsync, rename):
 *   0   char[8] "CMPITRN\0"        magic
 *   8   u32     version (1)
 *   12  u32     flags: 1 = tied output, 2 = LoRA; bits 8..15 the architecture (enum llama_arch:
 *               0 llama, 1 qwen2)
 *   16  u32[8]  n_vocab, n_ctx, dim, n_ff, n_layer, n_head, n_head_kv, n_rot
 *   48  f32[2]  rope_base, norm_eps
 *   56  i32 r, f32 alpha, f32 dropout, u32 targets   (LoRA; zero otherwise)
 *   72  u64     optimizer steps done, u64 generator state, u64 n_params
 *   96  f32[n]  parameters, f32[n] AdamW m, f32[n] AdamW v
 *   end u64     FNV-1a 64 of every byte before it
 * A LoRA checkpoint holds the adapters only: resume with the same base.
 * Left out: streaming (the file is built in memory: fine for small models and adapters),
 * big-endian hosts, the data loader's position (callers derive it from the step). */
#ifndef CM_TRAIN_IO_H
#define CM_TRAIN_IO_H

#include <stddef.h>
#include <stdint.h>

#include "train/optim.h"

#define TR_CKPT_MAGIC "CMPITRN"
#define TR_CKPT_VERSION 1u

struct gguf_writer;
/* Called with the writer before the file is written: adds metadata such as the tokenizer
 * (tokenizer.ggml.*) or general.name. Returns 0 or a CM_E* code. */
typedef int (*tr_kv_hook)(void *ctx, struct gguf_writer *w);

int tr_checkpoint_save(const struct tr_trainer *t, const char *path);
/* Loads into a trainer whose model has the same shape (hyper-parameters, tying, LoRA
 * settings); CM_EFORMAT naming the file and the mismatch otherwise. */
int tr_checkpoint_load(struct tr_trainer *t, const char *path);
/* Reads only the header: shape, tying, LoRA settings (to build the model to load into). */
int tr_checkpoint_peek(const char *path, struct llama_hparams *hp, int *tied, struct tr_lora_cfg *lora);

/* Writes a full-training model as a GGUF of its architecture (llama or qwen2, with qwen2's
 * Q/K/V biases): hyper-parameters, hook's keys, tensors in llama.cpp's names; 2-D tensors in `type` (F32, F16, BF16, Q8_0, Q4_0; rows whose length
 * does not fit the type's blocks stay F32), 1-D in F32. path NULL: into *mem / *mem_len. */
int tr_export_model(const struct tr_model_f32 *m, uint32_t type, tr_kv_hook hook, void *hook_ctx, const char *path,
                    void **mem, size_t *mem_len);
/* Writes a LoRA model's adapters: general.architecture the base's, general.type adapter,
 * adapter.type lora, adapter.lora.alpha, "<base tensor>.lora_a" ne [n_in, r] and ".lora_b"
 * ne [r, n_out] in F32. path NULL: into *mem / *mem_len. */
int tr_export_lora(const struct tr_model_f32 *m, tr_kv_hook hook, void *hook_ctx, const char *path, void **mem,
                   size_t *mem_len);

#endif
