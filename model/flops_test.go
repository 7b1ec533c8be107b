package model

import (
	"testing"

	"github.com/hneurons/hneurons/kernels"
)

// TestDecodeWeightBytesAndFLOPs checks the bench counters on the random
// Qwen2.5-0.5B shape (small vocabulary) against sums written out from the
// configuration alone.
func TestDecodeWeightBytesAndFLOPs(t *testing.T) {
	cfg, err := Shape("qwen2.5-0.5b")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Vocab = 1000
	cfg.NLayers = 2
	cfg.SlidingWindow = 10
	cfg.SlidingLayers = []bool{false, true}
	m, err := RandomInit(cfg, kernels.BF16, 3)
	if err != nil {
		t.Fatal(err)
	}
	D, F, qd, kvd := 896, 4864, 14*64, 2*64
	perLayer := D*qd + 2*D*kvd + qd*D + 3*D*F
	if got, want := m.DecodeWeightBytes(), int64(2*(2*perLayer+1000*D)); got != want {
		t.Errorf("DecodeWeightBytes = %d, want %d", got, want)
	}
	// 5 new tokens after 20 cached: keys seen 21..25 (full layer) and 10
	// each (window of 10).
	keys := float64(21+22+23+24+25) + 5*10
	want := 2*5*float64(2*perLayer) + 2*1000*float64(D) + 4*keys*float64(qd)
	if got := m.PrefillFLOPs(5, 20); got != want {
		t.Errorf("PrefillFLOPs(5, 20) = %g, want %g", got, want)
	}
}
