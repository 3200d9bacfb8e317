# chatmpi data hotloops: a program run once under gcov, printed with the loops to split marked
# (the repetition loop looked into, the set-up and output loops left alone), or with its line
# counts; a program that fails or cannot be read is reported naming it. The prompt that goes
# with --mark-loops (data/prompts/chatml-recipe.tmpl) is up to date and its worked pair verifies.
. tests/e2e/lib.sh
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
expect_rc 0 "$CHATMPI" data hotloops --help; expect_out 'MPI: split this loop over the ranks'
expect_rc 0 "$CHATMPI" data hotloops -a "1000 20" data/corpus/blas1/scal/seq.c
expect_err "seq.c: 1 loop marked"
[ "$(grep -c 'MPI: split this loop' "$OUT")" = 1 ] || die "not one mark"
grep -A1 'MPI: split this loop' "$OUT" | grep -q 'for (long i = 0; i < n; i++)$' || die "the mark is not on the reps loop's inner loop"
grep -A2 'MPI: split this loop' "$OUT" | grep -q 'x\[i\] \*= alpha;' || die "the marked loop is not the scaling"
# apart from the mark, the program is unchanged
grep -v 'MPI: split this loop' "$OUT" | cmp -s - data/corpus/blas1/scal/seq.c || die "the program changed"
expect_rc 0 "$CHATMPI" data hotloops --counts -a "1000 20" data/corpus/blas1/scal/seq.c
expect_out '^ *20000  *x\[i\] \*= alpha;'
expect_rc 3 "$CHATMPI" data hotloops -a "0" data/corpus/blas1/scal/seq.c
expect_err "cannot profile 'data/corpus/blas1/scal/seq.c' with arguments '0': it failed (exit 1): usage"
expect_rc 3 "$CHATMPI" data hotloops "$T/none.c"; expect_err "none.c"
printf 'int main(void) { return 0 }\n' > "$T/broken.c"
expect_rc 2 "$CHATMPI" data hotloops "$T/broken.c"; expect_err "broken.c.: gcc --coverage failed"
# the --mark-loops prompt: the committed template is what scripts/recipe_template.sh writes,
# and its worked pair verifies
OUT="$T/recipe.tmpl" sh scripts/recipe_template.sh "$CHATMPI" || die "recipe_template.sh failed"
cmp -s "$T/recipe.tmpl" data/prompts/chatml-recipe.tmpl || die "data/prompts/chatml-recipe.tmpl is stale: run sh scripts/recipe_template.sh"
expect_rc 0 "$CHATMPI" check -a "1" -a "2 0" -a "13 3" -a "1000 10" data/prompts/recipe/seq.c data/prompts/recipe/mpi.c
expect_out "verdict: CORRECT"
exit 0
