# chatmpi serve and the --endpoint client, with a random-weight model (every answer fails):
# the OpenAI routes (models, chat with stop and max_tokens, completions, streaming), the
# parallelize route, `run --endpoint` through the client and the candidate loop, bad
# requests (400 with line/column, wrong types; 413; 404; 405), a client that leaves
# mid-stream, a burst past the queue (every request answered 200 or 503, the RSS steady), and
# the client's error handling against a stub server (401, 429 then 200, 500, bad JSON, 404)
# without ever printing the API key.
. tests/e2e/lib.sh
T=$(mktemp -d)
SRV=""; STUB=""
cleanup() {
    [ -n "$SRV" ] && kill "$SRV" 2>/dev/null
    [ -n "$STUB" ] && kill "$STUB" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
tiny_model "$T" 8192
cp examples/pi_midpoint.c "$T/pi.c"

expect_rc 0 "$CHATMPI" serve --help; expect_out "/v1/chatmpi/parallelize"
expect_rc 2 "$CHATMPI" serve -m "$T/m.gguf" --queue 0
expect_rc 2 "$CHATMPI" serve -m "$T/m.gguf" --host not-an-address --port 0; expect_err "not-an-address"

# the server, on a free loopback port it picks and prints
"$CHATMPI" serve -m "$T/m.gguf" --port 0 --queue 2 --threads 1 >"$T/srv.out" 2>"$T/srv.err" &
SRV=$!
i=0
while ! grep -q "listening on" "$T/srv.out" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { cat "$T/srv.err"; die "the server did not start"; }
    kill -0 "$SRV" 2>/dev/null || { cat "$T/srv.err"; die "the server exited"; }
    sleep 0.1
done
PORT=$(sed -n 's/.*http:\/\/127\.0\.0\.1:\([0-9]*\)\/v1.*/\1/p' "$T/srv.out")
[ -n "$PORT" ] || die "no port in: $(cat "$T/srv.out")"
URL="http://127.0.0.1:$PORT/v1"

# post ROUTE BODY-FILE: the reply in $T/r, the status in $CODE
post() { CODE=$(curl -s -o "$T/r" -w '%{http_code}' --max-time 60 -H 'Content-Type: application/json' \
    --data-binary "@$2" "$URL$1"); }
check() { python3 -c "import json,sys; r=json.load(open('$T/r')); $1" || { cat "$T/r"; die "$2"; }; }

curl -s --max-time 10 "$URL/models" > "$T/r" || die "GET /v1/models failed"
check "assert r['object'] == 'list' and r['data'][0]['id'] == 'm.gguf', r" "/v1/models"

printf '{"model": "m.gguf", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "what is MPI?"}], "max_tokens": 5, "stop": ["zzz", "}"]}' > "$T/chat.json"
post /chat/completions "$T/chat.json"; [ "$CODE" = 200 ] || die "chat: HTTP $CODE $(cat "$T/r")"
check "c = r['choices'][0]; assert r['object'] == 'chat.completion' and c['message']['role'] == 'assistant'; \
assert isinstance(c['message']['content'], str) and '}' not in c['message']['content']; \
assert r['usage']['completion_tokens'] <= 5 and r['usage']['prompt_tokens'] > 0; \
assert c['finish_reason'] in ('stop', 'length')" "chat completion"
# the same request twice: the same greedy answer
cp "$T/r" "$T/r1"; post /chat/completions "$T/chat.json"
python3 -c "import json; a=json.load(open('$T/r1')); b=json.load(open('$T/r')); \
assert a['choices'][0]['message'] == b['choices'][0]['message']" || die "greedy answers differ"

printf '{"prompt": "int main(void) {", "max_tokens": 7, "seed": 3, "temperature": 0.8}' > "$T/cmpl.json"
post /completions "$T/cmpl.json"; [ "$CODE" = 200 ] || die "completions: HTTP $CODE"
check "assert r['object'] == 'text_completion' and r['usage']['completion_tokens'] == 7 \
and r['choices'][0]['finish_reason'] == 'length' and isinstance(r['choices'][0]['text'], str)" "completion"

# streaming: well-formed events, the text in pieces, [DONE] last
printf '{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 12, "stream": true}' > "$T/stream.json"
curl -s -N --max-time 60 -H 'Content-Type: application/json' --data-binary "@$T/stream.json" "$URL/chat/completions" \
    > "$T/sse" || die "streaming request failed"
python3 - "$T/sse" <<'PY' || { cat "$T/sse"; die "the event stream is malformed"; }
import json, sys
t = open(sys.argv[1], encoding="utf-8").read()
assert t.endswith("data: [DONE]\n\n"), t[-200:]
events = [e for e in t.split("\n\n") if e]
assert all(e.startswith("data: ") for e in events), events
chunks = [json.loads(e[6:]) for e in events[:-1]]
assert chunks[0]["choices"][0]["delta"].get("role") == "assistant"
assert all(c["object"] == "chat.completion.chunk" for c in chunks)
assert chunks[-1]["choices"][0]["finish_reason"] == "length" and chunks[-1]["usage"]["completion_tokens"] == 12
assert len(chunks) >= 3
PY

# run FILE.c through the endpoint: the client, the candidate loop, the harness
expect_rc 1 "$CHATMPI" run "$T/pi.c" --endpoint "$URL" --max-tokens 16 --np 1 -m "$T/m.gguf"
expect_out "did not verify"; expect_err "with --endpoint the server's model answers; -m is not used"
# the streamed answer (--api-stream, server-sent events) is the one-piece answer
expect_rc 1 "$CHATMPI" run "$T/pi.c" --endpoint "$URL" --max-tokens 16 --np 1 --save-answers "$T/whole"
expect_rc 1 "$CHATMPI" run "$T/pi.c" --endpoint "$URL" --max-tokens 16 --np 1 --save-answers "$T/streamed" --api-stream
expect_rc 1 "$CHATMPI" run "$T/pi.c" --endpoint "$URL" --max-tokens 16 --np 1 --answer-prefix 'int main'
expect_err "answer-prefix is not used with --endpoint"
[ -s "$T/whole/candidate_01_round_0.txt" ] || die "no answer saved"
cmp -s "$T/whole/candidate_01_round_0.txt" "$T/streamed/candidate_01_round_0.txt" || die "the streamed answer differs"
grep -q '"tokens": 16' "$T/streamed/loop.json" || die "the stream's usage was not read: $(grep tokens "$T/streamed/loop.json")"

# the parallelize route: the loop's verdict as JSON
python3 -c "import json; print(json.dumps({'program': open('$T/pi.c').read(), 'samples': 2, 'np': [1, 2], 'max_tokens': 16, 'args': ['1000']}))" > "$T/par.json"
post /chatmpi/parallelize "$T/par.json"; [ "$CODE" = 200 ] || die "parallelize: HTTP $CODE $(cat "$T/r")"
check "assert r['verified'] is False and len(r['rounds']['rounds']) == 2 and 'report' in r and 'program' in r, r" \
    "parallelize"
# with "frame": the loops marked under gcov, one answer per marked loop inside chatmpi's frame
python3 -c "import json; print(json.dumps({'program': open('$T/pi.c').read(), 'frame': True, 'np': [1, 2], 'max_tokens': 8, 'args': ['1000']}))" > "$T/par_frame.json"
post /chatmpi/parallelize "$T/par_frame.json"; [ "$CODE" = 200 ] || die "parallelize with frame: HTTP $CODE $(cat "$T/r")"
check "d = r['rounds']; assert d.get('frame_loops', 0) >= 1 and 'frame_skipped' not in d, d" "parallelize with frame"
printf '{"program": "int main(void) { return 0; }\\n", "frame": 1}' > "$T/par_frame_bad.json"
post /chatmpi/parallelize "$T/par_frame_bad.json"; [ "$CODE" = 400 ] || die "frame: 1: HTTP $CODE"
check "assert 'frame' in r['error']['message'], r" "the frame field's message"
printf '{"program": "int main(void) { return 3; }\\n", "np": [1]}' > "$T/par_bad.json"
post /chatmpi/parallelize "$T/par_bad.json"; [ "$CODE" = 400 ] || die "a program breaking the contract: HTTP $CODE"
check "assert 'contract' in r['error']['message'], r" "the contract message"

# bad requests
printf '{"messages": [{"role": "user",\n "content": "x"},, ]}' > "$T/bad.json"
post /chat/completions "$T/bad.json"; [ "$CODE" = 400 ] || die "malformed JSON: HTTP $CODE"
check "m = r['error']['message']; assert 'line 2' in m and 'column' in m, m" "no line/column"
for body in '{"messages": "hi"}' '{"messages": [{"role": "user", "content": 5}]}' \
    '{"messages": [{"role": "user", "content": "x"}], "max_tokens": "9"}' \
    '{"messages": [{"role": "user", "content": "x"}], "stop": [1]}' \
    '{"messages": [{"role": "user", "content": "x"}], "temperature": -1}' \
    '{"messages": [{"role": "assistant", "content": "x"}]}' '{"prompt": 3}' '[1, 2]' \
    '{"program": 5}' '{"program": "int main(){}", "np": [0]}'; do
    printf '%s' "$body" > "$T/b.json"
    route=/chat/completions
    case "$body" in *prompt*) route=/completions ;; *program*) route=/chatmpi/parallelize ;; esac
    post $route "$T/b.json"; [ "$CODE" = 400 ] || die "'$body': HTTP $CODE, expected 400"
    check "assert r['error']['message'] and r['error']['type'] == 'invalid_request_error'" "no message for '$body'"
done
python3 -c "print('{\"prompt\": \"' + 'x' * (1100 * 1024) + '\"}')" > "$T/big.json"
post /completions "$T/big.json"; [ "$CODE" = 413 ] || die "oversized body: HTTP $CODE"
CODE=$(curl -s -o "$T/r" -w '%{http_code}' "$URL/nothing"); [ "$CODE" = 404 ] || die "unknown route: HTTP $CODE"
check "assert 'no route' in r['error']['message']" "404 message"
CODE=$(curl -s -o "$T/r" -w '%{http_code}' -X POST "$URL/models"); [ "$CODE" = 405 ] || die "wrong method: HTTP $CODE"

# a client that leaves mid-stream stops its generation: the next request is answered at once
printf '{"prompt": "int", "max_tokens": 7000, "stream": true}' > "$T/long.json"
curl -s -N --max-time 1 --data-binary "@$T/long.json" "$URL/completions" > /dev/null 2>&1
start=$(date +%s)
post /chat/completions "$T/chat.json"; [ "$CODE" = 200 ] || die "after a client left: HTTP $CODE"
[ $(( $(date +%s) - start )) -le 5 ] || die "the abandoned generation went on"
# ... and so does one that leaves while waiting for a whole (not streamed) answer
printf '{"prompt": "int", "max_tokens": 7000}' > "$T/long2.json"
curl -s --max-time 1 --data-binary "@$T/long2.json" "$URL/completions" > /dev/null 2>&1
start=$(date +%s)
post /chat/completions "$T/chat.json"; [ "$CODE" = 200 ] || die "after a client left: HTTP $CODE"
[ $(( $(date +%s) - start )) -le 5 ] || die "the abandoned (not streamed) generation went on"

# bursts past the queue: every request answered, 200 or 503; the server's memory steady
printf '{"prompt": "int", "max_tokens": 60}' > "$T/burst.json"
burst() {
    rm -f "$T"/code.*
    j=0; pids=""
    while [ $j -lt 32 ]; do
        curl -s -o /dev/null -w '%{http_code}\n' --max-time 120 --data-binary "@$T/burst.json" "$URL/completions" \
            > "$T/code.$j" &
        pids="$pids $!"; j=$((j + 1))
    done
    for p in $pids; do wait "$p"; done
    ok=$(cat "$T"/code.* | grep -c '^200$'); busy=$(cat "$T"/code.* | grep -c '^503$')
    [ $((ok + busy)) -eq 32 ] || die "burst: $ok answered, $busy refused, $(cat "$T"/code.* | tr '\n' ' ')"
    [ "$ok" -ge 1 ] && [ "$busy" -ge 1 ] || die "burst: $ok answered and $busy refused (queue 2)"
    echo "burst: $ok answered, $busy refused with 503"
}
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$SRV/status"; }
burst
rss1=$(rss)
burst
burst
rss2=$(rss)
echo "server RSS: $rss1 kB after the first burst, $rss2 kB after two more"
[ $((rss2 - rss1)) -le 4096 ] || die "the server's RSS grew from $rss1 kB to $rss2 kB"
kill -0 "$SRV" || die "the server died"

# the client against a stub server: errors said clearly, the key never printed
python3 tests/e2e/openai_stub.py "$T" > "$T/stub.port" 2>"$T/stub.err" &
STUB=$!
i=0
while [ ! -s "$T/stub.port" ]; do i=$((i + 1)); [ $i -gt 50 ] && die "the stub did not start"; sleep 0.1; done
SURL="http://127.0.0.1:$(cat "$T/stub.port")"
KEY="sk-test-$$-s3cr3t"
export CHATMPI_TEST_KEY="$KEY"
nokey() { ! grep -q -- "$KEY" "$OUT" "$ERR" || die "the API key was printed"; }
expect_rc 3 "$CHATMPI" run "$T/pi.c" --np 1 --endpoint "$SURL/refuse/v1" --api-model x --api-key-env CHATMPI_TEST_KEY
expect_err "refused the key"; nokey
expect_rc 1 "$CHATMPI" run "$T/pi.c" --np 1 --endpoint "$SURL/flaky/v1" --api-key-env CHATMPI_TEST_KEY --json "$T/x.json"
expect_out "did not verify"; nokey
[ "$(cat "$T/count.flaky")" = 3 ] || die "flaky: $(cat "$T/count.flaky") requests (models, 429, retry)"
python3 - "$T/last.flaky" <<'PY' || die "the request is not the chat shape"
import json, sys
r = json.load(open(sys.argv[1]))
m = r["messages"]
assert r["model"] == "stub-model" and m[0]["role"] == "system" and "MPI" in m[0]["content"], r
assert m[1]["role"] == "user" and m[1]["content"].startswith("Sequential to MPI translation\n\nCan you parallelize")
assert r["max_tokens"] == 4096 and r["temperature"] == 0
PY
expect_rc 3 "$CHATMPI" run "$T/pi.c" --np 1 --endpoint "$SURL/down/v1" --api-model x --api-key-env CHATMPI_TEST_KEY
expect_err "failed 4 times, giving up: HTTP 500"; nokey
expect_rc 2 "$CHATMPI" run "$T/pi.c" --np 1 --endpoint "$SURL/badjson/v1" --api-model x
expect_err "not JSON (line 1, column"
expect_rc 3 "$CHATMPI" run "$T/pi.c" --np 1 --endpoint "$SURL/missing/v1" --api-model nope
expect_err "no such route or model"
expect_rc 3 "$CHATMPI" run "$T/pi.c" --np 1 --endpoint "$SURL/ok/v1" --api-key-env CHATMPI_UNSET_VAR_X
expect_err "CHATMPI_UNSET_VAR_X"
expect_rc 2 "$CHATMPI" run "$T/pi.c" --np 1 --endpoint "ftp://x"; expect_err "not an http"
exit 0
