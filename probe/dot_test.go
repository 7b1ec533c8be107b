package probe

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hneurons/hneurons/kernels"
)

// The column kernels themselves (assembly and pure-Go twins, guarded
// misaligned buffers, float64 references) are tested in package kernels.
// These tests check the probe's wrappers: they follow the kernel set the
// kernels package reports, and agree with the probe's own reference loops.

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

// TestDotFollowsKernelSet checks that dot, dot2, dot3 and axpy run the
// kernel set of package kernels: with the pure-Go set (-tags purego or
// HNEURONS_KERNELS=go) they give the Go loops' results to the bit, and
// otherwise agree with them to rounding. (Before the probe's kernels moved
// into package kernels, -tags purego and HNEURONS_KERNELS=go left the
// probe's AVX2 assembly running.)
func TestDotFollowsKernelSet(t *testing.T) {
	exact := kernels.Features() == "go"
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
			var ag, ah, a3 float64
			for i := range x {
				xi := float64(x[i])
				ag += math.Abs(xi * r[i])
				ah += math.Abs(xi * xi * d[i])
				a3 += math.Abs(xi * d[i] * v[i])
			}
			same := func(what string, got, want, abs float64) {
				t.Helper()
				if exact && math.Float64bits(got) != math.Float64bits(want) {
					t.Fatalf("n=%d off=%d kernels %q: %s = %v, Go loop %v (not bit-identical)", n, off, kernels.Features(), what, got, want)
				}
				if math.Abs(got-want) > 1e-13*abs || math.IsNaN(got) {
					t.Fatalf("n=%d off=%d kernels %q: %s = %v, Go loop %v", n, off, kernels.Features(), what, got, want)
				}
			}
			same("dot", dot(x, r), dotGo(x, r), ag)
			// r longer than x is fine: the kernel reads len(x) values.
			same("dot with long r", dot(x, r[:cap(r)]), dotGo(x, r), ag)
			g, h := dot2(x, r, d)
			wg, wh := dot2Go(x, r, d)
			same("dot2 (x·r)", g, wg, ag)
			same("dot2 (x²·d)", h, wh, ah)
			same("dot3", dot3(x, d, v), dot3Go(x, d, v), a3)
			y := guarded(n, off, gen)
			want := append([]float64(nil), y...)
			axpy(1.7, x, y)
			axpyGo(1.7, x, want)
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
