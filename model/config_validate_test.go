package model

import "testing"

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
