# `chatmpi tokenizer import` and `chatmpi tokenize -m`: a BPE model trained here by spm_train
# is stored in GGUF (alone, and into a model file written byte by byte below); the GGUF
# tokenizer must give exactly the ids of the sentencepiece file on many C files, a model's
# tensors and keys must survive --into, and bad inputs must fail with clear messages.
. tests/e2e/lib.sh
command -v spm_train >/dev/null || die "spm_train not found: install the Debian package sentencepiece (make setup)"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

find src -name '*.c' | sort | xargs cat >"$T/train.txt"
spm_train --input="$T/train.txt" --model_prefix="$T/m" --vocab_size=600 --model_type=bpe \
    --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false \
    --split_digits=true --allow_whitespace_only_pieces=true --add_dummy_prefix=true --pad_id=3 \
    --unk_id=0 --bos_id=1 --eos_id=2 >"$T/train.log" 2>&1 || { tail "$T/train.log"; die "spm_train failed"; }
M="$T/m.model"

# -- tokenizer-only GGUF: keys as llama.cpp names them
expect_rc 0 "$CHATMPI" tokenizer import "$M" -o "$T/tok.gguf"
expect_out "600 tokens"
expect_rc 0 "$CHATMPI" info "$T/tok.gguf"
expect_out 'general.type  *str  "tokenizer"'
expect_out 'tokenizer.ggml.model  *str  "llama"'
expect_out 'tokenizer.ggml.tokens  *arr  \[str x 600\] "<unk>", "<s>", "</s>", "<pad>"'
expect_out 'tokenizer.ggml.scores  *arr  \[f32 x 600\]'
expect_out 'tokenizer.ggml.token_type  *arr  \[i32 x 600\] 2, 3, 3, 3, 6'
expect_out 'tokenizer.ggml.padding_token_id  *u32  3'
expect_out 'tokenizer.ggml.add_bos_token  *bool true'
expect_out 'tokenizer.ggml.add_space_prefix  *bool true'

# -- identical ids from the GGUF and from the .model on many files, with and without BOS
n=0
for f in $(find src tests/unit -name '*.c' | sort | head -n 60) README.md; do
    expect_rc 0 "$CHATMPI" tokenize --spm "$M" -f "$f" --ids --bos; cp "$OUT" "$T/a"
    expect_rc 0 "$CHATMPI" tokenize -m "$T/tok.gguf" -f "$f" --ids --bos
    cmp -s "$OUT" "$T/a" || die "tokenize -m and --spm disagree on $f"
    n=$((n + 1))
done
[ "$n" -ge 20 ] || die "only $n files compared"
expect_rc 0 "$CHATMPI" tokenize -m "$T/tok.gguf" -p "int x;" --ids --bos
[ "$(cut -d ' ' -f 1 "$OUT")" = 1 ] || die "--bos did not put <s> first"
expect_rc 0 "$CHATMPI" tokenize -m "$T/tok.gguf" -f src/core/buf.c --ids; cp "$OUT" "$T/ids"
expect_rc 0 "$CHATMPI" tokenize -m "$T/tok.gguf" --decode -f "$T/ids"
cmp -s "$OUT" src/core/buf.c || die "decode(encode(x)) != x through the GGUF tokenizer"
# the .vocab text file imports to the same ids
expect_rc 0 "$CHATMPI" tokenizer import "$T/m.vocab" -o "$T/tokv.gguf"
expect_rc 0 "$CHATMPI" tokenize -m "$T/tokv.gguf" -f src/core/buf.c --ids
cmp -s "$OUT" "$T/ids" || die "the .vocab import encodes differently"
echo "GGUF tokenizer ids identical to the .model on $n files"

# -- a model file (written byte by byte: keys, two f32 tensors) gets a tokenizer with --into
byte() { for b; do printf "\\$(printf %03o "$b")"; done; }
u32() { byte $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
u64() { u32 $(($1 & 4294967295)); u32 $(($1 >> 32)); }
str() { u64 ${#1}; printf %s "$1"; }
model() { # the header of a model whose embedding has $1 rows (f32 8 x rows, then 32 f32)
    rows=$1
    printf GGUF; u32 3; u64 2; u64 4
    str general.architecture; u32 8; str llama
    str tokenizer.ggml.model; u32 8; str gpt2                  # an old vocabulary, to be replaced
    str tokenizer.ggml.merges; u32 9; u32 8; u64 1; str "a b"
    str llama.block_count; u32 4; u32 1
    str token_embd.weight; u32 2; u64 8; u64 "$rows"; u32 0; u64 0
    str output_norm.weight; u32 1; u64 32; u32 0; u64 $((32 * rows))
}
# header first (to learn its length), then padding and data
{ model 600; } >"$T/hdr"
{ cat "$T/hdr"; head -c $(( (32 - $(wc -c <"$T/hdr") % 32) % 32 )) /dev/zero
  awk 'BEGIN { for (i = 0; i < 32 * 600 + 128; i++) printf "%c", 65 + i % 23 }'; } >"$T/model.gguf"
expect_rc 0 "$CHATMPI" info "$T/model.gguf"
expect_out 'token_embd.weight'
cp "$T/model.gguf" "$T/orig.gguf"
expect_rc 0 "$CHATMPI" tokenizer import "$M" --into "$T/model.gguf"
expect_rc 0 "$CHATMPI" info "$T/model.gguf"
expect_out 'tokenizer.ggml.model  *str  "llama"'
expect_out 'llama.block_count  *u32  1'
expect_out 'token_embd.weight  *f32  *8 x 600'
grep -q 'tokenizer.ggml.merges' "$OUT" && die "--into kept the old vocabulary's merges"
grep -q 'general.type' "$OUT" && die "--into marked a model as a tokenizer"
# the tensor data (the file's tail) is byte for byte the original's
sz=$((32 * 600 + 128))
tail -c $sz "$T/orig.gguf" >"$T/d1"; tail -c $sz "$T/model.gguf" >"$T/d2"
cmp -s "$T/d1" "$T/d2" || die "--into changed the tensor data"
expect_rc 0 "$CHATMPI" tokenize -m "$T/model.gguf" -f src/core/buf.c --ids
cmp -s "$OUT" "$T/ids" || die "the model's new tokenizer encodes differently"
# -o leaves the model alone; importing again replaces the keys (same result)
expect_rc 0 "$CHATMPI" tokenizer import "$M" --into "$T/orig.gguf" -o "$T/copy.gguf"
cmp -s "$T/copy.gguf" "$T/model.gguf" || die "--into -o differs from --into"
expect_rc 0 "$CHATMPI" info "$T/orig.gguf"; expect_out '"gpt2"'
expect_rc 0 "$CHATMPI" tokenizer import "$M" --into "$T/model.gguf"
cmp -s "$T/copy.gguf" "$T/model.gguf" || die "a second import changed the file"

# -- errors
expect_rc 2 "$CHATMPI" tokenize -m "$T/orig.gguf" -p x; expect_err "no tokenizer.ggml.tokens"
expect_rc 3 "$CHATMPI" info "$T/nosuch.gguf"
printf 'GGUF' >"$T/notok.gguf"; u32 3 >>"$T/notok.gguf"; u64 0 >>"$T/notok.gguf"; u64 1 >>"$T/notok.gguf"
{ str general.architecture; u32 8; str llama; } >>"$T/notok.gguf"
expect_rc 2 "$CHATMPI" tokenize -m "$T/notok.gguf" -p x
expect_err "model '.*notok.gguf' has no tokenizer"; expect_err "hint: .*tokenizer import"
expect_rc 2 "$CHATMPI" tokenize -m "$T/tok.gguf" --spm "$M" -p x; expect_err "not both"
expect_rc 2 "$CHATMPI" tokenizer import "$M"; expect_err "say where to write"
expect_rc 2 "$CHATMPI" tokenizer frobnicate; expect_err "unknown subcommand 'frobnicate'"
expect_rc 3 "$CHATMPI" tokenizer import "$T/nosuch.model" -o "$T/x.gguf"; expect_err "nosuch.model"
[ -e "$T/x.gguf" ] && die "a failed import wrote its output"
{ model 500; } >"$T/hdr"
{ cat "$T/hdr"; head -c $(( (32 - $(wc -c <"$T/hdr") % 32) % 32 )) /dev/zero
  awk 'BEGIN { for (i = 0; i < 32 * 500 + 128; i++) printf "%c", 66 }'; } >"$T/small.gguf"
cp "$T/small.gguf" "$T/small0.gguf"
expect_rc 2 "$CHATMPI" tokenizer import "$M" --into "$T/small.gguf"
expect_err "cannot put a 600-token vocabulary into '.*small.gguf': its token_embd.weight has 500 rows"
cmp -s "$T/small.gguf" "$T/small0.gguf" || die "a refused --into changed the model"
head -c 100 "$T/tok.gguf" >"$T/trunc.gguf"
expect_rc 2 "$CHATMPI" tokenize -m "$T/trunc.gguf" -p x; expect_err "trunc.gguf"
exit 0
