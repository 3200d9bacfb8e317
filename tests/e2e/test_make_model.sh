# `make model`'s recipe (scripts/make_model.sh) end to end at a toy size: one case, one
# name-keeping variant, its renamed twin and one held-in variant, a tiny model trained a step or two
# in each of the four phases. Checks what it writes (a model that carries normalized names
# and loads, its config, default.json), that a second run skips every stage, and that a run
# with other augment settings makes the data and the model again.
. tests/e2e/lib.sh
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mm() { # mm [VAR=value...]: the recipe at a toy size, into $T
    env CHATMPI="$CHATMPI" WORK="$T/w" OUT="$T/o" CASES=data/corpus/blas1/axpy PER_CASE=1 HELDIN=1 JOBS=2 \
        STEPS1=2 STOP1=1 STEPS2=1 STEPS3=2 STEPS4=2 VOCAB=400 SHAPE=dim=32,layers=1,heads=2,kv_heads=2,ffn=64,ctx=5120 "$@" sh scripts/make_model.sh
}

expect_rc 0 mm
expect_err "tokenizer: BPE, 400 pieces, on the seq.c and mpi.c of 1 train and refine cases"
expect_err "augment: 1 variants of each of 1 cases (seed 5, --only sizes,float,format)"
expect_err "augment: 1 variants of each of 1 cases (seed 7, --only rename,loops --tag tw)"
expect_err "augment: 1 variants of each of 1 cases (seed 2)"
expect_err "data augment: 1 variants written, 0 dropped"
expect_err "$T/o/default.gguf written"
for f in default.gguf default.json train.yaml tokenizer.model; do [ -s "$T/o/$f" ] || die "no $T/o/$f"; done
grep -q '"train_records": 27,' "$T/o/default.json" || die "27 records (26 corpus + 1 variant): $(cat "$T/o/default.json")"
grep -q '"phase4": {"steps": 2,' "$T/o/default.json" || die "phase 4's steps: $(cat "$T/o/default.json")"
grep -q '"answer_tokens_trained": [1-9]' "$T/o/default.json" || die "tokens: $(cat "$T/o/default.json")"
# every stage's wall-clock seconds, and their total
tr -d ' \n' < "$T/o/default.json" | grep -q '"wall_seconds":{"tokenizer":[0-9]*,"augment":[0-9]*,"augment_names_kept":[0-9]*,"heldin":[0-9]*,"phase1":[0-9]*,"phase2":[0-9]*,"phase3":[0-9]*,"phase4":[0-9]*,"total":[0-9]*}' ||
    die "wall_seconds: $(cat "$T/o/default.json")"
expect_err "make model: phase4: [0-9]* s"
[ "$(grep -c '^# chatmpi.s default model, phase' "$T/o/train.yaml")" = 4 ] || die "train.yaml: $(cat "$T/o/train.yaml")"
grep -q '^normalize_names: true$' "$T/o/train.yaml" || die "train.yaml: $(cat "$T/o/train.yaml")"
expect_rc 0 "$CHATMPI" info "$T/o/default.gguf"
expect_out 'chatmpi.prompt.names.*"normalized"'
expect_rc 0 "$CHATMPI" generate -m "$T/o/default.gguf" -n 4 -p "int main"

# again: every stage's output is there, nothing is made again
cp "$T/o/default.gguf" "$T/first.gguf"
expect_rc 0 mm
grep -q "augment:\|tokenizer:\|train:" "$ERR" && die "a second run redid a stage: $(cat "$ERR")"
cmp -s "$T/o/default.gguf" "$T/first.gguf" || die "a second run changed the model"

# other augment settings: the variants, the records and the model are made again
expect_rc 0 mm PER_CASE=2
expect_err "augment: 2 variants of each of 1 cases (seed 5, --only sizes,float,format)"
expect_err "augment: 1 variants of each of 2 cases (seed 7, --only rename,loops --tag tw)"
expect_err "augment: 1 variants of each of 1 cases (seed 2)"
grep -q '"train_records": 28,' "$T/o/default.json" || die "28 records after PER_CASE=2: $(cat "$T/o/default.json")"
cmp -s "$T/o/default.gguf" "$T/first.gguf" && die "PER_CASE=2 kept the model trained before"
exit 0
