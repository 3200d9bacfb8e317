# Shared helpers for the end-to-end tests (sourced). $CHATMPI is the binary under test.
set -u
die() { echo "FAILED: $*"; exit 1; }
# expect_rc WANT CMD...: runs CMD, captures stdout/stderr in $OUT/$ERR, checks the exit code.
expect_rc() {
    want=$1; shift
    OUT=$(mktemp); ERR=$(mktemp)
    "$@" >"$OUT" 2>"$ERR"; got=$?
    if [ "$got" != "$want" ]; then
        echo "--- stdout"; cat "$OUT"; echo "--- stderr"; cat "$ERR"
        die "'$*' exited $got, expected $want"
    fi
}
expect_out() { grep -q -- "$1" "$OUT" || { cat "$OUT"; die "stdout lacks '$1'"; }; }
expect_err() { grep -q -- "$1" "$ERR" || { cat "$ERR"; die "stderr lacks '$1'"; }; }
