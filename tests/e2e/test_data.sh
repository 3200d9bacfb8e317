# chatmpi data: the exports in data/ match the corpus, stats add up, and broken case.json
# files are refused with a message that names the file (and the line for JSON syntax).
. tests/e2e/lib.sh
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

for s in train test refine; do
    expect_rc 0 "$CHATMPI" data export --split $s -o "$T/$s.json"
    cmp -s "$T/$s.json" data/$s.json || die "data/$s.json drifted from the corpus: run 'make data'"
done
grep -q '"question": "Can you parallelize this sequential code to MPI?\\n' data/train.json || die "question prefix"
grep -q '"context": "Sequential to MPI translation"' data/train.json || die "context"

# no test-split kernel in the train split (the held-out kernels stay held out); SpMV is the
# exception by design: every format is trained, and its test cases differ in structure and names
train_k=$(grep -o '"kernel": "[^"]*"' data/train.json | grep -v '"spmv_' | sort -u)
test_k=$(grep -o '"kernel": "[^"]*"' data/test.json | grep -v '"spmv_' | sort -u)
[ -n "$train_k" ] && [ -n "$test_k" ] || die "no kernels found in the exports"
both=$(printf '%s\n%s\n' "$train_k" "$test_k" | sort | uniq -d)
[ -z "$both" ] || die "kernels in both train and test: $both"

expect_rc 0 "$CHATMPI" data stats
n=$(find data/corpus -name case.json | wc -l)
grep -Eq "^total +[0-9]+ +[0-9]+ +[0-9]+ +$n " "$OUT" || { cat "$OUT"; die "stats total is not $n"; }

# broken cases
mkdir -p "$T/c/blas1/bad"
cp tests/e2e/data/check/harmonic_seq.c "$T/c/blas1/bad/seq.c"
cp tests/e2e/data/check/harmonic_mpi.c "$T/c/blas1/bad/mpi.c"
printf '{\n  "id": "blas1/bad",\n  "domain": "blas1"\n  "kernel": "x"\n}\n' > "$T/c/blas1/bad/case.json"
expect_rc 2 "$CHATMPI" data verify "$T/c"; expect_err "bad/case.json:4:"
good='"id": "blas1/bad", "domain": "blas1", "kernel": "harmonic", "split": "train", "precision": "double",
 "check_args": ["10", "7"], "bench_args": "1000", "rtol": 1e-12, "atol": 0, "notes": "test"'
printf '{%s, "colour": 1}\n' "$good" > "$T/c/blas1/bad/case.json"
expect_rc 2 "$CHATMPI" data verify "$T/c"; expect_err "unknown key 'colour'"
printf '{%s}\n' "$good" | sed 's#"id": "blas1/bad"#"id": "blas1/other"#' > "$T/c/blas1/bad/case.json"
expect_rc 2 "$CHATMPI" data verify "$T/c"; expect_err "does not match its place"
printf '{%s}\n' "$good" | sed 's#"split": "train"#"split": "dev"#' > "$T/c/blas1/bad/case.json"
expect_rc 2 "$CHATMPI" data verify "$T/c"; expect_err "split 'dev'"
expect_rc 2 "$CHATMPI" data verify /nonexistent; expect_err "is not a directory"
expect_rc 2 "$CHATMPI" data export --split dev -o x.json; expect_err "unknown split 'dev'"
# a comma list selects several splits: train,refine = train + refine, in id order
expect_rc 0 "$CHATMPI" data export --split train,refine -o "$T/tr.json"
n_tr=$(grep -c '"answer"' "$T/tr.json"); n_t=$(grep -c '"answer"' "$T/train.json"); n_r=$(grep -c '"answer"' "$T/refine.json")
[ "$n_tr" -eq $((n_t + n_r)) ] || die "train,refine has $n_tr records, train $n_t + refine $n_r"
expect_rc 2 "$CHATMPI" data export --split train,dev -o x.json; expect_err "unknown split 'dev'"
expect_rc 2 "$CHATMPI" verify --split train, -m x.gguf; expect_err "unknown split ''"
expect_rc 2 "$CHATMPI" data frobnicate; expect_err "unknown subcommand"

# a valid case verifies; a wrong answer fails with the run that went wrong
printf '{%s}\n' "$good" > "$T/c/blas1/bad/case.json"
expect_rc 0 "$CHATMPI" data verify --np 1,3 "$T/c"; expect_out "1 passed, 0 failed"
# with timing, the JSON report carries every case, its bench run and its speedup
expect_rc 0 "$CHATMPI" data verify --np 1,2 --bench --runs 1 --json "$T/v.json" "$T/c"
for k in '"case": "blas1/bad"' '"bench": true' '"speedup":' '"program": "mpi.c"'; do
    grep -q "$k" "$T/v.json" || die "data verify --json lacks $k"
done
sed 's/if (!r) printf/printf/' tests/e2e/data/check/harmonic_mpi.c > "$T/c/blas1/bad/mpi.c"
expect_rc 1 "$CHATMPI" data verify --np 1,3 "$T/c"; expect_out "np=3 args \"10\": WRONG_OUTPUT"


# the same program under other names is caught (and the real corpus has none)
expect_rc 0 "$CHATMPI" data stats
expect_out "same program under other names (equal token shapes of seq.c and mpi.c): none"
mkdir -p "$T/d/blas1/orig" "$T/d/blas1/renamed"
printf '{%s}\n' "$good" | sed 's#blas1/bad#blas1/orig#' > "$T/d/blas1/orig/case.json"
printf '{%s}\n' "$good" | sed 's#blas1/bad#blas1/renamed#' > "$T/d/blas1/renamed/case.json"
cp tests/e2e/data/check/harmonic_seq.c "$T/d/blas1/orig/seq.c"
cp tests/e2e/data/check/harmonic_mpi.c "$T/d/blas1/orig/mpi.c"
for f in seq mpi; do
    sed -e 's/\bs\b/total/g' -e 's/\bn\b/count/g' -e 's/\bi\b/k/g' -e 's/1.0 \//2.0 \//' \
        tests/e2e/data/check/harmonic_$f.c > "$T/d/blas1/renamed/$f.c"
done
cmp -s "$T/d/blas1/orig/seq.c" "$T/d/blas1/renamed/seq.c" && die "the renamed copy is identical"
expect_rc 0 "$CHATMPI" data stats "$T/d"; expect_out "blas1/orig and blas1/renamed"

# sizes in tokens with a tokenizer (a small BPE model trained here on the corpus)
cat data/corpus/*/*/seq.c > "$T/text"
spm_train --input="$T/text" --model_prefix="$T/spm" --vocab_size=400 --model_type=bpe \
    --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false >/dev/null 2>&1 ||
    die "spm_train failed"
expect_rc 0 "$CHATMPI" data stats --tokenizer "$T/spm.model"
expect_out "seq tokens"
grep -Eq '^total( +[0-9]+){8}' "$OUT" || { cat "$OUT"; die "no token totals"; }

exit 0
