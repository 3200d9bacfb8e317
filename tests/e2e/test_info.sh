# `chatmpi info` and `chatmpi quantize` on a GGUF file that this script writes byte by
# byte from the format's description (an independent writer: it checks the reader
# against the spec, not against chatmpi's own writer). Then quantize to q8_0, q4_0 and
# f16 and check types, sizes, metadata and values with info; then malformed inputs.
. tests/e2e/lib.sh
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

byte() { for b; do printf "\\$(printf %03o "$b")"; done; }
u32() { byte $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
u64() { u32 $(($1 & 4294967295)); u32 $(($1 >> 32)); }
str() { u64 ${#1}; printf %s "$1"; }
tinfo() { # name type offset dims...
    n=$1 t=$2 o=$3; shift 3
    str "$n"; u32 $#; for d; do u64 "$d"; done; u32 "$t"; u64 "$o"
}

{
    printf GGUF; u32 3; u64 4; u64 5
    str general.architecture; u32 8; str llama
    str general.name; u32 8; str tiny
    str llama.block_count; u32 4; u32 1
    str llama.rope.freq_base; u32 6; u32 1176256512          # f32 10000.0 = 0x461c4000
    str tokenizer.ggml.tokens; u32 9; u32 8; u64 7
    for s in "<unk>" "<s>" "</s>" a b c d; do str "$s"; done
    tinfo token_embd.weight 0 0 64 4          # f32, 1024 bytes
    tinfo blk.0.attn_norm.weight 0 1024 64    # f32, 256 bytes
    tinfo blk.0.ffn_up.weight 1 1280 32 2     # f16, 128 bytes
    tinfo odd.weight 0 1408 48 2              # f32, 384 bytes: rows of 48 fit no 32-block
} >"$D/tiny.gguf"
size=$(wc -c <"$D/tiny.gguf")
head -c $(((32 - size % 32) % 32)) /dev/zero >>"$D/tiny.gguf"
{
    i=0; while [ $i -lt 256 ]; do u32 $((1065353216 + (i << 13))); i=$((i + 1)); done  # 1 + i/1024
    i=0; while [ $i -lt 64 ]; do u32 1065353216; i=$((i + 1)); done                    # 1.0
    i=0; while [ $i -lt 64 ]; do byte $(((i * 8) & 255)) $((60 + (i >> 5))); i=$((i + 1)); done # f16 0x3c00 + 8i
    i=0; while [ $i -lt 96 ]; do u32 $((3212836864 + (i << 15))); i=$((i + 1)); done   # -(1 + i/256)
} >>"$D/tiny.gguf"

# info: metadata, arrays summarized, tensor table and totals
expect_rc 0 "$CHATMPI" info "$D/tiny.gguf"
expect_out "GGUF v3, 2.* KiB, alignment 32"
expect_out 'general.architecture  *str  "llama"'
expect_out 'llama.block_count  *u32  1$'
expect_out 'llama.rope.freq_base  *f32  10000$'
expect_out 'tokenizer.ggml.tokens  *arr  \[str x 7\] "<unk>", "<s>", "</s>", "a", "b", \.\.\.$'
expect_out 'token_embd.weight  *f32  *64 x 4  *1024$'
expect_out 'blk.0.ffn_up.weight  *f16  *32 x 2  *128$'
expect_out 'blk.0.attn_norm.weight  *f32  *64  *256$'
expect_out "total: 4 tensors, 480 elements, 1792 bytes"
expect_rc 0 "$CHATMPI" info "$D/tiny.gguf" --tensor token_embd.weight
expect_out "first: 1 1.00098 1.00195 1.00293"
expect_out "min 1  max 1.24902  mean 1.12451"
expect_rc 0 "$CHATMPI" info "$D/tiny.gguf" -t blk.0.ffn_up.weight
expect_out "first: 1 1.00781 1.01562"
expect_out "max 1.49219"

# value_max FILE TENSOR: the max that info reports
value_max() { "$CHATMPI" info "$1" -t "$2" | sed -n 's/.* max \([^ ]*\) .*/\1/p'; }
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }' ||
    die "$1 is not within $3 of $2"; }

# q8_0: matrices with 32-multiple rows converted, 1-D kept f32, odd rows kept
expect_rc 0 "$CHATMPI" quantize --type q8_0 "$D/tiny.gguf" "$D/q8.gguf"
expect_out "kept odd.weight as f32: row length does not fit the blocks"
expect_out "wrote '.*q8.gguf' as q8_0: 2 tensors converted, 1 kept"
expect_out "tensor data 1.75 KiB -> 980 B"
[ -z "$(ls "$D" | grep tmp)" ] || die "quantize left a temporary file"
expect_rc 0 "$CHATMPI" info "$D/q8.gguf"
expect_out 'general.file_type  *u32  7$'
expect_out 'general.quantization_version  *u32  2$'
expect_out 'general.name  *str  "tiny"'
expect_out 'tokenizer.ggml.tokens  *arr  \[str x 7\]'
expect_out 'token_embd.weight  *q8_0  *64 x 4  *272$'
expect_out 'blk.0.ffn_up.weight  *q8_0  *32 x 2  *68$'
expect_out 'blk.0.attn_norm.weight  *f32  *64  *256$'
expect_out 'odd.weight  *f32  *48 x 2  *384$'
near "$(value_max "$D/q8.gguf" token_embd.weight)" 1.24902 0.005
near "$(value_max "$D/q8.gguf" blk.0.ffn_up.weight)" 1.49219 0.006

# q4_0: coarser, same layout rules
expect_rc 0 "$CHATMPI" quantize --type q4_0 "$D/tiny.gguf" "$D/q4.gguf"
expect_rc 0 "$CHATMPI" info "$D/q4.gguf"
expect_out 'general.file_type  *u32  2$'
expect_out 'token_embd.weight  *q4_0  *64 x 4  *144$'
near "$(value_max "$D/q4.gguf" token_embd.weight)" 1.24902 0.08

# f16: every matrix converts (block of 1), values of the form 1 + i/1024 are exact
expect_rc 0 "$CHATMPI" quantize --type f16 -v "$D/tiny.gguf" "$D/f16.gguf"
expect_out "odd.weight  *f32   -> f16 *384 -> 192 bytes"
expect_rc 0 "$CHATMPI" info "$D/f16.gguf" -t token_embd.weight
expect_out 'general.file_type  *u32  1$'
expect_out "first: 1 1.00098 1.00195 1.00293"
expect_out "min 1  max 1.24902  mean 1.12451"
expect_rc 0 "$CHATMPI" info "$D/f16.gguf" -t odd.weight
expect_out "min -1.37109  max -1"

# in place: the input is replaced atomically
cp "$D/tiny.gguf" "$D/same.gguf"
expect_rc 0 "$CHATMPI" quantize --type q8_0 "$D/same.gguf" "$D/same.gguf"
expect_out "file 2.* KiB -> "
cmp -s "$D/same.gguf" "$D/q8.gguf" || die "quantizing in place differs from quantizing to a new file"

# malformed and wrong inputs
head -c 100 "$D/tiny.gguf" >"$D/cut.gguf"
expect_rc 2 "$CHATMPI" info "$D/cut.gguf"
expect_err "chatmpi: cannot read '.*cut.gguf': tensor count 4 at offset 8 exceeds the file"
head -c 200 "$D/tiny.gguf" >"$D/cut.gguf"
expect_rc 2 "$CHATMPI" info "$D/cut.gguf"
expect_err "chatmpi: cannot read '.*cut.gguf': .* at offset [0-9]* exceeds the file"
head -c 2000 "$D/tiny.gguf" >"$D/short.gguf"
expect_rc 2 "$CHATMPI" quantize --type q8_0 "$D/short.gguf" "$D/x.gguf"
expect_err "data of tensor 'odd.weight' (its info at offset [0-9]*) exceeds the file"
[ ! -e "$D/x.gguf" ] || die "a failed quantize wrote its output"
off=$("$CHATMPI" info "$D/tiny.gguf" | sed -n 's/.*tensor data at offset \([0-9]*\)$/\1/p')
cp "$D/tiny.gguf" "$D/nan.gguf"
u32 2143289344 | dd of="$D/nan.gguf" bs=1 seek=$((off + 4 * 5)) conv=notrunc 2>/dev/null # a NaN
expect_rc 2 "$CHATMPI" quantize --type q8_0 "$D/nan.gguf" "$D/x.gguf"
expect_err "cannot convert tensor 'token_embd.weight': cannot quantize to 'q8_0': value nan at index 5 is not finite"
[ ! -e "$D/x.gguf" ] || die "a failed quantize wrote its output"
expect_rc 0 "$CHATMPI" quantize --type f16 "$D/nan.gguf" "$D/x.gguf" # f16 keeps NaN
expect_rc 0 "$CHATMPI" info "$D/x.gguf" -t token_embd.weight
expect_out "non-finite values: 1"
echo "not a model" >"$D/text.gguf"
expect_rc 2 "$CHATMPI" info "$D/text.gguf"
expect_err "not a GGUF file (magic bytes 6e 6f 74 20 at offset 0)"
expect_err "hint: "
expect_rc 3 "$CHATMPI" info "$D/missing.gguf"
expect_err "cannot open '.*missing.gguf'"
expect_rc 2 "$CHATMPI" info "$D/tiny.gguf" --tensor nope
expect_err "no tensor 'nope'"
expect_rc 2 "$CHATMPI" quantize "$D/tiny.gguf" "$D/x.gguf"
expect_err "type is required"
expect_rc 2 "$CHATMPI" quantize --type q2_k "$D/tiny.gguf" "$D/x.gguf"
expect_err "unsupported --type value"
expect_rc 2 "$CHATMPI" info
exit 0
