# The example programs of examples/ (written in a user's style, kept out of the training
# data): every one has a hand-written MPI reference in examples/reference/, and each
# reference verifies with the harness at 1-4 ranks on its check sizes (examples/checks.tsv,
# which must list every example, as examples/README.md does).
. tests/e2e/lib.sh
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
n=0
for f in examples/*.c; do
    b=$(basename "$f" .c)
    grep -q "^$b	" examples/checks.tsv || die "examples/checks.tsv has no line for $b"
    grep -q "^| \`$b.c\`" examples/README.md || die "examples/README.md does not list $b.c"
    [ -f "examples/reference/${b}_mpi.c" ] || die "no reference MPI version examples/reference/${b}_mpi.c"
done
while IFS='	' read -r name sizes bench; do
    case $name in '#'*|'') continue ;; esac
    [ -f "examples/$name.c" ] || die "examples/checks.tsv names $name, which examples/ does not hold"
    set -- # the check sizes as repeated --args
    old=$IFS; IFS=';'
    for a in $sizes; do set -- "$@" --args "$a"; done
    IFS=$old
    expect_rc 0 "$CHATMPI" check "examples/$name.c" "examples/reference/${name}_mpi.c" --np 1,2,3,4 -q \
        --json "$T/$name.json" "$@"
    python3 - "$T/$name.json" "$name" <<'PY' || die "$name: the reference did not verify"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["outcome"] == "CORRECT", (sys.argv[2], r["outcome"])
runs = r["runs"]
assert runs and all(x["verdict"] == "PASS" for x in runs), [x for x in runs if x["verdict"] != "PASS"][:1]
PY
    n=$((n + 1))
done < examples/checks.tsv
[ "$n" -eq "$(ls examples/*.c | wc -l)" ] || die "$n references checked, $(ls examples/*.c | wc -l) examples"
echo "examples: $n references verified"
