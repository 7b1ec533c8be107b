package model

import (
	"fmt"
	"math"

	"github.com/hneurons/hneurons/gguf"
	"github.com/hneurons/hneurons/kernels"
)

// ggufSource serves the tensors of a GGUF file (already in the internal
// naming scheme).
type ggufSource struct {
	f    *gguf.File
	path string
}

func (s *ggufSource) tensor(name string) (rawTensor, bool, error) {
	if _, ok := s.f.Tensor(name); !ok {
		return rawTensor{}, false, nil
	}
	data, info, err := s.f.TensorData(name)
	if err != nil {
		return rawTensor{}, false, fmt.Errorf("%s: %w", s.path, err)
	}
	var dt kernels.DType
	switch info.Type {
	case gguf.TypeF32:
		dt = kernels.F32
	case gguf.TypeF16:
		dt = kernels.F16
	case gguf.TypeBF16:
		dt = kernels.BF16
	case gguf.TypeQ8_0:
		dt = kernels.Q8_0
	case gguf.TypeQ4_K:
		dt = kernels.Q4_K
	case gguf.TypeQ6_K:
		dt = kernels.Q6_K
	default:
		return rawTensor{}, false, fmt.Errorf("tensor %s: unsupported type %s (want F32, F16, BF16, Q8_0, Q4_K or Q6_K)", name, info.Type)
	}
	shape := make([]int, len(info.Dims)) // row-major, outermost first
	for i, d := range info.Dims {
		if d > math.MaxInt32 {
			return rawTensor{}, false, fmt.Errorf("tensor %s: dimension %d too large", name, d)
		}
		shape[len(shape)-1-i] = int(d)
	}
	return rawTensor{data: data, dt: dt, shape: shape}, true, nil
}

func (s *ggufSource) names() []string {
	out := make([]string, len(s.f.Tensors))
	for i, t := range s.f.Tensors {
		out[i] = t.Name
	}
	return out
}

func (s *ggufSource) close() error { return s.f.Close() }

// configFromGGUF maps GGUF metadata onto a Config.
func configFromGGUF(f *gguf.File) (*Config, error) {
	arch := f.Arch()
	fam := arch
	switch arch {
	case "llama", "mistral", "qwen2", "qwen3", "gemma2", "gemma3", "phi3":
	default:
		return nil, fmt.Errorf("unknown architecture %q; supported: llama, mistral, qwen2, qwen3, gemma2, gemma3, phi3", arch)
	}
	var errs []string
	getU := func(key string, required bool) int {
		v, ok := f.Uint(arch + "." + key)
		if !ok {
			if required {
				errs = append(errs, arch+"."+key)
			}
			return 0
		}
		if v > 1<<31 {
			errs = append(errs, fmt.Sprintf("%s.%s = %d (too large)", arch, key, v))
			return 0
		}
		return int(v)
	}
	c := &Config{
		Arch:     fam,
		DModel:   getU("embedding_length", true),
		NLayers:  getU("block_count", true),
		DFF:      getU("feed_forward_length", true),
		NHeads:   getU("attention.head_count", true),
		NKVHeads: getU("attention.head_count_kv", false),
		MaxSeq:   getU("context_length", false),
		NormEps:  1e-5,
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("missing or invalid metadata: %v", errs)
	}
	if c.NKVHeads == 0 {
		c.NKVHeads = c.NHeads
	}
	if err := c.checkLimits(); err != nil {
		return nil, err
	}
	c.HeadDim = getU("attention.key_length", false)
	if c.HeadDim == 0 && c.NHeads > 0 {
		c.HeadDim = c.DModel / c.NHeads
	}
	c.RopeDim = getU("rope.dimension_count", false)
	if c.RopeDim == c.HeadDim {
		c.RopeDim = 0
	}
	// The embedding's rows are the model's vocabulary (a tokenizer may list
	// fewer tokens than the padded embedding has rows).
	if t, ok := f.Tensor("token_embd.weight"); ok && len(t.Dims) == 2 && t.Dims[1] <= maxVocab {
		c.Vocab = int(t.Dims[1])
	} else if v := getU("vocab_size", false); v > 0 {
		c.Vocab = v
	} else if toks, ok := f.Strings("tokenizer.ggml.tokens"); ok {
		c.Vocab = len(toks)
	}
	if eps, ok := f.Float(arch + ".attention.layer_norm_rms_epsilon"); ok {
		c.NormEps = float32(eps)
	}
	c.RopeTheta = 10000
	if fam == "gemma3" {
		c.RopeTheta = 1e6
	}
	if b, ok := f.Float(arch + ".rope.freq_base"); ok {
		c.RopeTheta = b
	}
	// llama.cpp permutes llama q/k rows into the interleaved layout; the
	// other families keep Hugging Face's rotate-half (NEOX) layout.
	if fam == "llama" || fam == "mistral" {
		c.RopeLayout = RopeInterleaved
	}
	if typ, ok := f.String(arch + ".rope.scaling.type"); ok && typ != "none" {
		factor, _ := f.Float(arch + ".rope.scaling.factor")
		switch typ {
		case "linear":
			if factor > 0 && factor != 1 {
				c.RopeScaling = RopeScaling{Type: "linear", Factor: factor}
			}
		case "longrope":
			// factors come from rope_factors_short.weight (see loadGGUF)
		default:
			return nil, fmt.Errorf("unsupported rope scaling type %q", typ)
		}
	}
	if af, ok := f.Float(arch + ".rope.scaling.attn_factor"); ok && af > 0 && af != 1 {
		c.RopeAttnFactor = float32(af)
	}
	c.QueryScale = float32(1 / math.Sqrt(float64(c.HeadDim)))
	act, err := ggufActivation(fam)
	if err != nil {
		return nil, err
	}
	c.Act = act
	switch fam {
	case "qwen3":
		c.QKNorm = true
	case "gemma2", "gemma3":
		c.PostNorms = true
		c.QKNorm = fam == "gemma3"
		c.EmbedScale = float32(math.Sqrt(float64(c.DModel)))
		// llama.cpp's converter stores Gemma norm weights as 1 + w.
		c.NormAddOne = false
		// The 27B models scale queries by (D/H)^-1/2 instead of Dh^-1/2
		// (query_pre_attn_scalar), as llama.cpp does by model size.
		if (fam == "gemma2" && c.NLayers == 46) || (fam == "gemma3" && c.NLayers == 62) {
			c.QueryScale = float32(1 / math.Sqrt(float64(c.DModel/c.NHeads)))
		}
		if v, ok := f.Float(arch + ".attn_logit_softcapping"); ok {
			c.AttnSoftcap = float32(v)
		}
		if v, ok := f.Float(arch + ".final_logit_softcapping"); ok {
			c.FinalSoftcap = float32(v)
		}
		if w := getU("attention.sliding_window", false); w > 0 {
			c.SlidingWindow = w
			c.SlidingLayers = make([]bool, c.NLayers)
			pat := 2
			if fam == "gemma3" {
				pat = 6
				c.RopeLocalTheta = 10000
			}
			for i := range c.SlidingLayers {
				c.SlidingLayers[i] = (i+1)%pat != 0
			}
		}
	default:
		if w := getU("attention.sliding_window", false); w > 0 {
			c.SlidingWindow = w
			c.SlidingLayers = make([]bool, c.NLayers)
			for i := range c.SlidingLayers {
				c.SlidingLayers[i] = true
			}
		}
	}
	if _, ok := f.Tensor("output.weight"); !ok {
		c.TiedEmbeddings = true
	}
	return c, nil
}

// ggufActivation returns the MLP gate activation of a GGUF architecture.
// GGUF files carry no activation key for these architectures: llama.cpp
// fixes it per architecture, and so does this table, which names every
// family rather than letting an unlisted one default to SwiGLU.
func ggufActivation(arch string) (Activation, error) {
	switch arch {
	case "llama", "mistral", "qwen2", "qwen3", "phi3":
		return ActSiLU, nil
	case "gemma2", "gemma3":
		return ActGELUTanh, nil
	}
	return 0, fmt.Errorf("no known MLP activation for architecture %q", arch)
}

// loadGGUF loads a GGUF model file.
func loadGGUF(path string) (*Model, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	cfg, err := configFromGGUF(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := cfg.Validate(); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	src := &ggufSource{f: f, path: path}
	phi := cfg.Arch == "phi3"
	w, err := bindWeights(cfg, src, phi, phi)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	gen := GenerationDefaults{BOS: -1}
	if v, ok := f.Uint("tokenizer.ggml.bos_token_id"); ok {
		gen.BOS = int(v)
	}
	for _, k := range []string{"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"} {
		if v, ok := f.Uint(k); ok {
			gen.EOS = append(gen.EOS, int(v))
		}
	}
	return newModel(*cfg, w, src, gen, path, "gguf"), nil
}

// GGUF returns the parsed GGUF file of a model loaded from one (for its
// tokenizer and chat template), or nil.
func (m *Model) GGUF() *gguf.File {
	if s, ok := m.src.(*ggufSource); ok {
		return s.f
	}
	return nil
}
