/* mem.h — how much memory a training run will take, and how much the machine has, so that
 * train can refuse a run that cannot fit before it allocates anything large.
 *
 * The estimate is the peak resident set of one process: what it holds now (code, libraries,
 * the data already read), the base model's tensors it maps and reads, the trainable
 * parameters and their gradients, AdamW's two moments, the activations for (B, T) (the same
 * size rule as tr_model_alloc), the checkpoint image built in memory when saving, the
 * all-reduce's scratch with several ranks, and a per-thread allowance for OpenBLAS/OpenMP.
 * Available memory is MemAvailable (/proc/meminfo), lowered to the cgroup's limit (v1 or v2)
 * less its non-file usage, shared by the ranks on the machine.
 * Left out: swap (it is not counted as available), huge pages, other processes' growth. */
#ifndef CM_TRAIN_MEM_H
#define CM_TRAIN_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "model/hparams.h"
#include "train/train.h"

struct tr_mem_plan {
    uint64_t now;         /* resident now: code, libraries, data */
    uint64_t mapped;      /* base model tensors mapped and read */
    uint64_t params;      /* trainable parameters and gradients (and LoRA's frozen norms) */
    uint64_t optimizer;   /* AdamW moments */
    uint64_t activations; /* forward activations and backward buffers for (B, T) */
    uint64_t checkpoint;  /* the checkpoint image while it is written */
    uint64_t comm;        /* all-reduce scratch (ranks > 1) */
    uint64_t runtime;     /* OpenBLAS buffers and thread stacks */
    uint64_t dense;       /* LoRA: the base matrices dequantized once (set by the caller, train) */
    uint64_t total;
};

/* The trainable parameters of a model of this shape: full (lora NULL or r == 0) or the
 * adapters alone. The same count as tr_model_init / tr_model_init_base give n_params. */
size_t tr_param_count(const struct llama_hparams *hp, int tied, const struct tr_lora_cfg *lora);

/* Fills p for B sequences of T tokens on `threads` threads and `ranks` ranks; mapped is the
 * bytes of base tensors the run reads (0 when training from scratch). */
void tr_mem_estimate(struct tr_mem_plan *p, const struct llama_hparams *hp, int tied, const struct tr_lora_cfg *lora,
                     uint64_t mapped, int B, int T, int threads, int ranks);

/* Bytes this machine can still give (MemAvailable, or less under a cgroup limit); what names
 * the source ("MemAvailable" or "cgroup limit"). CM_EENV when /proc/meminfo cannot be read. */
int tr_mem_available(uint64_t *bytes, const char **what);

/* A /proc/self/status size ("VmRSS", "VmHWM") in bytes; 0 when unknown. */
uint64_t tr_mem_status(const char *key);

/* "512M", "2G", "1.5GiB", "4096" (bytes; K, M, G, T are powers of 1024). CM_EINVAL otherwise. */
int tr_mem_parse_size(uint64_t *out, const char *text);

/* "812 MiB", "3.4 GiB" into buf. */
void tr_mem_format(char *buf, size_t n, uint64_t bytes);

#endif
