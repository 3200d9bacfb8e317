#!/bin/sh
# make demo: the main job on the embedded default model. `chatmpi run` parallelizes
# examples/rod_heat.c (a sequential program written for the demo, not in the training data:
# its own names, comments and messages around a 1D heat computation, a kernel family the model
# was trained on): it generates K candidates with models/default.gguf, verifies each with the
# harness (build, run at 1-4 ranks in a sandbox, compare with the sequential output at several
# sizes, time at 2 ranks, profile) and writes the fastest verified one. When none verifies it
# says so and shows the closest, and the demo then checks the reference MPI
# version with the same harness, so a new user sees what a verified report looks like. The
# demo's exit status is that of the last check it ran (0 when it proved a program).
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
Parallelizing examples/rod_heat.c with chatmpi's default model ($model),
$SAMPLES candidates, each verified at 1-4 ranks and 4 sizes before anything is written.

MSG
"$CHATMPI" run examples/rod_heat.c -o "$OUTDIR/rod_heat_mpi.c" --samples "$SAMPLES" -n 3000 \
    --args "1 5" --args "17 7" --args "101 13" --args "997 40" --bench-args "100000 8000" --np 1,2,3,4
rc=$?
if [ $rc -eq 0 ]; then
    cat <<MSG

The verified MPI program is $OUTDIR/rod_heat_mpi.c.
chatmpi's small default model does this for programs built like the kernels it was trained
on (docs/default-model.md); a new kind of kernel, such as examples/signal_corr.c, is beyond
it today, and chatmpi then says so and writes nothing:
    $CHATMPI run examples/signal_corr.c --samples 4
MSG
    exit 0
fi
if [ $rc -ne 1 ]; then exit $rc; fi # a usage or environment error: nothing to compare
cat <<MSG

No candidate verified, and chatmpi wrote nothing (it never hands over unverified code).
docs/default-model.md has the default model's measurements; with a stronger model (-m,
--lora) the same command writes the program.
For comparison, the reference MPI version (examples/reference/) checked with the same harness:

MSG
"$CHATMPI" check examples/rod_heat.c examples/reference/rod_heat_mpi.c \
    --args "1 5" --args "17 7" --args "101 13" --args "997 40" --bench-args "100000 8000" --np 1,2,3,4 --runs 3
