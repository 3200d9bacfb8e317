# The tokenizer against the reference: a BPE model trained by spm_train on the repo's own C
# sources; `chatmpi tokenize` must print exactly spm_encode's ids for many C files, and
# decoding its ids must give every file back byte for byte.
#
# Newlines: spm_train and spm_encode read one sentence per line, so "\n" never reaches the
# trainer and is no piece: with --byte_fallback it is encoded as the byte token <0x0A>,
# and no merge can cross it. To get spm_encode's ids for a whole file we hand it the file
# as one line with every "\n" replaced by "\001", a byte that is equally absent from the
# training text (so equally a lone byte token), then map <0x01>'s id to <0x0A>'s. Files
# compared this way must be valid UTF-8 (sentencepiece turns invalid bytes into U+FFFD,
# chatmpi keeps them) and hold no "\001" and no literal U+2581.
. tests/e2e/lib.sh
command -v spm_train >/dev/null && command -v spm_encode >/dev/null ||
    die "spm_train/spm_encode not found: install the Debian package sentencepiece (make setup)"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# -- train the reference model on the repo's own sources
find src -name '*.c' | sort | xargs cat | tr -d '\001' >"$T/train.txt"  # \001 must stay out of the vocabulary
spm_train --input="$T/train.txt" --model_prefix="$T/m" --vocab_size=800 --model_type=bpe \
    --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false \
    --split_digits=true --allow_whitespace_only_pieces=true --add_dummy_prefix=true \
    >"$T/train.log" 2>&1 || { tail "$T/train.log"; die "spm_train failed"; }
M="$T/m.model"
id_of() { awk -F '\t' -v p="$1" '$1 == p { print NR - 1; exit }' "$T/m.vocab"; }
NL=$(id_of '<0x0A>'); SOH=$(id_of '<0x01>')
[ -n "$NL" ] && [ -n "$SOH" ] || die "the trained model lacks byte pieces"

# reference ids of a whole file, one line, space-separated
spm_ids() { tr '\n' '\001' <"$1" | spm_encode --model="$M" --output_format=id | awk -v a="$SOH" -v b="$NL" \
    '{ for (i = 1; i <= NF; i++) if ($i == a) $i = b; print }'; }
comparable() { iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1 && ! grep -q "$(printf '\001')" "$1" &&
    ! grep -q "$(printf '\342\226\201')" "$1"; }

# -- a file with everything awkward: tabs, CR LF, runs of spaces, digits, UTF-8 of 2, 3 and 4 bytes
printf 'int main(void)\r\n{\n\tprintf("h\303\251llo w\303\266rld \342\200\224 \344\270\255\346\226\207 \360\237\230\200\\n");\t\t// x\n' >"$T/awkward.c"
printf '  x  =  123456789;     \n\n\n        }   \n' >>"$T/awkward.c"

# -- many C files: ours, the unit tests, the system's example programs, the awkward one
files=$(find src tests/unit -name '*.c' | sort; ls /usr/share/doc/*/examples/*.c 2>/dev/null | head -n 40; echo "$T/awkward.c")
n=0; ntok=0
for f in $files; do
    [ -s "$f" ] || continue
    comparable "$f" || continue
    spm_ids "$f" >"$T/ref"
    expect_rc 0 "$CHATMPI" tokenize --spm "$M" -f "$f" --ids
    cmp -s "$OUT" "$T/ref" || { diff "$T/ref" "$OUT" | head -c 2000; die "ids differ from spm_encode on $f"; }
    cp "$OUT" "$T/ids"
    expect_rc 0 "$CHATMPI" tokenize --spm "$M" --decode -f "$T/ids"
    cmp -s "$OUT" "$f" || die "decode(encode(x)) != x for $f"
    n=$((n + 1)); ntok=$((ntok + $(wc -w <"$T/ids")))
done
[ "$n" -ge 10 ] || die "only $n files compared"
echo "ids identical to spm_encode and exact round trips on $n files ($ntok tokens)"

# -- line by line: each line is a sentence with its own space prefix (no newline involved)
head -n 120 src/tokenizer/tokenizer.c >"$T/lines.c"
spm_encode --model="$M" --output_format=id <"$T/lines.c" >"$T/ref"
: >"$T/got"
while IFS= read -r line; do "$CHATMPI" tokenize --spm "$M" --prompt="$line" --ids >>"$T/got" || die "tokenize -p failed"; done <"$T/lines.c"
cmp -s "$T/got" "$T/ref" || { diff "$T/ref" "$T/got" | head -20; die "line-by-line ids differ from spm_encode"; }

# -- bytes that are no valid UTF-8, NUL, a truncated sequence at the end: the round trip is still exact
printf '\377\303(\000ab\200 \342\226 z\n\t\360\237' >"$T/bad.c"
expect_rc 0 "$CHATMPI" tokenize --spm "$M" -f "$T/bad.c" --ids
cp "$OUT" "$T/ids"
expect_rc 0 "$CHATMPI" tokenize --spm "$M" --decode -f "$T/ids"
cmp -s "$OUT" "$T/bad.c" || die "invalid UTF-8 did not round-trip"
tr ' ' '\n' <"$T/ids" | grep -qx "$(id_of '<0xFF>')" || die "byte 0xFF did not fall back to <0xFF>"

# -- the readable listing, --bos, -p, the .vocab importer agrees with the .model one
expect_rc 0 "$CHATMPI" tokenize --spm "$M" -p "$(printf 'a\tb\nc')"
expect_out "^$NL	<0x0A>\$"; expect_out "	<0x09>\$"
expect_rc 0 "$CHATMPI" tokenize --spm "$M" -p "int x;" --ids --bos
[ "$(cut -d ' ' -f 1 "$OUT")" = "$(id_of '<s>')" ] || die "--bos did not put <s> first"
expect_rc 0 "$CHATMPI" tokenize --spm "$M" -p "" --ids
[ "$(cat "$OUT")" = "" ] || die "the empty text gave tokens"
expect_rc 0 "$CHATMPI" tokenize --spm "$T/m.vocab" -f src/tokenizer/tokenizer.c --ids; cp "$OUT" "$T/v"
expect_rc 0 "$CHATMPI" tokenize --spm "$M" -f src/tokenizer/tokenizer.c --ids
cmp -s "$OUT" "$T/v" || die "the .vocab import encodes differently from the .model"

# -- linear time: 2 MB of C must not take long (a quadratic merge loop would take minutes)
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do cat "$T/train.txt"; done |
    head -c 2000000 >"$T/big.c"
timeout 30 "$CHATMPI" tokenize --spm "$M" -f "$T/big.c" --ids >"$T/ids" || die "2 MB took over 30 s (or failed)"

# -- errors: usage, malformed and unsupported models, bad ids
expect_rc 2 "$CHATMPI" tokenize -p x; expect_err "no tokenizer given"
expect_rc 2 "$CHATMPI" tokenize --spm "$M" -p x -f "$T/bad.c"; expect_err "exactly one of"
expect_rc 3 "$CHATMPI" tokenize --spm "$T/nosuch.model" -p x; expect_err "nosuch.model"
head -c 3000 "$M" >"$T/trunc.model"
expect_rc 2 "$CHATMPI" tokenize --spm "$T/trunc.model" -p x; expect_err "trunc.model.*at offset [0-9]"
printf 'not a model at all' >"$T/junk.model"
expect_rc 2 "$CHATMPI" tokenize --spm "$T/junk.model" -p x; expect_err "cannot read .*junk.model"
spm_train --input="$T/train.txt" --model_prefix="$T/uni" --vocab_size=300 >/dev/null 2>&1 || die "spm_train unigram failed"
expect_rc 2 "$CHATMPI" tokenize --spm "$T/uni.model" -p x; expect_err "model type is unigram"; expect_err "hint: .*model_type=bpe"
expect_rc 2 "$CHATMPI" tokenize --spm "$M" --decode -p "5 99999"; expect_err "token id 99999"
expect_rc 2 "$CHATMPI" tokenize --spm "$M" --decode -p "5 x"; expect_err "not a token id"
exit 0
