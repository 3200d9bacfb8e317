# Data-parallel training under Open MPI's mpirun: 2 ranks give the same losses, gradient
# norms and held-out losses as 1 process on the same global batch (full model, and LoRA with dropout over a q8_0
# base), within |a - b| <= 1e-4 * max(1, |b|) per step (float sums grouped differently); only
# rank 0 writes (one log line and one progress line a step); --resume works under mpirun and
# a checkpoint of 2 ranks resumes in 1 process with the same effective batch; a rank that
# fails ends the job with its message and exit code, writing nothing; and a plain run (no
# launcher) never initializes MPI (an LD_PRELOAD shim that fails MPI_Init proves it).
. tests/e2e/lib.sh
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
MPIRUN=$(command -v mpirun.openmpi || command -v mpirun) || die "no mpirun"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
MPI2="$MPIRUN -np 2"

token_records "$D/d.txt"

# step, loss, grad_norm of each log line
cols() { sed 's/.*"step":\([0-9]*\),"loss":\([-0-9.e]*\),.*"grad_norm":\([-0-9.e]*\),.*/\1 \2 \3/' "$1"; }
# same_run A.jsonl B.jsonl N: N lines each, equal steps, losses and norms within the tolerance
same_run() {
    [ "$(wc -l <"$1")" -eq "$3" ] || die "$1 has $(wc -l <"$1") lines, expected $3"
    [ "$(wc -l <"$2")" -eq "$3" ] || die "$2 has $(wc -l <"$2") lines, expected $3"
    cols "$1" >"$D/a.cols"; cols "$2" >"$D/b.cols"
    paste "$D/a.cols" "$D/b.cols" | awk '
        function bad(a, b) { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; if (m < 1) m = 1; return d > 1e-4 * m }
        $1 != $4 || bad($2, $5) || bad($3, $6) { print "step " $1 ": loss " $2 " vs " $5 ", |g| " $3 " vs " $6; n++ }
        END { exit n > 0 }' || die "$1 and $2 differ"
}

SHAPE=dim=32,layers=2,heads=4,kv_heads=2,ffn=64,ctx=16
ARGS="--init $SHAPE --vocab 32 --steps 5 --lr 1e-2 --batch 2 --seq 12 --seed 3 -t 1"
EV="--eval $D/d.txt --eval-every 2"
expect_rc 0 "$CHATMPI" train $ARGS $EV --accum 4 -o "$D/one.gguf" --log "$D/one.jsonl" "$D/d.txt"
expect_rc 0 $MPI2 "$CHATMPI" train $ARGS $EV --accum 2 -o "$D/two.gguf" --log "$D/two.jsonl" "$D/d.txt"
expect_err "2 ranks (effective batch 8)"
[ "$(grep -c 'step 5/5' "$ERR")" -eq 1 ] || die "progress printed $(grep -c 'step 5/5' "$ERR") times, not once (rank 0)"
[ "$(grep -c 'train: wrote model' "$ERR")" -eq 1 ] || die "the summary is not rank 0's alone"
same_run "$D/one.jsonl" "$D/two.jsonl" 5
# the evaluation (records split over the ranks, sums added) is the same too: steps 2, 4, 5
evals() { sed -n 's/.*"step":\([0-9]*\),.*"eval_loss":\([0-9.]*\),"eval_tokens":\([0-9]*\).*/\1 \2 \3/p' "$1"; }
evals "$D/one.jsonl" >"$D/a.ev"; evals "$D/two.jsonl" >"$D/b.ev"
[ "$(wc -l <"$D/a.ev")" -eq 3 ] || die "expected 3 evaluations, got $(wc -l <"$D/a.ev")"
paste "$D/a.ev" "$D/b.ev" | awk '{ d = $2 - $5; if (d < 0) d = -d; if ($1 != $4 || $3 != $6 || d > 1e-4 * $5) bad = 1 }
    END { exit bad }' || die "eval losses differ: $(paste "$D/a.ev" "$D/b.ev")"
# the losses are real: they fall
awk '{ print }' "$D/two.jsonl" | head -1 | grep -q '"loss":3' || die "unexpected first loss: $(head -1 "$D/two.jsonl")"

# --resume under mpirun: stopped after 2 steps and resumed, the very same model
expect_rc 0 $MPI2 "$CHATMPI" train $ARGS --accum 2 -q -o "$D/r.gguf" --stop-after 2 "$D/d.txt"
expect_rc 0 $MPI2 "$CHATMPI" train $ARGS --accum 2 -q -o "$D/r.gguf" --resume "$D/r.gguf.ckpt" "$D/d.txt"
cmp -s "$D/two.gguf" "$D/r.gguf" || die "the resumed 2-rank run differs from the uninterrupted one"
# a 2-rank checkpoint resumes in one process with the same effective batch (2 x 2 x 2 = 2 x 4)
expect_rc 0 $MPI2 "$CHATMPI" train $ARGS --accum 2 -q -o "$D/x.gguf" --stop-after 2 --log "$D/x.jsonl" "$D/d.txt"
expect_rc 0 "$CHATMPI" train $ARGS --accum 4 -q -o "$D/x.gguf" --resume "$D/x.gguf.ckpt" --log "$D/x.jsonl" "$D/d.txt"
same_run "$D/one.jsonl" "$D/x.jsonl" 5

# LoRA with dropout over a q8_0 base: the dropout masks follow the global micro-batch
expect_rc 0 "$CHATMPI" quantize --type q8_0 "$D/one.gguf" "$D/b8.gguf"
LARGS="--base $D/b8.gguf --lora r=2,alpha=4,dropout=0.2,targets=q+v+down --loss answer --steps 4 --lr 1e-2 --batch 2 --seq 12 -t 1"
expect_rc 0 "$CHATMPI" train $LARGS --accum 2 -o "$D/la.gguf" --log "$D/la.jsonl" "$D/d.txt"
expect_rc 0 $MPI2 "$CHATMPI" train $LARGS --accum 1 -o "$D/lb.gguf" --log "$D/lb.jsonl" "$D/d.txt"
expect_err "LoRA"
same_run "$D/la.jsonl" "$D/lb.jsonl" 4

# a rank that fails (rank 1 reads a missing file) ends the job; nothing is written
rm -f "$D/f.gguf"
expect_rc 3 "$MPIRUN" -np 1 "$CHATMPI" train $ARGS -o "$D/f.gguf" "$D/d.txt" : \
    -np 1 "$CHATMPI" train $ARGS -o "$D/f.gguf" "$D/missing.txt"
expect_err "cannot open '$D/missing.txt'"
expect_err "rank 1 of 2 failed"
[ ! -e "$D/f.gguf" ] || die "a failed job left an output file"

# a plain run never initializes MPI: a shim whose MPI_Init_thread exits 97 stays unused
cat >"$D/shim.c" <<'EOF'
#include <unistd.h>
int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    (void)argc, (void)argv, (void)required, (void)provided;
    write(2, "shim: MPI initialized\n", 22);
    _exit(97);
}
EOF
cc -shared -fPIC -o "$D/shim.so" "$D/shim.c" || die "cannot build the shim"
ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
export ASAN_OPTIONS
expect_rc 0 env LD_PRELOAD="$D/shim.so" "$CHATMPI" train $ARGS --steps 1 -q -o "$D/p.gguf" "$D/d.txt"
expect_rc 97 env LD_PRELOAD="$D/shim.so" OMPI_COMM_WORLD_SIZE=1 "$CHATMPI" train $ARGS --steps 1 -q -o "$D/p.gguf" \
    "$D/d.txt"
expect_err "shim: MPI initialized"
exit 0
