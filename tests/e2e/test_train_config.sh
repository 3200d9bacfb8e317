# chatmpi train --config: a ChatHPC config (YAML and JSON) drives training on ChatHPC records
# rendered with the template and tokenized with the model's tokenizer; unknown keys warn,
# wrong types and missing keys refuse (exit 2), CHATMPI_* and flags override the file;
# eval_file records are tokenized like data_file and evaluated every eval_every steps; under
# mpirun batch_size is micro_batch x accumulation x ranks and only rank 0 writes.
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
# eval_file: rendered and tokenized like data_file, its loss in the log every eval_every steps
rm -rf "$T/out"
{ cat "$T/cfg.yaml"; printf 'eval_file: data/refine.json\neval_every: 1\n'; } > "$T/ev.yaml"
expect_rc 0 "$CHATMPI" train --config "$T/ev.yaml" --steps 2
expect_err "4 records from data/refine.json.*-> $T/out/eval.tok"
expect_err "train: eval loss"
[ "$(grep -c '"eval_loss"' "$T/out/train.jsonl")" = 2 ] || die "no eval_loss in every log line"
# LoRA with merged_model_path: the adapter, and the base with it folded in, which generates
# what the base with the adapter applied unmerged generates
cat > "$T/lora.yaml" <<YAML
data_file: data/refine.json
base_model_path: $T/model.gguf
finetuned_model_path: $T/adapter.gguf
merged_model_path: $T/merged.gguf
training_output_dir: $T/lout
prompt_template: chathpc
max_training_tokens: 300
seq_len: 128
steps: 3
learning_rate: 0.05
warmup_steps: 0
micro_batch: 2
batch_size: 2
lora_r: 4
YAML
expect_rc 0 "$CHATMPI" train --config "$T/lora.yaml" -q
[ -s "$T/adapter.gguf" ] && [ -s "$T/merged.gguf" ] || die "adapter or merged model missing"
expect_rc 0 "$CHATMPI" generate -m "$T/merged.gguf" --prompt-ids 1,5,9 --max-tokens 12 --print-ids; merged_ids=$(cat "$OUT")
expect_rc 0 "$CHATMPI" generate -m "$T/model.gguf" --lora "$T/adapter.gguf" --prompt-ids 1,5,9 --max-tokens 12 --print-ids
[ "$(cat "$OUT")" = "$merged_ids" ] || die "merged model generates '$merged_ids', base + adapter '$(cat "$OUT")'"
expect_rc 0 "$CHATMPI" generate -m "$T/model.gguf" --prompt-ids 1,5,9 --max-tokens 12 --print-ids
[ "$(cat "$OUT")" != "$merged_ids" ] || die "the adapter changed nothing: the merge check proves nothing"
# lora_layers: adapters on the top layer of two only; the frozen layer runs once a record (the
# second epoch takes it from the cache); the adapter has no layer-0 pair and applies; more
# layers than the model has is refused; a checkpoint of another lora_layers does not resume
expect_rc 0 "$CHATMPI" train --config "$T/cfg.yaml" --init dim=32,layers=2,heads=2,ffn=64,ctx=512 --steps 1 \
    -o "$T/two.gguf" -q
sed -e "s|^base_model_path: .*|base_model_path: $T/two.gguf|" -e "s|^training_output_dir: .*|training_output_dir: $T/tout|" \
    -e 's/^steps: 3/steps: 6/' -e 's/^micro_batch: 2/micro_batch: 1/' -e 's/^batch_size: 2/batch_size: 1/' \
    -e 's/^max_training_tokens: 300/max_training_tokens: 512/' -e 's/^seq_len: 128/seq_len: 512/' \
    -e '/^merged_model_path/d' "$T/lora.yaml" > "$T/top.yaml"
printf 'lora_layers: 1\n' >> "$T/top.yaml"
expect_rc 0 "$CHATMPI" train --config "$T/top.yaml" -o "$T/top.gguf"
expect_err "adapters on the top 1 of 2 layers; layers 0-0 are frozen"
expect_err "frozen layers: 2 sequences from the cache, 4 computed; 4 kept"
expect_rc 0 "$CHATMPI" info "$T/top.gguf"; expect_out 'blk.1.attn_q.weight.lora_a'
! grep -q 'blk.0.' "$OUT" || die "the adapter holds a layer-0 pair"
expect_rc 0 "$CHATMPI" generate -m "$T/two.gguf" --lora "$T/top.gguf" --prompt-ids 1,5,9 --max-tokens 6 --print-ids
expect_rc 2 "$CHATMPI" train --config "$T/top.yaml" -o "$T/top3.gguf" --lora r=4,alpha=16,layers=3
expect_err "layers=3, but the model has 2 layers"
sed 's/^lora_layers: 1/lora_layers: 2/' "$T/top.yaml" > "$T/top2.yaml"
expect_rc 2 "$CHATMPI" train --config "$T/top2.yaml" -o "$T/top2.gguf" --resume "$T/tout/checkpoint.ckpt"
expect_err "another shape or LoRA setting"
# data parallel: batch_size 4 = micro_batch 2 x accumulation 1 x 2 ranks
MPIRUN=$(command -v mpirun.openmpi || command -v mpirun) || die "no mpirun"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
rm -rf "$T/out"; mkdir "$T/tmp"
expect_rc 0 env TMPDIR="$T/tmp" $MPIRUN -np 2 "$CHATMPI" train --config "$T/ev.yaml" --steps 2
expect_err "accum 1, 2 ranks (effective batch 4)"
[ "$(grep -c "unknown key 'epochs'" "$ERR")" = 1 ] || die "warnings not from rank 0 alone"
[ "$(wc -l < "$T/out/train.jsonl")" = 2 ] || die "the log is not rank 0's alone"
[ -z "$(ls "$T/tmp")" ] || die "rank 1 left files in TMPDIR: $(ls "$T/tmp")"
sed 's/^batch_size: 4/batch_size: 6/' "$T/cfg.yaml" > "$T/b6.yaml"
expect_rc 2 $MPIRUN -np 2 "$CHATMPI" train --config "$T/b6.yaml" --steps 2
expect_err "batch_size 6 is not a multiple of micro_batch 2 x 2 ranks"
# JSON configs; errors are usage errors naming the file
printf '{"data_file": "data/refine.json", "steps": "many"}\n' > "$T/bad.json"
expect_rc 2 "$CHATMPI" train --config "$T/bad.json"; expect_err "'steps' must be an integer"
printf '{"data_file": "data/refine.json",\n "steps": 3,,}\n' > "$T/syntax.json"
expect_rc 2 "$CHATMPI" train --config "$T/syntax.json"; expect_err "syntax.json:2:"
sed '/prompt_template/d' "$T/cfg.yaml" > "$T/notmpl.yaml"
expect_rc 2 "$CHATMPI" train --config "$T/notmpl.yaml"; expect_err "exactly one of prompt_template"
expect_rc 2 "$CHATMPI" train --steps 3; expect_err "give the token DATA file, or --config"
# training_output_dir is made as by mkdir -p; one that cannot be is refused before any work
sed "s|^training_output_dir: .*|training_output_dir: $T/deep/er/out|" "$T/cfg.yaml" > "$T/deep.yaml"
expect_rc 0 "$CHATMPI" train --config "$T/deep.yaml" --steps 1 -q
[ -s "$T/deep/er/out/checkpoint.ckpt" ] || die "no checkpoint in the nested training_output_dir"
sed "s|^training_output_dir: .*|training_output_dir: $T/cfg.yaml/out|" "$T/cfg.yaml" > "$T/under.yaml"
expect_rc 2 "$CHATMPI" train --config "$T/under.yaml" --steps 1 -q
expect_err "training_output_dir: cannot write '$T/cfg.yaml/out'"
exit 0
