#!/bin/sh
# chatmpi's runtime beside llama.cpp on the same GGUF files: decode (32 tokens after a 1-token
# prompt) and prompt (128 tokens in one batch) tokens/s at 1 and 2 threads, the two programs
# taking turns round after round so that a slow spell of the shared machine hits both alike;
# the best round of each is kept. Beside them, the memory-read ceiling and the sgemm rate that
# bench_model measures in the same run (decode of a model is bounded by its bytes / bandwidth).
#
#   LLAMA_BENCH=/path/to/llama-bench sh bench/bench_vs_llamacpp.sh [MODEL.gguf...]
#
# llama.cpp is not part of chatmpi: point LLAMA_BENCH at the llama-bench of a llama.cpp build
# of your own. Default models: the SmolLM2-135M-Instruct base (Q4_1, scripts/fetch_base.sh)
# and its Q8_0 and Q4_K_M conversions by `chatmpi quantize`, written once into $BENCH_DIR
# (build/bench-models); QWEN=1 adds Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB, fetched once).
# ROUNDS (3), THREADS ("1 2"). A benchmark, not a test: it prints a table and never fails on speed.
set -eu
cd "$(dirname "$0")/.."
LLAMA_BENCH=${LLAMA_BENCH:-}
[ -n "$LLAMA_BENCH" ] && [ -x "$LLAMA_BENCH" ] || {
    echo "bench_vs_llamacpp: set LLAMA_BENCH to a llama.cpp build's llama-bench" >&2
    exit 2
}
sh bench/build_bench_model.sh
D=${BENCH_DIR:-build/bench-models}
mkdir -p "$D"
if [ $# -eq 0 ]; then
    base=$(sh scripts/fetch_base.sh smollm2-135m-instruct)
    for t in q8_0 q4_k_m; do
        [ -f "$D/smollm2-$t.gguf" ] || ./chatmpi quantize --type "$t" "$base" "$D/smollm2-$t.gguf" >/dev/null
    done
    set -- "$base" "$D/smollm2-q8_0.gguf" "$D/smollm2-q4_k_m.gguf"
    [ "${QWEN:-0}" = 1 ] && set -- "$@" "$(sh scripts/fetch_base.sh qwen2.5-coder-1.5b-instruct)"
fi
ROUNDS=${ROUNDS:-3}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "bench_vs_llamacpp: $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s %3s | %9s %9s %6s | %9s %9s %6s | %8s %8s\n' model thr "dec cm" "dec lcpp" ratio "pp cm" "pp lcpp" ratio "bw GB/s" "dec GB/s"
for m in "$@"; do
    for th in ${THREADS:-1 2}; do
        : >"$T/cm"; : >"$T/lc"
        r=0
        while [ $r -lt "$ROUNDS" ]; do
            BENCH_REPS=1 ./build/bench_model "$th" "$m" >"$T/out" 2>&1 || { cat "$T/out"; exit 3; }
            # the model's row: decode/s after the first '|', prompt/s after the third; bandwidth
            awk -v n="$(basename "$m")" 'index($0, "memory read") && !bw { for (i = 1; i <= NF; i++) if ($i == "read") bw = $(i + 1) }
                $1 == n { split($0, p, "|"); split(p[2], a, " "); split(p[4], b, " "); print a[1], b[1], a[2], bw }' "$T/out" >>"$T/cm"
            "$LLAMA_BENCH" -m "$m" -t "$th" -p 128 -n 32 -r 1 -o csv 2>/dev/null |
                awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { gsub(/"/, "", $i); c[$i] = i } next }
                    { gsub(/"/, ""); if ($c["n_prompt"] > 0) pp = $c["avg_ts"]; else tg = $c["avg_ts"] } END { print tg, pp }' >>"$T/lc"
            r=$((r + 1))
        done
        cm_dec=$(sort -g -k1 "$T/cm" | tail -1 | cut -d' ' -f1); cm_pp=$(sort -g -k2 "$T/cm" | tail -1 | cut -d' ' -f2)
        cm_gbs=$(sort -g -k1 "$T/cm" | tail -1 | cut -d' ' -f3); bw=$(sort -g -k4 "$T/cm" | tail -1 | cut -d' ' -f4)
        lc_dec=$(sort -g -k1 "$T/lc" | tail -1 | cut -d' ' -f1); lc_pp=$(sort -g -k2 "$T/lc" | tail -1 | cut -d' ' -f2)
        awk -v m="$(basename "$m")" -v th="$th" -v a="$cm_dec" -v b="$lc_dec" -v c="$cm_pp" -v d="$lc_pp" -v bw="$bw" -v g="$cm_gbs" \
            'BEGIN { printf "%-40s %3d | %9.1f %9.1f %6.2f | %9.1f %9.1f %6.2f | %8.1f %8.1f\n", m, th, a, b, (b > 0 ? a / b : 0), c, d, (d > 0 ? c / d : 0), bw, g }'
    done
done
echo "dec: decode tokens/s (32 after a 1-token prompt); pp: a 128-token prompt's tokens/s; ratio: chatmpi / llama.cpp;"
echo "bw: memory read ceiling (bench_model, same run); dec GB/s: chatmpi's decode weight traffic. Best of $ROUNDS alternating rounds."
