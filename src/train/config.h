/* config.h — `chatmpi train`'s configuration: ChatHPC's config files as they are (JSON or
 * YAML, flat key: value), ChatHPC's defaults for what it hard-codes, chatmpi's own keys for
 * the rest. Precedence: defaults < file < CHATMPI_<KEY> environment variables < flags.
 * Unknown keys are warnings (collected); a value of the wrong type is an error naming the
 * file, the key and, for JSON syntax, line and column.
 *
 * One table (config.c) lists every key with its type, default and help; the same table
 * parses files, environment and flags, and prints the reference in docs/train.md. */
#ifndef CM_TRAIN_CONFIG_H
#define CM_TRAIN_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "core/buf.h"

struct train_config {
    /* ChatHPC's keys */
    char *data_file;            /* training records (ChatHPC JSON/JSONL/YAML) */
    char *base_model_path;      /* base GGUF (LoRA, or full fine-tuning); none with init */
    char *finetuned_model_path; /* where the adapter (LoRA) or the trained model goes */
    char *merged_model_path;    /* optional: base + adapter merged */
    char *training_output_dir;  /* checkpoints and logs */
    long max_training_tokens;   /* records longer than this are truncated (counted, reported) */
    long max_response_tokens;   /* generation limit when the model is used for answers */
    char *prompt_template;      /* a built-in name, a file or the template text (tmpl_resolve) */
    char *prompt_template_file; /* a template file (exactly one of the two) */
    /* chatmpi's keys */
    char *init;                 /* a shape for training from scratch: dim=..,layers=..,... */
    char *tokenizer;            /* tokenizer GGUF or sentencepiece model, with init */
    char *eval_file;            /* held-out records for the evaluation loss */
    char *lora_targets;         /* "q,k,v,o" */
    char *loss;                 /* "all" (ChatHPC) or "answer" */
    char *matmul;               /* "f32" (sgemm) or "bf16" (train/gemm.h) */
    char *schedule;             /* "cosine", "linear" or "constant" after warmup */
    long lora_r, lora_layers, steps, warmup_steps, batch_size, micro_batch, seq_len, eval_every, checkpoint_every;
    long seed, threads, shuffled_names;
    double lora_alpha, lora_dropout, learning_rate, weight_decay, grad_clip, min_lr_ratio;
    int full;                   /* full fine-tuning instead of LoRA (always with init) */
    int normalize_names;        /* canonical names in the records (corpus/names.h); written in the model */
};

void train_config_init(struct train_config *c);       /* the defaults */
void train_config_release(struct train_config *c);
/* Reads a JSON (.json) or YAML (.yaml/.yml) config file over c. Unknown keys are appended
 * to warnings ("config.yaml: unknown key 'epochs' (ignored)"). */
int train_config_load(struct train_config *c, const char *path, struct cm_strlist *warnings);
/* Applies CHATMPI_<KEY> environment variables (e.g. CHATMPI_LEARNING_RATE=1e-4). */
int train_config_apply_env(struct train_config *c);
/* Sets one key from text (a flag or an environment variable); origin names it in errors. */
int train_config_set(struct train_config *c, const char *key, const char *value, const char *origin);
/* Checks the combination (exactly one template source, a base or an init, ...). */
int train_config_validate(const struct train_config *c);
/* Prints every key, its type, default and help (for --help and docs). */
void train_config_print_reference(FILE *f);
/* Prints the values in force, one "key = value" a line. */
void train_config_print(const struct train_config *c, FILE *f);

#endif
