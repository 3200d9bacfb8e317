#!/bin/sh
# Runs every tests/e2e/test_*.sh against the built binary ($CHATMPI, default ./chatmpi).
# Each script exits 0 on success; its output is shown only when it fails.
CHATMPI=${CHATMPI:-./chatmpi}
export CHATMPI
CHATMPI=$(cd "$(dirname "$CHATMPI")" && pwd)/$(basename "$CHATMPI")
pass=0; fail=0; failed=""
for t in tests/e2e/test_*.sh; do
    log=$(mktemp)
    start=$(date +%s)
    if sh "$t" >"$log" 2>&1; then
        pass=$((pass + 1)); echo "ok   $t ($(( $(date +%s) - start ))s)"
    else
        fail=$((fail + 1)); failed="$failed $t"; echo "FAIL $t"; sed 's/^/    /' "$log" | tail -n 60
    fi
    rm -f "$log"
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
