# `chatmpi model init` and `chatmpi generate` on small random models: shapes and types
# written, ids generated reproducibly (runs, threads, seeds), quantized files from
# `chatmpi quantize` accepted, and the usage and environment errors with their exit codes.
. tests/e2e/lib.sh
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
S=dim=64,layers=2,heads=4,kv_heads=2,ffn=96,ctx=48

expect_rc 0 "$CHATMPI" model init --shape $S,vocab=70 --seed 3 -o "$D/m.gguf"
expect_out "wrote .*m.gguf: .*f32, dim 64, 2 layers, 4/2 heads, ffn 96, ctx 48, vocab 70"
expect_rc 0 "$CHATMPI" info "$D/m.gguf"
expect_out "blk.1.ffn_down.weight"
expect_out "^  output\.weight "
expect_rc 0 "$CHATMPI" model init --shape $S,vocab=70 --seed 3 --tied --type q4_0 -q -o "$D/t.gguf"
[ ! -s "$OUT" ] || die "--quiet printed something"
expect_rc 0 "$CHATMPI" info "$D/t.gguf"
grep -q "^  output\.weight " "$OUT" && die "--tied model has output.weight"
expect_out "q4_0"

# the weights read into huge pages (the default) or mapped (CHATMPI_MMAP=1): the same ids, and
# info --memory says which
expect_rc 0 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1,2,3 -n 12 --print-ids --threads 1
[ "$(cat "$OUT")" = "$(CHATMPI_MMAP=1 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1,2,3 -n 12 --print-ids --threads 1)" ] ||
    die "CHATMPI_MMAP=1 changes the generated ids"
CHATMPI_MMAP=1 expect_rc 0 "$CHATMPI" info --memory "$D/m.gguf"
expect_out "weights .*(mapped from the file: CHATMPI_MMAP)"

# info --memory: weights read into huge pages, KV cache at full context (2 layers x 2 kv heads x 16 x 2 bytes
# (fp16) x (64 key positions, whole blocks of 32, + 48 value positions))
expect_rc 0 "$CHATMPI" info --memory "$D/m.gguf"
expect_out "llama, 0.1M parameters, dim 64, 2 layers, 4/2 heads, ffn 96, ctx 48, vocab 70"
expect_out "weights .*276.25 KiB  (read into huge pages)"
expect_out "kv cache .*14.00 KiB  (2 layers x 2 kv heads x 16 x 2 bytes (fp16) x (64 key + 48 value positions))"
expect_rc 2 "$CHATMPI" info --memory tests/e2e/lib.sh

# a model runs without forking trouble: chatmpi check still works in the same binary
# (OpenBLAS is loaded only when a model runs; its threads would block the sandbox)
# (OpenBLAS's thread pool once deadlocked the sandbox's fork; the sandbox now forks with a raw
# syscall, and test_check_* run with OpenBLAS linked for training)

# greedy ids: as many as asked, all in the vocabulary, the same at 1 and 2 threads
expect_rc 0 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1,2,3 -n 12 --print-ids --threads 1
a=$(cat "$OUT")
[ "$(echo "$a" | wc -w)" = 12 ] || die "expected 12 ids, got '$a'"
for id in $a; do [ "$id" -ge 0 ] && [ "$id" -lt 70 ] || die "id $id outside the vocabulary"; done
expect_rc 0 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids "1 2 3" -n 12 --print-ids --threads 2
[ "$(cat "$OUT")" = "$a" ] || die "2 threads: '$(cat "$OUT")' differs from 1 thread: '$a'"

# sampling: a seed reproduces, another seed gives other ids
expect_rc 0 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 5 -n 20 -t 1.5 --top-k 30 --top-p 0.95 --seed 7 -v
s7=$(cat "$OUT")
expect_err "generated: 20 tokens"
expect_rc 0 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 5 -n 20 -t 1.5 --top-k 30 --top-p 0.95 --seed 7
[ "$(cat "$OUT")" = "$s7" ] || die "seed 7 did not reproduce"
expect_rc 0 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 5 -n 20 -t 1.5 --top-k 30 --top-p 0.95 --seed 8
[ "$(cat "$OUT")" != "$s7" ] || die "seeds 7 and 8 gave the same 20 ids"

# a full context stops generation: 48 positions, 3 in the prompt, 46 more can follow
expect_rc 0 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1,2,3 -n 500 -v
[ "$(wc -w <"$OUT")" = 46 ] || die "expected 46 ids before the context is full, got $(wc -w <"$OUT")"
expect_err "stopped at context full"

# files from chatmpi quantize run too, close to the f32 model (greedy, first ids)
expect_rc 0 "$CHATMPI" quantize --type q8_0 "$D/m.gguf" "$D/q8.gguf"
expect_rc 0 "$CHATMPI" generate -m "$D/q8.gguf" --prompt-ids 1,2,3 -n 12 --print-ids
[ "$(echo "$a" | cut -d' ' -f1)" = "$(cut -d' ' -f1 "$OUT")" ] || die "q8_0 model's first id differs from f32's"

# every kernel set ($CHATMPI_SIMD) gives the same greedy ids; an unknown set is a warning
for k in scalar avx2 avx512 avx512vnni; do
    CHATMPI_SIMD=$k expect_rc 0 "$CHATMPI" generate -m "$D/q8.gguf" --prompt-ids 1,2,3 -n 12 -v
    grep -q "this CPU cannot run it" "$ERR" || expect_err "kernels $k" # (a CPU without AVX-512 falls back)
    [ "$(cat "$OUT")" = "$(CHATMPI_SIMD=scalar "$CHATMPI" generate -m "$D/q8.gguf" --prompt-ids 1,2,3 -n 12)" ] ||
        die "CHATMPI_SIMD=$k gives other ids than scalar"
done
# --logits: the last prompt token's 70 logits as float32, and the same generation as without it
expect_rc 0 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1,2,3 -n 12 --logits "$D/lg.f32"
[ "$(stat -c %s "$D/lg.f32")" = 280 ] || die "--logits wrote $(stat -c %s "$D/lg.f32") bytes, not 70 floats"
[ "$(cat "$OUT")" = "$("$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1,2,3 -n 12)" ] ||
    die "--logits changes the generated ids"
# the greedy first token is the argmax of those logits
first=$(cut -d' ' -f1 "$OUT")
best=$(od -An -v -f -w4 "$D/lg.f32" | awk '{ if (NR == 1 || $1 > m) { m = $1; i = NR - 1 } } END { print i }')
[ "$first" = "$best" ] || die "first generated id $first is not the argmax $best of --logits"
CHATMPI_SIMD=sse9 expect_rc 0 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1 -n 2
expect_err "warning: CHATMPI_SIMD=sse9: not a kernel set"

# errors
expect_rc 2 "$CHATMPI" model init --shape $S -o "$D/x.gguf"
expect_err "needs vocab=N"
expect_rc 2 "$CHATMPI" model init --shape dim=48,layers=1,heads=3,ffn=64,ctx=8,vocab=9 --type q8_0 -o "$D/x.gguf"
expect_err "multiples of 32"
expect_rc 2 "$CHATMPI" model init --shape dim=64,layers=1,heads=5,ffn=64,ctx=8,vocab=9 -o "$D/x.gguf"
expect_err "not divisible by the head count"
expect_rc 2 "$CHATMPI" model frobnicate
expect_err "unknown subcommand 'frobnicate'"
expect_rc 2 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1,x
expect_err "invalid token id"
expect_rc 2 "$CHATMPI" generate -m "$D/m.gguf" --prompt-ids 1,70
expect_err "prompt token 2 is id 70, outside the vocabulary of 70"
expect_rc 2 "$CHATMPI" generate -m "$D/m.gguf"
expect_rc 3 "$CHATMPI" generate -m "$D/none.gguf" --prompt-ids 1
expect_err "none.gguf"
printf 'GGUF' >"$D/bad.gguf"
expect_rc 2 "$CHATMPI" generate -m "$D/bad.gguf" --prompt-ids 1
echo ok
