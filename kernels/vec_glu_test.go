package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSwiGLU checks SwiGLU (AVX-512 where the CPU has it) against a float64
// silu at awkward lengths and offsets over the range that matters
// (including both signs, zeros, values past the exp cut-off and
// infinities), and bit for bit against the scalar Go loop.
func TestSwiGLU(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 87.5, -87.5, 88, -88, 200, -200, float32(math.Inf(1)), float32(math.Inf(-1))}
	for _, n := range []int{1, 15, 16, 17, 33, 100, 1024 + 5} {
		for _, off := range []int{0, 1, 3} {
			gate := make([]float32, off+n)[off:]
			up := make([]float32, off+n+2)[off : off+n]
			for i := range gate {
				gate[i] = float32(r.NormFloat64() * 6)
				up[i] = float32(r.NormFloat64())
				if i%7 == 3 {
					gate[i] = special[(i/7)%len(special)]
				}
			}
			want := append([]float32(nil), gate...)
			swiGLUGo(want, up)
			got := append([]float32(nil), gate...)
			guard := make([]float32, n+1)
			copy(guard, got)
			guard[n] = 12345
			SwiGLU(guard[:n], up)
			if guard[n] != 12345 {
				t.Fatalf("n=%d: wrote past the end", n)
			}
			copy(got, guard[:n])
			for i, x := range gate {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
					t.Fatalf("n=%d off=%d x=%g: SwiGLU %g, Go loop %g", n, off, x, got[i], want[i])
				}
				ref := float64(x) / (1 + math.Exp(-float64(x))) * float64(up[i])
				if math.IsInf(float64(x), 0) || math.IsNaN(ref) {
					continue
				}
				// 1e-35 absolute: the exp cut-off at -87
				if d := math.Abs(float64(got[i]) - ref); d > 3e-6*math.Abs(ref)+1e-35 {
					t.Fatalf("n=%d x=%g up=%g: %g, want %g", n, x, up[i], got[i], ref)
				}
			}
		}
	}
}
