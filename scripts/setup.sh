#!/bin/sh
# Installs the Debian packages chatmpi needs, only those that are missing.
# Called by `make demo` and `make test`; safe to run again (does nothing when all is there).
# Needs root (or sudo) only when something is missing. Nothing is downloaded outside apt.
set -eu

PKGS="gcc make pkg-config openmpi-bin libopenmpi-dev libopenblas-dev libjansson-dev \
libyaml-dev libcriterion-dev libedit-dev libxxhash-dev libdnnl-dev sentencepiece util-linux procps \
mpich libmpich-dev"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
# node and npm run one tokenizer test (an independent JS encoder); many images ship their own
# nodejs, so Debian's are installed only when there is no node at all
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0

echo "chatmpi setup: installing missing Debian packages:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "chatmpi setup: need root to install:$missing" >&2
        echo "hint: run 'sudo sh scripts/setup.sh' once, or install them with apt-get" >&2
        exit 3
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "chatmpi setup: done"
