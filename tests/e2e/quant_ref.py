"""quant_ref.py — the independent reference of tests/e2e/test_quant_ref.sh: llama.cpp's
own Python package `gguf` (gguf.quants) reads and dequantizes what chatmpi wrote.

  quant_ref.py make SRC.gguf RAW.gguf   writes SRC.gguf (f32 matrices of weight-like
      values, rows of 256 and 512) and RAW.gguf (random blocks of q2_k and q3_k, which
      chatmpi cannot quantize to, with finite scales)
  quant_ref.py compare Q.gguf F32.gguf [NAME...]   dequantizes every tensor of Q.gguf
      (or the named ones) with gguf.quants and compares with the same tensor of
      F32.gguf (chatmpi's dequantization, written by `chatmpi quantize --type f32`):
      they must agree bitwise. Prints one line per type.
  quant_ref.py quantize Q.gguf F32SRC.gguf   for the types gguf can quantize (q8_0, q4_0,
      q4_1, q5_0, q5_1): quantizes F32SRC's tensors with gguf.quants and compares the
      bytes with Q.gguf's (chatmpi's quantizer); prints how many blocks differ.
"""
import sys

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader, GGUFWriter, quants


def tensors(path):
    return {t.name: t for t in GGUFReader(path).tensors}


def make(src, raw):
    rng = np.random.default_rng(7)
    w = GGUFWriter(src, "llama")
    for name, (rows, cols) in {"a.weight": (8, 256), "b.weight": (5, 512), "c.weight": (3, 1024)}.items():
        x = rng.standard_normal((rows, cols)).astype(np.float32) * 0.05
        x[:, ::97] *= 8  # outliers
        w.add_tensor(name, x)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    w = GGUFWriter(raw, "llama")
    for qt, f16_at in ((T.Q2_K, (80, 82)), (T.Q3_K, (108,))):
        bs, ts = quants.GGML_QUANT_SIZES[qt]
        nb = 4 * 512 // bs
        data = rng.integers(0, 256, size=(nb, ts), dtype=np.uint8)
        for at in f16_at:
            d = (rng.uniform(0.001, 0.02, nb) * rng.choice([-1, 1], nb)).astype(np.float16)
            data[:, at:at + 2] = d.view(np.uint8).reshape(nb, 2)
        w.add_tensor(qt.name.lower() + ".weight", data.reshape(4, -1), raw_dtype=qt)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def compare(qpath, fpath, names):
    q, f = tensors(qpath), tensors(fpath)
    bad = 0
    per_type = {}
    for name in names or q:
        tq, tf = q[name], f[name]
        ref = quants.dequantize(tq.data, tq.tensor_type).reshape(-1)
        ours = np.asarray(tf.data, dtype=np.float32).reshape(-1)
        same = np.array_equal(ref.view(np.uint32), ours.view(np.uint32))
        ulp = np.max(np.abs(ref.view(np.int32).astype(np.int64) - ours.view(np.int32).astype(np.int64))) if ref.size else 0
        k = tq.tensor_type.name
        n, diff, worst = per_type.get(k, (0, 0, 0))
        per_type[k] = (n + ref.size, diff + int(np.sum(ref.view(np.uint32) != ours.view(np.uint32))), max(worst, int(ulp)))
        if not same:
            bad += 1
    for k, (n, diff, worst) in sorted(per_type.items()):
        print(f"{k}: {n} values, {diff} differ from gguf.quants.dequantize (max {worst} ulp)")
    return 1 if bad else 0


def quantize(qpath, srcpath):
    q, s = tensors(qpath), tensors(srcpath)
    rc = 0
    for name, tq in q.items():
        if tq.tensor_type not in (T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1):
            continue
        x = np.asarray(s[name].data, dtype=np.float32)
        ref = quants.quantize(x, tq.tensor_type).reshape(-1)
        ours = np.asarray(tq.data).reshape(-1)
        bs, ts = quants.GGML_QUANT_SIZES[tq.tensor_type]
        nd = int(np.sum(np.any(ref.reshape(-1, ts) != ours.reshape(-1, ts), axis=1)))
        print(f"{tq.tensor_type.name} {name}: {nd} of {ref.size // ts} blocks differ from gguf.quants.quantize")
        rc |= nd != 0
    return rc


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(sys.argv[2], sys.argv[3])
    elif cmd == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3], sys.argv[4:]))
    elif cmd == "quantize":
        sys.exit(quantize(sys.argv[2], sys.argv[3]))
