# Prompt templates end to end: a training config's prompt_template may be the template text
# itself (as docs/train.md says), a built-in name or a file; --template overrides the config;
# an unknown name is a usage error listing the built-ins, on train, run and generate alike;
# generate --template renders the prompt as the template's question; info names the chat
# template a model carries (on SmolLM2-Instruct when it is in the cache: ChatML).
. tests/e2e/lib.sh
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cat data/corpus/blas1/*/seq.c data/corpus/blas1/*/mpi.c > "$T/text"
spm_train --input="$T/text" --model_prefix="$T/spm" --vocab_size=400 --model_type=bpe --byte_fallback=true \
    --normalization_rule_name=identity --remove_extra_whitespaces=false >/dev/null 2>&1 || die "spm_train failed"
expect_rc 0 "$CHATMPI" tokenizer import "$T/spm.model" -o "$T/tok.gguf"
base() {
    cat <<YAML
data_file: data/refine.json
init: dim=32,layers=1,heads=2,ffn=64,ctx=1536
tokenizer: $T/tok.gguf
finetuned_model_path: $T/$1.gguf
training_output_dir: $T/$1
max_training_tokens: 200
seq_len: 64
steps: 2
warmup_steps: 0
micro_batch: 2
batch_size: 2
YAML
}
# the template text inline (a YAML block): trains, and renders what that text says
{ base inline; printf 'prompt_template: |\n  ### Q:\n  {{ question }}\n  ### A:\n  {{ answer }}\n'; } > "$T/inline.yaml"
expect_rc 0 "$CHATMPI" train --config "$T/inline.yaml" -q
[ -s "$T/inline.gguf" ] && [ -s "$T/inline/train.tok" ] || die "inline template: no model or token file"
{ base named; echo 'prompt_template: chathpc'; } > "$T/named.yaml"
expect_rc 0 "$CHATMPI" train --config "$T/named.yaml" -q
! cmp -s "$T/inline/train.tok" "$T/named/train.tok" || die "the inline template rendered what chathpc renders"
# a file, and --template over the config's template
printf '### Q:\n{{ question }}\n### A:\n{{ answer }}\n' > "$T/t.tmpl"
{ base file; echo "prompt_template_file: $T/t.tmpl"; } > "$T/file.yaml"
expect_rc 0 "$CHATMPI" train --config "$T/file.yaml" -q
cmp -s "$T/inline/train.tok" "$T/file/train.tok" || die "the same template inline and in a file tokenized differently"
sed "s|$T/file|$T/over|g" "$T/file.yaml" > "$T/over.yaml"
expect_rc 0 "$CHATMPI" train --config "$T/over.yaml" --template chathpc -q
cmp -s "$T/named/train.tok" "$T/over/train.tok" || die "--template chathpc did not override the config's file"
# unknown names: usage errors that list the built-ins
expect_rc 2 "$CHATMPI" train --config "$T/named.yaml" --template gemma -q
expect_err "unknown template 'gemma'"; expect_err "chathpc, chatml, codellama"
expect_rc 2 "$CHATMPI" run -m "$T/named.gguf" --template gemma --no-verify data/corpus/blas1/dot/seq.c
expect_err "unknown template 'gemma'"; expect_err "chathpc, chatml, codellama"
expect_rc 2 "$CHATMPI" generate -m "$T/named.gguf" --template gemma -p "x"
expect_err "unknown template 'gemma'"
expect_rc 2 "$CHATMPI" generate -m "$T/named.gguf" --template chatml --prompt-ids 1,2
expect_err "not --prompt-ids"
# generate --template: the prompt is rendered first (more prompt tokens than the bare text)
expect_rc 0 "$CHATMPI" generate -m "$T/named.gguf" -p "int main" -n 2 -v
bare=$(sed -n 's/^prompt: \([0-9]*\) tokens.*/\1/p' "$ERR")
expect_rc 0 "$CHATMPI" generate -m "$T/named.gguf" --template chatml -p "int main" -n 2 -v
templ=$(sed -n 's/^prompt: \([0-9]*\) tokens.*/\1/p' "$ERR")
[ "$templ" -gt $((bare + 10)) ] || die "--template chatml: prompt of $templ tokens, bare $bare"
# info: the architecture and the chat template of the real SmolLM2-Instruct (make test fetches it)
expect_rc 0 "$CHATMPI" info "$T/named.gguf"; expect_out '^architecture: llama$'
SMOL=$(sh scripts/fetch_base.sh smollm2-135m-instruct) || die "cannot fetch the SmolLM2 base (scripts/fetch_base.sh)"
expect_rc 0 "$CHATMPI" info "$SMOL"; expect_out '^chat template: chatml (detected'
# ChatML markers are special tokens: in a template of the user's own that holds them too, the
# rendered prompt reads as many tokens as `tokenize --special` counts (fewer than as text)
printf '<|im_start|>user\n{{ question }}<|im_end|>\n<|im_start|>assistant\n{{ answer }}<|im_end|>\n' >"$T/chat.tmpl"
printf '<|im_start|>user\nsum an array<|im_end|>\n<|im_start|>assistant\n' >"$T/chat.txt"
expect_rc 0 "$CHATMPI" tokenize -m "$SMOL" -f "$T/chat.txt" --ids --special
[ "$(cut -d' ' -f1 "$OUT")" = 1 ] || die "<|im_start|> is not token 1 with --special"
special=$(wc -w <"$OUT")
plain=$("$CHATMPI" tokenize -m "$SMOL" -f "$T/chat.txt" --ids | wc -w)
[ "$plain" -gt "$special" ] || die "the markers are as many tokens as text ($plain) and special ($special)"
expect_rc 0 "$CHATMPI" generate -m "$SMOL" --template "$T/chat.tmpl" -p "sum an array" -n 1 -v
n=$(sed -n 's/^prompt: \([0-9]*\) tokens.*/\1/p' "$ERR")
[ "$n" = "$special" ] || die "generate --template FILE (ChatML): $n prompt tokens, tokenize --special $special"
exit 0
