#!/bin/sh
# make demo: the main job on what exists today. chatmpi's embedded default model is not built
# yet, so no MPI program is generated here: the demo verifies and times hand-written MPI
# versions of the examples with the harness (`chatmpi check`), which is how every generated
# program will be judged. It says so, plainly.
set -e
CHATMPI=${CHATMPI:-./chatmpi}
cat <<'MSG'
chatmpi demo
------------
The default model is not built yet, so this demo does not generate code: it proves
hand-written MPI versions of two example programs with the verification harness
(build, run at 1-4 ranks in a sandbox, compare with the sequential output, time, profile).

MSG
rc=0
"$CHATMPI" check examples/pi_midpoint.c examples/reference/pi_midpoint_mpi.c \
    --args "1000 2" --args "7 1" --bench-args "100000000 6" --np 1,2,3,4 --runs 3 || rc=1
echo
"$CHATMPI" check examples/row_maxnorm.c examples/reference/row_maxnorm_mpi.c \
    --args "10 7" --args "1 3" --args "13 5" --bench-args "12000 6000" --np 1,2,3,4 --runs 3 || rc=1
exit $rc
