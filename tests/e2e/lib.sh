# Shared helpers for the end-to-end tests (sourced). $CHATMPI is the binary under test.
set -u
die() { echo "FAILED: $*"; exit 1; }
# expect_rc WANT CMD...: runs CMD, captures stdout/stderr in $OUT/$ERR, checks the exit code.
expect_rc() {
    want=$1; shift
    OUT=$(mktemp); ERR=$(mktemp)
    "$@" >"$OUT" 2>"$ERR"; got=$?
    if [ "$got" != "$want" ]; then
        echo "--- stdout"; cat "$OUT"; echo "--- stderr"; cat "$ERR"
        die "'$*' exited $got, expected $want"
    fi
}
expect_out() { grep -q -- "$1" "$OUT" || { cat "$OUT"; die "stdout lacks '$1'"; }; }
expect_err() { grep -q -- "$1" "$ERR" || { cat "$ERR"; die "stderr lacks '$1'"; }; }

# token_records FILE: appends 24 text token records (vocabulary 32) to FILE: a prompt of 6 ids,
# '|', then an answer of 6 ids that follows from the record number (train's text format)
token_records() {
    i=0
    while [ $i -lt 24 ]; do
        p=""; a=""; j=0
        while [ $j -lt 6 ]; do p="$p $(( (i * 5 + j * 3) % 32 ))"; a="$a $(( (i + j * 7) % 32 ))"; j=$((j + 1)); done
        echo "$p |$a" >>"$1"
        i=$((i + 1))
    done
}

# tiny_model DIR CTX: DIR/m.gguf, a random-weight llama model (dim 32, one layer, context CTX)
# with a 500-token sentencepiece vocabulary trained on the BLAS1 programs (DIR/spm.model):
# its answers are noise, which is what the assistant commands' plumbing tests want
tiny_model() {
    cat data/corpus/blas1/*/seq.c > "$1/text"
    spm_train --input="$1/text" --model_prefix="$1/spm" --vocab_size=500 --model_type=bpe --byte_fallback=true \
        --normalization_rule_name=identity --remove_extra_whitespaces=false >/dev/null 2>&1 || die "spm_train failed"
    expect_rc 0 "$CHATMPI" model init --shape dim=32,layers=1,heads=2,ffn=64,ctx="$2",vocab=500 -o "$1/m.gguf" -q
    expect_rc 0 "$CHATMPI" tokenizer import "$1/spm.model" --into "$1/m.gguf"
}
