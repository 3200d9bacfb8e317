/* commands.c — the command table: every chatmpi command, with its one-line summary.
 * Kept apart from main.c so that tests can link every command. */
#include <stddef.h>

#include "cli/cli.h"

const struct cli_command cli_commands[] = {
    {"run", cmd_run, "parallelize FILE.c with the model and prove it; without FILE.c, the interactive assistant"},
    {"serve", cmd_serve, "serve the model over HTTP: OpenAI-compatible routes and the candidate loop"},
    {"check", cmd_check, "verify an MPI program against its sequential original"},
    {"data", cmd_data, "the expert corpus: verify, export, stats, augment"},
    {"verify", cmd_verify, "the model on the training split, scored on the harness (ChatHPC's verify)"},
    {"test", cmd_test, "the model on unseen records (test split or a dataset file), scored on the harness"},
    {"eval", cmd_eval, "score answers produced elsewhere on the harness (results table)"},
    {"generate", cmd_generate, "generate tokens with a llama model"},
    {"info", cmd_info, "print a GGUF file's metadata and tensors"},
    {"model", cmd_model, "llama models: init (random weights for tests and benchmarks)"},
    {"merge", cmd_merge, "fold LoRA adapters into a model's weights"},
    {"quantize", cmd_quantize, "convert a GGUF model's weights to another type (q4_k_m, q8_0, the k-quants, f16...)"},
    {"tokenizer", cmd_tokenizer, "store a sentencepiece vocabulary in GGUF (import)"},
    {"train", cmd_train, "train or fine-tune (LoRA) a llama model on pre-tokenized data"},
    {"tokenize", cmd_tokenize, "encode text into token ids, or decode ids (tokenizer driver)"},
    {"help", cmd_help, "show help for chatmpi or one command"},
    {"version", cmd_version, "print chatmpi's version"},
    {NULL, NULL, NULL},
};
