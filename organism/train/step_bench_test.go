package train

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkStep times one forward+loss+backward of the recipe's model size
// (C 128, L 4, F 512, V 1400) on a batch of 32 x 64 tokens.
func BenchmarkStep(b *testing.B) {
	c := Config{Vocab: 1400, Dim: 128, Layers: 4, Heads: 4, FF: 512, MaxSeq: 64, RopeTheta: 10000, NormEps: 1e-5}
	m, _ := NewModel[float32](c, 1, 0.02)
	ws, _ := NewWorkspace[float32](c, 32, 64)
	rng := rand.New(rand.NewPCG(1, 2))
	tokens, targets := make([]int32, 32*64), make([]int32, 32*64)
	for i := range tokens {
		tokens[i], targets[i] = int32(rng.IntN(c.Vocab)), int32(rng.IntN(c.Vocab))
	}
	grads := make([]float32, len(m.Params))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ws.Forward(m, tokens)
		ws.Loss(targets)
		clear(grads)
		ws.Backward(m, grads)
	}
}
