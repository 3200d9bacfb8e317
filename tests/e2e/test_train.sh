# `chatmpi train` end to end on a small text token file: a tiny model from scratch learns
# (the loss falls), its GGUF has llama.cpp's names and shapes, an interrupted run resumed
# from its checkpoint gives the very same model, LoRA over a q8_0 copy writes an adapter,
# held-out evaluation gives the loss the next training step sees on the same records, the
# memory estimate is near the measured peak and a run over the limit is refused, qwen2 bases
# train fully and with LoRA, and bad
# input is refused with the right exit codes.
. tests/e2e/lib.sh
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

# 24 records: a prompt of 6 ids, '|', then an answer that follows from the record number
token_records "$D/d.txt"
echo "# a comment line" >>"$D/d.txt"

SHAPE=dim=32,layers=2,heads=4,kv_heads=2,ffn=64,ctx=16
ARGS="--init $SHAPE --vocab 32 --steps 40 --lr 1e-2 --warmup 4 --batch 4 --seq 12 --accum 2 --seed 3"
expect_rc 0 "$CHATMPI" train $ARGS -o "$D/m.gguf" --log "$D/log.jsonl" "$D/d.txt"
expect_err "full model"
expect_err "step 40/40"
# the threads and kernels the products run with: chatmpi makes idle OpenMP workers and OpenBLAS
# threads sleep (src/cli/cli.c) unless the user chose otherwise or turned tuning off
if [ -z "${OPENBLAS_THREAD_TIMEOUT:-}${GOTO_THREAD_TIMEOUT:-}${OMP_WAIT_POLICY:-}${CHATMPI_NO_TUNE:-}" ]; then
    expect_err "OpenMP threads (sleeping when idle), OpenBLAS [A-Za-z0-9]* kernels, [0-9]* threads (idle: sleep after 2^8 cycles)"
    expect_rc 0 env OPENBLAS_THREAD_TIMEOUT=12 "$CHATMPI" train $ARGS --steps 1 -o "$D/t.gguf" "$D/d.txt"
    expect_err "(idle: sleep after 2^12 cycles)"
    expect_rc 0 env CHATMPI_NO_TUNE=1 "$CHATMPI" train $ARGS --steps 1 -o "$D/t.gguf" "$D/d.txt"
    expect_err "OpenMP threads (spinning when idle), .*(idle: spin for 2^28 cycles)"
fi
[ "$(wc -l <"$D/log.jsonl")" -eq 40 ] || die "log has $(wc -l <"$D/log.jsonl") lines, expected 40"
first=$(head -1 "$D/log.jsonl" | sed 's/.*"loss":\([0-9.]*\).*/\1/')
last=$(tail -1 "$D/log.jsonl" | sed 's/.*"loss":\([0-9.]*\).*/\1/')
awk -v f="$first" -v l="$last" 'BEGIN { exit !(f > 3.0 && l < f - 1.0) }' || die "loss went from $first to $last"

# bf16 products (src/train/gemm.h), where this CPU has a fast kernel for them: the model learns as well
if "$CHATMPI" train $ARGS --matmul bf16 -o "$D/b.gguf" --log "$D/b.jsonl" "$D/d.txt" 2>"$D/b.err"; then
    grep -q "matrix products of bf16-rounded inputs, float sums (oneDNN " "$D/b.err" || die "bf16: $(cat "$D/b.err")"
    lb=$(tail -1 "$D/b.jsonl" | sed 's/.*"loss":\([0-9.]*\).*/\1/')
    awk -v f="$first" -v l="$lb" 'BEGIN { exit !(l < f - 1.0) }' || die "bf16: loss went from $first to $lb"
else
    grep -q "matmul: bf16 has no fast kernel on this CPU" "$D/b.err" || die "bf16 refused: $(cat "$D/b.err")"
fi
expect_rc 2 "$CHATMPI" train $ARGS --matmul fp8 -o "$D/x.gguf" "$D/d.txt"
expect_err "unknown matmul 'fp8'"

expect_rc 0 "$CHATMPI" info "$D/m.gguf"
expect_out "llama.block_count"
expect_out "blk.1.attn_k.weight"
grep "blk.1.attn_k.weight" "$OUT" | grep -q "32 x 16" || die "attn_k is not [32, 16]"
grep -q "output.weight" "$OUT" || die "no output.weight"
if grep -q "tokenizer.ggml" "$OUT"; then die "a tokenizer was written though none was given"; fi

# stop after 15 steps, resume: the same model byte for byte
expect_rc 0 "$CHATMPI" train $ARGS -q -o "$D/r.gguf" --stop-after 15 "$D/d.txt"
expect_rc 0 "$CHATMPI" train $ARGS -q -o "$D/r.gguf" --resume "$D/r.gguf.ckpt" "$D/d.txt"
cmp -s "$D/m.gguf" "$D/r.gguf" || die "resumed run differs from the uninterrupted one"

# LoRA over a q8_0 copy, only answer tokens in the loss
expect_rc 0 "$CHATMPI" quantize --type q8_0 "$D/m.gguf" "$D/m8.gguf"
expect_rc 0 "$CHATMPI" train --base "$D/m8.gguf" --lora r=2,alpha=4,targets=q+v+down --loss answer --steps 5 \
    --batch 2 --seq 12 -o "$D/a.gguf" "$D/d.txt"
expect_err "LoRA"
expect_err "base matrices dequantized once ("
expect_rc 0 "$CHATMPI" info "$D/a.gguf"
expect_out "adapter.lora.alpha"
grep "blk.0.ffn_down.weight.lora_a" "$OUT" | grep -q "64 x 2" || die "ffn_down lora_a is not [64, 2]"
grep "blk.1.attn_v.weight.lora_b" "$OUT" | grep -q "2 x 16" || die "attn_v lora_b is not [2, 16]"

# --eval on the training data itself: every record has 11 targets (6 answers) and a step of
# 4 x 6 rows is one epoch, so the evaluation after step k (mean over all records, no update)
# must equal the training loss of step k + 1 (computed before that step's update)
for loss in all answer; do
    expect_rc 0 "$CHATMPI" train --init $SHAPE --vocab 32 --steps 3 --lr 1e-2 --batch 4 --accum 6 --seq 12 \
        --loss $loss --eval "$D/d.txt" --eval-every 1 -o "$D/e.gguf" --log "$D/e-$loss.jsonl" "$D/d.txt"
    expect_err "  eval [0-9]"
    expect_err "train: eval loss [0-9.]* over $([ $loss = all ] && echo 264 || echo 144) tokens"
    [ "$(grep -c eval_loss "$D/e-$loss.jsonl")" -eq 3 ] || die "the log lacks eval_loss on every step"
    sed 's/.*"step":\([0-9]*\),"loss":\([0-9.]*\),"eval_loss":\([0-9.]*\),.*/\1 \2 \3/' "$D/e-$loss.jsonl" | awk '
        NR > 1 { d = $2 - ev; if (d < 0) d = -d; if (d > 1e-5 * $2) { print "step " $1 ": loss " $2 ", eval before " ev; bad = 1 } }
        { ev = $3 } END { exit bad }' || die "eval loss ($loss) is not the loss of the next step"
done
# --eval-every without --eval; an eval file outside the vocabulary
expect_rc 2 "$CHATMPI" train --init $SHAPE --vocab 32 --eval-every 2 -o "$D/x.gguf" "$D/d.txt"
echo "1 2 3 4" >"$D/nomask.txt"
expect_rc 2 "$CHATMPI" train --init $SHAPE --vocab 32 --steps 1 --loss answer --eval "$D/nomask.txt" -o "$D/x.gguf" "$D/d.txt"
expect_err "would evaluate nothing"
echo "1 2 3 40" >"$D/big.txt"
expect_rc 2 "$CHATMPI" train --init $SHAPE --vocab 32 --eval "$D/big.txt" -o "$D/x.gguf" "$D/d.txt"
expect_err "outside the model's vocabulary"

# memory: the estimate is in the start line and within 30% of the measured peak (VmHWM);
# over --mem-limit (or CHATMPI_MEM_LIMIT) the run is refused before it starts
# (records of 130 tokens: a batch is cut to its longest record, and the estimate is for full rows)
awk 'BEGIN { for (r = 0; r < 16; r++) { s = ""; for (t = 0; t < 130; t++) s = s " " (r * 7 + t * 13) % 4096; print s } }' >"$D/long.txt"
expect_rc 0 "$CHATMPI" train --init dim=64,layers=2,heads=4,ffn=128,ctx=128 --vocab 4096 --batch 16 --seq 128 \
    --steps 2 -t 1 -o "$D/mm.gguf" "$D/long.txt"
expect_err "memory ~[0-9]"
peak=$(sed -n 's/.*peak memory \([0-9]*\) MiB (estimated \([0-9]*\) MiB).*/\1 \2/p' "$ERR")
[ -n "$peak" ] || die "no peak memory in the summary"
echo "$peak" | awk '{ r = $2 / $1; exit !(r > 0.7 && r < 1.3) }' || die "estimate vs peak (MiB): $peak"
expect_rc 3 "$CHATMPI" train $ARGS --mem-limit 1M -o "$D/x.gguf" "$D/d.txt"
expect_err "this run needs about"
expect_err "smaller --batch"
expect_rc 3 env CHATMPI_MEM_LIMIT=2M "$CHATMPI" train $ARGS -o "$D/x.gguf" "$D/d.txt"
expect_err "CHATMPI_MEM_LIMIT"
expect_rc 0 "$CHATMPI" train $ARGS --steps 1 -q --mem-limit off -o "$D/x.gguf" "$D/d.txt"
rm -f "$D/x.gguf" "$D/x.gguf.ckpt"
expect_rc 2 "$CHATMPI" train $ARGS --mem-limit lots -o "$D/x.gguf" "$D/d.txt"

# qwen2 bases: full training writes a qwen2 GGUF with its trained biases (loss falls); LoRA
# writes an adapter for qwen2 that generate applies to the base and that changes its output
expect_rc 0 "$CHATMPI" model init --arch qwen2 --shape $SHAPE,vocab=32 --seed 5 -q -o "$D/q.gguf"
expect_rc 0 "$CHATMPI" train --base "$D/q.gguf" --steps 30 --lr 1e-2 --batch 4 --seq 12 --log "$D/q.jsonl" \
    -o "$D/qf.gguf" "$D/d.txt"
expect_err "full model"
qfirst=$(head -1 "$D/q.jsonl" | sed 's/.*"loss":\([0-9.]*\).*/\1/')
qlast=$(tail -1 "$D/q.jsonl" | sed 's/.*"loss":\([0-9.]*\).*/\1/')
awk -v a="$qfirst" -v b="$qlast" 'BEGIN { exit !(b < a * 0.8) }' || die "qwen2 loss did not fall: $qfirst -> $qlast"
expect_rc 0 "$CHATMPI" info "$D/qf.gguf"
expect_out "qwen2.block_count"
expect_out "blk.1.attn_k.bias "
expect_rc 0 "$CHATMPI" generate -m "$D/qf.gguf" --prompt-ids 1,2,3 -n 4
expect_rc 0 "$CHATMPI" train --base "$D/q.gguf" --lora r=2,alpha=4,targets=q+k+v+o+gate+up+down --steps 20 --lr 5e-2 \
    --batch 2 --seq 12 -q -o "$D/qa.gguf" "$D/d.txt"
expect_rc 0 "$CHATMPI" info "$D/qa.gguf"
expect_out 'general.architecture *str *"qwen2"'
expect_out "blk.0.attn_q.weight.lora_a"
grep -q "\.bias" "$OUT" && die "the adapter holds the frozen biases"
expect_rc 0 "$CHATMPI" generate -m "$D/q.gguf" --prompt-ids 1,2,3 -n 8
qbase=$(cat "$OUT")
expect_rc 0 "$CHATMPI" generate -m "$D/q.gguf" --lora "$D/qa.gguf" --prompt-ids 1,2,3 -n 8
[ "$(cat "$OUT")" != "$qbase" ] || die "the qwen2 adapter does not change the output"

# refusals
expect_rc 2 "$CHATMPI" train --init $SHAPE -o "$D/x.gguf" "$D/d.txt"
expect_err "vocab"
# where the model and the checkpoint go is checked before training, not after it
expect_rc 2 "$CHATMPI" train $ARGS -o "$D/no/x.gguf" "$D/d.txt"; expect_err "train: -o: cannot write '$D/no/x.gguf': no directory"
expect_rc 2 "$CHATMPI" train $ARGS -o "$D/x.gguf" --checkpoint "$D/d.txt/c" "$D/d.txt"; expect_err "train: --checkpoint: cannot write"
[ -e "$D/x.gguf" ] && die "a refused run wrote its model"
# ... and before the data is read: the output's error comes first, not the missing data's
expect_rc 2 "$CHATMPI" train $ARGS -o "$D/no/x.gguf" "$D/missing.txt"; expect_err "train: -o: cannot write"
expect_rc 2 "$CHATMPI" train --init $SHAPE --vocab 32 --base "$D/m.gguf" -o "$D/x.gguf" "$D/d.txt"
expect_rc 2 "$CHATMPI" train --base "$D/m.gguf" --lora r=0 -o "$D/x.gguf" "$D/d.txt"
expect_rc 2 "$CHATMPI" train --init $SHAPE --vocab 16 --steps 1 -o "$D/x.gguf" "$D/d.txt"
expect_err "outside the model's vocabulary"
echo "1 2 x 3" >"$D/bad.txt"
expect_rc 2 "$CHATMPI" train --init $SHAPE --vocab 32 --steps 1 -o "$D/x.gguf" "$D/bad.txt"
expect_err "line 1"
expect_rc 2 "$CHATMPI" train --init $SHAPE --vocab 32 --steps 1 -o "$D/x.gguf" --resume "$D/a.gguf.ckpt" "$D/d.txt"
expect_err "another shape"
[ ! -e "$D/x.gguf" ] || die "a failed run left an output file"
exit 0
