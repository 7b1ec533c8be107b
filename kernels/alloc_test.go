package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestMatMulAllocs checks that MatMul's allocations do not grow with the
// problem: buffers come from a pool, and only goroutine start-up may
// allocate a few bytes per call.
func TestMatMulAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	r := rand.New(rand.NewPCG(29, 30))
	for _, m := range []int{1, 5, 64} {
		const n, k = 300, 520
		a, w := randF32(r, m*k), PackF32(randF32(r, n*k), n, k)
		c := make([]float32, m*n)
		MatMul(c, a, m, w)
		allocs := testing.AllocsPerRun(20, func() { MatMul(c, a, m, w) })
		if allocs > 8 {
			t.Errorf("m=%d: %v allocations per MatMul", m, allocs)
		}
	}
}
