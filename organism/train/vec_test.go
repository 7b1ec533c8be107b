package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestVecAsmMatchesGo checks that axpy and dot on float32 give the Go
// loops' results to the bit, for every length up to 70 and misaligned
// starts, with values over a wide range of magnitudes and signs.
func TestVecAsmMatchesGo(t *testing.T) {
	if !vecAsm {
		t.Skip("no vector assembly in this build")
	}
	r := rand.New(rand.NewPCG(3, 4))
	val := func() float32 {
		return float32((r.Float64()*2 - 1) * math.Pow(10, float64(r.IntN(9)-4)))
	}
	for n := 0; n <= 70; n++ {
		for off := 0; off < 3; off++ {
			x, y := make([]float32, n+off), make([]float32, n+off+1)
			for i := range x {
				x[i] = val()
			}
			for i := range y {
				y[i] = val()
			}
			alpha := val()
			x, y = x[off:], y[off:]
			guard := y[n]

			vecAsm = false
			wantDot := dot(x, y[:n])
			want := append([]float32(nil), y...)
			axpy(alpha, x, want[:n])
			vecAsm = true
			gotDot := dot(x, y[:n])
			got := append([]float32(nil), y...)
			axpy(alpha, x, got[:n])

			if math.Float32bits(gotDot) != math.Float32bits(wantDot) {
				t.Fatalf("n=%d off=%d: dot %v (asm), %v (Go)", n, off, gotDot, wantDot)
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("n=%d off=%d: axpy y[%d] = %v (asm), %v (Go)", n, off, i, got[i], want[i])
				}
			}
			if got[n] != guard {
				t.Fatalf("n=%d: axpy wrote past y", n)
			}
		}
	}
}
