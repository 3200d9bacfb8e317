#!/bin/sh
# Runs every Criterion unit-test binary given as arguments; prints a summary line and
# exits non-zero if any test failed or crashed.
total_fail=0
for t in "$@"; do
    echo "== $t"
    if ! "$t" --jobs 2; then total_fail=$((total_fail + 1)); fi
done
n=$#
echo "unit: $((n - total_fail)) passed, $total_fail failed (test binaries)"
[ "$total_fail" -eq 0 ]
