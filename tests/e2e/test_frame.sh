# --frame: chatmpi writes the MPI frame and the model rewrites each marked loop. With saved
# answers (a random-weight model cannot write them): a right rewrite verifies and the written
# program is the frame around it; a rewrite without its communication fails at 2 ranks and the
# repair round is told so; the answer file holds one answer per loop; a program with no loop
# to mark falls back to asking for the whole program, saying why.
. tests/e2e/lib.sh
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
tiny_model "$T" 8192
cat > "$T/norm.c" <<'C'
/* the 2-norm of a vector, and the vector scaled */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    double *v = malloc((size_t)n * sizeof *v), ss = 0.0;
    for (long i = 0; i < n; i++)
        v[i] = 1.0 / (double)(i + 1);
    for (int rep = 0; rep < 200; rep++) {
        ss = 0.0;
        for (long i = 0; i < n; i++)
            ss += v[i] * v[i];
        for (long i = 0; i < n; i++)
            v[i] = 0.999 * v[i];
    }
    printf("%.12e %.12e\n", sqrt(ss), v[n - 1]);
    free(v);
    return 0;
}
C
mkdir -p "$T/good" "$T/bad"
SEP='/* ---- chatmpi frame: the next loop'"'"'s answer ---- */'
cat > "$T/good/candidate_01_round_0.txt" <<A
\`\`\`c
long lo, hi;
mpi_share(0, n, &lo, &hi);
for (long i = lo; i < hi; i++)
    ss += v[i] * v[i];
MPI_Allreduce(&ss, &ss, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
\`\`\`

$SEP
\`\`\`c
long lo, hi;
mpi_share(0, n, &lo, &hi);
for (long i = lo; i < hi; i++)
    v[i] = 0.999 * v[i];
mpi_allgather_share(v, 1, MPI_DOUBLE);
printf("done\n");
\`\`\`
A
expect_rc 0 "$CHATMPI" run "$T/norm.c" -m "$T/m.gguf" --frame -a 1 -a 7 -a 1000 --reuse-answers "$T/good" \
    -o "$T/norm_mpi.c" --save-answers "$T/s1"
expect_err "the saved answer reused"
grep -q 'mpi_frame_init();' "$T/norm_mpi.c" || die "no frame set-up in the program"
grep -q 'MPI_Allreduce(MPI_IN_PLACE, &ss, 1' "$T/norm_mpi.c" || die "the same buffer twice was not made in place"
grep -q 'printf("done' "$T/norm_mpi.c" && die "what followed the communication was kept"
[ "$(grep -c 'chatmpi: the loop split over the ranks' "$T/norm_mpi.c")" = 2 ] || die "not two rewritten loops"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["rounds"]; assert len(r)==1 and r[0]["outcome"]=="CORRECT" and r[0]["given"] and d["frame_loops"]==2, d' \
    "$T/s1/loop.json" || die "loop.json of the verified run"
# the second loop's rewrite without its gather: right at 1 rank, wrong at 2; the repair round is
# generated (by the random model) and told what went wrong
sed '/mpi_allgather_share/d; /printf/d' "$T/good/candidate_01_round_0.txt" > "$T/bad/candidate_01_round_0.txt"
expect_rc 1 "$CHATMPI" run "$T/norm.c" -m "$T/m.gguf" --frame -a 7 -a 1000 --np 1,2 --reuse-answers "$T/bad" \
    --repair 1 --max-tokens 8 --save-answers "$T/s2"
expect_err "candidate 1:.*INCORRECT"
python3 - "$T/s2" <<'PY' || die "the repair round's transcript"
import json, sys
d = json.load(open(sys.argv[1] + "/loop.json"))
r = d["rounds"]
assert [x["round"] for x in r] == [0, 1], r
assert "every value the whole loop computes must reach every rank" in r[0]["diagnosis"], r[0]["diagnosis"]
assert "np=2" in r[0]["diagnosis"], r[0]["diagnosis"]
# one answer per loop, each begun with the share chatmpi wrote; the sum ss set up to start from
# zero on the ranks other than 0
a = open(sys.argv[1] + "/candidate_01_round_1.txt", "rb").read().decode("utf-8", "replace")
parts = a.split("\n/* ---- chatmpi frame: the next loop's answer ---- */\n")
split = "long lo, hi;\nmpi_share(0, n, &lo, &hi);\nfor (long i = lo; i < hi; i++)\n"
assert len(parts) == 2 and parts[0].startswith("```c\nif (mpi_rank != 0) {") and "\n    ss = 0;\n}\n" + split in parts[0], a
assert parts[1].startswith("```c\n" + split), a
assert r[1]["tokens"] > 0 and "given" not in r[1], r[1]
PY
# nothing to mark: the whole program is asked for
printf '#include <stdio.h>\nint main(void)\n{\n    printf("1\\n");\n    return 0;\n}\n' > "$T/flat.c"
expect_rc 1 "$CHATMPI" run "$T/flat.c" -m "$T/m.gguf" --frame --np 1 --max-tokens 4
expect_err "--frame: no loop is marked"
expect_err "the whole program was asked for"
expect_rc 1 "$CHATMPI" run "$T/flat.c" -m "$T/m.gguf" --frame --np 1 --max-tokens 4 --save-answers "$T/s3"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "no loop is marked" in d["frame_skipped"] and "frame_loops" not in d, d' \
    "$T/s3/loop.json" || die "frame_skipped in loop.json"
exit 0
