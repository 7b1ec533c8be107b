package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/hneurons/hneurons/internal/jsonpos"
	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/safetensors"
)

// hfRopeScaling is config.json's rope_scaling object.
type hfRopeScaling struct {
	RopeType       string    `json:"rope_type"`
	Type           string    `json:"type"` // older spelling of rope_type
	Factor         float64   `json:"factor"`
	LowFreqFactor  float64   `json:"low_freq_factor"`
	HighFreqFactor float64   `json:"high_freq_factor"`
	OrigMaxPos     float64   `json:"original_max_position_embeddings"`
	ShortFactor    []float64 `json:"short_factor"`
	LongFactor     []float64 `json:"long_factor"`
	AttnFactor     *float64  `json:"attention_factor"`
}

// hfConfig is the subset of a Hugging Face config.json the families use.
// Pointers distinguish absent keys from zero values.
type hfConfig struct {
	Architectures         []string       `json:"architectures"`
	ModelType             string         `json:"model_type"`
	HiddenSize            int            `json:"hidden_size"`
	IntermediateSize      int            `json:"intermediate_size"`
	NumHiddenLayers       int            `json:"num_hidden_layers"`
	NumAttentionHeads     int            `json:"num_attention_heads"`
	NumKeyValueHeads      *int           `json:"num_key_value_heads"`
	HeadDim               *int           `json:"head_dim"`
	RMSNormEps            *float64       `json:"rms_norm_eps"`
	RopeTheta             *float64       `json:"rope_theta"`
	RopeScaling           *hfRopeScaling `json:"rope_scaling"`
	RopeLocalBaseFreq     *float64       `json:"rope_local_base_freq"`
	PartialRotaryFactor   *float64       `json:"partial_rotary_factor"`
	MaxPositionEmbeddings int            `json:"max_position_embeddings"`
	OrigMaxPos            *int           `json:"original_max_position_embeddings"`
	VocabSize             int            `json:"vocab_size"`
	HiddenAct             string         `json:"hidden_act"`
	HiddenActivation      string         `json:"hidden_activation"`
	TieWordEmbeddings     *bool          `json:"tie_word_embeddings"`
	SlidingWindow         *int           `json:"sliding_window"`
	UseSlidingWindow      *bool          `json:"use_sliding_window"`
	MaxWindowLayers       *int           `json:"max_window_layers"`
	SlidingWindowPattern  *int           `json:"sliding_window_pattern"`
	LayerTypes            []string       `json:"layer_types"`
	QueryPreAttnScalar    *float64       `json:"query_pre_attn_scalar"`
	AttnLogitSoftcapping  *float64       `json:"attn_logit_softcapping"`
	FinalLogitSoftcapping *float64       `json:"final_logit_softcapping"`
	TorchDtype            string         `json:"torch_dtype"`
	Dtype                 string         `json:"dtype"`
	BOSTokenID            any            `json:"bos_token_id"`
	EOSTokenID            any            `json:"eos_token_id"`
	TextConfig            *hfConfig      `json:"text_config"`

	present map[string]bool // keys given in the file (even as null)
}

// UnmarshalJSON decodes the config and records which keys it gives, so
// that family defaults apply only to absent keys (null is kept as given).
func (h *hfConfig) UnmarshalJSON(b []byte) error {
	type plain hfConfig
	if err := json.Unmarshal(b, (*plain)(h)); err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return err
	}
	h.present = make(map[string]bool, len(keys))
	for k := range keys {
		h.present[k] = true
	}
	return nil
}

// applyDefaults fills keys a family's Hugging Face config class defaults
// when the file leaves them out (Gemma 3 multimodal checkpoints give a
// sparse text_config).
func (h *hfConfig) applyDefaults(fam string) {
	intp := func(key string, dst **int, v int) {
		if !h.present[key] {
			*dst = &v
		}
	}
	fltp := func(key string, dst **float64, v float64) {
		if !h.present[key] {
			*dst = &v
		}
	}
	num := func(key string, dst *int, v int) {
		if !h.present[key] {
			*dst = v
		}
	}
	switch fam {
	case "gemma2", "gemma3":
		num("hidden_size", &h.HiddenSize, 2304)
		num("intermediate_size", &h.IntermediateSize, 9216)
		num("num_hidden_layers", &h.NumHiddenLayers, 26)
		num("num_attention_heads", &h.NumAttentionHeads, 8)
		intp("num_key_value_heads", &h.NumKeyValueHeads, 4)
		intp("head_dim", &h.HeadDim, 256)
		fltp("rms_norm_eps", &h.RMSNormEps, 1e-6)
		fltp("query_pre_attn_scalar", &h.QueryPreAttnScalar, 256)
		intp("sliding_window", &h.SlidingWindow, 4096)
		if fam == "gemma2" {
			num("vocab_size", &h.VocabSize, 256000)
			num("max_position_embeddings", &h.MaxPositionEmbeddings, 8192)
			fltp("rope_theta", &h.RopeTheta, 10000)
			fltp("attn_logit_softcapping", &h.AttnLogitSoftcapping, 50)
			fltp("final_logit_softcapping", &h.FinalLogitSoftcapping, 30)
		} else {
			num("vocab_size", &h.VocabSize, 262208)
			num("max_position_embeddings", &h.MaxPositionEmbeddings, 131072)
			fltp("rope_theta", &h.RopeTheta, 1e6)
			fltp("rope_local_base_freq", &h.RopeLocalBaseFreq, 10000)
			intp("sliding_window_pattern", &h.SlidingWindowPattern, 6)
		}
	}
}

// family returns the internal family name of an HF config.
func (h *hfConfig) family() (string, error) {
	switch h.ModelType {
	case "llama", "mistral", "qwen2", "qwen3", "gemma2", "phi3":
		return h.ModelType, nil
	case "gemma3_text", "gemma3":
		return "gemma3", nil
	}
	for _, a := range h.Architectures {
		switch a {
		case "LlamaForCausalLM":
			return "llama", nil
		case "MistralForCausalLM":
			return "mistral", nil
		case "Qwen2ForCausalLM":
			return "qwen2", nil
		case "Qwen3ForCausalLM":
			return "qwen3", nil
		case "Gemma2ForCausalLM":
			return "gemma2", nil
		case "Gemma3ForCausalLM", "Gemma3ForConditionalGeneration":
			return "gemma3", nil
		case "Phi3ForCausalLM":
			return "phi3", nil
		}
	}
	return "", fmt.Errorf("unknown architecture (model_type %q, architectures %v); supported: llama, mistral, qwen2, qwen3, gemma2, gemma3, phi3", h.ModelType, h.Architectures)
}

// configFromHF maps a Hugging Face config onto a Config.
func configFromHF(h *hfConfig) (*Config, error) {
	if h.TextConfig != nil && h.HiddenSize == 0 { // Gemma3 and Mistral3 ...ForConditionalGeneration
		tc := *h.TextConfig
		if tc.ModelType == "" {
			tc.ModelType = "gemma3_text"
		}
		if tc.TieWordEmbeddings == nil && h.TieWordEmbeddings != nil {
			tc.TieWordEmbeddings = h.TieWordEmbeddings
		}
		if tc.TorchDtype == "" {
			tc.TorchDtype = h.TorchDtype
		}
		h = &tc
	}
	fam, err := h.family()
	if err != nil {
		return nil, err
	}
	if h.present != nil {
		h.applyDefaults(fam)
	}
	gemma := fam == "gemma2" || fam == "gemma3"
	c := &Config{
		Arch:     fam,
		DModel:   h.HiddenSize,
		NLayers:  h.NumHiddenLayers,
		DFF:      h.IntermediateSize,
		NHeads:   h.NumAttentionHeads,
		NKVHeads: h.NumAttentionHeads,
		Vocab:    h.VocabSize,
		MaxSeq:   h.MaxPositionEmbeddings,
		NormEps:  1e-6,
		Act:      ActSiLU,

		RopeLayout:     RopeHalf,
		RopeTheta:      10000,
		NormAddOne:     gemma,
		PostNorms:      gemma,
		QKNorm:         fam == "qwen3" || fam == "gemma3",
		TiedEmbeddings: gemma,
	}
	if h.NumKeyValueHeads != nil {
		c.NKVHeads = *h.NumKeyValueHeads
	}
	if h.HeadDim != nil && *h.HeadDim > 0 {
		c.HeadDim = *h.HeadDim
	} else if c.NHeads > 0 {
		c.HeadDim = c.DModel / c.NHeads
	}
	if h.RMSNormEps != nil {
		c.NormEps = float32(*h.RMSNormEps)
	}
	if h.RopeTheta != nil {
		c.RopeTheta = *h.RopeTheta
	} else if fam == "gemma3" {
		c.RopeTheta = 1e6
	}
	if h.TieWordEmbeddings != nil {
		c.TiedEmbeddings = *h.TieWordEmbeddings
	}
	if c.Act, err = h.activation(gemma); err != nil {
		return nil, err
	}
	if h.PartialRotaryFactor != nil && *h.PartialRotaryFactor > 0 && *h.PartialRotaryFactor < 1 {
		c.RopeDim = int(float64(c.HeadDim) * *h.PartialRotaryFactor)
	}
	if rs := h.RopeScaling; rs != nil {
		kind := rs.RopeType
		if kind == "" {
			kind = rs.Type
		}
		switch kind {
		case "", "default":
		case "linear":
			c.RopeScaling = RopeScaling{Type: "linear", Factor: rs.Factor}
		case "llama3":
			c.RopeScaling = RopeScaling{Type: "llama3", Factor: rs.Factor, LowFreqFactor: rs.LowFreqFactor,
				HighFreqFactor: rs.HighFreqFactor, OriginalMaxPos: rs.OrigMaxPos}
		case "longrope", "su":
			// Phi-3 long-context models: per-frequency divisors (the short
			// factors; Hugging Face switches to the long ones only past
			// original_max_position_embeddings, which this engine does not do)
			// and a cos/sin scale.
			if len(rs.ShortFactor) != c.ropeDim()/2 {
				return nil, fmt.Errorf("longrope: %d short factors, want %d", len(rs.ShortFactor), c.ropeDim()/2)
			}
			c.RopeFreqFactors = make([]float32, len(rs.ShortFactor))
			for i, f := range rs.ShortFactor {
				c.RopeFreqFactors[i] = float32(f)
			}
			orig := rs.OrigMaxPos
			if h.OrigMaxPos != nil {
				orig = float64(*h.OrigMaxPos)
			}
			af := 1.0
			if rs.AttnFactor != nil {
				af = *rs.AttnFactor
			} else if orig > 0 {
				if factor := float64(c.MaxSeq) / orig; factor > 1 {
					af = math.Sqrt(1 + math.Log(factor)/math.Log(orig))
				}
			}
			c.RopeAttnFactor = float32(af)
		default:
			return nil, fmt.Errorf("unsupported rope_scaling type %q", kind)
		}
	}
	c.QueryScale = float32(1 / math.Sqrt(float64(c.HeadDim)))
	if gemma {
		if h.QueryPreAttnScalar != nil {
			c.QueryScale = float32(1 / math.Sqrt(*h.QueryPreAttnScalar))
		}
		scale := float32(math.Sqrt(float64(c.DModel)))
		switch dtypeName(h) {
		case "bfloat16": // HF multiplies by the normaliser cast to the activation dtype
			scale = kernels.FromBF16(kernels.ToBF16(scale))
		case "float16":
			scale = kernels.FromF16(kernels.ToF16(scale))
		}
		c.EmbedScale = scale
		if h.AttnLogitSoftcapping != nil {
			c.AttnSoftcap = float32(*h.AttnLogitSoftcapping)
		}
		if h.FinalLogitSoftcapping != nil {
			c.FinalSoftcap = float32(*h.FinalLogitSoftcapping)
		}
	}
	if fam == "gemma3" {
		c.RopeLocalTheta = 10000
		if h.RopeLocalBaseFreq != nil {
			c.RopeLocalTheta = *h.RopeLocalBaseFreq
		}
	}
	if err := hfSliding(c, h, fam); err != nil {
		return nil, err
	}
	return c, nil
}

// activation returns the MLP gate activation from the key the family's
// Hugging Face model reads: hidden_activation for Gemma 2 and 3 (default
// gelu_pytorch_tanh; their hidden_act, often "gelu", is ignored as
// transformers ignores it), hidden_act for the other families (default
// silu). The accepted spellings are the transformers ACT2FN names of the two
// activations the engine runs: "silu" and "swish" (SiLU, for SwiGLU), and
// "gelu_pytorch_tanh" and "gelu_new" (the tanh approximation of GELU, for
// GeGLU). Any other value, the exact "gelu" included, is an error naming
// the key and the value.
func (h *hfConfig) activation(gemma bool) (Activation, error) {
	key, act, def := "hidden_act", h.HiddenAct, "silu"
	if gemma {
		key, act, def = "hidden_activation", h.HiddenActivation, "gelu_pytorch_tanh"
	}
	if given := h.present[key] || (h.present == nil && act != ""); !given {
		act = def
	}
	switch act {
	case "silu", "swish":
		return ActSiLU, nil
	case "gelu_pytorch_tanh", "gelu_new":
		return ActGELUTanh, nil
	}
	return 0, fmt.Errorf("unsupported %s %q (supported: silu, swish, gelu_pytorch_tanh, gelu_new)", key, act)
}

// dtypeName returns the checkpoint's activation dtype (torch_dtype).
func dtypeName(h *hfConfig) string {
	if h.TorchDtype != "" {
		return h.TorchDtype
	}
	return h.Dtype
}

// hfSliding fills the sliding-window fields from the family's rules.
func hfSliding(c *Config, h *hfConfig, fam string) error {
	if h.SlidingWindow == nil || *h.SlidingWindow <= 0 || c.NLayers <= 0 {
		return nil
	}
	if err := c.checkLimits(); err != nil {
		return err
	}
	flags := make([]bool, c.NLayers)
	switch {
	case len(h.LayerTypes) > 0:
		if len(h.LayerTypes) != c.NLayers {
			return fmt.Errorf("layer_types has %d entries for %d layers", len(h.LayerTypes), c.NLayers)
		}
		for i, t := range h.LayerTypes {
			flags[i] = t == "sliding_attention"
		}
	case fam == "gemma2":
		for i := range flags {
			flags[i] = (i+1)%2 != 0
		}
	case fam == "gemma3":
		pat := 6
		if h.SlidingWindowPattern != nil && *h.SlidingWindowPattern > 0 {
			pat = *h.SlidingWindowPattern
		}
		for i := range flags {
			flags[i] = (i+1)%pat != 0
		}
	case fam == "qwen2" || fam == "qwen3":
		if h.UseSlidingWindow == nil || !*h.UseSlidingWindow {
			return nil
		}
		from := 0
		if h.MaxWindowLayers != nil {
			from = *h.MaxWindowLayers
		}
		for i := range flags {
			flags[i] = i >= from
		}
	default: // mistral, phi3, llama: every layer
		for i := range flags {
			flags[i] = true
		}
	}
	c.SlidingWindow = *h.SlidingWindow
	c.SlidingLayers = flags
	return nil
}

// GenerationDefaults are the sampling defaults a model ships with
// (generation_config.json or GGUF metadata). Zero values mean "not given".
type GenerationDefaults struct {
	Temperature float64
	TopP        float64
	TopK        int
	BOS         int   // -1 when unknown
	EOS         []int // end-of-generation token ids
}

// tokenIDs reads an id or a list of ids from a JSON value.
func tokenIDs(v any) []int {
	switch x := v.(type) {
	case float64:
		return []int{int(x)}
	case []any:
		var out []int
		for _, e := range x {
			if f, ok := e.(float64); ok {
				out = append(out, int(f))
			}
		}
		return out
	}
	return nil
}

// loadHFGeneration reads generation_config.json when present.
func loadHFGeneration(dir string, h *hfConfig) (GenerationDefaults, error) {
	g := GenerationDefaults{BOS: -1, EOS: tokenIDs(h.EOSTokenID)}
	if ids := tokenIDs(h.BOSTokenID); len(ids) > 0 {
		g.BOS = ids[0]
	}
	path := filepath.Join(dir, "generation_config.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return g, nil
	}
	if err != nil {
		return g, err
	}
	var gc struct {
		Temperature *float64 `json:"temperature"`
		TopP        *float64 `json:"top_p"`
		TopK        *int     `json:"top_k"`
		DoSample    *bool    `json:"do_sample"`
		BOS         any      `json:"bos_token_id"`
		EOS         any      `json:"eos_token_id"`
	}
	if err := json.Unmarshal(data, &gc); err != nil {
		return g, fmt.Errorf("%s: %w", path, jsonpos.Wrap(data, err))
	}
	// transformers samples only with do_sample (default false); otherwise
	// it decodes greedily whatever temperature says.
	if gc.DoSample != nil && *gc.DoSample {
		g.Temperature = 1
		if gc.Temperature != nil {
			g.Temperature = *gc.Temperature
		}
	}
	if gc.TopP != nil {
		g.TopP = *gc.TopP
	}
	if gc.TopK != nil {
		g.TopK = *gc.TopK
	}
	if ids := tokenIDs(gc.BOS); len(ids) > 0 {
		g.BOS = ids[0]
	}
	if ids := tokenIDs(gc.EOS); len(ids) > 0 {
		g.EOS = ids
	}
	return g, nil
}

// stSource serves the tensors of a safetensors set (one file or the shards
// of a model), renamed to the internal scheme.
type stSource struct {
	set   *safetensors.Set
	index map[string]string // internal name -> HF name
}

// openSafetensors opens the weights in dir with safetensors.OpenDir (the
// shards listed in model.safetensors.index.json, else model.safetensors,
// else every *.safetensors file), which checks that shards exist, stay in
// the folder, hold the tensors the index assigns them and share no tensor.
func openSafetensors(dir string, postNorms bool) (*stSource, error) {
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	s := &stSource{set: set, index: map[string]string{}}
	for _, n := range set.Names() {
		in := hfName(n, postNorms)
		if other, dup := s.index[in]; dup {
			set.Close()
			return nil, fmt.Errorf("%s: tensors %s and %s both map to %s", dir, other, n, in)
		}
		s.index[in] = n
	}
	return s, nil
}

func (s *stSource) tensor(name string) (rawTensor, bool, error) {
	hf, ok := s.index[name]
	if !ok {
		return rawTensor{}, false, nil
	}
	data, info, err := s.set.Data(hf)
	if err != nil {
		return rawTensor{}, false, err
	}
	var dt kernels.DType
	switch info.DType {
	case safetensors.F32:
		dt = kernels.F32
	case safetensors.F16:
		dt = kernels.F16
	case safetensors.BF16:
		dt = kernels.BF16
	default:
		file, _ := s.set.FileOf(hf)
		return rawTensor{}, false, fmt.Errorf("%s: tensor %s: unsupported dtype %s (want F32, F16 or BF16)", file, hf, info.DType)
	}
	return rawTensor{data: data, dt: dt, shape: info.Shape}, true, nil
}

func (s *stSource) names() []string { return sortedNames(s.index) }

func (s *stSource) close() error { return s.set.Close() }

// parseHFConfig decodes and validates the config.json at path, held in data.
// Errors name the file (and the line and column of a JSON error).
func parseHFConfig(path string, data []byte) (*hfConfig, *Config, error) {
	var h hfConfig
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, jsonpos.Wrap(data, err))
	}
	cfg, err := configFromHF(&h)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return &h, cfg, nil
}

// loadHF loads a Hugging Face model folder.
func loadHF(dir string) (*Model, error) {
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h, cfg, err := parseHFConfig(path, data)
	if err != nil {
		return nil, err
	}
	gen, err := loadHFGeneration(dir, h)
	if err != nil {
		return nil, err
	}
	src, err := openSafetensors(dir, cfg.PostNorms)
	if err != nil {
		return nil, err
	}
	phi := cfg.Arch == "phi3"
	w, err := bindWeights(cfg, src, phi, phi)
	if err != nil {
		src.close()
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return newModel(*cfg, w, src, gen, dir, "safetensors"), nil
}
