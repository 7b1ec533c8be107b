package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/hneurons/hneurons/gguf"
	"github.com/hneurons/hneurons/kernels"
)

// WriteRandomGGUF writes the same randomly initialised model as
// WriteRandomHF (same configuration, dtype and seed: the same values) as one
// GGUF file at path, under llama.cpp's tensor names and metadata, so that
// llama.cpp (llama-bench, llama-batched-bench, llama-quantize) and hneurons
// run the very same weights side by side. Matrices are stored as dtype (F32,
// F16 or BF16); norm weights and biases as F32 (llama.cpp's converter does
// the same), biases rounded to dtype first so that both files hold equal
// values. The file carries no real vocabulary: tokenizer.ggml.model is
// "none" with qwen2.vocab_size set, which llama.cpp loads as a vocabulary
// of placeholder tokens (enough for its benchmarks). Only the qwen2 family
// is written (llama.cpp keeps its Hugging Face q/k row order, so no RoPE
// permutation is needed).
func WriteRandomGGUF(path string, cfg Config, dtype kernels.DType, seed uint64) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Arch != "qwen2" || cfg.RopeLayout != RopeHalf || cfg.QKNorm || cfg.PostNorms || cfg.NormAddOne || cfg.RopeScaling.Type != "" || cfg.SlidingWindow > 0 {
		return fmt.Errorf("model: write random GGUF: only plain qwen2 configurations are supported (got %s)", cfg.Arch)
	}
	var gt gguf.Type
	switch dtype {
	case kernels.F32:
		gt = gguf.TypeF32
	case kernels.F16:
		gt = gguf.TypeF16
	case kernels.BF16:
		gt = gguf.TypeBF16
	default:
		return fmt.Errorf("model: write random GGUF: dtype %v not supported (want F32, F16 or BF16)", dtype)
	}
	w := gguf.NewWriter()
	u32 := func(v int) uint32 { return uint32(v) }
	meta := []struct {
		k string
		v any
	}{
		{"general.architecture", "qwen2"},
		{"general.name", "hneurons random " + cfg.Arch},
		{"general.file_type", map[kernels.DType]uint32{kernels.F32: 0, kernels.F16: 1, kernels.BF16: 32}[dtype]},
		{"qwen2.context_length", u32(cfg.MaxSeq)},
		{"qwen2.embedding_length", u32(cfg.DModel)},
		{"qwen2.block_count", u32(cfg.NLayers)},
		{"qwen2.feed_forward_length", u32(cfg.DFF)},
		{"qwen2.attention.head_count", u32(cfg.NHeads)},
		{"qwen2.attention.head_count_kv", u32(cfg.NKVHeads)},
		{"qwen2.attention.key_length", u32(cfg.HeadDim)},
		{"qwen2.attention.value_length", u32(cfg.HeadDim)},
		{"qwen2.rope.freq_base", float32(cfg.RopeTheta)},
		{"qwen2.attention.layer_norm_rms_epsilon", cfg.NormEps},
		{"qwen2.vocab_size", u32(cfg.Vocab)},
		{"tokenizer.ggml.model", "none"},
	}
	for _, kv := range meta {
		if err := w.Add(kv.k, kv.v); err != nil {
			return fmt.Errorf("model: write random GGUF: %w", err)
		}
	}
	// The draws follow WriteRandomHF's order exactly (same stream, same
	// sequence of matrices and biases).
	rng := rand.New(rand.NewPCG(seed, randomSeed))
	D, F, Dh := cfg.DModel, cfg.DFF, cfg.HeadDim
	qd, kvd := cfg.NHeads*Dh, cfg.NKVHeads*Dh
	var errs []error
	add := func(name string, t gguf.Type, dims []uint64, data []byte) {
		if err := w.AddTensor(name, t, dims, data); err != nil {
			errs = append(errs, err)
		}
	}
	mat := func(name string, n, k int) { // [n, k] row-major = ggml dims {k, n}
		add(name, gt, []uint64{uint64(k), uint64(n)}, randomMatrix(rng, dtype, n, k))
	}
	vec := func(name string, v []float32) {
		if err := w.AddTensorF32(name, []uint64{uint64(len(v))}, v); err != nil {
			errs = append(errs, err)
		}
	}
	ones := func(name string, n int) {
		v := make([]float32, n)
		for i := range v {
			v[i] = 1
		}
		vec(name, v)
	}
	bias := func(name string, n int) {
		v := randomBias(rng, n)
		for i, x := range v {
			switch dtype {
			case kernels.F16:
				v[i] = kernels.FromF16(kernels.ToF16(x))
			case kernels.BF16:
				v[i] = kernels.FromBF16(kernels.ToBF16(x))
			}
		}
		vec(name, v)
	}
	mat("token_embd.weight", cfg.Vocab, D)
	ones("output_norm.weight", D)
	if !cfg.TiedEmbeddings {
		mat("output.weight", cfg.Vocab, D)
	}
	for l := 0; l < cfg.NLayers; l++ {
		p := fmt.Sprintf("blk.%d.", l)
		ones(p+"attn_norm.weight", D)
		mat(p+"attn_q.weight", qd, D)
		mat(p+"attn_k.weight", kvd, D)
		mat(p+"attn_v.weight", kvd, D)
		bias(p+"attn_q.bias", qd)
		bias(p+"attn_k.bias", kvd)
		bias(p+"attn_v.bias", kvd)
		mat(p+"attn_output.weight", D, qd)
		ones(p+"ffn_norm.weight", D)
		mat(p+"ffn_gate.weight", F, D)
		mat(p+"ffn_up.weight", F, D)
		mat(p+"ffn_down.weight", D, F)
	}
	if len(errs) > 0 {
		return fmt.Errorf("model: write random GGUF: %w", errs[0])
	}
	if err := w.WriteFile(path); err != nil {
		return fmt.Errorf("model: write random GGUF %s: %w", path, err)
	}
	return nil
}
