#!/bin/sh
# make_model.sh — reproduce chatmpi's embedded default model from the corpus (`make model`).
#
#   1. tokenizer: sentencepiece BPE (Debian's spm_train) on the train and refine cases'
#      seq.c and mpi.c only (the test split stays unseen), imported into GGUF;
#   2. data: `chatmpi data augment` makes harness-verified variants of every train and refine
#      case that keep its names (sizes, float/double, layout), then a renamed twin of each (new
#      names and loop indices), several augment processes side by side (they mostly wait on
#      mpirun; a twin's runs come from the run cache); a second, disjoint seed makes the held-in
#      evaluation set (same kernels, new names and sizes) that docs/model.md reports on;
#   3. training: `chatmpi train --config` from scratch on the originals plus the variants, in
#      three phases (below), the held-in loss measured along the way; then a fourth phase on
#      normalized prompts (src/corpus/names.h: code only, without comments, the names a
#      question's program declares or #defines become v1, v2, ...), on the originals plus
#      variants that keep the names (sizes, precision, layout), so that the model copies
#      nothing but canonical names from its prompt;
#   4. models/default.gguf (weights in f16, with the tokenizer) and models/default.json (how it
#      was made: shape, tokens, time, losses).
#
# Every stage keeps its output in $WORK and is skipped when that output exists (an augment
# stage: when it was made with the same settings; one made otherwise is made again, and so is
# everything made from it), so an interrupted run goes on where it stopped (rm -r build/model
# to start over).
# Settings (environment): WORK (build/model), OUT (models), PER_CASE (variants per case, 6),
# HELDIN (held-in variants per case, 2), JOBS (parallel augment processes, 4), STEPS1 (250),
# STOP1 (101), STEPS2 (300), STEPS3 (2500), STEPS4 (1500), THREADS (OpenMP's default), MATMUL
# (the training's products, train config `matmul`: bf16 with AMX, else f32); for a
# quick try of the recipe (tests/e2e/test_make_model.sh): CASES (the case directories the
# tokenizer reads and the augmenter varies, default every train and refine case; the records
# are always every train and refine case), VOCAB (2000), SHAPE.
set -eu
CHATMPI=${CHATMPI:-./chatmpi}
WORK=${WORK:-build/model}
OUT=${OUT:-models}
PER_CASE=${PER_CASE:-6}
HELDIN=${HELDIN:-2}
JOBS=${JOBS:-4}
STEPS1=${STEPS1:-250}
STOP1=${STOP1:-101}
STEPS2=${STEPS2:-300}
STEPS3=${STEPS3:-2500}
STEPS4=${STEPS4:-1500}
VOCAB=${VOCAB:-2000}
SHAPE=${SHAPE:-dim=256,layers=4,heads=4,kv_heads=4,ffn=704,ctx=5120}
# the products: bf16 inputs, float sums (src/train/gemm.h) where the CPU has AMX (training 1.6x
# faster there; the shipped model was made so), float elsewhere (bf16 through AVX512_BF16 alone
# measured 10% slower than float on the same Xeon: docs/BENCHMARKS.md)
if [ -z "${MATMUL:-}" ]; then
    if grep -q '^flags.* amx_bf16' /proc/cpuinfo 2>/dev/null; then MATMUL=bf16; else MATMUL=f32; fi
fi
mkdir -p "$WORK/seconds" "$OUT"
t_start=$(date +%s)
say() { echo "make model: $*" >&2; }
if [ "$MATMUL" = bf16 ] && ! grep -q '^flags.* avx512f' /proc/cpuinfo 2>/dev/null; then
    say "no AVX-512 on this CPU: training with matmul f32 (OpenBLAS sgemm), not bf16"
    MATMUL=f32
fi
# each stage's wall-clock seconds, in $WORK/seconds/STAGE, added up over the runs that made it
# (a stage that starts afresh removes its file first)
timed() { # timed STAGE command...
    stage=$1
    shift
    t0=$(date +%s)
    "$@"
    s=$(($(date +%s) - t0 + $(cat "$WORK/seconds/$stage" 2>/dev/null || echo 0)))
    echo "$s" > "$WORK/seconds/$stage"
    say "$stage: $s s"
}
secs() { cat "$WORK/seconds/$1" 2>/dev/null || echo null; }

cases=${CASES:-$(grep -l '"split": *"\(train\|refine\)"' data/corpus/*/*/case.json | xargs -n1 dirname | sort)}
ncases=$(echo "$cases" | wc -l)

# 1. tokenizer
tokenizer() {
    say "tokenizer: BPE, $VOCAB pieces, on the seq.c and mpi.c of $ncases train and refine cases"
    for c in $cases; do cat "$c/seq.c" "$c/mpi.c"; done > "$WORK/tokenizer.txt"
    spm_train --input="$WORK/tokenizer.txt" --model_prefix="$WORK/tokenizer" --vocab_size="$VOCAB" \
        --model_type=bpe --byte_fallback=true --normalization_rule_name=identity \
        --remove_extra_whitespaces=false --split_digits=true --allow_whitespace_only_pieces=true \
        --split_by_whitespace=false > "$WORK/spm_train.log" 2>&1 ||
        { tail -5 "$WORK/spm_train.log" >&2; exit 3; }
    "$CHATMPI" tokenizer import "$WORK/tokenizer.model" -o "$WORK/tokenizer.gguf"
}
if [ ! -s "$WORK/tokenizer.gguf" ]; then
    rm -f "$WORK/seconds/tokenizer"
    timed tokenizer tokenizer
fi

# 2. verified variants, JOBS augment processes over interleaved shares of the cases; a stage's
#    .done holds its settings, and a stage made anew sets $made. The processes and stages share
#    one run cache ($WORK/run-cache, docs/check.md): a variant whose executables have the image of
#    one checked before (renamed locals, another layout, a repeated draw) is not launched again.
augment() { # augment SEED PER_CASE DIR [augment flags]
    seed=$1 per=$2 dir=$3
    shift 3
    how="seed $seed, $per a case${1:+, $*}"
    if [ -f "$dir/.done" ] && [ "$(cat "$dir/.done")" = "$how" ]; then return 0; fi
    rm -rf "$dir" "$WORK/seconds/$(basename "$dir")"
    mkdir -p "$dir"
    say "augment: $per variants of each of $ncases cases (seed $seed${1:+, $*}) -> $dir, $JOBS processes"
    timed "$(basename "$dir")" augment_parts "$dir" "$per" "$seed" "$@"
    echo "$how" > "$dir/.done"
    made=1
}
augment_parts() { # augment_parts DIR PER_CASE SEED [augment flags]: JOBS processes, their logs
    dir=$1 per=$2 seed=$3
    shift 3
    j=0
    while [ $j -lt "$JOBS" ]; do
        share=$(echo "$cases" | awk -v j=$j -v n="$JOBS" '(NR - 1) % n == j')
        if [ -n "$share" ]; then
            "$CHATMPI" data augment -n "$per" --seed "$((seed * 100 + j))" "$@" -o "$dir/part$j" \
                --run-cache "$WORK/run-cache" $share \
                > "$dir/part$j.log" 2>&1 &
        fi
        j=$((j + 1))
    done
    wait
    cat "$dir"/part*.log >&2
}
made=""
augment 5 "$PER_CASE" "$WORK/aug_nr" --only sizes,float,format
# the renamed variants are twins of the name-keeping ones: each of aug_nr's variants once more,
# with new names and loop indices only, so its executables have their parent's images and every
# check run is taken from the run cache (a stage made from another aug_nr is made again)
if [ -n "$made" ]; then rm -f "$WORK/aug/.done"; fi
all_cases=$cases
cases=$(ls -d "$WORK"/aug_nr/part*/*/*/ 2>/dev/null | sed 's:/$::' | sort)
if [ -z "$cases" ]; then say "no name-keeping variant verified (see $WORK/aug_nr/part*.log)"; exit 3; fi
ncases=$(echo "$cases" | wc -l)
augment 7 1 "$WORK/aug" --only rename,loops --tag tw
cases=$all_cases
ncases=$(echo "$cases" | wc -l)
if [ -n "$made" ]; then # new training variants: new records, training and held-in set
    rm -rf "$WORK/train.json" "$WORK/train4.json" "$WORK"/phase[123].gguf "$WORK/default.gguf" \
        "$WORK"/out "$WORK"/out[234] "$WORK/heldin/.done"
fi
augment 2 "$HELDIN" "$WORK/heldin"
if [ -n "$made" ]; then # filtered anew against the training programs
    rm -rf "$WORK/heldin.json" "$WORK/heldin_seen"
fi

if [ ! -s "$WORK/train.json" ]; then
    "$CHATMPI" data export --split train,refine -o "$WORK/train.json" data/corpus "$WORK"/aug/part*/
fi
if [ ! -s "$WORK/train4.json" ]; then
    "$CHATMPI" data export --split train,refine -o "$WORK/train4.json" data/corpus "$WORK"/aug_nr/part*/
fi
if [ ! -s "$WORK/heldin.json" ]; then
    # held-in means new to the model: drop a variant whose seq.c is a training program's,
    # also once names are normalized (a variant that only renamed is a training program then)
    norm_md5() { for f in "$@"; do "$CHATMPI" data names -q "$f" | md5sum | cut -d' ' -f1; done; }
    { md5sum data/corpus/*/*/seq.c "$WORK"/aug/part*/*/*/seq.c | cut -d' ' -f1
      norm_md5 data/corpus/*/*/seq.c "$WORK"/aug/part*/*/*/seq.c "$WORK"/aug_nr/part*/*/*/seq.c; } |
        sort -u > "$WORK/train.md5"
    for f in "$WORK"/heldin/part*/*/*/seq.c; do
        if grep -qx "$(md5sum "$f" | cut -d' ' -f1)" "$WORK/train.md5" ||
            grep -qx "$(norm_md5 "$f")" "$WORK/train.md5"; then
            d=$(dirname "$f") seen="$WORK/heldin_seen/${f#"$WORK"/heldin/}"
            say "held-in: $d is the same program as a training one, moved to $WORK/heldin_seen"
            mkdir -p "$(dirname "$(dirname "$seen")")"
            mv "$d" "$(dirname "$seen")"
        fi
    done
    "$CHATMPI" data export --split train,refine -o "$WORK/heldin.json" "$WORK"/heldin/part*/
fi

# 3. training, in three phases (docs/default-model.md says why):
#    phase 1 from scratch, 2 sequences a step, on a 250-step schedule stopped after step 101
#    (where its loss had flattened); phase 2 continues from those weights with a new
#    optimizer and schedule, one sequence a step (twice the updates for the same compute);
#    phase 3 goes on from phase 2 for STEPS3 steps at half the peak rate, measuring the loss
#    on the held-in variants every 500 steps; phase 4 goes on from phase 3 with normalized
#    names (normalize_names, which the model then carries in its GGUF) on train4.json.
evals() { # the held-in loss every $1 steps, when there is a held-in set
    if grep -q '"answer"' "$WORK/heldin.json"; then printf 'eval_file: %s\neval_every: %s\n' "$WORK/heldin.json" "$1"; fi
}
common="data_file: $WORK/train.json
prompt_template: chathpc
max_training_tokens: 5120
seq_len: 5120
micro_batch: 1
learning_rate: 0.002
loss: answer
weight_decay: 0.01
checkpoint_every: 50
matmul: $MATMUL"
cat > "$WORK/train.yaml" <<YAML
# chatmpi's default model, phase 1: written by scripts/make_model.sh
$common
init: $SHAPE
tokenizer: $WORK/tokenizer.gguf
finetuned_model_path: $WORK/phase1.gguf
training_output_dir: $WORK/out
batch_size: 2
steps: $STEPS1
warmup_steps: 30
seed: 1
YAML
cat > "$WORK/train2.yaml" <<YAML
# chatmpi's default model, phase 2: written by scripts/make_model.sh
$common
base_model_path: $WORK/phase1.gguf
full: true
finetuned_model_path: $WORK/phase2.gguf
training_output_dir: $WORK/out2
batch_size: 1
steps: $STEPS2
warmup_steps: 10
seed: 2
YAML
cat > "$WORK/train3.yaml" <<YAML
# chatmpi's default model, phase 3: written by scripts/make_model.sh
$(echo "$common" | sed 's/^learning_rate: .*/learning_rate: 0.001/')
base_model_path: $WORK/phase2.gguf
full: true
finetuned_model_path: $WORK/phase3.gguf
training_output_dir: $WORK/out3
batch_size: 1
steps: $STEPS3
warmup_steps: 20
seed: 3
$(evals 500)
YAML
cat > "$WORK/train4.yaml" <<YAML
# chatmpi's default model, phase 4: written by scripts/make_model.sh
$(echo "$common" | sed 's/^learning_rate: .*/learning_rate: 0.0005/; s/train.json/train4.json/')
normalize_names: true
base_model_path: $WORK/phase3.gguf
full: true
finetuned_model_path: $WORK/default.gguf
training_output_dir: $WORK/out4
batch_size: 1
steps: $STEPS4
warmup_steps: 20
seed: 4
$(evals 250)
YAML
train() { # train PHASE CONFIG OUTPUT CHECKPOINT [flags]; a resumed phase adds to its seconds
    if [ -s "$3" ]; then return 0; fi
    phase=$1 cfg=$2 ckpt=$4
    shift 4
    resume=""
    if [ -s "$ckpt" ]; then resume="--resume $ckpt"; else rm -f "$WORK/seconds/$phase"; fi
    # shellcheck disable=SC2086
    timed "$phase" "$CHATMPI" train --config "$cfg" ${THREADS:+--threads $THREADS} $resume "$@"
}
train phase1 "$WORK/train.yaml" "$WORK/phase1.gguf" "$WORK/out/checkpoint.ckpt" --stop-after "$STOP1"
train phase2 "$WORK/train2.yaml" "$WORK/phase2.gguf" "$WORK/out2/checkpoint.ckpt"
train phase3 "$WORK/train3.yaml" "$WORK/phase3.gguf" "$WORK/out3/checkpoint.ckpt"
train phase4 "$WORK/train4.yaml" "$WORK/default.gguf" "$WORK/out4/checkpoint.ckpt"

# 4. the embedded model, its tokenizer, its config and how it was made
"$CHATMPI" quantize --type f16 "$WORK/default.gguf" "$OUT/default.gguf" >/dev/null
cp "$WORK/tokenizer.model" "$OUT/tokenizer.model"
cat "$WORK/train.yaml" "$WORK/train2.yaml" "$WORK/train3.yaml" "$WORK/train4.yaml" > "$OUT/train.yaml"
log1="$WORK/out/train.jsonl"
log2="$WORK/out2/train.jsonl"
log="$WORK/out3/train.jsonl"
log4="$WORK/out4/train.jsonl"
first=$(head -n 1 "$log1")
mid=$(sed -n "${STOP1}p" "$log1")
last2=$(tail -n 1 "$log2")
last=$(tail -n 1 "$log")
last4=$(tail -n 1 "$log4")
evals_of() { grep -o '"step":[0-9]*,"loss":[^,]*,"eval_loss":[^,]*' "$1" | sed 's/"step":\([0-9]*\),"loss":[^,]*,"eval_loss":\(.*\)/[\1, \2]/' | paste -sd, -; }
field() { echo "$1" | sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p"; }
ntrain=$(grep -c '"answer"' "$WORK/train.json")
nheld=$(grep -c '"answer"' "$WORK/heldin.json" || true) # 0 when every held-in variant was a training program
cat > "$OUT/default.json" <<JSON
{
  "shape": "$SHAPE",
  "vocab": $VOCAB,
  "matmul": "$MATMUL",
  "parameters": $("$CHATMPI" info "$OUT/default.gguf" | sed -n 's/^total: [0-9]* tensors, \([0-9]*\) elements.*/\1/p' | head -n 1 | grep . || echo null),
  "tokenizer": "sentencepiece BPE, $VOCAB pieces, byte fallback, on the train and refine cases",
  "train_records": $ntrain,
  "train_cases": $ncases,
  "variants_per_case": $PER_CASE,
  "heldin_records": $nheld,
  "phase1": {"steps": $STOP1, "schedule_steps": $STEPS1, "sequences_per_step": 2, "loss_first": $(field "$first" loss),
             "loss_last": $(field "$mid" loss), "seconds": $(field "$mid" elapsed_s)},
  "phase2": {"steps": $STEPS2, "sequences_per_step": 1, "loss_last": $(field "$last2" loss),
             "seconds": $(field "$last2" elapsed_s)},
  "phase3": {"steps": $STEPS3, "sequences_per_step": 1, "loss_last": $(field "$last" loss),
             "seconds": $(field "$last" elapsed_s), "heldin_loss_by_step": [$(evals_of "$log")]},
  "phase4": {"steps": $STEPS4, "sequences_per_step": 1, "names": "normalized",
             "train_records": $(grep -c '"answer"' "$WORK/train4.json"), "loss_last": $(field "$last4" loss),
             "seconds": $(field "$last4" elapsed_s), "heldin_loss_by_step": [$(evals_of "$log4")]},
  "wall_seconds": {"tokenizer": $(secs tokenizer), "augment": $(secs aug), "augment_names_kept": $(secs aug_nr),
                   "heldin": $(secs heldin), "phase1": $(secs phase1), "phase2": $(secs phase2), "phase3": $(secs phase3),
                   "phase4": $(secs phase4), "total": $(cat "$WORK"/seconds/* 2>/dev/null | awk '{s += $1} END {print s + 0}')},
  "sequence_tokens": 5120,
  "answer_tokens_trained": $( (head -n "$STOP1" "$log1"; cat "$log2" "$log" "$log4") | awk -F'"tokens":' '{split($2, a, ","); s += a[1]} END {print s}')
}
JSON
t_end=$(date +%s)
say "$OUT/default.gguf written ($(du -h "$OUT/default.gguf" | cut -f1)), $((t_end - t_start)) s in this run"
cat "$OUT/default.json" >&2
