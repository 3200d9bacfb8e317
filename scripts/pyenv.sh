#!/bin/sh
# Makes (once) the Python environment that chatmpi's tests and benchmarks use for independent
# references, and prints its python's path: HF `tokenizers` (token ids), `gguf` (llama.cpp's
# own reader and dequantizers) and numpy, pinned, from PyPI, into a venv under the project's
# cache ($CHATMPI_CACHE, default ~/.cache/chatmpi). The system's site-packages are not
# touched. A venv is complete only when its stamp (the requirement list) is written last, so
# an interrupted install is removed and made again on the next call.
# Exit status: 0 with the path printed; 3 when pip or PyPI cannot be reached (message on stderr).
set -eu
REQ="tokenizers==0.23.3 gguf==0.19.0 numpy==2.4.6"
CACHE=${CHATMPI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatmpi}
VENV=$CACHE/venv
PY=${CHATMPI_PYTHON:-python3}
if [ -f "$VENV/chatmpi-stamp" ] && [ "$(cat "$VENV/chatmpi-stamp")" = "$REQ" ]; then
    echo "$VENV/bin/python"
    exit 0
fi
command -v "$PY" >/dev/null 2>&1 || { echo "chatmpi: no $PY: install the Debian packages python3 python3-venv" >&2; exit 3; }
rm -rf "$VENV"
mkdir -p "$CACHE"
echo "chatmpi: making the reference Python environment in $VENV ($REQ)" >&2
if ! "$PY" -m venv "$VENV" >"$CACHE/venv.log" 2>&1; then
    rm -rf "$VENV"
    echo "chatmpi: cannot make a Python venv (see $CACHE/venv.log)" >&2
    echo "hint: install the Debian package python3-venv" >&2
    exit 3
fi
# shellcheck disable=SC2086
if ! "$VENV/bin/python" -m pip install -q --disable-pip-version-check $REQ >>"$CACHE/venv.log" 2>&1; then
    tail -3 "$CACHE/venv.log" >&2
    rm -rf "$VENV"
    echo "chatmpi: cannot install $REQ from PyPI (log: $CACHE/venv.log)" >&2
    echo "hint: this needs PyPI once; check the network or a pip mirror (PIP_INDEX_URL)" >&2
    exit 3
fi
echo "$REQ" >"$VENV/chatmpi-stamp"
echo "$VENV/bin/python"
