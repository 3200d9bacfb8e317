# The assistant commands on a model with a tokenizer (random weights, so its answers are
# noise): run FILE.c says plainly that nothing verified and writes nothing (exit 1),
# --no-verify hands back raw generations, the interactive mode takes /context and /bye,
# test/verify score answers on the harness and can save them for eval; bad input is refused.
. tests/e2e/lib.sh
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
tiny_model "$T" 2048
cp examples/pi_midpoint.c "$T/pi.c"

expect_rc 1 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 24 --np 1
expect_out "the candidate did not verify; nothing was written"
[ -e "$T/pi_mpi.c" ] && die "an unverified program was written"
expect_rc 1 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 24 --np 1 --samples 2 -o "$T/out.c"
expect_out "none of the 2 candidates verified"
[ -e "$T/out.c" ] && die "an unverified program was written"
expect_rc 0 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 8 --samples 2 --no-verify
[ "$(grep -c '^=== candidate' "$OUT")" = 2 ] || die "--no-verify did not print 2 candidates"
# the same seed gives the same generations
"$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 16 --no-verify > "$T/g1"
"$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 16 --no-verify > "$T/g2"
cmp -s "$T/g1" "$T/g2" || die "greedy generation differs between runs"

printf 'hello\n/context HPC codes\n/context\nline one \\\nline two\n/bye\n' |
    HOME="$T" "$CHATMPI" run -m "$T/m.gguf" --max-tokens 4 > "$T/chat" 2>&1 || die "interactive run failed"
grep -q "context set" "$T/chat" && grep -q "context cleared" "$T/chat" || { cat "$T/chat"; die "no /context"; }
[ -s "$T/.chatmpi_history" ] || die "no history file"
# /help, an unknown command, and /file: the main job inside the chat, verified (this model's
# answer is noise: nothing verifies, nothing is written) and the session goes on
printf '/help\n/frobnicate\n/file\n/file %s\n/context after\n/bye\n' "$T/pi.c" |
    HOME="$T" "$CHATMPI" run -m "$T/m.gguf" --max-tokens 24 --np 1 > "$T/chat2" 2>&1 || die "interactive run failed"
for want in "/file FILE.c \[OUT.c\]" "unknown command '/frobnicate'" "usage: /file FILE.c" \
    "the candidate did not verify; nothing was written" "context set"; do
    grep -q "$want" "$T/chat2" || { cat "$T/chat2"; die "interactive: no '$want'"; }
done
[ ! -e "$T/pi_mpi.c" ] || die "/file wrote an unverified program"

expect_rc 0 "$CHATMPI" test -m "$T/m.gguf" --max-tokens 12 --np 1 --samples 2 --save-answers "$T/ans" -q \
    data/corpus/blas1/scal
expect_out "chatmpi test: 1 cases, at least 2 sample(s)"
expect_out "blas1/scal                         test        0/2"
[ -f "$T/ans/blas1/scal/sample_01.txt" ] && [ -f "$T/ans/blas1/scal/sample_02.txt" ] || die "answers not saved"
expect_rc 0 "$CHATMPI" eval --answers "$T/ans" --np 1 -q data/corpus/blas1/scal
expect_out "blas1/scal                         test        0/2"
expect_rc 0 "$CHATMPI" verify -m "$T/m.gguf" --max-tokens 8 --np 1 -q data/corpus/blas1/dot
expect_out "chatmpi verify: 1 cases"

# generate with a text prompt: encoded with the model's tokenizer, decoded output
expect_rc 0 "$CHATMPI" generate -m "$T/m.gguf" -p "int main" -n 6
[ "$(wc -l < "$OUT")" -ge 1 ] && [ -s "$OUT" ] || die "generate -p printed nothing"
expect_rc 0 "$CHATMPI" generate -m "$T/m.gguf" -f "$T/pi.c" -n 6 --print-ids
grep -Eq '^[0-9]+( [0-9]+){5}$' "$OUT" || { cat "$OUT"; die "--print-ids with -f"; }
expect_rc 0 "$CHATMPI" model init --shape dim=32,layers=1,heads=2,ffn=64,ctx=64,vocab=500 -o "$T/bare.gguf" -q
expect_rc 2 "$CHATMPI" generate -m "$T/bare.gguf" -p "x"; expect_err "has no tokenizer"

# bad input
expect_rc 3 env CHATMPI_MODEL="$T/none.gguf" "$CHATMPI" run "$T/pi.c"; expect_err "no model at"
expect_rc 2 "$CHATMPI" run "$T/none.c" -m "$T/m.gguf"; expect_err "cannot read"
expect_rc 2 "$CHATMPI" run "$T/pi.c" -m "$T/spm.model"; expect_err "cannot"
# a program that breaks the contract is refused before anything is generated, its file named
printf 'int main(void) { return 0; }\n' > "$T/quiet.c"
expect_rc 2 "$CHATMPI" run "$T/quiet.c" -m "$T/m.gguf" --args 5
expect_err "'$T/quiet.c' does not keep the program contract"; expect_err 'printed nothing with args "5"'
printf 'int main(void) { return 0 }\n' > "$T/typo.c"
expect_rc 2 "$CHATMPI" run "$T/typo.c" -m "$T/m.gguf"
expect_err "does not build"; expect_err "$T/typo.c:1:"
printf '#include <stdio.h>\n#include <stdlib.h>\nint main(void) { printf("%%p\\n", malloc(8)); return 0; }\n' > "$T/addr.c"
expect_rc 2 "$CHATMPI" run "$T/addr.c" -m "$T/m.gguf"
expect_err "not deterministic"
[ -e "$T/quiet_mpi.c" ] || [ -e "$T/typo_mpi.c" ] || [ -e "$T/addr_mpi.c" ] && die "a refused program got an output"
expect_rc 2 "$CHATMPI" test -m "$T/m.gguf" data/train.json data/corpus/blas1/dot; expect_err "has no corpus case"
# outputs that could not be written are refused before any generation, not after it
expect_rc 2 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" -o "$T/no/such/dir/out.c"; expect_err "run: -o: cannot write '$T/no/such/dir/out.c': no directory"
expect_rc 2 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" -o "$T"; expect_err "it is a directory"
expect_rc 2 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" -o "$T/../$(basename "$T")/pi.c"; expect_err "is FILE.c itself"
cmp -s "$T/pi.c" examples/pi_midpoint.c || die "FILE.c was changed"
expect_rc 2 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --json "$T/pi.c/r.json"; expect_err "run: --json: cannot write"
expect_rc 2 "$CHATMPI" test -m "$T/m.gguf" --json "$T/no/t.json" data/corpus/blas1/dot; expect_err "test: --json: cannot write"
expect_rc 2 "$CHATMPI" verify -m "$T/m.gguf" --markdown "$T/no/t.md" data/corpus/blas1/dot; expect_err "verify: --markdown: cannot write"
expect_rc 2 "$CHATMPI" verify -m "$T/m.gguf" --save-answers "$T/pi.c/a" data/corpus/blas1/dot; expect_err "'$T/pi.c' is not a directory"
expect_rc 2 "$CHATMPI" eval --answers "$T" --json "$T/no/e.json" data/corpus/blas1/dot; expect_err "eval: --json: cannot write"
expect_rc 2 "$CHATMPI" check "$T/pi.c" "$T/pi.c" --json "$T/no/c.json"; expect_err "check: --json: cannot write"
exit 0
