package model

import (
	"context"
	"math"
	"testing"

	"github.com/hneurons/hneurons/kernels"
)

// TestAttentionParallelMatchesSerial runs long prompts (several query
// blocks; one kv head, so that only the split over query blocks can keep
// two threads busy; one layer with a sliding window) with attention split
// over goroutines and with attention on one goroutine, for two segments
// of different lengths and a continuation of their caches, and wants the
// same logits to the bit.
func TestAttentionParallelMatchesSerial(t *testing.T) {
	cfg, err := Shape("qwen2-tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg.NKVHeads = 1
	cfg.SlidingWindow = 70
	cfg.SlidingLayers = []bool{false, true, false, false}
	m, err := RandomInit(cfg, kernels.BF16, 7)
	if err != nil {
		t.Fatal(err)
	}
	saved := kernels.Threads()
	defer func() { kernels.SetThreads(saved); serialAttention = false }()
	kernels.SetThreads(2)
	run := func(serial bool) [][]float32 {
		serialAttention = serial
		r := m.NewRunner()
		c0, c1 := m.NewCache(400), m.NewCache(400)
		tok := func(n, seed int) []int {
			ids := make([]int, n)
			for i := range ids {
				ids[i] = (i*131 + seed) % cfg.Vocab
			}
			return ids
		}
		var outs [][]float32
		for _, call := range [][2]int{{200, 9}, {70, 130}, {1, 1}} {
			segs := []Segment{{Cache: c0, Tokens: tok(call[0], 3)}, {Cache: c1, Tokens: tok(call[1], 5)}}
			lg, err := r.Forward(context.Background(), segs, true)
			if err != nil {
				t.Fatal(err)
			}
			outs = append(outs, append([]float32(nil), lg...))
		}
		return outs
	}
	want, got := run(true), run(false)
	for c := range want {
		for i := range want[c] {
			if math.Float32bits(want[c][i]) != math.Float32bits(got[c][i]) {
				t.Fatalf("call %d logit %d: parallel %g, serial %g", c, i, got[c][i], want[c][i])
			}
		}
	}
}

// TestKernelsSwiGLUMatchesModel checks that kernels.SwiGLU, which the
// forward pass runs, gives this package's swiGLU (the one TestGLU checks
// against float64) to the bit.
func TestKernelsSwiGLUMatchesModel(t *testing.T) {
	for _, n := range []int{1, 16, 37, 4864} {
		gate, up := make([]float32, n), make([]float32, n)
		for i := range gate {
			gate[i] = float32(math.Sin(float64(i)*1.7)) * 12
			up[i] = float32(math.Cos(float64(i) * 0.3))
		}
		want := append([]float32(nil), gate...)
		swiGLU(want, up)
		kernels.SwiGLU(gate, up)
		for i := range want {
			if math.Float32bits(gate[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d [%d]: kernels.SwiGLU %g, swiGLU %g", n, i, gate[i], want[i])
			}
		}
	}
}
