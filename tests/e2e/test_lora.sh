# LoRA end to end: an adapter trained by `chatmpi train --lora` loads in generate, changes
# its output (scale 0 gives the base back, scales add up), merges with `chatmpi merge` into
# a model that generates what the unmerged adapter does; run and verify take --lora;
# generate's --stop ends the text before the stop string; and the refusals, with exit codes
# and the tensor named.
. tests/e2e/lib.sh
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
S=dim=32,layers=2,heads=4,kv_heads=2,ffn=64,ctx=24

token_records "$D/d.txt"
expect_rc 0 "$CHATMPI" model init --shape $S,vocab=32 --seed 3 -q -o "$D/m.gguf"
expect_rc 0 "$CHATMPI" train --base "$D/m.gguf" --lora r=2,alpha=4,targets=q+k+v+o+gate+up+down --steps 20 --lr 5e-2 \
    --batch 2 --seq 12 -q -o "$D/a.gguf" "$D/d.txt"

gen() { expect_rc 0 "$CHATMPI" generate --prompt-ids 1,2,3 -n 12 "$@"; cat "$OUT"; }
base=$(gen -m "$D/m.gguf")
expect_rc 0 "$CHATMPI" generate --prompt-ids 1,2,3 -n 12 -m "$D/m.gguf" --lora "$D/a.gguf" -v
with=$(cat "$OUT")
expect_err "1 LoRA adapter"
[ "$with" != "$base" ] || die "the trained adapter does not change the output: $base"
[ "$(gen -m "$D/m.gguf" --lora "$D/a.gguf:0")" = "$base" ] || die "scale 0 is not the base model"
[ "$(gen -m "$D/m.gguf" --lora "$D/a.gguf:0.5" --lora "$D/a.gguf:0.5")" = "$with" ] || die "0.5 + 0.5 is not 1"
[ "$(gen -m "$D/m.gguf" --lora "$D/a.gguf" --threads 1)" = "$with" ] || die "1 thread differs"

# merged: the same greedy ids as the unmerged adapter; the base's metadata kept
expect_rc 0 "$CHATMPI" merge "$D/m.gguf" "$D/a.gguf" -o "$D/merged.gguf"
expect_out "merged 1 adapter into '$D/merged.gguf' (.*): 14 weights updated, 7 tensors copied"
[ "$(gen -m "$D/merged.gguf")" = "$with" ] || die "merged model differs from the unmerged adapter"
expect_rc 0 "$CHATMPI" info "$D/merged.gguf"
expect_out "llama.block_count"
grep -q "\.lora_[ab]" "$OUT" && die "merged model holds LoRA tensors"
# two adapters with scales, into q8_0
expect_rc 0 "$CHATMPI" merge "$D/m.gguf" "$D/a.gguf:0.5" "$D/a.gguf:0.5" --out-type q8_0 -o "$D/m8.gguf"
expect_out "merged 2 adapters .*14 weights updated, 2 converted to q8_0, 5 tensors copied"
expect_rc 0 "$CHATMPI" info "$D/m8.gguf"
grep "blk.0.attn_q.weight " "$OUT" | grep -q q8_0 || die "--out-type q8_0 did not apply"
# like with like: the q8_0 merge against the adapter applied unmerged to the base in q8_0
# (rounding the base to q8_0 may change the greedy ids of this tiny model by itself)
expect_rc 0 "$CHATMPI" quantize --type q8_0 "$D/m.gguf" "$D/mq.gguf"
# (float batches: bf16 ones round the merged weights and the base differently, model/matmul.h)
with8=$(CHATMPI_PREFILL=f32 gen -m "$D/mq.gguf" --lora "$D/a.gguf")
m8=$(CHATMPI_PREFILL=f32 gen -m "$D/m8.gguf")
[ "$(echo "$m8" | cut -d' ' -f1)" = "$(echo "$with8" | cut -d' ' -f1)" ] || die "q8_0 merge's first id differs: $m8 vs $with8"
# a quantized base: the updated weights stay q4_0
expect_rc 0 "$CHATMPI" quantize --type q4_0 "$D/m.gguf" "$D/q4.gguf"
expect_rc 0 "$CHATMPI" merge "$D/q4.gguf" "$D/a.gguf" -o "$D/q4m.gguf" -q
[ ! -s "$OUT" ] || die "--quiet printed something"
expect_rc 0 "$CHATMPI" info "$D/q4m.gguf"
grep "blk.1.ffn_down.weight " "$OUT" | grep -q q4_0 || die "merged q4_0 weight changed type"

# refusals: a model as adapter, another model's adapter, a broken file, bad options
expect_rc 0 "$CHATMPI" model init --shape dim=64,layers=2,heads=4,kv_heads=2,ffn=64,ctx=24,vocab=32 -q -o "$D/w.gguf"
expect_rc 0 "$CHATMPI" model init --shape dim=32,layers=1,heads=4,kv_heads=2,ffn=64,ctx=24,vocab=32 -q -o "$D/s.gguf"
expect_rc 2 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1 --lora "$D/w.gguf"
expect_err "cannot use '$D/w.gguf' as a LoRA adapter: it has no general.type = 'adapter'"
expect_err "hint: "
expect_rc 2 "$CHATMPI" generate -m "$D/w.gguf" --prompt-ids 1 --lora "$D/a.gguf"
expect_err "tensor 'blk.0.attn_q.weight.lora_a' has shape \[32, 2\], expected \[64, r\]"
expect_rc 2 "$CHATMPI" generate -m "$D/s.gguf" --prompt-ids 1 --lora "$D/a.gguf"
expect_err "is for 'blk.1.attn_q.weight', which the model does not have"
expect_rc 3 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1 --lora "$D/none.gguf"
expect_err "none.gguf"
head -c 700 "$D/a.gguf" >"$D/cut.gguf"
expect_rc 2 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1 --lora "$D/cut.gguf"
expect_err "cut.gguf"
expect_rc 2 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1 --lora "$D/a.gguf:nan"
expect_err "invalid LoRA scale"
expect_rc 2 "$CHATMPI" merge "$D/w.gguf" "$D/a.gguf" -o "$D/x.gguf"
expect_err "expected \[64, r\]"
[ -e "$D/x.gguf" ] && die "a refused merge wrote a file"
expect_rc 2 "$CHATMPI" merge "$D/m.gguf" "$D/a.gguf"
expect_err "-o OUT.gguf is required"
expect_rc 2 "$CHATMPI" merge "$D/m.gguf" "$D/a.gguf" -o "$D/x.gguf" --out-type q2_k
expect_err "unsupported --out-type 'q2_k'"
expect_rc 2 "$CHATMPI" merge "$D/m.gguf" -o "$D/x.gguf"
expect_rc 3 "$CHATMPI" merge "$D/none.gguf" "$D/a.gguf" -o "$D/x.gguf"

# a model with a tokenizer: --stop on text, run and verify with --lora
cat data/corpus/blas1/*/seq.c > "$D/text"
spm_train --input="$D/text" --model_prefix="$D/spm" --vocab_size=500 --model_type=bpe --byte_fallback=true \
    --normalization_rule_name=identity --remove_extra_whitespaces=false >/dev/null 2>&1 || die "spm_train failed"
expect_rc 0 "$CHATMPI" model init --shape dim=32,layers=1,heads=2,ffn=64,ctx=2048,vocab=500 --seed 5 -q -o "$D/t.gguf"
expect_rc 0 "$CHATMPI" tokenizer import "$D/spm.model" --into "$D/t.gguf"
expect_rc 0 "$CHATMPI" generate -m "$D/t.gguf" -p "int main" -n 40 --no-eos
cp "$OUT" "$D/full"
[ "$(wc -c <"$D/full")" -ge 24 ] || die "generated text too short to test stop strings"
# the stop string: 4 bytes of the text (no newline or NUL: they do not pass through argv)
e=14
while head -c $e "$D/full" | tail -c 4 >"$D/stop" && [ "$(tr -d '\n\000' <"$D/stop" | wc -c)" != 4 ]; do
    e=$((e + 1)); [ $e -lt 24 ] || die "no 4 plain bytes in the text"
done
k=0 # where it first occurs: the text stops there
while ! tail -c +$((k + 1)) "$D/full" | head -c 4 | cmp -s - "$D/stop"; do k=$((k + 1)); done
{ head -c $k "$D/full"; echo; } >"$D/want"
expect_rc 0 "$CHATMPI" generate -m "$D/t.gguf" -p "int main" -n 40 --no-eos --stop "never in it" --stop "$(cat "$D/stop")" -v
cmp -s "$OUT" "$D/want" || { od -c "$OUT"; od -c "$D/want"; die "--stop did not end the text before the stop string"; }
expect_err "stopped at a stop string"
expect_rc 2 "$CHATMPI" generate -m "$D/t.gguf" -p "int main" --stop ""
expect_err "non-empty"
expect_rc 2 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1 --stop "x"
expect_err "has no tokenizer"

expect_rc 0 "$CHATMPI" train --base "$D/t.gguf" --lora r=4,alpha=8 --steps 10 --lr 5e-2 --batch 2 --seq 12 -q \
    -o "$D/ta.gguf" "$D/d.txt"
cp examples/pi_midpoint.c "$D/pi.c"
expect_rc 0 "$CHATMPI" run "$D/pi.c" -m "$D/t.gguf" --max-tokens 12 --no-verify
plain=$(cat "$OUT")
expect_rc 0 "$CHATMPI" run "$D/pi.c" -m "$D/t.gguf" --max-tokens 12 --no-verify --lora "$D/ta.gguf:4"
[ "$(cat "$OUT")" != "$plain" ] || die "run --lora gave the same answer as without"
expect_rc 2 "$CHATMPI" run "$D/pi.c" -m "$D/t.gguf" --max-tokens 12 --no-verify --lora "$D/a.gguf"
expect_err "'blk.0.attn_k.weight.lora_b' has shape \[2, 16\], expected \[r, 32\]"
printf '/bye\n' | "$CHATMPI" run -m "$D/t.gguf" --lora "$D/ta.gguf" >"$D/chat" 2>&1 || die "interactive run with --lora failed"
expect_rc 0 "$CHATMPI" verify -m "$D/t.gguf" --lora "$D/ta.gguf:2" --max-tokens 8 --np 1 -q data/corpus/blas1/dot
expect_out "chatmpi verify: model .*t.gguf with LoRA .*ta.gguf:2"
expect_rc 0 "$CHATMPI" test -m "$D/t.gguf" --lora "$D/ta.gguf" --max-tokens 8 --np 1 -q data/corpus/blas1/scal
expect_out "with LoRA"
expect_rc 2 "$CHATMPI" verify -m "$D/t.gguf" --lora "$D/t.gguf" --max-tokens 8 --np 1 -q data/corpus/blas1/dot
expect_err "general.type"
echo ok
