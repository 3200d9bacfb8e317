#!/bin/sh
# What an assistant does on the example programs of examples/ (written in a user's style,
# kept out of the training data): `chatmpi run` on each, with its check and bench sizes from
# examples/checks.tsv, every answer and the loop's transcript kept under $OUT/<program>/;
# then one line a program: the first round's verdict, runs passing, candidates verified,
# tokens and seconds. The hand-written references are checked by tests/e2e/test_examples.sh.
#
#   MODEL=qwen2.5-coder-1.5b-instruct sh scripts/eval_examples.sh [PROGRAM...]
#
# MODEL (default: chatmpi's default assistant), SAMPLES (1), REPAIR (0), EXAMPLES (the loop's
# default for the model), FRAME (1: --frame, 0: --no-frame; default: run's, --frame for a
# pretrained chat model), MAX_TOKENS (2400), THREADS (all), OUT (build/examples-eval).
set -u
cd "$(dirname "$0")/.."
CHATMPI=${CHATMPI:-./chatmpi}
OUT=${OUT:-build/examples-eval}
mkdir -p "$OUT"
set -- ${*:-$(grep -v '^#' examples/checks.tsv | cut -f1)}
for name in "$@"; do
    line=$(grep "^$name	" examples/checks.tsv) || { echo "eval_examples: no program '$name' in examples/checks.tsv" >&2; exit 2; }
    sizes=$(echo "$line" | cut -f2); bench=$(echo "$line" | cut -f3)
    rm -rf "${OUT:?}/$name"
    (
        set -- --samples "${SAMPLES:-1}" --repair "${REPAIR:-0}" -n "${MAX_TOKENS:-2400}" --bench-args "$bench" \
            --save-answers "$OUT/$name" -o "$OUT/${name}_mpi.c"
        [ -n "${MODEL:-}" ] && set -- "$@" -m "$MODEL"
        [ -n "${EXAMPLES:-}" ] && set -- "$@" --examples "$EXAMPLES"
        [ "${FRAME:-}" = 1 ] && set -- "$@" --frame
        [ "${FRAME:-}" = 0 ] && set -- "$@" --no-frame
        [ -n "${THREADS:-}" ] && set -- "$@" --threads "$THREADS"
        IFS=';'
        for a in $sizes; do set -- "$@" --args "$a"; done
        unset IFS
        start=$(date +%s)
        "$CHATMPI" run "examples/$name.c" "$@" >"$OUT/$name.log" 2>&1
        echo "rc $? wall $(( $(date +%s) - start ))" >>"$OUT/$name.log"
    )
done
printf '%-12s %-14s %7s %9s %7s %8s %6s\n' program "first answer" passing verified tokens "answer s" wall
for name in "$@"; do
    python3 - "$OUT/$name/loop.json" "$name" "$OUT/$name.log" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except OSError:
    print(f"{sys.argv[2]:<12} (no transcript: see {sys.argv[3]})")
    sys.exit(0)
r = d["rounds"][0] if d["rounds"] else {}
wall = open(sys.argv[3], errors="replace").read().rsplit("wall ", 1)[-1].strip()
print(f"{sys.argv[2]:<12} {r.get('outcome', '-'):<14} {str(r.get('passes', '-')):>7} "
      f"{d['verified_candidates']:>4}/{d['candidates']:<4} {d['tokens']:>7} {d['generate_s']:>8.0f} {wall:>6}")
PY
done
