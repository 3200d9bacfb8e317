#!/bin/sh
# Benchmark of the llama runtime: decode and prompt speed of random models (~15M and
# ~110M parameters, f32/f16/q8_0/q4_0) at 1 and 2 threads, for each kernel set, beside the
# memory bandwidth and sgemm rate measured in the same run (see bench/bench_model.c).
#   sh bench/bench_model.sh            # both sizes, the best kernel set
#   SIZES=small sh bench/bench_model.sh
#   SIMD=avx2,avx512,avx512vnni TYPES="f32 q8_0 q4_0" SIZES=large THREADS=2 sh bench/bench_model.sh
# SIMD lists kernel sets to compare (scalar, avx2, avx512, avx512vnni; default: the best the
# CPU has, or $CHATMPI_SIMD); they take turns in one process, each row names its set and its
# speed relative to the first set. BENCH_REPS (default 3) decode attempts per set, best kept.
# The shapes are llama2.c's stories15M and stories110M (tied output). Models are written
# once into $BENCH_DIR (default build/bench-models, ~1 GB).
set -e
cd "$(dirname "$0")/.."
sh bench/build_bench_model.sh
D=${BENCH_DIR:-build/bench-models}
mkdir -p "$D"
SIZES=${SIZES:-"small large"}
models=""
for size in $SIZES; do
    case $size in
    small) shape=dim=288,layers=6,heads=6,kv_heads=6,ffn=768,ctx=256,vocab=32000 ;;
    large) shape=dim=768,layers=12,heads=12,kv_heads=12,ffn=2048,ctx=256,vocab=32000 ;;
    *) echo "unknown size $size"; exit 2 ;;
    esac
    for t in ${TYPES:-f32 f16 q8_0 q4_0}; do
        f="$D/$size-$t-tied.gguf"
        [ -f "$f" ] || ./chatmpi model init --shape "$shape" --type "$t" --tied --seed 1 -q -o "$f"
        models="$models $f"
    done
done
echo "bench_model: $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
for th in ${THREADS:-1 2}; do
    BENCH_SIMD=${SIMD:-} ./build/bench_model "$th" $models
done
