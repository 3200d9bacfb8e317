# chatmpi data augment on a stencil case: variants are written, differ from the original, pass
# 'data verify', export like any case, and the same seed gives byte-identical output.
. tests/e2e/lib.sh
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# a copy of one stencil case with fewer check sizes (one of them on the checksum path), for speed
C=$T/corpus/stencil/heat1d_3pt
mkdir -p "$C"
cp data/corpus/stencil/heat1d_3pt/seq.c data/corpus/stencil/heat1d_3pt/mpi.c "$C/"
sed 's/"check_args": \[.*\]/"check_args": ["1 5", "7 0", "101 13"]/' data/corpus/stencil/heat1d_3pt/case.json > "$C/case.json"
grep -q '"check_args": \["1 5", "7 0", "101 13"\]' "$C/case.json" || die "could not trim check_args"

expect_rc 0 "$CHATMPI" data augment --per-case 2 --seed 5 -o "$T/a1" "$T/corpus"
expect_out "data augment: 2 variants written, 0 dropped"
for k in 1 2; do
    V=$T/a1/stencil/heat1d_3pt_aug$k
    [ -f "$V/seq.c" ] && [ -f "$V/mpi.c" ] && [ -f "$V/case.json" ] || die "variant $k missing"
    cmp -s "$V/seq.c" "$C/seq.c" && die "variant $k seq.c equals the original"
    cmp -s "$V/mpi.c" "$C/mpi.c" && die "variant $k mpi.c equals the original"
    grep -q "\"id\": \"stencil/heat1d_3pt_aug$k\"" "$V/case.json" || die "variant $k has the wrong id"
    grep -q '"notes": "augmented from stencil/heat1d_3pt: ' "$V/case.json" || die "variant $k notes"
    grep -q '"kernel": "heat1d_3pt"' "$V/case.json" || die "variant $k kernel"
    grep -q '"101 13"' "$V/case.json" || die "variant $k lost its check_args"
done
cmp -s "$T/a1/stencil/heat1d_3pt_aug1/mpi.c" "$T/a1/stencil/heat1d_3pt_aug2/mpi.c" && die "the two variants are the same"

# the variants are ordinary cases: data verify passes them, data export takes them
expect_rc 0 "$CHATMPI" data verify -q "$T/a1"
expect_out "data verify: 2 passed, 0 failed"
expect_rc 0 "$CHATMPI" data export --split train -o "$T/x.json" "$T/a1"
grep -q '"id": "stencil/heat1d_3pt_aug2"' "$T/x.json" || die "export lacks the variant"

# same seed, same bytes
expect_rc 0 "$CHATMPI" data augment --per-case 2 --seed 5 -o "$T/a2" "$T/corpus"
diff -r "$T/a1" "$T/a2" >/dev/null || die "a second run with the same seed differs"

# a changed formula (named only: all leaves it out) verifies and is noted; -o makes its parents
# (--tag names them apart from the others, so that both export together)
expect_rc 0 "$CHATMPI" data augment --only formula --per-case 2 --seed 3 --tag augf -v -o "$T/f/new/dir" "$T/corpus"
expect_out "data augment: 2 variants written, 0 dropped"
for k in 1 2; do
    V=$T/f/new/dir/stencil/heat1d_3pt_augf$k
    grep -q "\"id\": \"stencil/heat1d_3pt_augf$k\"" "$V/case.json" || die "formula variant $k id"
    grep -q '"notes": "augmented from stencil/heat1d_3pt: formula (' "$V/case.json" || die "formula variant $k notes"
    [ "$(diff "$C/seq.c" "$V/seq.c" | grep -c '^>')" = 1 ] || die "formula variant $k changed more than one seq.c line"
done
grep -q 'formula' "$T"/a1/stencil/*/case.json && die "all drew formula"
expect_rc 0 "$CHATMPI" data export --split train -o "$T/xf.json" "$T/a1" "$T/f/new/dir"
[ "$(grep -c '"answer"' "$T/xf.json")" = 4 ] || die "the tagged variants did not export beside the others"
expect_rc 2 "$CHATMPI" data augment --tag "a/b" -o "$T/a3" "$T/corpus"
expect_err "--tag 'a/b': use 1 to 32 of a-z, 0-9 and _"

# a variant that does not verify is dropped (-v says why) and a stale one of an earlier run goes:
# in single precision the order of summation loses a different number of ones per rank count
mkdir -p "$T/a1/blas1/sum_cancel_aug1" && touch "$T/a1/blas1/sum_cancel_aug1/seq.c"
expect_rc 1 "$CHATMPI" data augment --only float -v -o "$T/a1" tests/e2e/data/augment
expect_out "data augment: 0 variants written, 1 dropped"
expect_err 'dropped blas1/sum_cancel_aug1 \[float\]: np=[234] args "100000": WRONG_OUTPUT'
[ -e "$T/a1/blas1/sum_cancel_aug1" ] && die "the stale variant directory was left"

# data verify says so in its exit status when a case fails (EXIT_FAILED once read as OPT_HELP)
mkdir -p "$T/broken" && cp -r tests/e2e/data/augment/blas1 "$T/broken/"
sed -i 's/MPI_SUM/MPI_MAX/' "$T/broken/blas1/sum_cancel/mpi.c"
expect_rc 1 "$CHATMPI" data verify -q "$T/broken"
expect_out "data verify: 0 passed, 1 failed"

# usage errors
expect_rc 2 "$CHATMPI" data augment "$T/corpus"
expect_err "-o DIR is required"
expect_rc 2 "$CHATMPI" data augment -o "$T/a3" --only rename,colour "$T/corpus"
expect_err "unknown transformation 'colour'"
expect_rc 2 "$CHATMPI" data augment -o "$T/a3" --split nosuch "$T/corpus"
exit 0
