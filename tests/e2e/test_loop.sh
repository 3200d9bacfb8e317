# The candidate loop through the commands (a random-weight model, so every answer fails):
# repair rounds run and are reported, kept with --save-answers and in --json; worked
# examples are named; the KV cache shared between answers changes no greedy answer; bad
# example files are refused with their name.
. tests/e2e/lib.sh
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
tiny_model "$T" 8192
cp examples/pi_midpoint.c "$T/pi.c"

# repair rounds: each reported on stderr, all kept; the repair prompt reuses the cached prefix
expect_rc 1 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 16 --np 1 --samples 2 --repair 1 \
    --save-answers "$T/tr"
expect_err "candidate 1: no program"; expect_err "candidate 1, repair 1:"; expect_err "candidate 2, repair 1:"
expect_out "none of the 2 candidates verified (4 answers with repair rounds)"
for f in candidate_01_round_0 candidate_01_round_1 candidate_02_round_0 candidate_02_round_1; do
    [ -f "$T/tr/$f.txt" ] || die "no $f.txt"
done
python3 - "$T/tr/loop.json" <<'PY' || die "loop.json"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["rounds"]
assert len(r) == 4 and [x["round"] for x in r] == [0, 1, 0, 1], r
# a repair round asks the question again, then quotes and diagnoses: only the template's few
# tokens after the question (and the question's last token) are evaluated again
assert r[1]["prompt_tokens"] > r[0]["prompt_tokens"], r
assert r[1]["cached_tokens"] >= r[0]["prompt_tokens"] - 16, "the repair round re-evaluated the prompt"
assert r[2]["cached_tokens"] >= r[0]["prompt_tokens"] - 16, "candidate 2 did not reuse the question"
assert "Answer with the whole MPI program" in r[0]["diagnosis"], r[0]
assert "answer" in r[0] and d["candidates"] == 2 and d["best_round"] is None
PY

# worked examples: named, from the train/refine records beside the binary
expect_rc 1 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 8 --np 1 --examples 1
expect_err "worked examples: "
# test: the split being tested never gives examples; --json carries the loop
expect_rc 0 "$CHATMPI" test -m "$T/m.gguf" --max-tokens 8 --np 1 --examples 2 --repair 1 --json "$T/t.json" -q \
    data/corpus/blas1/scal
expect_out "repair rounds: first answers, then after the repairs"
expect_out "^answer speed: prompt tokens evaluated"; expect_out "^  blas1            2 "
expect_out "^  blas1            1        2         0.0%        0.0%    0.0%   0.0%$"
python3 - "$T/t.json" <<'PY' || die "test --json has no loop"
import json, sys
c = json.load(open(sys.argv[1]))[0]
loop = c["loop"]
assert len(loop["rounds"]) == 2, loop
assert c["answers_drawn"] == 2 and c["correct_first"] == 0, c
sp = c["answer_speed"]
assert sp["tokens"] == sum(r["tokens"] for r in loop["rounds"]) and sp["tokens"] > 0, sp
assert sp["cached_tokens"] > 0 and sp["prompt_tokens"] > sp["cached_tokens"], sp
ids = [e["id"] for e in loop["examples"]]
assert ids and all(not i.startswith("blas1/scal") for i in ids), ids
test_ids = {r["id"] for r in json.load(open("data/test.json"))}
assert not test_ids & set(ids), ids
PY

# the answer prefix: the model continues it and every answer begins with it (a quoting
# repair's not); a pretrained chat model's default is the code block and the MPI header,
# chathpc's none
expect_rc 1 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 8 --np 1 --repair 1 --save-answers "$T/px" \
    --answer-prefix 'int main(void) {\n\t'
expect_rc 1 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 8 --np 1 --repair 1 --save-answers "$T/pq" \
    --answer-prefix 'int main(void) {\n\t' --repair-quote
expect_rc 1 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 8 --np 1 --save-answers "$T/p0"
expect_rc 1 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 8 --np 1 --examples 0 --template chatml \
    --save-answers "$T/pc"
expect_rc 1 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 8 --np 1 --examples 0 --template chatml \
    --answer-prefix '' --save-answers "$T/pn"
python3 - "$T" <<'PY' || die "the answer prefix"
import json, sys
t = sys.argv[1]
def ans(d, f="candidate_01_round_0"): return open(f"{t}/{d}/{f}.txt", "rb").read()
def tokens(d): return json.load(open(f"{t}/{d}/loop.json"))["rounds"][0]["prompt_tokens"]
assert ans("px").startswith(b"int main(void) {\n\t"), ans("px")[:40]
assert ans("px", "candidate_01_round_1").startswith(b"int main(void) {\n\t"), "a repair round without the prefix"
assert not ans("pq", "candidate_01_round_1").startswith(b"int main(void) {\n\t"), "a quoting repair with the prefix"
assert tokens("px") > tokens("p0"), "the prefix was not in the prompt"
assert not ans("p0").startswith(b"int main"), "chathpc got a prefix"
assert ans("pc").startswith(b"```c\n#include <mpi.h>\n"), ans("pc")[:40]
assert not ans("pn").startswith(b"```c\n#include"), "--answer-prefix '' kept the default"
assert tokens("pc") > tokens("pn"), (tokens("pc"), tokens("pn"))
PY

# saved answers reused: the first answer is taken from the transcript, the repair generated
mkdir -p "$T/p1" && cp "$T/pq/candidate_01_round_0.txt" "$T/p1/"
expect_rc 1 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 8 --np 1 --repair 1 --reuse-answers "$T/p1" \
    --save-answers "$T/pr" --repair-quote --answer-prefix 'int main(void) {\n\t'
expect_err "candidate 1: no program"; expect_err "the saved answer reused"
cmp -s "$T/pq/candidate_01_round_0.txt" "$T/pr/candidate_01_round_0.txt" || die "the reused answer differs"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["rounds"]; assert r[0]["given"] and "given" not in r[1] and r[1]["tokens"] > 0, r' \
    "$T/pr/loop.json" || die "the reused round in loop.json"
expect_rc 2 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --reuse-answers "$T/nowhere"
expect_err "--reuse-answers: '$T/nowhere' is not a directory"

# the shared KV cache: the same question, asked again after another one, gets the same
# greedy answer
printf 'int main(void) { return 0; }\nwhat is MPI_Allreduce?\nint main(void) { return 0; }\n/bye\n' |
    HOME="$T" "$CHATMPI" run -m "$T/m.gguf" --max-tokens 12 > "$T/chat" 2>&1 || die "interactive run failed"
python3 - "$T/chat" <<'PY' || { cat "$T/chat"; die "the cached prefix changed a greedy answer"; }
import sys
t = open(sys.argv[1], errors="replace").read()
parts = t.split("(answer cut at the token limit)\n")
assert len(parts) == 4, parts
first = parts[0].split("/bye leaves.\n")[1]
assert first == parts[2], (first, parts[2])
PY

# budgets end the loop early and say so
expect_rc 1 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --max-tokens 16 --np 1 --samples 4 --budget-tokens 16
expect_out "the candidate did not verify"; expect_out "a budget ended the loop early"

# a pretrained base by name: its file in the cache, or the command that fetches it
expect_rc 3 env CHATMPI_CACHE="$T/cache" "$CHATMPI" run "$T/pi.c" -m qwen2.5-coder-1.5b-instruct
expect_err "the base model 'qwen2.5-coder-1.5b-instruct' is not fetched yet"
expect_err "sh scripts/fetch_base.sh qwen2.5-coder-1.5b-instruct"

# bad input
expect_rc 3 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --examples 1 --examples-from "$T/none.json"
expect_err "$T/none.json"
printf '[{"question": "q", "answer": ]' > "$T/bad.json"
expect_rc 2 "$CHATMPI" test -m "$T/m.gguf" --examples 1 --examples-from "$T/bad.json" data/corpus/blas1/scal
expect_err "$T/bad.json:1:"
expect_rc 2 "$CHATMPI" run "$T/pi.c" -m "$T/m.gguf" --repair 99; expect_err "repair"
exit 0
