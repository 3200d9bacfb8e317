#!/bin/sh
# make demo: the main job on the embedded default model. `chatmpi run` parallelizes
# examples/signal_corr.c (a sequential program written for the demo, not in the training
# data): it generates K candidates with models/default.gguf, verifies each with the harness
# (build, run at 1-4 ranks in a sandbox, compare with the sequential output at several sizes,
# time at 2 ranks, profile) and writes the fastest verified one. When none verifies it says so
# and shows the closest (today's default model verifies on new variants of its training kernels
# but not yet on new kernels: see docs/default-model.md); the demo then checks the hand-written reference MPI version with the
# same harness, so a new user sees what a verified report looks like. The demo's exit status
# is that of the last check it ran (0 when it proved a program).
set -u
CHATMPI=${CHATMPI:-./chatmpi}
SAMPLES=${SAMPLES:-4}
OUTDIR=${OUTDIR:-build/demo}
mkdir -p "$OUTDIR"
model=${CHATMPI_MODEL:-models/default.gguf}
if [ ! -f "$model" ]; then
    echo "chatmpi demo: no default model at $model: run 'make model' to build it" >&2
    exit 3
fi
cat <<MSG
chatmpi demo
------------
Parallelizing examples/signal_corr.c with chatmpi's default model ($model),
$SAMPLES candidates, each verified at 1-4 ranks and 4 sizes before anything is written.

MSG
"$CHATMPI" run examples/signal_corr.c -o "$OUTDIR/signal_corr_mpi.c" --samples "$SAMPLES" \
    --args "1" --args "7 3" --args "2000" --args "1001 2" --bench-args "4000000 100" --np 1,2,3,4
rc=$?
if [ $rc -eq 0 ]; then
    echo
    echo "The verified MPI program is $OUTDIR/signal_corr_mpi.c."
    exit 0
fi
if [ $rc -ne 1 ]; then exit $rc; fi # a usage or environment error: nothing to compare
cat <<MSG

No candidate verified, and chatmpi wrote nothing (it never hands over unverified code).
chatmpi's small default model verifies on 19 of 20 held-in variants of the kernels it was
trained on, but not yet on new kernels such as this one (docs/default-model.md has the measurements);
with a stronger model (-m, --lora) the same command writes the program.
For comparison, the hand-written reference MPI version checked with the same harness:

MSG
"$CHATMPI" check examples/signal_corr.c examples/reference/signal_corr_mpi.c \
    --args "1" --args "7 3" --args "2000" --args "1001 2" --bench-args "4000000 100" --np 1,2,3,4 --runs 3
