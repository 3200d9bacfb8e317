#!/bin/sh
# The candidate loop's configurations side by side on the test split (issue 23's measurement):
#
#   plain      one answer a kernel, no worked example, no repair
#   examples   one answer with K worked examples (the most similar train/refine pairs)
#   repair     one answer and up to R repair rounds, no example
#   both       K examples and R repair rounds
#   plain4     4 answers, no example, no repair (a kernel counts when any verifies)
#   both1+3    K examples, 1 answer and 3 repair rounds: as many answers drawn as plain4
#
# each through `chatmpi test --json` (every answer kept under $OUT/<config>/), then one line a
# configuration: kernels verified, built, answers drawn, tokens and wall seconds, from the
# JSON reports. The shares of the last two compare the two uses of 4 answers at about the same
# cost. A measurement, not a test: it takes minutes with chatmpi's small default model and
# hours with a 1.5B base on 2 cores.
#
#   MODEL=... CONFIGS="plain examples" sh scripts/eval_refine.sh [test options...]
#
# MODEL (default: the default model), K (1), R (1), MAX_TOKENS (2400), THREADS, CONFIGS (all
# six), OUT (build/refine-eval); other arguments go to every `chatmpi test` (e.g. cases).
set -u
cd "$(dirname "$0")/.."
CHATMPI=${CHATMPI:-./chatmpi}
OUT=${OUT:-build/refine-eval}
K=${K:-1}; R=${R:-1}
mkdir -p "$OUT"
for c in ${CONFIGS:-plain examples repair both plain4 both1+3}; do
    case $c in
        plain) opts="--examples 0 --repair 0 --samples 1" ;;
        examples) opts="--examples $K --repair 0 --samples 1" ;;
        repair) opts="--examples 0 --repair $R --samples 1" ;;
        both) opts="--examples $K --repair $R --samples 1" ;;
        plain4) opts="--examples 0 --repair 0 --samples 4 --pass-k 1,4" ;;
        both1+3) opts="--examples $K --repair 3 --samples 1" ;;
        *) echo "eval_refine: unknown configuration '$c' (plain, examples, repair, both, plain4, both1+3)" >&2; exit 2 ;;
    esac
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$CHATMPI" test ${MODEL:+-m "$MODEL"} ${THREADS:+--threads "$THREADS"} -n "${MAX_TOKENS:-2400}" $opts -q \
        --save-answers "$OUT/$c" --json "$OUT/$c.json" --markdown "$OUT/$c.md" "$@" >"$OUT/$c.log" 2>&1
    echo "$(( $(date +%s) - start ))" >"$OUT/$c.wall"
done
printf '%-9s %8s %9s %7s %8s %8s %7s\n' config kernels verified built answers tokens wall_s
for c in ${CONFIGS:-plain examples repair both plain4 both1+3}; do
    python3 - "$OUT/$c.json" "$c" "$(cat "$OUT/$c.wall" 2>/dev/null)" <<'PY'
import json, sys
try:
    cases = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print(f"{sys.argv[2]:<9} (no report: see {sys.argv[1][:-5]}.log)")
    sys.exit(0)
n = len(cases)
ver = sum(1 for c in cases if c["correct"] > 0)
built = sum(1 for c in cases if c["built"] > 0)
drawn = sum(c.get("answers_drawn", c["samples"]) for c in cases)
tok = sum(c.get("answer_speed", {}).get("tokens", 0) for c in cases)
print(f"{sys.argv[2]:<9} {n:>8} {ver:>4} ({100.0 * ver / max(n, 1):3.0f}%) {built:>7} {drawn:>8} {tok:>8} {sys.argv[3]:>7}")
PY
done
