#!/usr/bin/python3
"""Generate tiny randomly initialised Hugging Face models and their reference logits.

Run once with Debian's python3-torch:  /usr/bin/python3 model/testdata/make_reference.py
It rewrites model/testdata/tiny/. The Go tests read the outputs and need no Python.

Every model is written in the real Hugging Face layout (config.json + safetensors,
one of them sharded with model.safetensors.index.json). The reference forward pass
below is plain torch in float64, written from the Hugging Face modeling code of each
family (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM,
Gemma2ForCausalLM, Gemma3ForCausalLM text, Phi3ForCausalLM): rotate-half RoPE, eager
attention, the per-family norms, activations, soft-caps and sliding windows.
The llama model is also written as GGUF with q/k permuted as llama.cpp's converter does.

Outputs per model folder:
  ref_tokens.json  the input token ids (T of them)
  ref_logits.f32   little-endian float32 logits, shape [T, vocab]
  ref_post.f32     little-endian float32 down_proj input of the last layer, shape [T, d_ff]
"""
import json
import math
import os
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny")
T = 12  # test sequence length (longer than every sliding window below)


def bf16_round(t):
    return t.to(torch.bfloat16).to(torch.float64)


# ---------------------------------------------------------------- safetensors


def st_bytes(tensors, dtype):
    """Serialise a dict name->tensor as a safetensors file in dtype (F32 or BF16)."""
    header = {}
    blobs = []
    off = 0
    for name, t in tensors.items():
        if dtype == "BF16":
            b = t.to(torch.bfloat16).contiguous().view(torch.int16).numpy().astype("<i2").tobytes()
        elif dtype == "F16":
            b = t.to(torch.float16).contiguous().numpy().astype("<f2").tobytes()
        else:
            b = t.to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def write_model(name, cfg, tensors, dtype, shards=1, gen_cfg=None):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    if gen_cfg is not None:
        with open(os.path.join(d, "generation_config.json"), "w") as f:
            json.dump(gen_cfg, f, indent=2)
    names = list(tensors)
    if shards == 1:
        with open(os.path.join(d, "model.safetensors"), "wb") as f:
            f.write(st_bytes(tensors, dtype))
        return d
    per = (len(names) + shards - 1) // shards
    wmap = {}
    for s in range(shards):
        fn = "model-%05d-of-%05d.safetensors" % (s + 1, shards)
        part = {n: tensors[n] for n in names[s * per:(s + 1) * per]}
        for n in part:
            wmap[n] = fn
        with open(os.path.join(d, fn), "wb") as f:
            f.write(st_bytes(part, dtype))
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": wmap}, f, indent=2)
    return d


# ---------------------------------------------------------------- reference math


def rms_norm(x, w, eps, add_one):
    # Llama: w * (x / rms); Gemma: (1 + w) * (x / rms), computed in float.
    y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return y * ((1.0 + w) if add_one else w)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def inv_freq(base, dim, scaling):
    # as HF computes it: float32 arange / dim, then the rope_type adjustments
    inv = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).to(torch.float64) / dim))
    if scaling is None:
        return inv
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "linear":
        return inv / scaling["factor"]
    if kind == "longrope":
        # Phi3: inv_freq = 1 / (ext_factors * base^(2i/dim)); the test sequences are
        # shorter than original_max_position_embeddings, so ext = short_factor
        return inv / torch.tensor(scaling["short_factor"], dtype=torch.float64)
    if kind == "llama3":
        factor = scaling["factor"]
        lo = scaling["low_freq_factor"]
        hi = scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        low_wl = old / lo
        high_wl = old / hi
        wl = 2 * math.pi / inv
        out = torch.where(wl > low_wl, inv / factor, inv)
        smooth = (old / wl - lo) / (hi - lo)
        smoothed = (1 - smooth) * out / factor + smooth * out
        medium = ~(wl < high_wl) & ~(wl > low_wl)
        return torch.where(medium, smoothed, out)
    raise ValueError(kind)


def rope(x, pos, inv, attn_factor=1.0):
    # x: [heads, T, hd]; HF rotate-half layout on the first 2*len(inv) values
    # (partial rotary), cos and sin scaled by attn_factor (longrope)
    freqs = pos[:, None].to(torch.float64) * inv[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    rd = emb.shape[-1]
    xr, xp = x[..., :rd], x[..., rd:]
    out = xr * (emb.cos() * attn_factor) + rotate_half(xr) * (emb.sin() * attn_factor)
    return torch.cat((out, xp), dim=-1)


def longrope_attn_factor(c):
    sc = c.get("rope_scaling") or {}
    if sc.get("rope_type", sc.get("type")) != "longrope":
        return 1.0
    if sc.get("attention_factor") is not None:
        return sc["attention_factor"]
    orig = c["original_max_position_embeddings"]
    factor = c["max_position_embeddings"] / orig
    return 1.0 if factor <= 1 else math.sqrt(1 + math.log(factor) / math.log(orig))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def forward(spec, W, tokens, gguf=False):
    """Reference forward pass in float64. spec: the family switches; W: name -> float64 tensor.
    gguf: follow llama.cpp where a GGUF file cannot say what Hugging Face does (the Gemma
    embedding scale stays float32, queries scale by head_dim^-1/2)."""
    c = spec["cfg"]
    d = c["hidden_size"]
    nh = c["num_attention_heads"]
    nkv = c["num_key_value_heads"]
    hd = c.get("head_dim") or d // nh
    L = c["num_hidden_layers"]
    eps = c["rms_norm_eps"]
    fam = spec["family"]
    gemma = fam in ("gemma2", "gemma3")
    ids = torch.tensor(tokens)
    pos = torch.arange(len(tokens))
    Tn = len(tokens)
    x = W["model.embed_tokens.weight"][ids]
    if gemma:
        scale = torch.tensor(d ** 0.5, dtype=torch.float64)
        if spec["dtype"] == "BF16" and not gguf:
            scale = bf16_round(scale)
        x = x * scale
    posts = []
    for l in range(L):
        p = "model.layers.%d." % l
        # sliding window and rope per layer
        window = None
        base = c.get("rope_theta", 10000.0)
        scaling = c.get("rope_scaling")
        if fam == "gemma2":
            if (l + 1) % 2:
                window = c["sliding_window"]
        elif fam == "gemma3":
            if (l + 1) % c["sliding_window_pattern"]:
                window = c["sliding_window"]
                base = c["rope_local_base_freq"]
                scaling = None
        elif fam in ("qwen2", "qwen3"):
            # Qwen2Config: sliding only when use_sliding_window, from max_window_layers on
            if c.get("use_sliding_window") and c.get("sliding_window") and l >= c.get("max_window_layers", 0):
                window = c["sliding_window"]
        elif c.get("sliding_window"):
            window = c["sliding_window"]
        rdim = int(hd * c.get("partial_rotary_factor", 1.0))
        inv = inv_freq(base, rdim, scaling)
        af = longrope_attn_factor(c)

        resid = x
        h = rms_norm(x, W[p + "input_layernorm.weight"], eps, gemma)
        if fam == "phi3":
            qkv = h @ W[p + "self_attn.qkv_proj.weight"].T
            q = qkv[:, : nh * hd]
            k = qkv[:, nh * hd: nh * hd + nkv * hd]
            v = qkv[:, nh * hd + nkv * hd:]
        else:
            q = h @ W[p + "self_attn.q_proj.weight"].T
            k = h @ W[p + "self_attn.k_proj.weight"].T
            v = h @ W[p + "self_attn.v_proj.weight"].T
            if p + "self_attn.q_proj.bias" in W:
                q = q + W[p + "self_attn.q_proj.bias"]
                k = k + W[p + "self_attn.k_proj.bias"]
                v = v + W[p + "self_attn.v_proj.bias"]
        q = q.view(Tn, nh, hd).transpose(0, 1)
        k = k.view(Tn, nkv, hd).transpose(0, 1)
        v = v.view(Tn, nkv, hd).transpose(0, 1)
        if fam in ("qwen3", "gemma3"):
            q = rms_norm(q, W[p + "self_attn.q_norm.weight"], eps, gemma)
            k = rms_norm(k, W[p + "self_attn.k_norm.weight"], eps, gemma)
        q = rope(q, pos, inv, af)
        k = rope(k, pos, inv, af)
        rep = nh // nkv
        k = k.repeat_interleave(rep, dim=0)
        v = v.repeat_interleave(rep, dim=0)
        if gemma:
            scaling_q = (hd if gguf else c["query_pre_attn_scalar"]) ** -0.5
        else:
            scaling_q = hd ** -0.5
        s = (q @ k.transpose(1, 2)) * scaling_q
        if c.get("attn_logit_softcapping"):
            cap = c["attn_logit_softcapping"]
            s = torch.tanh(s / cap) * cap
        i = pos[:, None]
        j = pos[None, :]
        allowed = j <= i
        if window is not None:
            allowed = allowed & (i - j < window)
        s = s.masked_fill(~allowed, float("-inf"))
        a = torch.softmax(s, dim=-1) @ v  # [nh, T, hd]
        a = a.transpose(0, 1).reshape(Tn, nh * hd)
        o = a @ W[p + "self_attn.o_proj.weight"].T
        if gemma:
            o = rms_norm(o, W[p + "post_attention_layernorm.weight"], eps, True)
        x = resid + o

        resid = x
        if gemma:
            h = rms_norm(x, W[p + "pre_feedforward_layernorm.weight"], eps, True)
        else:
            h = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps, False)
        if fam == "phi3":
            gu = h @ W[p + "mlp.gate_up_proj.weight"].T
            gate, up = gu.chunk(2, dim=-1)
        else:
            gate = h @ W[p + "mlp.gate_proj.weight"].T
            up = h @ W[p + "mlp.up_proj.weight"].T
        act = gelu_tanh(gate) if gemma else torch.nn.functional.silu(gate)
        z = act * up
        posts.append(z)
        m = z @ W[p + "mlp.down_proj.weight"].T
        if gemma:
            m = rms_norm(m, W[p + "post_feedforward_layernorm.weight"], eps, True)
        x = resid + m
    x = rms_norm(x, W["model.norm.weight"], eps, gemma)
    head = W.get("lm_head.weight", W["model.embed_tokens.weight"])
    logits = x @ head.T
    if c.get("final_logit_softcapping"):
        cap = c["final_logit_softcapping"]
        logits = torch.tanh(logits / cap) * cap
    return logits, posts[-1]


# ---------------------------------------------------------------- model definitions


def make_weights(spec, g):
    c = spec["cfg"]
    d = c["hidden_size"]
    nh = c["num_attention_heads"]
    nkv = c["num_key_value_heads"]
    hd = c.get("head_dim") or d // nh
    ff = c["intermediate_size"]
    V = c["vocab_size"]
    fam = spec["family"]
    gemma = fam in ("gemma2", "gemma3")

    def mat(n, k, std=None):
        std = std if std is not None else 1.0 / math.sqrt(k)
        return torch.randn(n, k, generator=g, dtype=torch.float64) * std * 1.5

    def normw(n):
        if gemma:  # stored as w, used as (1 + w)
            return torch.randn(n, generator=g, dtype=torch.float64) * 0.2
        return 1.0 + torch.randn(n, generator=g, dtype=torch.float64) * 0.2

    W = {"model.embed_tokens.weight": torch.randn(V, d, generator=g, dtype=torch.float64)}
    for l in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % l
        W[p + "input_layernorm.weight"] = normw(d)
        if fam == "phi3":
            W[p + "self_attn.qkv_proj.weight"] = mat((nh + 2 * nkv) * hd, d)
        else:
            W[p + "self_attn.q_proj.weight"] = mat(nh * hd, d)
            W[p + "self_attn.k_proj.weight"] = mat(nkv * hd, d)
            W[p + "self_attn.v_proj.weight"] = mat(nkv * hd, d)
        if fam == "qwen2":
            W[p + "self_attn.q_proj.bias"] = torch.randn(nh * hd, generator=g, dtype=torch.float64) * 0.5
            W[p + "self_attn.k_proj.bias"] = torch.randn(nkv * hd, generator=g, dtype=torch.float64) * 0.5
            W[p + "self_attn.v_proj.bias"] = torch.randn(nkv * hd, generator=g, dtype=torch.float64) * 0.5
        if fam in ("qwen3", "gemma3"):
            W[p + "self_attn.q_norm.weight"] = normw(hd)
            W[p + "self_attn.k_norm.weight"] = normw(hd)
        W[p + "self_attn.o_proj.weight"] = mat(d, nh * hd)
        W[p + "post_attention_layernorm.weight"] = normw(d)
        if gemma:
            W[p + "pre_feedforward_layernorm.weight"] = normw(d)
            W[p + "post_feedforward_layernorm.weight"] = normw(d)
        if fam == "phi3":
            W[p + "mlp.gate_up_proj.weight"] = mat(2 * ff, d)
        else:
            W[p + "mlp.gate_proj.weight"] = mat(ff, d)
            W[p + "mlp.up_proj.weight"] = mat(ff, d)
        W[p + "mlp.down_proj.weight"] = mat(d, ff)
    W["model.norm.weight"] = normw(d)
    if not c.get("tie_word_embeddings", False):
        W["lm_head.weight"] = mat(V, d)
    # round to the storage dtype so that the reference sees exactly the stored numbers
    for n in W:
        if spec["dtype"] == "BF16":
            W[n] = bf16_round(W[n])
        elif spec["dtype"] == "F16":
            W[n] = W[n].to(torch.float16).to(torch.float64)
        else:
            W[n] = W[n].to(torch.float32).to(torch.float64)
    return W


def base_cfg(arch, model_type, **kw):
    c = {
        "architectures": [arch],
        "model_type": model_type,
        "hidden_size": 32,
        "intermediate_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "max_position_embeddings": 128,
        "vocab_size": 64,
        "hidden_act": "silu",
        "tie_word_embeddings": False,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "torch_dtype": "float32",
    }
    c.update(kw)
    return c


SPECS = [
    dict(name="llama", family="llama", dtype="F32", cfg=base_cfg(
        "LlamaForCausalLM", "llama", attention_bias=False, mlp_bias=False,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                      "high_freq_factor": 4.0, "original_max_position_embeddings": 64}),
        gen=dict(bos_token_id=1, eos_token_id=[2, 3], temperature=0.6, top_p=0.9, do_sample=True)),
    dict(name="mistral", family="mistral", dtype="BF16", cfg=base_cfg(
        "MistralForCausalLM", "mistral", sliding_window=4, rope_theta=1000000.0, head_dim=8,
        torch_dtype="bfloat16")),
    dict(name="qwen2", family="qwen2", dtype="F32", cfg=base_cfg(
        "Qwen2ForCausalLM", "qwen2", tie_word_embeddings=True, use_sliding_window=False,
        sliding_window=4, rms_norm_eps=1e-6, rope_theta=1000000.0, bos_token_id=None)),
    dict(name="qwen3", family="qwen3", dtype="BF16", cfg=base_cfg(
        "Qwen3ForCausalLM", "qwen3", head_dim=16, attention_bias=False, tie_word_embeddings=True,
        rms_norm_eps=1e-6, torch_dtype="bfloat16")),
    dict(name="gemma2", family="gemma2", dtype="F32", cfg=base_cfg(
        "Gemma2ForCausalLM", "gemma2", head_dim=8, query_pre_attn_scalar=12,
        attn_logit_softcapping=2.0, final_logit_softcapping=5.0, sliding_window=4,
        hidden_act="gelu_pytorch_tanh", hidden_activation="gelu_pytorch_tanh",
        tie_word_embeddings=True, rms_norm_eps=1e-6, num_hidden_layers=3)),
    dict(name="gemma3", family="gemma3", dtype="BF16", cfg=base_cfg(
        "Gemma3ForCausalLM", "gemma3_text", head_dim=8, query_pre_attn_scalar=8,
        sliding_window=4, sliding_window_pattern=6, rope_local_base_freq=10000.0,
        rope_theta=1000000.0, rope_scaling={"rope_type": "linear", "factor": 8.0},
        attn_logit_softcapping=None, final_logit_softcapping=None,
        hidden_activation="gelu_pytorch_tanh", hidden_act="gelu_pytorch_tanh",
        tie_word_embeddings=True, rms_norm_eps=1e-6, num_hidden_layers=7,
        intermediate_size=32, torch_dtype="bfloat16")),
    dict(name="phi3_longrope", family="phi3", dtype="F16", cfg=base_cfg(
        "Phi3ForCausalLM", "phi3", sliding_window=None, torch_dtype="float16", num_hidden_layers=1,
        hidden_size=32, num_attention_heads=2, num_key_value_heads=1, head_dim=16, partial_rotary_factor=0.5,
        max_position_embeddings=256, original_max_position_embeddings=64,
        rope_scaling={"type": "longrope", "short_factor": [1.0, 1.3, 2.9, 7.5], "long_factor": [1.0, 2.0, 9.0, 30.0]})),
    dict(name="phi3", family="phi3", dtype="F16", shards=2, cfg=base_cfg(
        "Phi3ForCausalLM", "phi3", sliding_window=None, torch_dtype="float16")),
]


# ---------------------------------------------------------------- GGUF (llama only)


def gguf_permute(w, n_head):
    # llama.cpp convert_hf_to_gguf.py LlamaModel.permute: rotate-half rows -> interleaved rows
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def gguf_unpermute(w, n_head):
    # inverse of gguf_permute: interleaved rows -> rotate-half rows
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def gguf_str(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def q8_0(t):
    """Quantise rows of t to ggml Q8_0 (blocks of 32: f16 scale d = amax/127,
    int8 q = round(x/d)); return (bytes, dequantised float64 tensor)."""
    a = t.to(torch.float32).numpy().reshape(-1, 32)
    d = (np.abs(a).max(axis=1) / 127.0).astype(np.float16)
    df = d.astype(np.float32)
    inv = np.where(df == 0, 0, 1.0 / np.where(df == 0, 1, df))
    q = np.round(a * inv[:, None]).astype(np.int8)
    out = bytearray()
    for i in range(a.shape[0]):
        out += d[i:i + 1].astype("<f2").tobytes() + q[i].tobytes()
    deq = torch.from_numpy((q.astype(np.float64) * df.astype(np.float64)[:, None]).reshape(t.shape))
    return bytes(out), deq


def write_gguf(path, spec, W, quant=False):
    c = spec["cfg"]
    nh, nkv = c["num_attention_heads"], c["num_key_value_heads"]
    hd = c["hidden_size"] // nh
    sc = c["rope_scaling"]
    # llama.cpp stores llama3 scaling as a rope_freqs tensor of per-pair divisors
    base_inv = inv_freq(c["rope_theta"], hd, None)
    scaled = inv_freq(c["rope_theta"], hd, sc)
    freqs = (base_inv / scaled).to(torch.float32)
    tensors = [("token_embd.weight", W["model.embed_tokens.weight"]),
               ("rope_freqs.weight", freqs)]
    for l in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % l
        b = "blk.%d." % l
        tensors += [
            (b + "attn_norm.weight", W[p + "input_layernorm.weight"]),
            (b + "attn_q.weight", gguf_permute(W[p + "self_attn.q_proj.weight"], nh)),
            (b + "attn_k.weight", gguf_permute(W[p + "self_attn.k_proj.weight"], nkv)),
            (b + "attn_v.weight", W[p + "self_attn.v_proj.weight"]),
            (b + "attn_output.weight", W[p + "self_attn.o_proj.weight"]),
            (b + "ffn_norm.weight", W[p + "post_attention_layernorm.weight"]),
            (b + "ffn_gate.weight", W[p + "mlp.gate_proj.weight"]),
            (b + "ffn_up.weight", W[p + "mlp.up_proj.weight"]),
            (b + "ffn_down.weight", W[p + "mlp.down_proj.weight"]),
        ]
    tensors += [("output_norm.weight", W["model.norm.weight"]), ("output.weight", W["lm_head.weight"])]
    kv = [
        ("general.architecture", 8, gguf_str("llama")),
        ("general.name", 8, gguf_str("tiny-llama")),
        ("llama.context_length", 4, struct.pack("<I", c["max_position_embeddings"])),
        ("llama.embedding_length", 4, struct.pack("<I", c["hidden_size"])),
        ("llama.block_count", 4, struct.pack("<I", c["num_hidden_layers"])),
        ("llama.feed_forward_length", 4, struct.pack("<I", c["intermediate_size"])),
        ("llama.attention.head_count", 4, struct.pack("<I", nh)),
        ("llama.attention.head_count_kv", 4, struct.pack("<I", nkv)),
        ("llama.attention.layer_norm_rms_epsilon", 6, struct.pack("<f", c["rms_norm_eps"])),
        ("llama.rope.freq_base", 6, struct.pack("<f", c["rope_theta"])),
        ("llama.rope.dimension_count", 4, struct.pack("<I", hd)),
        ("llama.vocab_size", 4, struct.pack("<I", c["vocab_size"])),
    ]
    align = 32
    out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv)))
    for k, typ, val in kv:
        out += gguf_str(k) + struct.pack("<I", typ) + val
    off = 0
    blobs = []
    deq = {}
    for name, t in tensors:
        dims = list(reversed(t.shape))  # ggml order: fastest-varying first
        out += gguf_str(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", x) for x in dims)
        if quant and t.dim() == 2:
            b, deq[name] = q8_0(t)
            out += struct.pack("<IQ", 8, off)
        else:
            b = t.to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
            out += struct.pack("<IQ", 0, off)
        pad = (align - len(b) % align) % align
        blobs.append(b + b"\0" * pad)
        off += len(b) + pad
    out += b"\0" * ((align - len(out) % align) % align)
    with open(path, "wb") as f:
        f.write(bytes(out) + b"".join(blobs))
    return deq


GGUF_NAMES = [
    ("self_attn.qkv_proj.weight", "attn_qkv.weight"),
    ("self_attn.q_proj.weight", "attn_q.weight"),
    ("self_attn.k_proj.weight", "attn_k.weight"),
    ("self_attn.v_proj.weight", "attn_v.weight"),
    ("self_attn.q_proj.bias", "attn_q.bias"),
    ("self_attn.k_proj.bias", "attn_k.bias"),
    ("self_attn.v_proj.bias", "attn_v.bias"),
    ("self_attn.o_proj.weight", "attn_output.weight"),
    ("self_attn.q_norm.weight", "attn_q_norm.weight"),
    ("self_attn.k_norm.weight", "attn_k_norm.weight"),
    ("input_layernorm.weight", "attn_norm.weight"),
    ("pre_feedforward_layernorm.weight", "ffn_norm.weight"),
    ("post_feedforward_layernorm.weight", "post_ffw_norm.weight"),
    ("mlp.gate_up_proj.weight", "ffn_up.weight"),
    ("mlp.gate_proj.weight", "ffn_gate.weight"),
    ("mlp.up_proj.weight", "ffn_up.weight"),
    ("mlp.down_proj.weight", "ffn_down.weight"),
]


def _f16(x):
    return np.float16(x).astype("<f2").tobytes(), float(np.float16(x))


def q4_k_random(n, k, g):
    """Random ggml Q4_K rows [n, k] (k a multiple of 256) and their values:
    per 256-value super-block d, dmin (f16), 12 bytes of 6-bit scales and
    mins, 128 bytes of nibbles; value = d*sc*q - dmin*m, per ggml's
    dequantize_row_q4_K."""
    out = bytearray()
    vals = np.zeros((n, k))
    for r in range(n):
        for b in range(k // 256):
            db, d = _f16(0.001 + 0.002 * torch.rand(1, generator=g).item())
            mb, dmin = _f16(0.001 + 0.002 * torch.rand(1, generator=g).item())
            sc = torch.randint(0, 256, (12,), generator=g).numpy().astype(np.uint8)
            qs = torch.randint(0, 256, (128,), generator=g).numpy().astype(np.uint8)
            out += db + mb + sc.tobytes() + qs.tobytes()
            y = vals[r, b * 256:(b + 1) * 256]

            def scale_min(j):
                if j < 4:
                    return int(sc[j] & 63), int(sc[j + 4] & 63)
                return int((sc[j + 4] & 0xF) | ((sc[j - 4] >> 6) << 4)), int((sc[j + 4] >> 4) | ((sc[j] >> 6) << 4))
            for grp in range(4):
                s1, m1 = scale_min(2 * grp)
                s2, m2 = scale_min(2 * grp + 1)
                q = qs[32 * grp:32 * grp + 32]
                y[64 * grp:64 * grp + 32] = d * s1 * (q & 0xF) - dmin * m1
                y[64 * grp + 32:64 * grp + 64] = d * s2 * (q >> 4) - dmin * m2
    return bytes(out), torch.from_numpy(vals)


def q6_k_random(n, k, g):
    """Random ggml Q6_K rows [n, k] and their values: per super-block 128
    bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales, f16 d;
    value = d*scale*(q - 32), per ggml's dequantize_row_q6_K."""
    out = bytearray()
    vals = np.zeros((n, k))
    for r in range(n):
        for b in range(k // 256):
            ql = torch.randint(0, 256, (128,), generator=g).numpy().astype(np.uint8)
            qh = torch.randint(0, 256, (64,), generator=g).numpy().astype(np.uint8)
            sc = torch.randint(-40, 41, (16,), generator=g).numpy().astype(np.int8)
            db, d = _f16(0.0005 + 0.001 * torch.rand(1, generator=g).item())
            out += ql.tobytes() + qh.tobytes() + sc.tobytes() + db
            y = vals[r, b * 256:(b + 1) * 256]
            for h in range(2):
                L, H, S = ql[64 * h:64 * h + 64].astype(np.int64), qh[32 * h:32 * h + 32].astype(np.int64), sc[8 * h:8 * h + 8].astype(np.int64)
                for l in range(32):
                    i = l // 16
                    q1 = ((L[l] & 0xF) | (((H[l] >> 0) & 3) << 4)) - 32
                    q2 = ((L[l + 32] & 0xF) | (((H[l] >> 2) & 3) << 4)) - 32
                    q3 = ((L[l] >> 4) | (((H[l] >> 4) & 3) << 4)) - 32
                    q4 = ((L[l + 32] >> 4) | (((H[l] >> 6) & 3) << 4)) - 32
                    y[128 * h + l] = d * S[i] * q1
                    y[128 * h + l + 32] = d * S[i + 2] * q2
                    y[128 * h + l + 64] = d * S[i + 4] * q3
                    y[128 * h + l + 96] = d * S[i + 6] * q4
    return bytes(out), torch.from_numpy(vals)


def write_family_gguf(path, spec, W, types=None, g=None):
    """Write a model as a Q8_0 GGUF the way llama.cpp's converter lays it out
    (names, metadata, Gemma norms stored as 1 + w, llama q/k permuted) and
    return the HF-named weights with every matrix replaced by its dequantised
    value, for the reference forward."""
    c = spec["cfg"]
    fam = spec["family"]
    arch = "llama" if fam == "mistral" else fam
    gemma = fam in ("gemma2", "gemma3")
    nh, nkv = c["num_attention_heads"], c["num_key_value_heads"]
    hd = c.get("head_dim") or c["hidden_size"] // nh
    tensors = []  # (gguf name, tensor in gguf layout, hf name, undo)
    ident = lambda t: t
    tensors.append(("token_embd.weight", W["model.embed_tokens.weight"], "model.embed_tokens.weight", ident))
    for l in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % l
        for hf, gg in GGUF_NAMES:
            if p + hf not in W:
                continue
            t = W[p + hf]
            undo = ident
            if arch == "llama" and hf in ("self_attn.q_proj.weight", "self_attn.k_proj.weight"):
                n = nh if hf.startswith("self_attn.q") else nkv
                t = gguf_permute(t, n)
                undo = (lambda n: lambda x: gguf_unpermute(x, n))(n)
            if gemma and hf.endswith("norm.weight"):
                t = t + 1
            tensors.append(("blk.%d.%s" % (l, gg), t, p + hf, undo))
        if gemma:
            tensors.append(("blk.%d.post_attention_norm.weight" % l, W[p + "post_attention_layernorm.weight"] + 1,
                            p + "post_attention_layernorm.weight", ident))
        else:
            tensors.append(("blk.%d.ffn_norm.weight" % l, W[p + "post_attention_layernorm.weight"],
                            p + "post_attention_layernorm.weight", ident))
    tensors.append(("output_norm.weight", W["model.norm.weight"] + (1 if gemma else 0), "model.norm.weight", ident))
    if "lm_head.weight" in W:
        tensors.append(("output.weight", W["lm_head.weight"], "lm_head.weight", ident))

    def u32(k, v):
        return (arch + "." + k, 4, struct.pack("<I", v))

    def f32(k, v):
        return (arch + "." + k, 6, struct.pack("<f", v))

    kv = [
        ("general.architecture", 8, gguf_str(arch)),
        u32("context_length", c["max_position_embeddings"]),
        u32("embedding_length", c["hidden_size"]),
        u32("block_count", c["num_hidden_layers"]),
        u32("feed_forward_length", c["intermediate_size"]),
        u32("attention.head_count", nh),
        u32("attention.head_count_kv", nkv),
        u32("attention.key_length", hd),
        u32("attention.value_length", hd),
        f32("attention.layer_norm_rms_epsilon", c["rms_norm_eps"]),
        f32("rope.freq_base", c.get("rope_theta", 10000.0)),
        u32("rope.dimension_count", hd),
        u32("vocab_size", c["vocab_size"]),
    ]
    if c.get("sliding_window") and fam in ("mistral", "gemma2", "gemma3"):
        kv.append(u32("attention.sliding_window", c["sliding_window"]))
    if c.get("attn_logit_softcapping"):
        kv.append(f32("attn_logit_softcapping", c["attn_logit_softcapping"]))
    if c.get("final_logit_softcapping"):
        kv.append(f32("final_logit_softcapping", c["final_logit_softcapping"]))
    rs = c.get("rope_scaling")
    if rs and rs.get("type") == "longrope":
        for nm in ("short", "long"):
            tensors.append(("rope_factors_%s.weight" % nm, torch.tensor(rs[nm + "_factor"], dtype=torch.float64), None, ident))
        kv.append(f32("rope.scaling.attn_factor", longrope_attn_factor(c)))
        kv.append(u32("rope.scaling.original_context_length", c["original_max_position_embeddings"]))
        kv[kv.index(u32("rope.dimension_count", hd))] = u32("rope.dimension_count", int(hd * c["partial_rotary_factor"]))
    if rs and rs.get("rope_type") == "linear":
        kv.append((arch + ".rope.scaling.type", 8, gguf_str("linear")))
        kv.append(f32("rope.scaling.factor", rs["factor"]))
    align = 32
    out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv)))
    for k, typ, val in kv:
        out += gguf_str(k) + struct.pack("<I", typ) + val
    off = 0
    blobs = []
    WQ = dict(W)
    for name, t, hf, undo in tensors:
        dims = list(reversed(t.shape))
        out += gguf_str(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", x) for x in dims)
        if t.dim() == 2:
            typ = (types or {}).get(name, "Q8_0")
            if typ == "Q8_0":
                b, deq = q8_0(t)
            elif typ == "Q4_K":
                b, deq = q4_k_random(t.shape[0], t.shape[1], g)
            elif typ == "Q6_K":
                b, deq = q6_k_random(t.shape[0], t.shape[1], g)
            elif typ == "F16":
                b = t.to(torch.float16).contiguous().numpy().astype("<f2").tobytes()
                deq = t.to(torch.float16).to(torch.float64)
            elif typ == "BF16":
                b = t.to(torch.bfloat16).contiguous().view(torch.int16).numpy().astype("<i2").tobytes()
                deq = bf16_round(t)
            WQ[hf] = undo(deq)
            code = {"Q8_0": 8, "Q4_K": 12, "Q6_K": 14, "F16": 1, "BF16": 30}[typ]
            out += struct.pack("<IQ", code, off)
        else:
            b = t.to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
            out += struct.pack("<IQ", 0, off)
        pad = (align - len(b) % align) % align
        blobs.append(b + b"\0" * pad)
        off += len(b) + pad
    out += b"\0" * ((align - len(out) % align) % align)
    with open(path, "wb") as f:
        f.write(bytes(out) + b"".join(blobs))
    return WQ


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(20261130)
    for spec in SPECS:
        W = make_weights(spec, g)
        tokens = torch.randint(0, spec["cfg"]["vocab_size"], (T,), generator=g).tolist()
        logits, post = forward(spec, W, tokens)
        d = write_model(spec["name"], spec["cfg"], W, spec["dtype"], spec.get("shards", 1), spec.get("gen"))
        with open(os.path.join(d, "ref_tokens.json"), "w") as f:
            json.dump(tokens, f)
        logits.to(torch.float32).numpy().astype("<f4").tofile(os.path.join(d, "ref_logits.f32"))
        post.to(torch.float32).numpy().astype("<f4").tofile(os.path.join(d, "ref_post.f32"))
        if spec["name"] not in ("llama", "mistral"):  # both are GGUF arch llama: see llama_kquant
            WQ = write_family_gguf(os.path.join(d, "model_q8_0.gguf"), spec, W)
            lq, _ = forward(spec, WQ, tokens, gguf=True)
            lq.to(torch.float32).numpy().astype("<f4").tofile(os.path.join(d, "ref_logits_gguf_q8_0.f32"))
        if spec["name"] == "llama":
            write_gguf(os.path.join(d, "llama.gguf"), spec, W)
            # (the Q8_0 llama layout is covered by llama_kquant below)
        print(spec["name"], "logits[0,:4]", logits[0, :4].tolist(), "max|logit|", logits.abs().max().item())


def kquant():
    """A llama whose GGUF mixes tensor types as llama.cpp's Q4_K_M files do:
    Q4_K and Q6_K down projections (random valid encodings), Q8_0 elsewhere,
    an F16 embedding and a BF16 value projection. Written as GGUF only."""
    g = torch.Generator().manual_seed(4242)
    spec = dict(name="llama_kquant", family="llama", dtype="F32", cfg=base_cfg(
        "LlamaForCausalLM", "llama", intermediate_size=256, num_hidden_layers=2))
    W = make_weights(spec, g)
    tokens = torch.randint(0, spec["cfg"]["vocab_size"], (T,), generator=g).tolist()
    d = os.path.join(OUT, spec["name"])
    os.makedirs(d, exist_ok=True)
    types = {"blk.0.ffn_down.weight": "Q4_K", "blk.1.ffn_down.weight": "Q6_K",
             "token_embd.weight": "F16", "blk.0.attn_v.weight": "BF16"}
    WQ = write_family_gguf(os.path.join(d, "model.gguf"), spec, W, types, g)
    lq, _ = forward(spec, WQ, tokens, gguf=True)
    with open(os.path.join(d, "ref_tokens.json"), "w") as f:
        json.dump(tokens, f)
    lq.to(torch.float32).numpy().astype("<f4").tofile(os.path.join(d, "ref_logits.f32"))
    print(spec["name"], "logits[0,:4]", lq[0, :4].tolist(), "max|logit|", lq.abs().max().item())


if __name__ == "__main__":
    main()
    kquant()
