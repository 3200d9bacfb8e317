#!/bin/sh
# pipeline_check.sh — the whole chain on chatmpi's own pieces, at toy scale (about 10 minutes
# on 2 cores): a sentencepiece tokenizer trained on the corpus and imported into GGUF, a tiny
# llama model trained from scratch (chatmpi train --config) on ONE question/answer pair
# (examples/row_maxnorm.c and its reference MPI version) until it memorizes it, then
# chatmpi run on that program: generate, extract, verify at 1..4 ranks, time, write.
# It proves the pipeline end to end, not that a model generalizes (see issue 6 for that).
set -eu
CHATMPI=${CHATMPI:-./chatmpi}
W=${1:-$(mktemp -d)}
mkdir -p "$W"
cat data/corpus/*/*/seq.c data/corpus/*/*/mpi.c > "$W/text.txt"
spm_train --input="$W/text.txt" --model_prefix="$W/spm" --vocab_size=1000 --model_type=bpe \
    --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false \
    --split_digits=true --allow_whitespace_only_pieces=true >/dev/null 2>&1
"$CHATMPI" tokenizer import "$W/spm.model" -o "$W/tok.gguf"
# one ChatHPC record, made the way the corpus's are: a case directory and `data export`
mkdir -p "$W/corpus/blas2/row_maxnorm"
cp examples/row_maxnorm.c "$W/corpus/blas2/row_maxnorm/seq.c"
cp examples/reference/row_maxnorm_mpi.c "$W/corpus/blas2/row_maxnorm/mpi.c"
cat > "$W/corpus/blas2/row_maxnorm/case.json" <<JSON
{"id": "blas2/row_maxnorm", "domain": "blas2", "kernel": "row_maxnorm", "split": "train",
 "precision": "double", "check_args": ["10 7", "1 3", "13 5"], "bench_args": "12000 6000",
 "rtol": 1e-10, "atol": 1e-12, "notes": "the example, for the pipeline check"}
JSON
"$CHATMPI" data export --split train -o "$W/one.json" "$W/corpus"
cat > "$W/cfg.yaml" <<YAML
data_file: $W/one.json
init: dim=128,layers=2,heads=4,ffn=256,ctx=2048
tokenizer: $W/tok.gguf
finetuned_model_path: $W/mem.gguf
training_output_dir: $W/out
prompt_template: chathpc
max_training_tokens: 2048
seq_len: 2048
steps: 150
warmup_steps: 10
learning_rate: 0.003
micro_batch: 1
batch_size: 1
loss: answer
weight_decay: 0
YAML
"$CHATMPI" train --config "$W/cfg.yaml"
cp examples/row_maxnorm.c "$W/row_maxnorm.c"
"$CHATMPI" run "$W/row_maxnorm.c" -m "$W/mem.gguf" --max-tokens 800 \
    --args "10 7" --args "1 3" --args "13 5" --bench-args "12000 6000"
