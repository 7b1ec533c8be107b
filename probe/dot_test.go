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

// guarded returns a slice of n values at offset off inside a buffer whose
// other entries are NaN, and fills it from gen.
func guarded(n, off int, gen func() float64) []float64 {
	b := make([]float64, off+n+8)
	for i := range b {
		b[i] = math.NaN()
	}
	s := b[off : off+n]
	for i := range s {
		s[i] = gen()
	}
	return s
}

// TestKernels compares dot2, dot3 and axpy (assembly where available) with
// plain float64 loops, like TestDotKernel.
func TestKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	gen := func() float64 { return rng.NormFloat64() }
	for n := 0; n <= 70; n++ {
		for off := 0; off < 4; off++ {
			xb := make([]float32, off+n+8)
			for i := range xb {
				xb[i] = float32(math.NaN())
			}
			x := xb[off : off+n]
			for i := range x {
				x[i] = float32(gen())
			}
			r, d, v := guarded(n, off, gen), guarded(n, off, gen), guarded(n, off, gen)
			var g, h, s3, ag, ah, a3 float64
			for i := range x {
				xi := float64(x[i])
				g += xi * r[i]
				h += xi * xi * d[i]
				s3 += xi * d[i] * v[i]
				ag += math.Abs(xi * r[i])
				ah += math.Abs(xi * xi * d[i])
				a3 += math.Abs(xi * d[i] * v[i])
			}
			gg, hh := dot2(x, r, d)
			if math.Abs(gg-g) > 1e-13*ag || math.Abs(hh-h) > 1e-13*ah || math.IsNaN(gg+hh) {
				t.Fatalf("n=%d off=%d: dot2 (%v, %v), reference (%v, %v)", n, off, gg, hh, g, h)
			}
			if got := dot3(x, d, v); math.Abs(got-s3) > 1e-13*a3 || math.IsNaN(got) {
				t.Fatalf("n=%d off=%d: dot3 %v, reference %v", n, off, got, s3)
			}
			y := guarded(n, off, gen)
			want := make([]float64, n)
			for i := range y {
				want[i] = y[i] + 1.7*float64(x[i])
			}
			yb := y[:cap(y)]
			axpy(1.7, x, y)
			for i := range y {
				if math.Abs(y[i]-want[i]) > 1e-15*(math.Abs(want[i])+1) {
					t.Fatalf("n=%d off=%d: axpy[%d] = %v, want %v", n, off, i, y[i], want[i])
				}
			}
			for i := n; i < len(yb); i++ {
				if !math.IsNaN(yb[i]) {
					t.Fatalf("n=%d off=%d: axpy wrote past the end (index %d)", n, off, i)
				}
			}
		}
	}
}
