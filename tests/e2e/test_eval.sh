# chatmpi eval scores answers made elsewhere: programs, chat answers with code fences, several
# samples per case (pass@k), answers without code, missing answers; the numbers add up.
. tests/e2e/lib.sh
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
A=$T/answers
mkdir -p "$A/blas1/copy"
cp data/corpus/blas1/scal/mpi.c "$A/blas1/scal.c"                              # a program: correct
{ echo "Sure! Here is the MPI version:"; echo '```c'; cat data/corpus/blas1/asum/mpi.c; echo '```'; } > "$A/blas1/asum.txt"
cp data/corpus/blas1/copy/mpi.c "$A/blas1/copy/s1.c"                          # 2 samples, 1 correct
sed 's/MPI_COMM_WORLD, &rank)/MPI_COMM_WORLD, \&rank); rank = 0/' data/corpus/blas1/copy/mpi.c > "$A/blas1/copy/s2.c"
echo "I cannot do that." > "$A/blas1/nrm2.md"                                  # no code
C="data/corpus/blas1/scal data/corpus/blas1/asum data/corpus/blas1/copy data/corpus/blas1/nrm2 data/corpus/blas1/rot"
expect_rc 0 "$CHATMPI" eval --answers "$A" --np 1,3 --json "$T/e.json" --markdown "$T/e.md" -q $C
# 6 samples: scal, asum, copy x2, nrm2, rot (missing); 3 correct; 4 built; 3 exact
grep -Eq '^  blas1 +5 +6 +66\.7% +50\.0% +50\.0%' "$OUT" || { cat "$OUT"; die "domain row"; }
expect_out "blas1/copy                         test        1/2"
expect_out "no program in the answer"
expect_out "no answer file"
grep -q '"correct": 1' "$T/e.json" || die "JSON lacks per-case counts"
grep -q '^| blas1 ' "$T/e.md" || die "Markdown table"
# every Markdown table row has as many cells as its header (the separator row included)
awk -F'|' '/^\|/ { if (!n) n = NF; else if (NF != n && prev ~ /^\|/) bad = bad "\n" $0 } { prev = $0 } /^$/ { n = 0 }
           END { if (bad) { print "rows with another cell count:" bad; exit 1 } }' "$T/e.md" || die "Markdown table cells"
# pass@2 needs 2 samples everywhere
expect_rc 2 "$CHATMPI" eval --answers "$A" --k 2 -q $C; expect_err "pass@2 needs at least 2 samples"
expect_rc 2 "$CHATMPI" eval -q; expect_err "--answers DIR is required"
expect_rc 2 "$CHATMPI" eval --answers /nonexistent; expect_err "is not a directory"
# unbiased pass@k on a case with 2 samples, 1 correct: pass@1 = 0.5, pass@2 = 1
expect_rc 0 "$CHATMPI" eval --answers "$A" --np 1,2 --k 1,2 -q data/corpus/blas1/copy
grep -Eq '^  blas1 +1 +2 +100\.0% +50\.0% +50\.0% +100\.0%' "$OUT" || { cat "$OUT"; die "pass@k row"; }
# --bench: speedup and parallel efficiency at 2 ranks, in the tables and the JSON (eff = speedup / 2)
expect_rc 0 "$CHATMPI" eval --answers "$A" --np 1,2 --bench --runs 1 -q --json "$T/b.json" data/corpus/blas1/scal
expect_out "speedup@2  eff@2"
awk '$1 == "blas1/scal" { s = $4; e = $5; found = 1 }
     END { exit !(found && s > 0 && (e - s / 2) < 0.006 && (s / 2 - e) < 0.006) }' "$OUT" || { cat "$OUT"; die "eff@2 is not speedup@2 / 2"; }
grep -q '"efficiency2"' "$T/b.json" || die "JSON lacks efficiency2"
# --compare-expert: the expert's mpi.c is timed beside the best correct sample (expert_beside),
# and alone for a case with no correct sample; 'of expert' is speedup@2 / expert@2 over the
# cases with both
expect_rc 0 "$CHATMPI" eval --answers "$A" --np 1,2 --bench --runs 1 --compare-expert -q --json "$T/x.json" \
    data/corpus/blas1/scal data/corpus/blas1/nrm2
expect_out "expert@2  of expert"
python3 - "$T/x.json" <<'PY' || die "expert timed beside"
import json, sys
c = {x["id"]: x for x in json.load(open(sys.argv[1]))}
s, n = c["blas1/scal"], c["blas1/nrm2"]
assert s["expert_beside"] is True and s["expert_speedup2"] > 0 and s["speedup2"] > 0, s
assert n["expert_beside"] is False and n["expert_speedup2"] > 0 and "speedup2" not in n, n
PY
awk '$1 == "all" { found = 1; r = $(NF - 2) } END { exit !(found && r > 0) }' "$OUT" || { cat "$OUT"; die "of expert column"; }
