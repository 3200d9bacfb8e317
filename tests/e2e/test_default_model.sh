# The embedded default model (models/): it loads without -m, its size is what default.json
# says, its tokenizer is the sentencepiece model beside it (identical ids to Debian's
# spm_encode on an example program), run/generate use it, and it parallelizes the demo's
# example. How well it does on the corpus is measured by `make model-eval`, not here
# (docs/default-model.md).
. tests/e2e/lib.sh
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
[ -s models/default.gguf ] || die "models/default.gguf is missing (make model)"
expect_rc 0 "$CHATMPI" info models/default.gguf
expect_out 'tokenizer.ggml.model *str *"llama"'
want=$(sed -n 's/.*"parameters": *\([0-9]*\).*/\1/p' models/default.json)
got=$(sed -n 's/^total: [0-9]* tensors, \([0-9]*\) elements.*/\1/p' "$OUT")
[ -n "$want" ] && [ "$got" = "$want" ] || die "default.gguf has $got parameters, default.json says $want"
# the GGUF tokenizer is models/tokenizer.model: the same ids as spm_encode, line by line
# (spm_encode reads a line at a time) over an example program
if command -v spm_encode >/dev/null; then
    n=0
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        ours=$("$CHATMPI" tokenize -m models/default.gguf -p "$line" --ids)
        theirs=$(printf '%s\n' "$line" | spm_encode --model=models/tokenizer.model --output_format=id)
        [ -n "$ours" ] && [ "$ours" = "$theirs" ] || die "ids differ on '$line': ours '$ours', spm_encode '$theirs'"
        n=$((n + 1))
    done < examples/signal_corr.c
    [ $n -gt 30 ] || die "only $n lines compared"
fi
# run and generate find it without -m (CHATMPI_MODEL unset, the default assistant's base not
# in the cache: an empty one)
unset CHATMPI_MODEL
export CHATMPI_CACHE="$T/cache"
mkdir -p "$CHATMPI_CACHE/models"
expect_rc 0 "$CHATMPI" run examples/signal_corr.c --no-verify --max-tokens 24
expect_out '=== candidate 1 of 1 (not verified)'
[ "$(wc -c < "$OUT")" -gt 60 ] || die "run --no-verify printed almost nothing"
# --stop ends the answer before the first occurrence of the string (greedy: the same text)
sed '1d' "$OUT" > "$T/full.txt"
stop=$(grep -o '[A-Za-z_][A-Za-z_0-9]\{3,\}' "$T/full.txt" | sed -n 3p)
[ -n "$stop" ] || die "no word to stop at in: $(cat "$T/full.txt")"
expect_rc 0 "$CHATMPI" run examples/signal_corr.c --no-verify --max-tokens 24 --stop "$stop"
sed '1d' "$OUT" > "$T/stopped.txt"
awk -v s="$stop" 'BEGIN { RS = "\001" } { i = index($0, s); printf "%s", substr($0, 1, i - 1) }' "$T/full.txt" > "$T/want.txt"
[ -s "$T/want.txt" ] && ! grep -qF "$stop" "$T/stopped.txt" || die "--stop '$stop' did not stop: $(cat "$T/stopped.txt")"
[ "$(cat "$T/stopped.txt")" = "$(cat "$T/want.txt")" ] || die "--stop '$stop': '$(cat "$T/stopped.txt")', want '$(cat "$T/want.txt")'"
# the demo's example verifies (a retrained model that loses it fails here, not only in make
# demo); near-greedy sampling makes the second candidate the same program, so both verify
expect_rc 0 "$CHATMPI" run examples/rod_heat.c -o "$T/rod_mpi.c" -n 3000 --samples 2 -T 0.01 --np 1,2 \
    --args "1 5" --args "17 7" --args "101 13"
expect_out "chatmpi run: 2 of 2 candidates verified; candidate [12], the fastest, written to $T/rod_mpi.c"
expect_err "the default assistant (qwen2.5-coder-1.5b-instruct with the MPI frame) is not fetched: the small embedded model answers"
expect_err "sh scripts/fetch_base.sh qwen2.5-coder-1.5b-instruct"
[ -s "$T/rod_mpi.c" ] || die "no program written"
expect_out "^chatmpi check: examples/rod_heat.c vs $T/rod_mpi.c\$" # the file written, not a temporary one
# a new kernel the model does not parallelize: exit 1, nothing written, and the closest
# candidate's report names the candidate (its temporary file is gone)
expect_rc 1 "$CHATMPI" run examples/signal_corr.c -o "$T/sig_mpi.c" -n 3000 --np 1,2
expect_out "the candidate did not verify; nothing was written"
[ ! -e "$T/sig_mpi.c" ] || die "an unverified candidate was written"
if grep -q "^The closest" "$OUT"; then
    expect_out "^chatmpi check: examples/signal_corr.c vs candidate 1\$"
fi
expect_rc 2 "$CHATMPI" verify --stop ""
expect_err "needs a non-empty string"
expect_rc 0 "$CHATMPI" generate -m models/default.gguf -p "int main(void)" --max-tokens 8 --print-ids
[ "$(wc -w < "$OUT")" -ge 1 ] || die "generate printed no ids"
# Ctrl-C during a long run ends it promptly (exit 3, "interrupted", nothing written). 64
# candidates take over a minute (2 took 4.3 s here, and under 4 s on a faster CI machine, where
# the run had ended before the signal was sent); the signal comes at 4 s, while candidates are
# being generated or verified.
( "$CHATMPI" run examples/signal_corr.c -o "$T/int_mpi.c" --samples 64 > "$T/int.out" 2>&1; echo $? > "$T/int.rc" ) &
sleep 4
pid=$(pgrep -f "run examples/signal_corr.c -o $T/int_mpi.c" | head -n 1)
[ -n "$pid" ] || die "the run to interrupt ended before 4 s: $(head -3 "$T/int.out")"
kill -INT "$pid"
i=0
while [ ! -s "$T/int.rc" ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
[ -s "$T/int.rc" ] || die "run did not end within 20 s of SIGINT"
[ "$(cat "$T/int.rc")" = 3 ] || die "interrupted run exited $(cat "$T/int.rc"): $(tail -3 "$T/int.out")"
grep -q "interrupted" "$T/int.out" || die "no 'interrupted' message: $(tail -3 "$T/int.out")"
[ ! -e "$T/int_mpi.c" ] || die "an interrupted run wrote its output"
# once the default assistant's base is in the cache it is the default, and a pretrained chat
# model parallelizes with the MPI frame (its answers begin with the loop's share) unless
# --no-frame; --frame with --no-frame is refused. The SmolLM2 base (a chat model that make
# test's set-up fetches) stands in for it under the base's file name.
SMOL=$(sh scripts/fetch_base.sh smollm2-135m-instruct 2>/dev/null) || die "cannot fetch the SmolLM2 base"
QFILE=$(awk -F'\t' '$1 == "qwen2.5-coder-1.5b-instruct" { print $2 }' models/bases.tsv)
[ -n "$QFILE" ] || die "models/bases.tsv has no qwen2.5-coder-1.5b-instruct row"
ln -s "$SMOL" "$CHATMPI_CACHE/models/$QFILE"
expect_rc 0 "$CHATMPI" run examples/pi_midpoint.c --no-verify --max-tokens 40
expect_out "mpi_share("
expect_rc 0 "$CHATMPI" run examples/pi_midpoint.c --no-verify --max-tokens 40 --no-frame
grep -q "mpi_share(" "$OUT" && die "--no-frame still asked for one loop: $(cat "$OUT")"
expect_out "#include <mpi.h>" # the whole program's answer prefix
expect_rc 2 "$CHATMPI" run examples/pi_midpoint.c --frame --no-frame
expect_err "give one"
