package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBitExactKernels checks that AxpyBitExact and DotBitExact4 give their
// defining Go loops' results to the bit (the SSE assembly where the build
// has it, the Go loops otherwise), and that both agree with float64 sums
// to float32 rounding, at every length up to 70 and a few long ones, at
// misaligned starts, with values over nine orders of magnitude of both
// signs (so that rounding differs between orders of operations), NaN past
// the end of every input and sentinels on both sides of y.
func TestBitExactKernels(t *testing.T) {
	asmModes(t, sseAvailable, &sseEnabled, func(t *testing.T, asm bool) {
		rng := rand.New(rand.NewPCG(3, 4))
		val := func() float64 {
			return (rng.Float64()*2 - 1) * math.Pow(10, float64(rng.IntN(9)-4))
		}
		for _, n := range columnLengths() {
			for off := 0; off < 4; off++ {
				x, y := guarded32(n, off, val), guarded32(n, off, val)
				alpha := float32(val())

				var ref, abs float64
				for i := range x {
					p := float64(x[i]) * float64(y[i])
					ref += p
					abs += math.Abs(p)
				}
				got := DotBitExact4(x, y[:cap(y)]) // longer y: only len(x) values are read
				if twin := dotBitExact4Go(x, y); math.Float32bits(got) != math.Float32bits(twin) {
					t.Fatalf("n=%d off=%d: DotBitExact4 %v, Go loop %v (not bit-identical)", n, off, got, twin)
				}
				if tol := float64(n+2) * 0x1p-23 * abs; !(math.Abs(float64(got)-ref) <= tol) {
					t.Fatalf("n=%d off=%d: DotBitExact4 %v, float64 reference %v (bound %g)", n, off, got, ref, tol)
				}

				dst, check := guarded(t, n+3)
				dst = dst[:n+3]
				copy(dst, y)
				want := append([]float32(nil), dst...)
				axpyBitExactGo(alpha, x, want)
				AxpyBitExact(alpha, x, dst) // longer y: dst[n:] must not change
				check()
				for i := range dst {
					if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
						t.Fatalf("n=%d off=%d: AxpyBitExact y[%d] = %v, Go loop %v (not bit-identical)", n, off, i, dst[i], want[i])
					}
				}
				for i := range x {
					r := float64(y[i]) + float64(alpha)*float64(x[i])
					tol := 0x1p-23 * (math.Abs(float64(y[i])) + math.Abs(float64(alpha)*float64(x[i])))
					if !(math.Abs(float64(dst[i])-r) <= tol) {
						t.Fatalf("n=%d off=%d: AxpyBitExact y[%d] = %v, float64 reference %v", n, off, i, dst[i], r)
					}
				}
			}
		}
	})
}

// TestBitExactUnfused checks that the bit-exact kernels round every
// product before adding it, as documented, on inputs where a fused
// multiply-add gives another answer: a = 1+2^-12 has a² = 1+2^-11+2^-24,
// which rounds to c = 1+2^-11 in float32, so -c + a·a is 0 when the product
// is rounded first and 2^-24 when fused.
func TestBitExactUnfused(t *testing.T) {
	const a, c = 1 + 0x1p-12, 1 + 0x1p-11
	asmModes(t, sseAvailable, &sseEnabled, func(t *testing.T, asm bool) {
		for _, n := range []int{1, 3, 4, 5, 8, 9, 33} {
			x := make([]float32, n)
			acc := make([]float32, n)
			for i := range x {
				x[i], acc[i] = a, -c
			}
			AxpyBitExact(a, x, acc)
			for i, v := range acc {
				if v != 0 {
					t.Fatalf("n=%d: AxpyBitExact y[%d] = %g, want 0 (product rounded before the add)", n, i, v)
				}
			}
		}
		// Dot: each accumulator (the first one for the tail of 2) takes
		// 1·(-c) first, then a·a.
		for _, k := range []int{1, 4} {
			xs := make([]float32, 2*k)
			ys := make([]float32, 2*k)
			for i := 0; i < k; i++ {
				xs[i], ys[i] = 1, -c
				xs[k+i], ys[k+i] = a, a
			}
			if got := DotBitExact4(xs, ys); got != 0 {
				t.Fatalf("n=%d: DotBitExact4 = %g, want 0 (products rounded before the adds)", 2*k, got)
			}
		}
	})
}
