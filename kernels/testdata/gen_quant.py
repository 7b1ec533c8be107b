#!/usr/bin/python3
"""Reference decoder for the GGUF Q8_0, Q4_K and Q6_K block formats.

Writes quant_blocks.json: random blocks (hex) and their values decoded in
float64 with numpy, written from the block layouts of ggml's
ggml-common.h / ggml-quants.c (dequantize_row_q8_0 / q4_K / q6_K),
vectorised here so that it shares no structure with the Go decoder.
Run with Debian's /usr/bin/python3 (python3-numpy); the Go tests read the
JSON and need nothing installed.
"""
import json
import numpy as np

rng = np.random.default_rng(20261130)


def f16_bytes(vals):
    return np.asarray(vals, dtype=np.float16).tobytes()


def f16_decode(b):
    return np.frombuffer(b, dtype="<f2").astype(np.float64)


def q8_0(nblocks):
    raw = bytearray()
    out = []
    for b in range(nblocks):
        # scales of every magnitude, a subnormal and a negative one included
        d = [0.0123, -0.5, 6.0e-6, 1.5, 3.0e-8, 0.25, -0.0007, 2.0][b % 8]
        qs = rng.integers(-128, 128, 32, dtype=np.int8)
        blk = f16_bytes([d]) + qs.tobytes()
        raw += blk
        out.append(f16_decode(blk[:2])[0] * qs.astype(np.float64))
    return bytes(raw), np.concatenate(out)


def q4_k(nblocks):
    raw = bytearray()
    out = []
    for b in range(nblocks):
        d = rng.uniform(-0.02, 0.02)
        dmin = rng.uniform(-0.01, 0.01)
        scales = rng.integers(0, 256, 12, dtype=np.uint8)  # every bit random
        qs = rng.integers(0, 256, 128, dtype=np.uint8)
        blk = f16_bytes([d, dmin]) + scales.tobytes() + qs.tobytes()
        raw += blk
        dd, mm = f16_decode(blk[:4])
        s = scales.astype(np.int64)
        # 8 six-bit scales and mins: j<4 low 6 bits of s[j], s[j+4];
        # j>=4 nibble of s[j+4] plus top two bits of s[j-4] (scale), s[j] (min)
        sc = np.concatenate([s[0:4] & 63, (s[8:12] & 15) | ((s[0:4] >> 6) << 4)])
        mn = np.concatenate([s[4:8] & 63, (s[8:12] >> 4) | ((s[4:8] >> 6) << 4)])
        q = qs.reshape(4, 32).astype(np.int64)
        # sub-block 2g: low nibbles of q[g]; 2g+1: high nibbles
        nib = np.stack([q & 15, q >> 4], axis=1).reshape(8, 32)
        vals = dd * sc[:, None] * nib - mm * mn[:, None]
        out.append(vals.reshape(-1))
    return bytes(raw), np.concatenate(out)


def q6_k(nblocks):
    raw = bytearray()
    out = []
    for b in range(nblocks):
        ql = rng.integers(0, 256, 128, dtype=np.uint8)
        qh = rng.integers(0, 256, 64, dtype=np.uint8)
        scales = rng.integers(-128, 128, 16, dtype=np.int8)
        d = rng.uniform(-0.01, 0.01)
        blk = ql.tobytes() + qh.tobytes() + scales.tobytes() + f16_bytes([d])
        raw += blk
        dd = f16_decode(blk[208:210])[0]
        vals = np.zeros(256)
        for h in range(2):  # two halves of 128 values
            L = ql[64 * h:64 * h + 64].astype(np.int64)
            H = qh[32 * h:32 * h + 32].astype(np.int64)
            lo = np.concatenate([L[:32] & 15, L[32:] & 15, L[:32] >> 4, L[32:] >> 4])
            hi = np.concatenate([H & 3, (H >> 2) & 3, (H >> 4) & 3, (H >> 6) & 3])
            q = (lo | (hi << 4)) - 32  # 128 values in output order
            sc = scales[8 * h:8 * h + 8].astype(np.int64)
            # output index i uses scale 2*(i//32) + (i%32)//16 of this half
            idx = np.arange(128)
            vals[128 * h:128 * h + 128] = dd * sc[2 * (idx // 32) + (idx % 32) // 16] * q
        out.append(vals)
    return bytes(raw), np.concatenate(out)


res = {}
for name, fn, n in [("Q8_0", q8_0, 8), ("Q4_K", q4_k, 3), ("Q6_K", q6_k, 3)]:
    raw, vals = fn(n)
    res[name] = {"hex": raw.hex(), "values": [float(v) for v in vals]}
with open("quant_blocks.json", "w") as f:
    json.dump(res, f, separators=(",", ":"))
