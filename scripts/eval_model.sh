#!/bin/sh
# eval_model.sh — measure the default model the way docs/default-model.md reports it
# (`make model-eval`, after `make model`; on 2 cores, greedy answers took 4 minutes for the
# 24 held-in records and 2.4 for the 28 test records with the shipped model on an Intel VM,
# and 8 samples a test record most of the rest, see docs/default-model.md):
#   1. held-in: `chatmpi verify` on verified variants of the training kernels that training did
#      not see (new names, loop indices, sizes, precision, layout; made by scripts/make_model.sh
#      with another seed) and whose prompt differs from every training prompt once names and
#      layout are normalized, greedy, one answer each, timed at 2 ranks; then the other
#      held-in variants (build/model/heldin_seen: new names or layout only);
#   2. unseen kernels: `chatmpi test --split test`, greedy (pass@1);
#   3. memorization: `chatmpi verify` on the training and refine splits' original records, greedy;
#   4. unseen kernels again, 8 samples a record at temperature 0.7 (pass@1 and pass@8 by the
#      unbiased estimator).
# Markdown tables and JSON go to $WORK/eval/ (build/model/eval). Check runs go through make model's
# run cache ($WORK/run-cache, docs/check.md): the reference runs of a record are launched once, and
# an answer built as one checked before by an evaluation is launched only for its profiled size set.
set -eu
CHATMPI=${CHATMPI:-./chatmpi}
WORK=${WORK:-build/model}
MODEL=${MODEL:-models/default.gguf}
SAMPLES=${SAMPLES:-8}
MAX_TOKENS=${MAX_TOKENS:-3000} # every expert answer of the corpus is at most 2635 tokens
E="$WORK/eval"
mkdir -p "$E"
[ -d "$WORK/heldin" ] || { echo "eval_model: no $WORK/heldin: run 'make model' first" >&2; exit 2; }
run() { # run NAME chatmpi-args...
    name=$1
    shift
    echo "== $name: chatmpi $*" >&2
    t0=$(date +%s)
    "$CHATMPI" "$@" -m "$MODEL" -n "$MAX_TOKENS" -q --json "$E/$name.json" --markdown "$E/$name.md" --save-answers "$E/$name.answers" \
        --run-cache "$WORK/run-cache" > "$E/$name.txt"
    cat "$E/$name.txt"
    echo "($name: $(($(date +%s) - t0)) s)" | tee -a "$E/$name.txt"
}
run heldin verify --split train,refine --bench --runs 1 "$WORK"/heldin/part*/
if [ -d "$WORK/heldin_seen" ]; then # held-in variants whose prompt a training record has, once normalized
    run heldin_seen verify --split train,refine "$WORK"/heldin_seen/part*/
fi
run test_greedy test --split test --bench --runs 1
run train verify --split train,refine
run test_sampled test --split test --samples "$SAMPLES"
