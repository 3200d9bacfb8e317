#!/bin/sh
# make bench: every benchmark in bench/, one after another. Benchmarks print tables; they
# do not fail on speed. Record results in docs/BENCHMARKS.md with the date and command.
set -e
for b in bench/bench_*.sh; do
    echo "== $b"
    sh "$b"
    echo
done
