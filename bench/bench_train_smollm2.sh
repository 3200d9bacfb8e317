#!/bin/sh
# Benchmark of LoRA fine-tuning at SmolLM2-135M's exact shape: tokens/s and peak memory of
# `chatmpi train --lora` over a random base of that shape (llama, 30 layers, dim 576, 9 heads
# / 3 KV heads, ffn 1536, vocabulary 49152, tied output, RoPE base 100000, context 8192; Q8_0
# weights, as `chatmpi model init` writes them), one sequence of SEQ tokens a step, the loss on
# answers only (records: a prompt of 62.5% of SEQ, '|', the answer), LoRA r 16 on q, k, v, o.
#   sh bench/bench_train_smollm2.sh                       # ./chatmpi, SEQ 1024, 2 threads
#   SEQ=2048 LAYERS=30 STEPS=2 sh bench/bench_train_smollm2.sh
#   BINS="old/chatmpi ./chatmpi" ROUNDS=2 sh bench/bench_train_smollm2.sh   # A/B, interleaved
# Each run is one warm-up step and STEPS timed steps read from the JSONL log (elapsed_s), so
# start-up and the final checkpoint do not count; peak RSS is /usr/bin/time's (the whole run).
# The CPU time column is user + system seconds of the whole run (on a shared machine the wall
# clock moves with the other jobs; CPU time less so). Not a test: it prints a table.
set -e
cd "$(dirname "$0")/.."
D=${BENCH_DIR:-build/bench-smollm2}
SEQ=${SEQ:-1024}
LAYERS=${LAYERS:-30}
STEPS=${STEPS:-2}
ROUNDS=${ROUNDS:-1}
THREADS=${THREADS:-2}
BINS=${BINS:-./chatmpi}
mkdir -p "$D"
[ -x ./chatmpi ] || make --no-print-directory -s chatmpi >/dev/null
base="$D/smollm2-l$LAYERS.gguf"
[ -f "$base" ] || ./chatmpi model init --shape \
    dim=576,layers=$LAYERS,heads=9,kv_heads=3,ffn=1536,ctx=8192,vocab=49152,rope_base=100000 \
    --tied --type q8_0 -q -o "$base"
data="$D/data-$SEQ.txt"
[ -f "$data" ] || awk -v n=$((STEPS + 1)) -v t=$((SEQ + 1)) 'BEGIN { srand(1); p = int(t * 0.625)
    for (i = 0; i < n; i++) { s = int(rand() * 49152)
        for (j = 1; j < t; j++) s = s (j == p ? " |" : "") " " int(rand() * 49152); print s } }' >"$data"

echo "bench_train_smollm2: $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "SmolLM2-135M shape, $LAYERS layers, q8_0 base, LoRA r=16 q,k,v,o, seq $SEQ, answer-only loss, $THREADS threads, $STEPS timed steps after 1 warm-up"
printf '  %-28s %8s %9s %10s %9s %s\n' binary tok/s s/step peak_MiB cpu_s loss
r=0
while [ $r -lt "$ROUNDS" ]; do
    for bin in $BINS; do
        log="$D/log.jsonl"
        rm -f "$log" "$D/a.gguf" "$D/a.gguf.ckpt"
        /usr/bin/time -f "%M %U %S" -o "$D/time" "$bin" train --base "$base" \
            --lora r=16,alpha=16,dropout=0.05,targets=q+k+v+o --steps $((STEPS + 1)) --batch 1 --seq "$SEQ" \
            --loss answer -t "$THREADS" -q --log "$log" -o "$D/a.gguf" "$data"
        read -r kb us ss <"$D/time"
        awk -v bin="$bin" -v kb="$kb" -v cpu="$(echo "$us $ss" | awk '{ print $1 + $2 }')" '
            { t = $0; sub(/.*"tokens":/, "", t); sub(/,.*/, "", t)
              e = $0; sub(/.*"elapsed_s":/, "", e); sub(/[,}].*/, "", e)
              l = $0; sub(/.*"loss":/, "", l); sub(/,.*/, "", l)
              if (NR == 1) e0 = e; else { n++; e1 = e }; loss = l }
            END { printf "  %-28s %8.1f %9.2f %10.0f %9.1f %s\n", bin, seq * n / (e1 - e0), (e1 - e0) / n, kb / 1024,
                  cpu, loss }' seq="$SEQ" "$log"
    done
    r=$((r + 1))
done
