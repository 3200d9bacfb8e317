# A stand-in OpenAI-compatible server for test_serve.sh (stdlib only). The first path part
# picks the behaviour: /ok/v1, /refuse/v1 (401, echoing the Authorization header, which the
# client must not print), /flaky/v1 (429 once, then 200), /down/v1 (500 always), /badjson/v1
# (a reply that is not JSON), /missing/v1 (404). Prints its port, then serves until killed;
# counts requests a mode in DIR/count.<mode>.
import http.server, json, sys, os

DIR = sys.argv[1]
seen = {}

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body, ctype="application/json"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def answer(self):
        return json.dumps({"id": "x", "object": "chat.completion", "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "no program here"}, "finish_reason": "length"}],
            "usage": {"prompt_tokens": 42, "completion_tokens": 7}})

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        mode = self.path.split("/")[1]
        seen[mode] = seen.get(mode, 0) + 1
        with open(os.path.join(DIR, "count." + mode), "w") as f:
            f.write(str(seen[mode]))
        if body:
            with open(os.path.join(DIR, "last." + mode), "wb") as f:
                f.write(body)
        if mode == "refuse":
            self.reply(401, json.dumps({"error": {"message": "invalid key " + self.headers.get("Authorization", "")}}))
        elif mode == "flaky" and seen[mode] == 1:
            self.reply(429, json.dumps({"error": {"message": "slow down"}}))
        elif mode == "down":
            self.reply(500, "internal trouble", "text/plain")
        elif mode == "badjson":
            self.reply(200, '{"choices": [ {"message": ')
        elif mode == "missing":
            self.reply(404, json.dumps({"error": {"message": "model not found"}}))
        elif self.path.endswith("/models"):
            self.reply(200, json.dumps({"object": "list", "data": [{"id": "stub-model", "object": "model"}]}))
        else:
            self.reply(200, self.answer())

    do_GET = handle_any
    do_POST = handle_any

s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
