#!/usr/bin/python3
"""Independent reference for the Go gguf package (no gguf library, no Go code).

1. Reads GGUF files from the shared folder with a reader written here from the
   format description and writes shared_summary.json: per file the version,
   counts, alignment, data offset, each metadata value (scalars in full,
   arrays by type, count, first/last elements) with the SHA-256 of its bytes
   as stored (from the value type field to the end of the value), and each
   tensor's description with the SHA-256 of its data.
2. Writes python_written.gguf, a small v3 file holding every metadata type
   (nested arrays too), alignment 64 and tensors of several types, and
   writer_input.json describing it, so the Go Writer can be checked to
   produce the same bytes.

Run from this folder: /usr/bin/python3 make_reference.py [SHARED_DIR]
(SHARED_DIR defaults to ../../../shared, i.e. shared/ beside the repository).
"""
import hashlib
import json
import os
import struct
import sys

import numpy as np

T_U8, T_I8, T_U16, T_I16, T_U32, T_I32, T_F32, T_BOOL, T_STR, T_ARR, T_U64, T_I64, T_F64 = range(13)
SCALAR = {T_U8: "<B", T_I8: "<b", T_U16: "<H", T_I16: "<h", T_U32: "<I", T_I32: "<i",
          T_F32: "<f", T_BOOL: "<?", T_U64: "<Q", T_I64: "<q", T_F64: "<d"}
TYPE_NAME = {T_U8: "u8", T_I8: "i8", T_U16: "u16", T_I16: "i16", T_U32: "u32", T_I32: "i32",
             T_F32: "f32", T_BOOL: "bool", T_STR: "string", T_ARR: "array", T_U64: "u64",
             T_I64: "i64", T_F64: "f64"}
# ggml type -> (elements per block, bytes per block)
BLOCK = {0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
         9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176),
         14: (256, 210), 15: (256, 292), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8),
         28: (1, 8), 30: (1, 2)}


class Reader:
    def __init__(self, data):
        self.d, self.o = data, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.o)[0]
        self.o += struct.calcsize(fmt)
        return v

    def string(self):
        n = self.take("<Q")
        s = self.d[self.o:self.o + n].decode("utf-8", errors="surrogateescape")
        self.o += n
        return s

    def value(self, t):
        if t in SCALAR:
            return self.take(SCALAR[t])
        if t == T_STR:
            return self.string()
        if t == T_ARR:
            et, n = self.take("<I"), self.take("<Q")
            return {"elem": TYPE_NAME[et], "items": [self.value(et) for _ in range(n)]}
        raise ValueError(f"type {t}")


def jsonable(v):
    if isinstance(v, float):
        return {"f64_bits": str(struct.unpack("<Q", struct.pack("<d", v))[0])}
    if isinstance(v, dict):
        items = v["items"]
        out = {"elem": v["elem"], "count": len(items)}
        if items:
            out["first"] = jsonable(items[0])
            out["last"] = jsonable(items[-1])
        return out
    return v


def summarize(path):
    data = open(path, "rb").read()
    r = Reader(data)
    assert r.take("<4s") == b"GGUF"
    version, nt, nkv = r.take("<I"), r.take("<Q"), r.take("<Q")
    kvs = []
    alignment = 32
    for _ in range(nkv):
        key = r.string()
        t = r.take("<I")
        start = r.o - 4
        v = r.value(t)
        if key == "general.alignment":
            alignment = v
        kvs.append({"key": key, "type": TYPE_NAME[t], "value": jsonable(v),
                    "sha256": hashlib.sha256(data[start:r.o]).hexdigest()})
    tensors = []
    for _ in range(nt):
        name = r.string()
        nd = r.take("<I")
        dims = [r.take("<Q") for _ in range(nd)]
        typ, off = r.take("<I"), r.take("<Q")
        tensors.append([name, dims, typ, off])
    data_offset = (r.o + alignment - 1) // alignment * alignment
    out_t = []
    for name, dims, typ, off in tensors:
        be, bb = BLOCK[typ]
        n = 1
        for d in dims[1:]:
            n *= d
        size = dims[0] // be * bb * n
        blob = data[data_offset + off:data_offset + off + size]
        assert len(blob) == size
        out_t.append({"name": name, "dims": dims, "type": typ, "offset": off, "bytes": size,
                      "sha256": hashlib.sha256(blob).hexdigest()})
    return {"version": version, "alignment": alignment, "data_offset": data_offset,
            "metadata": kvs, "tensors": out_t}


def write_reference():
    """python_written.gguf and writer_input.json."""
    rng = np.random.default_rng(20261130)
    meta = [  # (key, type name, value); arrays as ("array", elem, [values]) or nested
        ("general.architecture", "string", "llama"),
        ("general.alignment", "u32", 64),
        ("test.u8", "u8", 200), ("test.i8", "i8", -100), ("test.u16", "u16", 65000),
        ("test.i16", "i16", -32000), ("test.u32", "u32", 4000000000), ("test.i32", "i32", -2000000000),
        ("test.u64", "u64", 2**63 + 5), ("test.i64", "i64", -(2**62)), ("test.f32", "f32", 0.1),
        ("test.f64", "f64", -1.0 / 3.0), ("test.bool", "bool", True), ("test.false", "bool", False),
        ("test.string", "string", "héllo \"gguf\"\n"), ("test.empty_string", "string", ""),
        ("test.arr_u8", "array", ("u8", [0, 1, 255])), ("test.arr_i8", "array", ("i8", [-128, 127])),
        ("test.arr_u16", "array", ("u16", [1, 65535])), ("test.arr_i16", "array", ("i16", [-1, 2])),
        ("test.arr_u32", "array", ("u32", [7, 4294967295])), ("test.arr_i32", "array", ("i32", [-7, 9, 11])),
        ("test.arr_u64", "array", ("u64", [2**64 - 1])), ("test.arr_i64", "array", ("i64", [-5, 5])),
        ("test.arr_f32", "array", ("f32", [1.5, -0.25, 3.0e38])), ("test.arr_f64", "array", ("f64", [2.0**-1074, 1e300])),
        ("test.arr_bool", "array", ("bool", [True, False, True])),
        ("test.arr_string", "array", ("string", ["a", "", "<s>", "ünï"])),
        ("test.arr_empty", "array", ("i32", [])),
        ("test.arr_nested", "array", ("array", [("i32", [1, 2]), ("string", ["x"]), ("array", [("u8", [9])])])),
    ]
    tensors = []  # (name, ggml type, dims, bytes)
    w = rng.standard_normal(5 * 3).astype("<f4")
    tensors.append(("blk.0.attn_q.weight", 0, [5, 3], w.tobytes()))
    tensors.append(("blk.0.ffn_up.weight", 1, [7], rng.standard_normal(7).astype("<f2").tobytes()))
    tensors.append(("token_embd.weight", 8, [64, 2], rng.integers(0, 256, 4 * 34, dtype=np.uint8).tobytes()))
    tensors.append(("output_norm.weight", 30, [3], bytes([0x80, 0x3f, 0x00, 0x40, 0x40, 0xc0])))
    tensors.append(("scalar", 0, [], struct.pack("<f", 2.5)))

    pack_fmt = {"u8": "<B", "i8": "<b", "u16": "<H", "i16": "<h", "u32": "<I", "i32": "<i",
                "u64": "<Q", "i64": "<q", "f32": "<f", "f64": "<d", "bool": "<?"}
    code = {v: k for k, v in TYPE_NAME.items()}

    def s(x):
        b = x.encode()
        return struct.pack("<Q", len(b)) + b

    def payload(tname, v):
        if tname == "string":
            return s(v)
        if tname == "array":
            et, items = v
            out = struct.pack("<IQ", code[et], len(items))
            for it in items:
                out += payload(et, it)
            return out
        return struct.pack(pack_fmt[tname], v)

    align = 64
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(meta))
    for key, tname, v in meta:
        out += s(key) + struct.pack("<I", code[tname]) + payload(tname, v)
    off = 0
    for name, typ, dims, blob in tensors:
        out += s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", typ, off)
        off += (len(blob) + align - 1) // align * align
    out += b"\0" * (-len(out) % align)
    for _, _, _, blob in tensors:
        out += blob + b"\0" * (-len(blob) % align)
    open("python_written.gguf", "wb").write(out)

    def jv(tname, v):
        if tname in ("f32", "f64"):
            fmt = "<f" if tname == "f32" else "<d"
            ufmt = "<I" if tname == "f32" else "<Q"
            return str(struct.unpack(ufmt, struct.pack(fmt, v))[0])
        if tname in ("u64", "i64"):
            return str(v)
        if tname == "array":
            et, items = v
            return {"elem": et, "items": [jv(et, it) for it in items]}
        return v

    spec = {"metadata": [{"key": k, "type": t, "value": jv(t, v)} for k, t, v in meta],
            "tensors": [{"name": n, "type": ty, "dims": d, "hex": b.hex()} for n, ty, d, b in tensors]}
    with open("writer_input.json", "w") as f:
        json.dump(spec, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "..", "..", "shared")
    files = [os.path.join("models", "stories260K", "stories260K.gguf")]
    vocab = os.path.join(shared, "vocab")
    files += sorted(os.path.join("vocab", f) for f in os.listdir(vocab) if f.endswith(".gguf"))
    summary = {f: summarize(os.path.join(shared, f)) for f in files}
    with open("shared_summary.json", "w") as f:
        json.dump(summary, f, indent=1, ensure_ascii=False)
        f.write("\n")
    write_reference()


main()
