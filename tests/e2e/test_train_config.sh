# chatmpi train --config: a ChatHPC config (YAML and JSON) drives training on ChatHPC records
# rendered with the template and tokenized with the model's tokenizer; unknown keys warn,
# wrong types and missing keys refuse (exit 2), CHATMPI_* and flags override the file.
. tests/e2e/lib.sh
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cat data/corpus/blas1/*/seq.c data/corpus/blas1/*/mpi.c > "$T/text"
spm_train --input="$T/text" --model_prefix="$T/spm" --vocab_size=600 --model_type=bpe --byte_fallback=true \
    --normalization_rule_name=identity --remove_extra_whitespaces=false >/dev/null 2>&1 || die "spm_train failed"
expect_rc 0 "$CHATMPI" tokenizer import "$T/spm.model" -o "$T/tok.gguf"
cat > "$T/cfg.yaml" <<YAML
data_file: data/refine.json
init: dim=32,layers=1,heads=2,ffn=64,ctx=512
tokenizer: $T/tok.gguf
finetuned_model_path: $T/model.gguf
training_output_dir: $T/out
prompt_template: chathpc
max_training_tokens: 300
seq_len: 128
steps: 9
warmup_steps: 1
micro_batch: 2
batch_size: 4
epochs: 3
YAML
expect_rc 0 "$CHATMPI" train --config "$T/cfg.yaml" --steps 3 -q
expect_err "unknown key 'epochs' (ignored)"
expect_err "4 records from data/refine.json"
expect_err "were truncated"
[ -s "$T/model.gguf" ] && [ -s "$T/out/checkpoint.ckpt" ] && [ -s "$T/out/train.tok" ] || die "outputs missing"
[ "$(wc -l < "$T/out/train.jsonl")" = 3 ] || die "--steps 3 did not override steps: 9"
expect_rc 0 "$CHATMPI" info "$T/model.gguf"; expect_out 'tokenizer.ggml.model'
# the environment overrides the file, flags override the environment
rm -rf "$T/out"
CHATMPI_STEPS=2 "$CHATMPI" train --config "$T/cfg.yaml" -q 2>/dev/null || die "env run failed"
[ "$(wc -l < "$T/out/train.jsonl")" = 2 ] || die "CHATMPI_STEPS=2 did not override steps: 9"
# JSON configs; errors are usage errors naming the file
printf '{"data_file": "data/refine.json", "steps": "many"}\n' > "$T/bad.json"
expect_rc 2 "$CHATMPI" train --config "$T/bad.json"; expect_err "'steps' must be an integer"
printf '{"data_file": "data/refine.json",\n "steps": 3,,}\n' > "$T/syntax.json"
expect_rc 2 "$CHATMPI" train --config "$T/syntax.json"; expect_err "syntax.json:2:"
sed '/prompt_template/d' "$T/cfg.yaml" > "$T/notmpl.yaml"
expect_rc 2 "$CHATMPI" train --config "$T/notmpl.yaml"; expect_err "exactly one of prompt_template"
expect_rc 2 "$CHATMPI" train --steps 3; expect_err "give the token DATA file, or --config"
exit 0
