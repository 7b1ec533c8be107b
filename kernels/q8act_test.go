package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestQ4KQ8 checks the first Q4_K kernel against int8-quantised
// activations (q8act.go): the VPDPBUSD kernel and its Go twin against a
// float64 evaluation of the same quantised sums. (MatMul's int8 path is
// TestMatMulQ8's.)
func TestQ4KQ8(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	for _, k := range []int{256, 768} {
		nb := k / BlockK
		w, w64 := randWeights(t, r, Q4_K, 4, k)
		x := randF32(r, k)
		x[3] = 0
		act := struct {
			xq []int8
			xf []float32
		}{make([]int8, k), make([]float32, 16*nb)}
		quantQ8K(act.xq, act.xf, x)
		// float64 of the quantised sums: Σ W·dx·q per super-block
		var want [4]float64
		for j := 0; j < 4; j++ {
			for p := 0; p < k; p++ {
				want[j] += w64[j*k+p] * float64(act.xf[16*(p/BlockK)]) * float64(act.xq[p])
			}
		}
		var goOut, asmOut [4]float32
		dotQ4KQ8x4Go(&goOut, act.xq, act.xf, w.q, w.rowBytes, nb)
		dotQ4KQ8x4(&asmOut, act.xq, act.xf, w.q, w.rowBytes, nb)
		for j := 0; j < 4; j++ {
			var mag float64
			for p := 0; p < k; p++ {
				mag += math.Abs(w64[j*k+p] * float64(x[p]))
			}
			for name, got := range map[string]float32{"go": goOut[j], "kernel": asmOut[j]} {
				if d := math.Abs(float64(got) - want[j]); d > 1e-5*mag {
					t.Errorf("k=%d row %d %s = %g, want %g", k, j, name, got, want[j])
				}
			}
		}
	}
}
