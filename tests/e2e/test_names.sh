# Normalized names end to end: `data names` shows the map and the rewritten programs; a model
# trained with normalize_names carries the key, reads a user's program with canonical names
# and answers with the user's names (a tiny model that memorized one record answers with the
# names of a program it never saw), while the same model trained without it answers with the
# record's own names.
. tests/e2e/lib.sh
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# data names
expect_rc 0 "$CHATMPI" data names data/corpus/blas1/axpy/seq.c data/corpus/blas1/axpy/mpi.c
expect_err "seq.c: 10 names: n->v1, reps->v2, x->v3, y->v4"
expect_out "long v1 = argc > 1 ? strtol(argv\[1\], NULL, 10) : 1000;"
expect_out "MPI_Comm_rank(MPI_COMM_WORLD, &rank);"
expect_out "==> data/corpus/blas1/axpy/mpi.c <=="
expect_out 'fprintf(stderr, "usage: %s \[n >= 1\] \[reps >= 1\]\\n", argv\[0\]);'
expect_rc 0 "$CHATMPI" data names -q data/corpus/blas1/axpy/seq.c
[ -s "$ERR" ] && die "-q printed the map: $(cat "$ERR")"
printf 'int main(void) { long n = 1; /* never closed\n' > "$T/bad.c"
expect_rc 0 "$CHATMPI" data names "$T/bad.c"
expect_err "unterminated comment; nothing renamed"
cmp -s "$OUT" "$T/bad.c" || die "an unlexable file was changed"
expect_rc 3 "$CHATMPI" data names "$T/missing.c"
expect_err "cannot open '$T/missing.c'"
expect_rc 2 "$CHATMPI" data names

# one record, memorized: the program declares `width`, the answer uses it; the user's
# program says `depth` and has comments the record does not (a normalized model reads none)
cat data/corpus/blas1/*/seq.c data/corpus/blas1/*/mpi.c > "$T/text"
spm_train --input="$T/text" --model_prefix="$T/spm" --vocab_size=600 --model_type=bpe --byte_fallback=true \
    --normalization_rule_name=identity --remove_extra_whitespaces=false >/dev/null 2>&1 || die "spm_train failed"
expect_rc 0 "$CHATMPI" tokenizer import "$T/spm.model" -o "$T/tok.gguf"
cat > "$T/rec.json" <<'JSON'
[{"question": "Can you parallelize this sequential code to MPI?\n#include <stdio.h>\nint main(void)\n{\n    long width = 5;\n    printf(\"%ld\\n\", width);\n    return 0;\n}\n",
  "context": "Sequential to MPI translation",
  "answer": "long width = 5 * 2;\nprintf(\"%ld\\n\", width);\n"}]
JSON
printf '#include <stdio.h>\nint main(void)\n{\n    long depth = 5;\n    printf("%%ld\\n", depth);\n    return 0;\n}\n' \
    > "$T/user.c"
printf '/* the user'"'"'s own comment */\n#include <stdio.h>\nint main(void)\n{\n    long depth = 5; // a depth\n    printf("%%ld\\n", depth);\n    return 0;\n}\n' \
    > "$T/user_commented.c"
for mode in true false; do
    cat > "$T/cfg_$mode.yaml" <<YAML
data_file: $T/rec.json
init: dim=64,layers=2,heads=2,ffn=128,ctx=512
tokenizer: $T/tok.gguf
finetuned_model_path: $T/model_$mode.gguf
training_output_dir: $T/out_$mode
prompt_template: chathpc
max_training_tokens: 512
seq_len: 512
loss: answer
steps: 60
learning_rate: 0.01
warmup_steps: 5
micro_batch: 1
batch_size: 1
normalize_names: $mode
YAML
    expect_rc 0 "$CHATMPI" train --config "$T/cfg_$mode.yaml" -q
    expect_rc 0 "$CHATMPI" info "$T/model_$mode.gguf"
    if [ $mode = true ]; then expect_out 'chatmpi.prompt.names.*normalized'
    elif grep -q 'chatmpi.prompt.names' "$OUT"; then die "a model trained as-is carries the names key"; fi
    expect_rc 0 "$CHATMPI" run "$T/user.c" -m "$T/model_$mode.gguf" --no-verify -n 24
    cp "$OUT" "$T/answer_$mode"
done
expect_rc 0 "$CHATMPI" run "$T/user_commented.c" -m "$T/model_true.gguf" --no-verify -n 24
grep -q 'long depth = 5 \* 2;' "$OUT" || { cat "$OUT"; die "normalized model: the user's comments changed the answer"; }
grep -q 'long depth = 5 \* 2;' "$T/answer_true" || { cat "$T/answer_true"; die "normalized model: no user names"; }
grep -q 'width' "$T/answer_true" && die "normalized model wrote the record's name"
grep -q 'long width = 5 \* 2;' "$T/answer_false" || { cat "$T/answer_false"; die "as-is model: not memorized"; }

# fine-tuning from a normalized model keeps the convention without saying so again
sed -e "s|^init:.*|base_model_path: $T/model_true.gguf\nfull: true|" -e '/^tokenizer:/d' \
    -e 's|^normalize_names:.*||' -e "s|model_true.gguf$|model_ft.gguf|" -e 's|out_true|out_ft|' \
    -e 's|^steps:.*|steps: 2|' "$T/cfg_true.yaml" > "$T/cfg_ft.yaml"
expect_rc 0 "$CHATMPI" train --config "$T/cfg_ft.yaml" -q
expect_rc 0 "$CHATMPI" info "$T/model_ft.gguf"
expect_out 'chatmpi.prompt.names.*normalized'

# shuffled_names: every record again in other orders of its canonical names (the eval records
# as they are); it needs normalize_names
sed -e 's|^steps:.*|steps: 2|' -e 's|out_true|out_sh|' -e 's|model_true.gguf$|model_sh.gguf|' "$T/cfg_true.yaml" \
    > "$T/cfg_sh.yaml"
printf 'shuffled_names: 3\neval_file: %s\n' "$T/rec.json" >> "$T/cfg_sh.yaml"
expect_rc 0 "$CHATMPI" train --config "$T/cfg_sh.yaml"
expect_err "chatmpi train: 4 records from $T/rec.json (each in 4 orders of its names)"
expect_err "chatmpi train: 1 records from $T/rec.json: "
sed 's|^normalize_names:.*|normalize_names: false|' "$T/cfg_sh.yaml" > "$T/cfg_bad.yaml"
expect_rc 2 "$CHATMPI" train --config "$T/cfg_bad.yaml"
expect_err "shuffled_names 3 needs normalize_names"
sed 's|^shuffled_names:.*|shuffled_names: 100000000000|' "$T/cfg_sh.yaml" > "$T/cfg_big.yaml"
expect_rc 2 "$CHATMPI" train --config "$T/cfg_big.yaml"
expect_err "shuffled_names 100000000000: at most 1000"
echo "ok"
