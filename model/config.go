package model

import (
	"errors"
	"fmt"
	"math"
)

// Activation is the MLP gate non-linearity.
type Activation int

// The gate activations of the supported families.
const (
	ActSiLU     Activation = iota // SwiGLU: silu(gate) * up (llama, mistral, qwen, phi3)
	ActGELUTanh                   // GeGLU: gelu_pytorch_tanh(gate) * up (gemma)
)

// String names the activation as Hugging Face configs do.
func (a Activation) String() string {
	switch a {
	case ActSiLU:
		return "silu"
	case ActGELUTanh:
		return "gelu_pytorch_tanh"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// RopeLayout says which dimensions of a head RoPE rotates together.
type RopeLayout int

// The two RoPE layouts.
const (
	// RopeHalf pairs x[i] with x[i+R/2] (Hugging Face rotate_half).
	RopeHalf RopeLayout = iota
	// RopeInterleaved pairs x[2i] with x[2i+1] (Meta checkpoints and GGUF,
	// whose q/k rows llama.cpp's converter permutes into this layout).
	RopeInterleaved
)

// String names the layout.
func (r RopeLayout) String() string {
	switch r {
	case RopeHalf:
		return "half"
	case RopeInterleaved:
		return "interleaved"
	}
	return fmt.Sprintf("RopeLayout(%d)", int(r))
}

// RopeScaling adjusts the RoPE frequencies for long contexts.
type RopeScaling struct {
	Type   string  // "" (none), "linear" or "llama3"
	Factor float64 // linear and llama3: frequencies divided by Factor (llama3: low frequencies only)
	// llama3 only:
	LowFreqFactor, HighFreqFactor float64
	OriginalMaxPos                float64 // original_max_position_embeddings
}

// Config is everything the block forward needs to know about a model. The
// family loaders fill it from config.json or GGUF metadata.
type Config struct {
	Arch     string // family name: llama, mistral, qwen2, qwen3, gemma2, gemma3, phi3
	DModel   int    // D
	NLayers  int    // L
	DFF      int    // F, neurons per layer
	NHeads   int    // H
	NKVHeads int    // Hkv (grouped-query attention when < H)
	HeadDim  int    // Dh
	Vocab    int    // V
	MaxSeq   int    // context length the model was trained for (0: unknown)

	NormEps    float32 // RMSNorm epsilon
	NormAddOne bool    // RMSNorm multiplies by (1 + w) (Gemma in Hugging Face layout)
	Act        Activation

	RopeLayout     RopeLayout
	RopeTheta      float64     // base of the global (or only) layers
	RopeLocalTheta float64     // base of sliding-window layers when > 0 (gemma3)
	RopeDim        int         // rotated values per head (<= HeadDim; 0 means HeadDim)
	RopeScaling    RopeScaling // applied to global layers
	// RopeFreqFactors, when set, divides each base frequency (GGUF
	// rope_freqs.weight, llama.cpp's form of llama3 scaling); [RopeDim/2].
	RopeFreqFactors []float32
	// RopeAttnFactor, when non-zero, multiplies the rotated part of every
	// query and key after RoPE (longrope's attention_factor, which Hugging
	// Face applies to cos and sin).
	RopeAttnFactor float32

	QKNorm     bool    // RMSNorm over each query and key head before RoPE (qwen3, gemma3)
	PostNorms  bool    // RMSNorm on the attention and MLP outputs before the residual add (gemma2, gemma3)
	EmbedScale float32 // multiply embeddings by this when non-zero (gemma: sqrt(D))
	QueryScale float32 // attention logit multiplier (1/sqrt(Dh) unless the family says otherwise)

	AttnSoftcap  float32 // scores = c*tanh(scores/c) when > 0 (gemma2)
	FinalSoftcap float32 // logits = c*tanh(logits/c) when > 0 (gemma2)

	SlidingWindow int    // keys visible to a query on a sliding layer (query - key < SlidingWindow)
	SlidingLayers []bool // [L]; true where a layer uses SlidingWindow

	TiedEmbeddings bool // the output projection is the token embedding
}

// Upper bounds on sizes, far above any real model, so that a corrupt file
// gives an error rather than an enormous allocation.
const (
	maxLayers = 1 << 12
	maxWidth  = 1 << 20 // d_model, d_ff, heads x head_dim
	maxVocab  = 1 << 24
)

// checkLimits reports sizes beyond the upper bounds.
func (c *Config) checkLimits() error {
	switch {
	case c.NLayers > maxLayers:
		return fmt.Errorf("%d layers is more than %d", c.NLayers, maxLayers)
	case c.DModel > maxWidth || c.DFF > maxWidth || c.NHeads > maxWidth || c.NKVHeads > maxWidth || c.HeadDim > maxWidth ||
		c.NHeads*c.HeadDim > maxWidth:
		return fmt.Errorf("widths (d_model %d, d_ff %d, %d heads x %d) exceed %d", c.DModel, c.DFF, c.NHeads, c.HeadDim, maxWidth)
	case c.Vocab > maxVocab:
		return fmt.Errorf("vocabulary of %d is more than %d", c.Vocab, maxVocab)
	}
	return nil
}

// ropeDim returns the rotated width of each head.
func (c *Config) ropeDim() int {
	if c.RopeDim > 0 {
		return c.RopeDim
	}
	return c.HeadDim
}

// IsSliding reports whether layer l attends through a sliding window.
func (c *Config) IsSliding(l int) bool {
	return c.SlidingWindow > 0 && l < len(c.SlidingLayers) && c.SlidingLayers[l]
}

// Validate checks that the sizes fit together and that every field holds
// a value the forward pass runs as documented: a known activation and RoPE
// layout; a positive, finite query scale, norm epsilon and RoPE base; 0
// (none) or a positive, finite value for the optional soft-caps, embedding
// scale, RoPE attention factor and local RoPE base; no negative window,
// RoPE dimension or context length. Nothing out of range is silently taken
// as a default.
func (c *Config) Validate() error {
	var errs []error
	pos := func(name string, v int) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %d", name, v))
		}
	}
	pos("d_model", c.DModel)
	pos("layers", c.NLayers)
	pos("d_ff", c.DFF)
	pos("heads", c.NHeads)
	pos("kv heads", c.NKVHeads)
	pos("head_dim", c.HeadDim)
	pos("vocab", c.Vocab)
	if err := c.checkLimits(); err != nil {
		errs = append(errs, err)
	}
	if c.NHeads > 0 && c.NKVHeads > 0 && c.NHeads%c.NKVHeads != 0 {
		errs = append(errs, fmt.Errorf("heads %d not a multiple of kv heads %d", c.NHeads, c.NKVHeads))
	}
	if rd := c.ropeDim(); rd%2 != 0 || rd > c.HeadDim {
		errs = append(errs, fmt.Errorf("rope dimension %d must be even and <= head_dim %d", rd, c.HeadDim))
	}
	if !positive(c.RopeTheta) {
		errs = append(errs, fmt.Errorf("rope theta must be positive and finite, got %g", c.RopeTheta))
	}
	if c.RopeLocalTheta != 0 && !positive(c.RopeLocalTheta) {
		errs = append(errs, fmt.Errorf("local rope theta must be 0 (none) or positive and finite, got %g", c.RopeLocalTheta))
	}
	if c.RopeDim < 0 {
		errs = append(errs, fmt.Errorf("rope dimension must not be negative, got %d", c.RopeDim))
	}
	if c.MaxSeq < 0 {
		errs = append(errs, fmt.Errorf("context length must not be negative, got %d", c.MaxSeq))
	}
	if c.SlidingWindow < 0 {
		errs = append(errs, fmt.Errorf("sliding window must not be negative, got %d", c.SlidingWindow))
	}
	switch c.Act {
	case ActSiLU, ActGELUTanh:
	default:
		errs = append(errs, fmt.Errorf("unknown activation %v (want %v or %v)", c.Act, ActSiLU, ActGELUTanh))
	}
	switch c.RopeLayout {
	case RopeHalf, RopeInterleaved:
	default:
		errs = append(errs, fmt.Errorf("unknown rope layout %v (want %v or %v)", c.RopeLayout, RopeHalf, RopeInterleaved))
	}
	if !positive(float64(c.NormEps)) {
		errs = append(errs, fmt.Errorf("norm epsilon must be positive and finite, got %g", c.NormEps))
	}
	if !positive(float64(c.QueryScale)) {
		errs = append(errs, fmt.Errorf("query scale must be positive and finite, got %g", c.QueryScale))
	}
	for _, f := range []struct {
		name string
		v    float32
	}{
		{"attention soft-cap", c.AttnSoftcap},
		{"final soft-cap", c.FinalSoftcap},
		{"embedding scale", c.EmbedScale},
		{"rope attention factor", c.RopeAttnFactor},
	} {
		if f.v != 0 && !positive(float64(f.v)) {
			errs = append(errs, fmt.Errorf("%s must be 0 (none) or positive and finite, got %g", f.name, f.v))
		}
	}
	for i, f := range c.RopeFreqFactors {
		if !positive(float64(f)) {
			errs = append(errs, fmt.Errorf("rope frequency factor %d must be positive and finite, got %g", i, f))
			break
		}
	}
	if len(c.SlidingLayers) != 0 && len(c.SlidingLayers) != c.NLayers {
		errs = append(errs, fmt.Errorf("%d sliding-layer flags for %d layers", len(c.SlidingLayers), c.NLayers))
	}
	if c.RopeFreqFactors != nil && len(c.RopeFreqFactors) != c.ropeDim()/2 {
		errs = append(errs, fmt.Errorf("%d rope frequency factors, want %d", len(c.RopeFreqFactors), c.ropeDim()/2))
	}
	switch rs := c.RopeScaling; rs.Type {
	case "":
	case "linear":
		if !(rs.Factor > 0) {
			errs = append(errs, fmt.Errorf("linear rope scaling factor must be positive, got %g", rs.Factor))
		}
	case "llama3":
		if !(rs.Factor > 0) || !(rs.LowFreqFactor > 0) || !(rs.HighFreqFactor > rs.LowFreqFactor) || !(rs.OriginalMaxPos > 0) {
			errs = append(errs, fmt.Errorf("llama3 rope scaling needs factor > 0, high_freq_factor > low_freq_factor > 0 and original_max_position_embeddings > 0; got factor %g, low %g, high %g, original %g",
				rs.Factor, rs.LowFreqFactor, rs.HighFreqFactor, rs.OriginalMaxPos))
		}
	default:
		errs = append(errs, fmt.Errorf("unsupported rope scaling %q", c.RopeScaling.Type))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("model: config: %w", err)
	}
	return nil
}

// positive reports whether v is positive and finite (false for NaN).
func positive(v float64) bool { return v > 0 && !math.IsInf(v, 1) }

// invFreq returns the RoPE inverse frequencies [RopeDim/2] of layer l,
// computed in float64 as base^(-2i/R) with the layer's scaling applied, then
// rounded to float32.
func (c *Config) invFreq(l int) []float32 {
	rd := c.ropeDim()
	base := c.RopeTheta
	scaling := c.RopeScaling
	if c.IsSliding(l) && c.RopeLocalTheta > 0 {
		base = c.RopeLocalTheta
		scaling = RopeScaling{}
	}
	out := make([]float32, rd/2)
	for i := range out {
		// HF: 1 / base^(arange(0, R, 2).float() / R), exponent in float32
		inv := 1 / math.Pow(base, float64(float32(2*i)/float32(rd)))
		inv = scaleFreq(inv, scaling)
		if c.RopeFreqFactors != nil {
			inv /= float64(c.RopeFreqFactors[i])
		}
		out[i] = float32(inv)
	}
	return out
}

// scaleFreq applies a RoPE scaling rule to one inverse frequency.
func scaleFreq(inv float64, s RopeScaling) float64 {
	switch s.Type {
	case "linear":
		return inv / s.Factor
	case "llama3":
		lowWL := s.OriginalMaxPos / s.LowFreqFactor
		highWL := s.OriginalMaxPos / s.HighFreqFactor
		wl := 2 * math.Pi / inv
		switch {
		case wl < highWL:
			return inv
		case wl > lowWL:
			return inv / s.Factor
		default:
			smooth := (s.OriginalMaxPos/wl - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor)
			return (1-smooth)*inv/s.Factor + smooth*inv
		}
	}
	return inv
}

// NeuronCount returns the number of MLP neurons, L x F.
func (c *Config) NeuronCount() int { return c.NLayers * c.DFF }

// Hook kinds for ActName, named as TransformerLens names its hook points.
const (
	HookMLPPost   = "mlp_post"   // blocks.{l}.mlp.hook_post: down_proj input z [T, F]
	HookMLPOut    = "mlp_out"    // blocks.{l}.hook_mlp_out: MLP output h [T, D]
	HookResidPost = "resid_post" // blocks.{l}.hook_resid_post: residual stream after the block [T, D]
)

// ActName returns the TransformerLens hook name of an activation kind at a
// layer: ActName("mlp_post", 3) is "blocks.3.mlp.hook_post". Unknown kinds
// are formatted as blocks.{l}.hook_{kind}.
func ActName(kind string, layer int) string {
	switch kind {
	case HookMLPPost, "post":
		return fmt.Sprintf("blocks.%d.mlp.hook_post", layer)
	case HookMLPOut:
		return fmt.Sprintf("blocks.%d.hook_mlp_out", layer)
	case HookResidPost:
		return fmt.Sprintf("blocks.%d.hook_resid_post", layer)
	}
	return fmt.Sprintf("blocks.%d.hook_%s", layer, kind)
}
