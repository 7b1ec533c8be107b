package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestQ4KQ8 checks the Q4_K path against int8-quantised activations: the
// VPDPBUSD kernel against its Go twin and against a float64 evaluation of
// the same quantised sums, and MatMul on that path (awkward N, guard
// values) against the float64 product of the exact activations, within
// the 8-bit rounding of the activations.
func TestQ4KQ8(t *testing.T) {
	defer SetExactActivations(true)
	SetExactActivations(false)
	r := rand.New(rand.NewPCG(61, 62))
	for _, k := range []int{256, 768} {
		nb := k / BlockK
		w, w64 := randWeights(t, r, Q4_K, 4, k)
		x := randF32(r, k)
		x[3] = 0
		act := quantRows(x, k, 1, k)[0]
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
	for _, sz := range [][3]int{{1, 13, 512}, {3, 8, 256}} {
		m, n, k := sz[0], sz[1], sz[2]
		w, w64 := randWeights(t, r, Q4_K, n, k)
		a := randF32(r, m*k)
		ref, mag := refGemm64(a, w64, m, n, k)
		c, check := guarded(t, m*n)
		MatMul(c, a, m, w)
		check()
		checkClose(t, fmt.Sprintf("Q4_K int8 activations %dx%dx%d", m, k, n), c, ref, mag, 1.0/64)
	}
}
