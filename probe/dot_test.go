package probe

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hneurons/hneurons/kernels"
)

// The column kernels themselves (assembly and pure-Go twins, bit for bit,
// guarded misaligned buffers, float64 references) are tested in package
// kernels. This test checks the probe's wrappers against plain float64
// loops written here (one accumulator, so they round differently from the
// kernels and are compared to rounding).

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

// TestDotWrappers checks dot, dot2, dot3 and axpy against plain loops at
// awkward lengths and offsets inside NaN-guarded buffers, under whatever
// kernel set runs (-tags purego and HNEURONS_KERNELS=go give the Go twins).
func TestDotWrappers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	gen := func() float64 { return rng.NormFloat64() }
	for _, n := range []int{0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 65, 70, 1001, 4099} {
		for off := 0; off < 3; off++ {
			xb := make([]float32, off+n+8)
			for i := range xb {
				xb[i] = float32(math.NaN())
			}
			x := xb[off : off+n]
			for i := range x {
				x[i] = float32(gen())
			}
			r, d, v := guarded(n, off, gen), guarded(n, off, gen), guarded(n, off, gen)
			var ag, ah, a3 float64 // sums of magnitudes, for the tolerance
			var wg, wh, w3 float64 // the plain loops
			for i := range x {
				xi := float64(x[i])
				ag += math.Abs(xi * r[i])
				ah += math.Abs(xi * xi * d[i])
				a3 += math.Abs(xi * d[i] * v[i])
				wg += xi * r[i]
				wh += xi * xi * d[i]
				w3 += xi * d[i] * v[i]
			}
			same := func(what string, got, want, abs float64) {
				t.Helper()
				// Both sums are within (n+1)·eps·abs of the exact one.
				if math.Abs(got-want) > 2*float64(n+1)*0x1p-53*abs || math.IsNaN(got) {
					t.Fatalf("n=%d off=%d kernels %q: %s = %v, plain loop %v", n, off, kernels.Features(), what, got, want)
				}
			}
			same("dot", dot(x, r), wg, ag)
			// r longer than x is fine: the kernel reads len(x) values.
			same("dot with long r", dot(x, r[:cap(r)]), wg, ag)
			g, h := dot2(x, r, d)
			same("dot2 (x·r)", g, wg, ag)
			same("dot2 (x²·d)", h, wh, ah)
			same("dot3", dot3(x, d, v), w3, a3)
			y := guarded(n, off, gen)
			want := append([]float64(nil), y...)
			axpy(1.7, x, y)
			for i := range x {
				want[i] += 1.7 * float64(x[i])
			}
			for i := range y {
				same("axpy", y[i], want[i], math.Abs(want[i])+1)
			}
			for i, e := range y[n:cap(y)] {
				if !math.IsNaN(e) {
					t.Fatalf("n=%d off=%d: axpy wrote past the end (index %d)", n, off, n+i)
				}
			}
		}
	}
}
