package model

import (
	"math"
	"strings"
	"testing"
)

// Rope-scaling parameters that would make the frequencies NaN or infinite are
// refused when the configuration is validated, not discovered as NaN logits.
func TestValidateRopeScaling(t *testing.T) {
	base, err := Shape("qwen2.5-0.5b")
	if err != nil {
		t.Fatal(err)
	}
	good := RopeScaling{Type: "llama3", Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPos: 8192}
	for name, rs := range map[string]RopeScaling{
		"llama3 factor 0":      {Type: "llama3", Factor: 0, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPos: 8192},
		"llama3 low = high":    {Type: "llama3", Factor: 8, LowFreqFactor: 4, HighFreqFactor: 4, OriginalMaxPos: 8192},
		"llama3 no original":   {Type: "llama3", Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4},
		"linear factor 0":      {Type: "linear"},
		"linear factor < 0":    {Type: "linear", Factor: -2},
		"unknown scaling type": {Type: "yarn", Factor: 2},
	} {
		c := base
		c.RopeScaling = rs
		if err := c.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	c := base
	c.RopeScaling = good
	if err := c.Validate(); err != nil {
		t.Errorf("valid llama3 scaling refused: %v", err)
	}
}

// Values that the forward pass would otherwise silently take as something
// else (an unknown activation as SwiGLU, an unknown RoPE layout as
// rotate-half, a negative window or soft-cap as none, a negative RoPE
// dimension as the head width) or that make every logit NaN or infinite
// (a zero, negative or non-finite query scale, norm epsilon or RoPE base)
// are refused by Validate, with the field and the value in the error.
func TestValidateRefusesSilentDefaults(t *testing.T) {
	base, err := Shape("qwen2.5-0.5b")
	if err != nil {
		t.Fatal(err)
	}
	if err := base.Validate(); err != nil {
		t.Fatalf("base config refused: %v", err)
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	factors := func(bad float32) []float32 {
		f := make([]float32, base.HeadDim/2)
		for i := range f {
			f[i] = 1
		}
		f[3] = bad
		return f
	}
	for _, tc := range []struct {
		name string
		set  func(c *Config)
		want string // in the error: the field and the value
	}{
		{"activation 2", func(c *Config) { c.Act = 2 }, "activation Activation(2)"},
		{"activation -1", func(c *Config) { c.Act = -1 }, "activation Activation(-1)"},
		{"query scale 0", func(c *Config) { c.QueryScale = 0 }, "query scale must be positive and finite, got 0"},
		{"query scale < 0", func(c *Config) { c.QueryScale = -0.125 }, "query scale must be positive and finite, got -0.125"},
		{"query scale NaN", func(c *Config) { c.QueryScale = nan }, "query scale must be positive and finite, got NaN"},
		{"query scale Inf", func(c *Config) { c.QueryScale = inf }, "query scale must be positive and finite, got +Inf"},
		{"norm eps 0", func(c *Config) { c.NormEps = 0 }, "norm epsilon must be positive and finite, got 0"},
		{"norm eps < 0", func(c *Config) { c.NormEps = -1e-6 }, "norm epsilon must be positive and finite, got -1e-06"},
		{"norm eps NaN", func(c *Config) { c.NormEps = nan }, "norm epsilon must be positive and finite, got NaN"},
		{"norm eps Inf", func(c *Config) { c.NormEps = inf }, "norm epsilon must be positive and finite, got +Inf"},
		{"rope layout 2", func(c *Config) { c.RopeLayout = 2 }, "rope layout RopeLayout(2)"},
		{"rope layout -1", func(c *Config) { c.RopeLayout = -1 }, "rope layout RopeLayout(-1)"},
		{"rope theta NaN", func(c *Config) { c.RopeTheta = math.NaN() }, "rope theta must be positive and finite, got NaN"},
		{"rope theta Inf", func(c *Config) { c.RopeTheta = math.Inf(1) }, "rope theta must be positive and finite, got +Inf"},
		{"rope local theta < 0", func(c *Config) { c.RopeLocalTheta = -10000 }, "local rope theta must be 0 (none) or positive and finite, got -10000"},
		{"rope local theta NaN", func(c *Config) { c.RopeLocalTheta = math.NaN() }, "local rope theta must be 0 (none) or positive and finite, got NaN"},
		{"rope dim < 0", func(c *Config) { c.RopeDim = -2 }, "rope dimension must not be negative, got -2"},
		{"rope attn factor < 0", func(c *Config) { c.RopeAttnFactor = -1 }, "rope attention factor must be 0 (none) or positive and finite, got -1"},
		{"rope attn factor NaN", func(c *Config) { c.RopeAttnFactor = nan }, "rope attention factor must be 0 (none) or positive and finite, got NaN"},
		{"rope freq factor 0", func(c *Config) { c.RopeFreqFactors = factors(0) }, "rope frequency factor 3 must be positive and finite, got 0"},
		{"rope freq factor NaN", func(c *Config) { c.RopeFreqFactors = factors(nan) }, "rope frequency factor 3 must be positive and finite, got NaN"},
		{"sliding window < 0", func(c *Config) { c.SlidingWindow = -1 }, "sliding window must not be negative, got -1"},
		{"max seq < 0", func(c *Config) { c.MaxSeq = -1 }, "context length must not be negative, got -1"},
		{"attn softcap < 0", func(c *Config) { c.AttnSoftcap = -50 }, "attention soft-cap must be 0 (none) or positive and finite, got -50"},
		{"attn softcap NaN", func(c *Config) { c.AttnSoftcap = nan }, "attention soft-cap must be 0 (none) or positive and finite, got NaN"},
		{"attn softcap Inf", func(c *Config) { c.AttnSoftcap = inf }, "attention soft-cap must be 0 (none) or positive and finite, got +Inf"},
		{"final softcap < 0", func(c *Config) { c.FinalSoftcap = -30 }, "final soft-cap must be 0 (none) or positive and finite, got -30"},
		{"final softcap NaN", func(c *Config) { c.FinalSoftcap = nan }, "final soft-cap must be 0 (none) or positive and finite, got NaN"},
		{"embed scale < 0", func(c *Config) { c.EmbedScale = -8 }, "embedding scale must be 0 (none) or positive and finite, got -8"},
		{"embed scale Inf", func(c *Config) { c.EmbedScale = inf }, "embedding scale must be 0 (none) or positive and finite, got +Inf"},
	} {
		c := base
		tc.set(&c)
		err := c.Validate()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not say %q", tc.name, err, tc.want)
		}
	}
	// Zero means "none" for the optional fields, and both known layouts and
	// activations pass.
	c := base
	c.AttnSoftcap, c.FinalSoftcap, c.EmbedScale, c.RopeAttnFactor, c.RopeLocalTheta = 0, 0, 0, 0, 0
	c.Act, c.RopeLayout = ActGELUTanh, RopeInterleaved
	c.RopeFreqFactors = factors(0.5)
	if err := c.Validate(); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}
