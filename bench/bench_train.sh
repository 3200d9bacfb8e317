#!/bin/sh
# Benchmark of training: tokens/s and model FLOPs utilization (MFU) of `chatmpi train` for a
# ~11M and a ~110M llama model, full training and LoRA, at 1 and 2 threads and at 2 MPI ranks
# of 1 thread, full training with bf16 products at 2 threads (`--matmul bf16`, its MFU over
# the same float ceiling), beside cblas_sgemm's GFLOP/s measured in the same run
# (bench/sgemm_rate.c).
#   sh bench/bench_train.sh                 # both sizes
#   SIZES=small STEPS=5 sh bench/bench_train.sh
#   OPENBLAS_CORETYPE=Haswell sh bench/bench_train.sh   # other kernels
# Each measurement is one warm-up step and STEPS (3) timed steps, read from the JSONL log
# (elapsed_s), so start-up, initialization and the final checkpoint do not count.
# Model FLOPs a token: full 6 N + 12 L C T, LoRA 4 N + 6 N_lora + 12 L C T, where N counts
# the weights used in products (every block matrix and the output head; the embedding
# lookup is free), L layers, C width, T sequence length (the attention term counts the whole
# T x T square, as PaLM's MFU does, though causal attention computes half of it). MFU is
# that rate over the sgemm rate at the same number of cores (threads x ranks).
# OpenBLAS reads this CPU (a VM reporting a generic Xeon) as a plain SSE3 machine; chatmpi
# then sets OPENBLAS_CORETYPE itself (SkylakeX with AVX-512, Haswell with AVX2; src/cli/cli.c).
# The benchmark makes the same choice for sgemm_rate and chatmpi unless the variable is set,
# and prints the sgemm ceiling with OpenBLAS's own choice and both kernels. Not a test: it
# prints a table.
set -e
cd "$(dirname "$0")/.."
make --no-print-directory -s chatmpi >/dev/null
cc -std=c11 -D_GNU_SOURCE -O2 -o build/sgemm_rate bench/sgemm_rate.c -lopenblas
D=${BENCH_DIR:-build/bench-train}
mkdir -p "$D"
STEPS=${STEPS:-3}
SIZES=${SIZES:-"small large"}
flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
has() { for f in "$@"; do case $flags in *" $f "*) ;; *) return 1 ;; esac; done; }
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
    if has avx512f avx512bw avx512dq avx512vl; then export OPENBLAS_CORETYPE=SkylakeX
    elif has avx2 fma; then export OPENBLAS_CORETYPE=Haswell
    else unset OPENBLAS_CORETYPE; fi
fi
sgr() { env ${2:+OPENBLAS_CORETYPE=$2} ${3:+-u OPENBLAS_CORETYPE} build/sgemm_rate "$1"; }
ceilings="OpenBLAS's own choice $(sgr 1 '' x) / $(sgr 2 '' x)"
for k in Haswell SkylakeX; do
    [ "$k" = SkylakeX ] && ! has avx512f avx512bw avx512dq avx512vl && continue
    ceilings="$ceilings, $k $(sgr 1 $k) / $(sgr 2 $k)"
done
sg1=$(build/sgemm_rate 1)
sg2=$(build/sgemm_rate 2)
MPIRUN=$(command -v mpirun.openmpi || command -v mpirun || true)
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
V=16000
T=256
[ -f "$D/data.txt" ] || awk -v n=64 -v t=$((T + 1)) -v v=$V 'BEGIN { srand(1)
    for (i = 0; i < n; i++) { s = int(rand() * v); for (j = 1; j < t; j++) s = s " " int(rand() * v); print s } }' \
    >"$D/data.txt"

echo "bench_train: $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "sgemm GFLOP/s at 1 / 2 threads: $ceilings"
echo "training and the ceiling below: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}, sgemm $sg1 / $sg2"
echo "vocab $V, seq $T, $STEPS timed steps after 1 warm-up; MFU = model FLOPs / sgemm rate at threads x ranks cores"
printf '  %-6s %-5s %8s %10s %-10s %7s %9s %6s %7s\n' size mode params trained run batch tok/s GF/s MFU

# run SIZE MODE RUN ARGS...: one measurement, one table row
run() {
    size=$1 mode=$2 how=$3
    shift 3
    log="$D/log.jsonl"
    rm -f "$log" "$D/out.gguf" "$D/out.gguf.ckpt"
    case $how in
    t1) ./chatmpi train "$@" -t 1 -q --log "$log" -o "$D/out.gguf" "$D/data.txt"; cores=1 ranks=1 ;;
    t2) ./chatmpi train "$@" -t 2 -q --log "$log" -o "$D/out.gguf" "$D/data.txt"; cores=2 ranks=1 ;;
    np2)
        if [ -z "$MPIRUN" ]; then echo "  $size $mode np2: no mpirun"; return; fi
        $MPIRUN -np 2 --bind-to core "$PWD/chatmpi" train "$@" -t 1 -q --log "$log" -o "$D/out.gguf" "$D/data.txt"
        cores=2 ranks=2 ;;
    esac
    sg=$sg1
    [ $cores = 2 ] && sg=$sg2
    awk -v size="$size" -v mode="$mode" -v how="$how" -v fpt="$fpt" -v sg="$sg" -v np="$params" -v nt="$trained" \
        -v b="$B" -v ranks="$ranks" '
        { t = $0; sub(/.*"tokens":/, "", t); sub(/,.*/, "", t)
          e = $0; sub(/.*"elapsed_s":/, "", e); sub(/[,}].*/, "", e)
          if (NR == 1) e0 = e; else { tok += t; e1 = e } }
        END { tps = tok / (e1 - e0); gf = tps * fpt / 1e9
              printf "  %-6s %-5s %7.1fM %9.2fM %-10s %7s %9.0f %6.1f %6.0f%%\n", size, mode, np / 1e6, nt / 1e6, how,
                     b * ranks "x" 256, tps, gf, 100 * gf / sg }' "$log"
}

for size in $SIZES; do
    case $size in
    small) C=256 L=4 H=8 F=688 B=4 ;;
    large) C=768 L=12 H=12 F=2048 B=1 ;;
    *) echo "unknown size $size"; exit 2 ;;
    esac
    shape=dim=$C,layers=$L,heads=$H,kv_heads=$H,ffn=$F,ctx=$T
    base="$D/$size-f32.gguf"
    [ -f "$base" ] || ./chatmpi model init --shape "$shape,vocab=$V" --type f32 --seed 1 -q -o "$base"
    r=16
    nmat=$((L * (4 * C * C + 3 * C * F) + V * C))   # kv_heads = heads: q, k, v, o are C x C
    nlora=$((L * r * 8 * C))                          # r x (n_in + n_out) for q, k, v, o
    attn=$((12 * L * C * T))
    params=$((nmat + V * C + 2 * L * C + C))
    common="--steps $((STEPS + 1)) --batch $B --seq $T --lr 1e-4 --warmup 0"
    for how in t1 t2 np2; do
        fpt=$((6 * nmat + attn)) trained=$params
        run "$size" full "$how" --init "$shape" --vocab $V $common
    done
    # bf16 products (src/train/gemm.h), where the CPU has a fast kernel for them
    if ./chatmpi train --init "$shape" --vocab $V --steps 1 --batch 1 --seq 8 --matmul bf16 -q -o "$D/out.gguf" \
        "$D/data.txt" 2>/dev/null; then
        fpt=$((6 * nmat + attn)) trained=$params
        run "$size" bf16 t2 --init "$shape" --vocab $V $common --matmul bf16
    else
        echo "  $size bf16: no fast bf16 kernel on this CPU"
    fi
    for how in t1 t2 np2; do
        fpt=$((4 * nmat + 6 * nlora + attn)) trained=$nlora
        run "$size" lora "$how" --base "$base" --lora r=$r,alpha=32,dropout=0.05,targets=q+k+v+o $common
    done
done
rm -f "$D/log.jsonl" "$D/out.gguf" "$D/out.gguf.ckpt"
