package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// columnLengths are the vector lengths the column-kernel tests use: every
// length up to 70 (all the tails of the 16-, 8- and 4-wide loops) and a few
// long ones.
func columnLengths() []int {
	var ns []int
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	return append(ns, 127, 128, 1000, 1001, 4099)
}

// asmModes runs f with the pure-Go twins ("go") and, where this build and
// CPU have the assembly, with it ("asm"); *enabled is the switch, restored
// afterwards.
func asmModes(t *testing.T, available bool, enabled *bool, f func(t *testing.T, asm bool)) {
	t.Helper()
	saved := *enabled
	defer func() { *enabled = saved }()
	*enabled = false
	t.Run("go", func(t *testing.T) { f(t, false) })
	if !available {
		t.Log("no assembly for these kernels on this CPU/build; pure Go only")
		return
	}
	*enabled = true
	t.Run("asm", func(t *testing.T) { f(t, true) })
}

// guarded64 returns n values drawn from gen at offset off of a buffer whose
// other entries (off before, 8 after) are NaN, so that a kernel reading past
// either end gives NaN. cap of the result reaches the end of the buffer.
func guarded64(n, off int, gen func() float64) []float64 {
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

// guarded32 is guarded64 for float32.
func guarded32(n, off int, gen func() float64) []float32 {
	b := make([]float32, off+n+8)
	for i := range b {
		b[i] = float32(math.NaN())
	}
	s := b[off : off+n]
	for i := range s {
		s[i] = float32(gen())
	}
	return s
}

// sumBound is the error allowed against a float64 reference after n
// float64 multiply-adds whose terms sum to abs in magnitude: 2u per
// operation, with room for the products of three.
func sumBound(n int, abs float64) float64 { return float64(n+4) * 0x1p-52 * abs }

// TestMixedKernels compares DotF32F64, DotAndSqDotF32F64, Dot3F32F64 and
// AxpyF32F64 (the assembly where the CPU has it, and the Go twins) with
// plain float64 loops, and the assembly with the Go twins, at every length
// up to 70 and a few long ones, at misaligned offsets, with NaN past both
// ends of every input (an over-read poisons the result) and of y (a write
// past the end is seen).
func TestMixedKernels(t *testing.T) {
	asmModes(t, asmAvailable, &asmEnabled, func(t *testing.T, asm bool) {
		rng := rand.New(rand.NewPCG(3, 4))
		gen := func() float64 { return rng.NormFloat64() * 3 }
		for _, n := range columnLengths() {
			for off := 0; off < 4; off++ {
				x := guarded32(n, off, gen)
				r, d, v := guarded64(n, off, gen), guarded64(n, off, gen), guarded64(n, off, gen)
				var xr, xxd, xdv, axr, axxd, axdv float64
				for i := range x {
					xi := float64(x[i])
					xr += xi * r[i]
					xxd += xi * xi * d[i]
					xdv += xi * d[i] * v[i]
					axr += math.Abs(xi * r[i])
					axxd += math.Abs(xi * xi * d[i])
					axdv += math.Abs(xi * d[i] * v[i])
				}
				check := func(what string, got, twin, want, abs float64) {
					t.Helper()
					tol := sumBound(n, abs)
					if !(math.Abs(got-want) <= tol) {
						t.Fatalf("n=%d off=%d: %s = %v, float64 reference %v (bound %g)", n, off, what, got, want, tol)
					}
					if !(math.Abs(got-twin) <= 2*tol) {
						t.Fatalf("n=%d off=%d: %s = %v, Go twin %v", n, off, what, got, twin)
					}
				}
				check("DotF32F64", DotF32F64(x, r), dotF32F64Go(x, r), xr, axr)
				// Longer r (NaN past len(x)) is fine: only len(x) values are read.
				check("DotF32F64, long r", DotF32F64(x, r[:cap(r)]), dotF32F64Go(x, r), xr, axr)
				g, h := DotAndSqDotF32F64(x, r[:cap(r)], d[:cap(d)])
				tg, th := dotAndSqDotF32F64Go(x, r, d)
				check("DotAndSqDotF32F64 xr", g, tg, xr, axr)
				check("DotAndSqDotF32F64 xxd", h, th, xxd, axxd)
				check("Dot3F32F64", Dot3F32F64(x, d[:cap(d)], v[:cap(v)]), dot3F32F64Go(x, d, v), xdv, axdv)

				const a = 1.7
				yb := make([]float64, off+n+8) // NaN before and after y
				for i := range yb {
					yb[i] = math.NaN()
				}
				y := yb[off : off+n]
				for i := range y {
					y[i] = gen()
				}
				want := make([]float64, n)
				twin := append([]float64(nil), y...)
				for i := range y {
					want[i] = y[i] + a*float64(x[i])
				}
				axpyF32F64Go(a, x, twin)
				AxpyF32F64(a, x, y[:cap(y)]) // a longer y: only len(x) values change
				for i := range y {
					tol := 0x1p-52 * (math.Abs(want[i]) + math.Abs(a*float64(x[i])))
					if !(math.Abs(y[i]-want[i]) <= tol) || !(math.Abs(y[i]-twin[i]) <= 2*tol) {
						t.Fatalf("n=%d off=%d: AxpyF32F64 y[%d] = %v, reference %v, Go twin %v", n, off, i, y[i], want[i], twin[i])
					}
				}
				for i, e := range yb {
					if (i < off || i >= off+n) && !math.IsNaN(e) {
						t.Fatalf("n=%d off=%d: AxpyF32F64 wrote outside y (index %d)", n, off, i-off)
					}
				}
			}
		}
	})
}

// BenchmarkDotF32F64 compares the kernel in use with its Go twin on a
// column of 2000 rows.
func BenchmarkDotF32F64(b *testing.B) {
	x := make([]float32, 2000)
	r := make([]float64, 2000)
	for i := range x {
		x[i], r[i] = float32(i%13), float64(i%7)
	}
	b.Run("kernel", func(b *testing.B) {
		for b.Loop() {
			DotF32F64(x, r)
		}
	})
	b.Run("go", func(b *testing.B) {
		for b.Loop() {
			dotF32F64Go(x, r)
		}
	})
}
