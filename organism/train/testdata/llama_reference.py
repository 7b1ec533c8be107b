#!/usr/bin/python3
"""Reference logits for hneurons' organism trainer.

Reads a Hugging Face Llama folder (config.json + model.safetensors, float32)
and token ids from tokens.json in the same folder, runs the Hugging Face
Llama math (LlamaRMSNorm, rotate-half RoPE, causal softmax attention, SwiGLU
MLP, tied output embedding) written out in PyTorch, and writes logits.json
with the logits in float32 and float64.

Usage: /usr/bin/python3 llama_reference.py testdata/tiny
Needs Debian's python3-torch and python3-numpy; no transformers.
"""
import json
import struct
import sys

import numpy as np
import torch


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", e
        b, t = e["data_offsets"]
        arr = np.frombuffer(data[b:t], dtype="<f4").reshape(e["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def rms_norm(x, w, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def forward(cfg, w, ids, dtype):
    w = {k: v.to(dtype) for k, v in w.items()}
    C = cfg["hidden_size"]
    H = cfg["num_attention_heads"]
    D = C // H
    eps = cfg["rms_norm_eps"]
    B, T = ids.shape
    inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, D, 2, dtype=torch.int64).to(dtype) / D))
    pos = torch.arange(T, dtype=dtype)
    freqs = torch.outer(pos, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()  # (T, D)
    mask = torch.full((T, T), float("-inf"), dtype=dtype).triu(1)
    x = w["model.embed_tokens.weight"][ids]  # (B, T, C)
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).view(B, T, H, D).transpose(1, 2)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).view(B, T, H, D).transpose(1, 2)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).view(B, T, H, D).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        s = q @ k.transpose(-1, -2) / (D ** 0.5) + mask
        a = torch.softmax(s, dim=-1) @ v  # (B, H, T, D)
        a = a.transpose(1, 2).reshape(B, T, C)
        x = x + a @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = h @ w[p + "mlp.gate_proj.weight"].T
        u = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(g) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    return x @ w["model.embed_tokens.weight"].T  # (B, T, V)


def main():
    d = sys.argv[1]
    cfg = json.load(open(f"{d}/config.json"))
    assert cfg["model_type"] == "llama" and cfg["tie_word_embeddings"]
    w = load_safetensors(f"{d}/model.safetensors")
    ids = torch.tensor(json.load(open(f"{d}/tokens.json")))
    out = {
        "torch_version": torch.__version__,
        "shape": list(ids.shape) + [cfg["vocab_size"]],
        "logits_f32": forward(cfg, w, ids, torch.float32).flatten().tolist(),
        "logits_f64": forward(cfg, w, ids, torch.float64).flatten().tolist(),
    }
    with open(f"{d}/logits.json", "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
