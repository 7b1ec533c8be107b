package model

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/safetensors"
)

// WriteRandomHF writes a randomly initialised model of configuration cfg as
// a Hugging Face folder (config.json and one model.safetensors with the
// family's tensor names) into dir, with matrices stored as dtype (F32, F16
// or BF16) and drawn like RandomInit's (uniform, std 1/sqrt(fan-in); norm
// weights 1; qwen2's q/k/v biases N(0, 0.1^2)), seeded deterministically. It
// exists so that engine benchmarks, memory figures included, can be rerun on
// a real file of a real shape: `hneurons bench --random-shape NAME --save DIR`.
// Only the llama and qwen2 families in the Hugging Face RoPE layout are
// written.
func WriteRandomHF(dir string, cfg Config, dtype kernels.DType, seed uint64) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if (cfg.Arch != "llama" && cfg.Arch != "qwen2") || cfg.RopeLayout != RopeHalf || cfg.QKNorm || cfg.PostNorms || cfg.NormAddOne {
		return fmt.Errorf("model: write random folder: only plain llama and qwen2 configurations are supported (got %s)", cfg.Arch)
	}
	var st safetensors.DType
	switch dtype {
	case kernels.F32:
		st = "F32"
	case kernels.F16:
		st = "F16"
	case kernels.BF16:
		st = "BF16"
	default:
		return fmt.Errorf("model: write random folder: dtype %v not supported (want F32, F16 or BF16)", dtype)
	}
	rng := rand.New(rand.NewPCG(seed, randomSeed))
	D, F, Dh := cfg.DModel, cfg.DFF, cfg.HeadDim
	qd, kvd := cfg.NHeads*Dh, cfg.NKVHeads*Dh
	var tensors []safetensors.TensorToWrite
	mat := func(name string, n, k int) {
		tensors = append(tensors, safetensors.TensorToWrite{Name: name, DType: st, Shape: []int{n, k}, Data: randomMatrix(rng, dtype, n, k)})
	}
	ones := func(name string, n int) {
		v := make([]float32, n)
		for i := range v {
			v[i] = 1
		}
		tensors = append(tensors, safetensors.TensorToWrite{Name: name, DType: st, Shape: []int{n}, F32: v})
	}
	bias := func(name string, n int) {
		tensors = append(tensors, safetensors.TensorToWrite{Name: name, DType: st, Shape: []int{n}, F32: randomBias(rng, n)})
	}
	mat("model.embed_tokens.weight", cfg.Vocab, D)
	ones("model.norm.weight", D)
	if !cfg.TiedEmbeddings {
		mat("lm_head.weight", cfg.Vocab, D)
	}
	for l := 0; l < cfg.NLayers; l++ {
		p := fmt.Sprintf("model.layers.%d.", l)
		ones(p+"input_layernorm.weight", D)
		mat(p+"self_attn.q_proj.weight", qd, D)
		mat(p+"self_attn.k_proj.weight", kvd, D)
		mat(p+"self_attn.v_proj.weight", kvd, D)
		if cfg.Arch == "qwen2" {
			bias(p+"self_attn.q_proj.bias", qd)
			bias(p+"self_attn.k_proj.bias", kvd)
			bias(p+"self_attn.v_proj.bias", kvd)
		}
		mat(p+"self_attn.o_proj.weight", D, qd)
		ones(p+"post_attention_layernorm.weight", D)
		mat(p+"mlp.gate_proj.weight", F, D)
		mat(p+"mlp.up_proj.weight", F, D)
		mat(p+"mlp.down_proj.weight", D, F)
	}

	hf := map[string]any{
		"model_type": cfg.Arch, "hidden_size": D, "intermediate_size": F, "num_hidden_layers": cfg.NLayers,
		"num_attention_heads": cfg.NHeads, "num_key_value_heads": cfg.NKVHeads, "head_dim": Dh,
		"vocab_size": cfg.Vocab, "max_position_embeddings": cfg.MaxSeq, "rms_norm_eps": cfg.NormEps,
		"rope_theta": cfg.RopeTheta, "tie_word_embeddings": cfg.TiedEmbeddings, "hidden_act": "silu",
		"torch_dtype": map[kernels.DType]string{kernels.F32: "float32", kernels.F16: "float16", kernels.BF16: "bfloat16"}[dtype],
	}
	switch cfg.Arch {
	case "qwen2":
		hf["architectures"] = []string{"Qwen2ForCausalLM"}
	default:
		hf["architectures"] = []string{"LlamaForCausalLM"}
	}
	if rs := cfg.RopeScaling; rs.Type != "" {
		scaling := map[string]any{"rope_type": rs.Type, "factor": rs.Factor}
		if rs.Type == "llama3" {
			scaling["low_freq_factor"], scaling["high_freq_factor"] = rs.LowFreqFactor, rs.HighFreqFactor
			scaling["original_max_position_embeddings"] = rs.OriginalMaxPos
		}
		hf["rope_scaling"] = scaling
	}
	js, err := json.MarshalIndent(hf, "", "  ")
	if err != nil {
		return fmt.Errorf("model: write random folder: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("model: write random folder: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("model: write random folder: %w", err)
	}
	if err := safetensors.Create(filepath.Join(dir, "model.safetensors"), tensors, map[string]string{"format": "pt"}); err != nil {
		return fmt.Errorf("model: write random folder: %w", err)
	}
	return nil
}
