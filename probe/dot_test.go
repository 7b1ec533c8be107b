package probe

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDotKernel compares dot (the assembly kernel where the CPU has it)
// with the pure-Go dotGo and a plain float64 loop on every length up to 100
// and a few long ones, at misaligned offsets, with NaN guards after the
// slices that poison the result if the kernel reads past the end.
func TestDotKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lengths := []int{}
	for n := 0; n <= 100; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 2000, 2001, 4099)
	for _, n := range lengths {
		for off := 0; off < 4; off++ {
			xb := make([]float32, off+n+8)
			rb := make([]float64, off+n+8)
			for i := range xb {
				xb[i] = float32(math.NaN())
				rb[i] = math.NaN()
			}
			x := xb[off : off+n]
			r := rb[off : off+n]
			abs := 0.0
			ref := 0.0
			for i := range x {
				x[i] = float32(rng.NormFloat64())
				r[i] = rng.NormFloat64() * 3
				ref += float64(x[i]) * r[i]
				abs += math.Abs(float64(x[i]) * r[i])
			}
			tol := 1e-13*abs + 1e-300
			if got := dot(x, r); math.Abs(got-ref) > tol || math.IsNaN(got) {
				t.Fatalf("n=%d off=%d: dot %v, reference %v (useAVX2 %v)", n, off, got, ref, useAVX2)
			}
			if got := dotGo(x, r); math.Abs(got-ref) > tol {
				t.Fatalf("n=%d off=%d: dotGo %v, reference %v", n, off, got, ref)
			}
			// r longer than x must be fine (the kernel reads len(x) values).
			if got := dot(x, rb[off:]); math.Abs(got-ref) > tol || math.IsNaN(got) {
				t.Fatalf("n=%d off=%d: dot with long r %v, reference %v", n, off, got, ref)
			}
		}
	}
}

func BenchmarkDot(b *testing.B) {
	x := make([]float32, 2000)
	r := make([]float64, 2000)
	for i := range x {
		x[i], r[i] = float32(i%13), float64(i%7)
	}
	b.Run("kernel", func(b *testing.B) {
		for b.Loop() {
			dot(x, r)
		}
	})
	b.Run("go", func(b *testing.B) {
		for b.Loop() {
			dotGo(x, r)
		}
	})
}
