package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

func tinyConfig() Config {
	return Config{Vocab: 11, Dim: 8, Layers: 2, Heads: 2, FF: 12, MaxSeq: 8, RopeTheta: 10000, NormEps: 1e-5, BosID: 1, EosID: 2}
}

// TestGradientFiniteDifferences checks every entry of every parameter tensor
// of a tiny model: the hand-written float64 backward pass against central
// finite differences of the float64 loss.
func TestGradientFiniteDifferences(t *testing.T) {
	c := tinyConfig()
	m, err := NewModel[float64](c, 7, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	// Norm gains away from one so that their gradients matter.
	rng := rand.New(rand.NewPCG(3, 4))
	for _, ts := range m.Tensors {
		if ts.IsNorm {
			for i := ts.Off; i < ts.Off+ts.Size; i++ {
				m.Params[i] = 0.5 + rng.Float64()
			}
		}
	}
	const B, T = 2, 5
	tokens := make([]int32, B*T)
	targets := make([]int32, B*T)
	for i := range tokens {
		tokens[i] = int32(rng.IntN(c.Vocab))
		targets[i] = int32(rng.IntN(c.Vocab))
	}
	targets[3], targets[7] = -1, -1 // ignored positions
	ws, err := NewWorkspace[float64](c, B, T)
	if err != nil {
		t.Fatal(err)
	}
	loss := func() float64 {
		if err := ws.Forward(m, tokens); err != nil {
			t.Fatal(err)
		}
		l, _, err := ws.Loss(targets)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	loss()
	grads := make([]float64, len(m.Params))
	ws.Backward(m, grads)

	const eps = 1e-5
	for _, ts := range m.Tensors {
		worst := 0.0
		for i := ts.Off; i < ts.Off+ts.Size; i++ {
			old := m.Params[i]
			m.Params[i] = old + eps
			lp := loss()
			m.Params[i] = old - eps
			lm := loss()
			m.Params[i] = old
			num := (lp - lm) / (2 * eps)
			diff := math.Abs(num - grads[i])
			if diff > 1e-7+1e-5*math.Abs(num) {
				t.Errorf("%s[%d]: analytic %.10g, numeric %.10g", ts.Name, i-ts.Off, grads[i], num)
			}
			worst = max(worst, diff)
		}
		t.Logf("%-45s max |analytic-numeric| %.2e", ts.Name, worst)
	}
}
