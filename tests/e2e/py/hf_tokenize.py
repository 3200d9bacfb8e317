"""hf_tokenize.py - the independent reference for chatmpi's byte-level BPE: HF `tokenizers`.

Builds a `tokenizers.Tokenizer` from a GGUF file's tokenizer.ggml.* keys (read with the
`gguf` package: tokens, merges, token types) and the pre-tokenizer that the model's own
tokenizer.json uses for the GGUF's tokenizer.ggml.pre (or --pre NAME):
  smollm, starcoder: Sequence[Digits(individual_digits), ByteLevel(use_regex)]  (SmolLM2's)
  gpt2:              ByteLevel(use_regex)
  qwen2:             Sequence[Split(Qwen2's regex, Isolated), ByteLevel(no regex)]
  llama-bpe:         the same with Llama 3's regex, and the BPE model's ignore_merges
  deepseek-coder:    Sequence[Split x4, Digits(individual_digits), ByteLevel(no regex)]
CONTROL tokens become special AddedTokens, USER_DEFINED ones plain AddedTokens; without
--special special tokens are not split out (encode_special_tokens), as chatmpi without
--special. Decoder: ByteLevel.

usage:
  python hf_tokenize.py GGUF [--pre NAME] [--special] FILE...   one line of ids per FILE
  python hf_tokenize.py GGUF --write-gguf OUT --pre NAME [FILE...]
                                  also writes a tokenizer-only GGUF with GGUF's vocabulary
                                  and pre NAME first
A FILE that is not valid UTF-8 gets the line "SKIP" (HF needs text).
"""
import sys

import gguf
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers

CONTRACTIONS = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)"
QWEN2 = CONTRACTIONS + r"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
LLAMA3 = CONTRACTIONS + r"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"


def field(r, key):
    f = r.fields.get(key)
    return None if f is None else f.contents()


def pre_tokenizer(pre):
    bl = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    bl_plain = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)
    split = lambda rx: pre_tokenizers.Split(Regex(rx), behavior="isolated", invert=False)
    if pre in ("smollm", "starcoder", "refact", "codeshell"):
        return pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), bl])
    if pre in ("gpt2", "gpt-2"):
        return bl
    if pre == "qwen2":
        return pre_tokenizers.Sequence([split(QWEN2), bl_plain])
    if pre in ("llama-bpe", "llama3"):
        return pre_tokenizers.Sequence([split(LLAMA3), bl_plain])
    if pre == "deepseek-coder":
        return pre_tokenizers.Sequence([split(r"[\r\n]"), split(r"\s?\p{L}+"), split(r"\s?\p{P}+"),
                                        split("[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+"),
                                        pre_tokenizers.Digits(individual_digits=True), bl_plain])
    sys.exit(f"hf_tokenize.py: no HF equivalent known for pre-tokenizer '{pre}'")


def main(argv):
    path, args = argv[0], argv[1:]
    pre = special = out = None
    files = []
    while args:
        a = args.pop(0)
        if a == "--pre":
            pre = args.pop(0)
        elif a == "--special":
            special = True
        elif a == "--write-gguf":
            out = args.pop(0)
        else:
            files.append(a)
    r = gguf.GGUFReader(path)
    if field(r, "tokenizer.ggml.model") != "gpt2":
        sys.exit(f"hf_tokenize.py: {path} has no gpt2 vocabulary")
    tokens = field(r, "tokenizer.ggml.tokens")
    merges = field(r, "tokenizer.ggml.merges")
    types = field(r, "tokenizer.ggml.token_type")
    pre = pre or field(r, "tokenizer.ggml.pre") or "default"
    if out:
        w = gguf.GGUFWriter(out, "llama")
        w.add_string("general.type", "tokenizer")
        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre(pre)
        w.add_token_list(tokens)
        w.add_token_types(types)
        w.add_token_merges(merges)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.close()
        if not files:
            return
    vocab = {}
    for i, t in enumerate(tokens):
        vocab.setdefault(t, i)
    pairs = [tuple(m.split(" ", 1)) for m in merges]
    tk = Tokenizer(models.BPE(vocab=vocab, merges=pairs, ignore_merges=pre in ("llama-bpe", "llama3")))
    tk.pre_tokenizer = pre_tokenizer(pre)
    tk.decoder = decoders.ByteLevel()
    added = []
    for i, t in enumerate(tokens):
        if types[i] in (3, 4):  # CONTROL, USER_DEFINED
            added.append(AddedToken(t, special=types[i] == 3, normalized=False))
    tk.add_tokens(added)
    tk.encode_special_tokens = not special
    for f in files:
        data = open(f, "rb").read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            print("SKIP")
            continue
        print(" ".join(map(str, tk.encode(text, add_special_tokens=False).ids)))


if __name__ == "__main__":
    main(sys.argv[1:])
