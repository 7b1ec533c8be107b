#!/usr/bin/python3
"""Independent reference for the Go safetensors package.

Writes, with numpy and torch only (no safetensors library, no Go code):
  numpy_written.safetensors  a file laid out by hand from the format spec,
                             tensors ordered by element size (descending) then
                             name, compact JSON header padded with spaces to a
                             multiple of 8 bytes;
  reference.json             each tensor's source values (float32 bit patterns
                             or integers) and the float32 bit patterns of the
                             stored values as numpy/torch decode them.

Run from this folder with Debian's interpreter: /usr/bin/python3 make_reference.py
"""
import json
import struct

import numpy as np
import torch

np.seterr(over="ignore")  # overflow to infinity is part of the test
rng = np.random.default_rng(20261130)

# Float32 values that exercise rounding to float16 / bfloat16: ties, subnormals,
# overflow, signed zero, infinities, NaN.
edge = np.array([
    0.0, -0.0, 1.0, -2.5, 65504.0, 65519.0, 65520.0, 1e6, -1e6,
    1e-8, 2.0**-25, 3 * 2.0**-25, 2.0**-24, 2.0**-14, 2.0**-14 - 2.0**-25,
    1 + 2.0**-11, 1 + 3 * 2.0**-11, 1 + 2.0**-8, 1 + 3 * 2.0**-8,
    1.0 + 2.0**-9 + 2.0**-20, np.inf, -np.inf, np.nan, 3.0e38, -1.17549435e-38,
    1e-45,
], dtype=np.float32)

float_tensors = []  # (name, dtype, shape, float32 source values)
for dt in ("F32", "F16", "BF16"):
    float_tensors.append((f"edge.{dt.lower()}", dt, [len(edge)], edge))
    w = rng.standard_normal((3, 5)).astype(np.float32) * np.float32(3)
    float_tensors.append((f"layers.0.weight.{dt.lower()}", dt, [3, 5], w.reshape(-1)))
float_tensors.append(("scalar", "F32", [], np.array([0.375], dtype=np.float32)))
float_tensors.append(("empty", "F16", [0, 4], np.zeros(0, dtype=np.float32)))


def encode_float(dt, src):
    """Stored bytes and decoded float32 values of src in dtype dt."""
    if dt == "F32":
        stored = src.astype("<f4")
        return stored.tobytes(), stored.astype(np.float32)
    if dt == "F16":
        stored = src.astype("<f2")
        return stored.tobytes(), stored.astype(np.float32)
    if dt == "BF16":
        t = torch.from_numpy(src.copy()).to(torch.bfloat16)
        raw = t.view(torch.int16).numpy().astype("<i2").tobytes()
        return raw, t.to(torch.float32).numpy()
    raise ValueError(dt)


int_tensors = [  # (name, dtype, numpy dtype, values)
    ("ids.i64", "I64", "<i8", [0, -1, 2**62, -(2**63), 7]),
    ("ids.i32", "I32", "<i4", [1, -2, 2**31 - 1]),
    ("ids.i16", "I16", "<i2", [-32768, 12345]),
    ("ids.i8", "I8", "i1", [-128, 127, 0]),
    ("ids.u8", "U8", "u1", [0, 255, 3, 4]),
    ("mask", "BOOL", "u1", [1, 0, 1]),
    ("fp8", "F8_E4M3", "u1", [0x00, 0x38, 0x7E, 0xFF]),
]
f64 = ("double", "F64", "<f8", [1.0 / 3.0, -2.0**-1074, 1e300])

SIZE = {"F64": 8, "I64": 8, "F32": 4, "I32": 4, "F16": 2, "BF16": 2, "I16": 2,
        "I8": 1, "U8": 1, "BOOL": 1, "F8_E4M3": 1}

entries = []  # (name, dtype, shape, raw bytes)
ref = {"tensors": []}
for name, dt, shape, src in float_tensors:
    raw, dec = encode_float(dt, src)
    entries.append((name, dt, shape, raw))
    ref["tensors"].append({
        "name": name, "dtype": dt, "shape": shape,
        "source_f32_bits": [int(b) for b in src.view(np.uint32)],
        "decoded_f32_bits": [int(b) for b in np.asarray(dec, dtype=np.float32).view(np.uint32)],
    })
for name, dt, npdt, vals in int_tensors:
    raw = np.array(vals, dtype=npdt).tobytes()
    entries.append((name, dt, [len(vals)], raw))
    ref["tensors"].append({"name": name, "dtype": dt, "shape": [len(vals)], "ints": vals})
name, dt, npdt, vals = f64
arr = np.array(vals, dtype=npdt)
entries.append((name, dt, [len(vals)], arr.tobytes()))
ref["tensors"].append({
    "name": name, "dtype": dt, "shape": [len(vals)],
    "f64_bits": [str(int(b)) for b in arr.view(np.uint64)],
    "decoded_f32_bits": [int(b) for b in arr.astype(np.float32).view(np.uint32)],
})

metadata = {"format": "pt", "source": "numpy <reference> & torch"}
ref["metadata"] = metadata

# Storage order: element size descending, then name (bytewise).
entries.sort(key=lambda e: (-SIZE[e[1]], e[0].encode()))

parts = []
if metadata:
    items = ",".join(json.dumps(k, ensure_ascii=False) + ":" + json.dumps(metadata[k], ensure_ascii=False)
                     for k in sorted(metadata))
    parts.append('"__metadata__":{' + items + "}")
offset = 0
for name, dt, shape, raw in entries:
    end = offset + len(raw)
    parts.append(json.dumps(name) + ':{"dtype":"' + dt + '","shape":[' + ",".join(map(str, shape)) +
                 '],"data_offsets":[' + f"{offset},{end}" + "]}")
    offset = end
header = ("{" + ",".join(parts) + "}").encode()
header += b" " * (-len(header) % 8)

with open("numpy_written.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(header)))
    f.write(header)
    for _, _, _, raw in entries:
        f.write(raw)

with open("reference.json", "w") as f:
    json.dump(ref, f, indent=1)
    f.write("\n")
