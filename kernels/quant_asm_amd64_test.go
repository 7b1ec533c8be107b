//go:build amd64 && !purego

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// prevKernel returns the AVX-512 exact kernel that the table-decoding one
// replaced for dt (nil for none), for side-by-side timing.
func prevKernel(dt DType) func(x *float32, w *byte, ldw int, nb int, out *float32) {
	if !avx512Available {
		return nil
	}
	switch dt {
	case Q4_K:
		return dotQ4Kx4AVX512
	case Q6_K:
		return dotQ6Kx4AVX512
	}
	return nil
}

// TestTableKernelsBitExact checks the table-decoding exact kernels
// (dotQ4KTx4AVX512, dotQ6KTx4AVX512) against the kernels they replace,
// bit for bit (the same decoded values, accumulators and order), at
// awkward block counts, offsets and row strides; TestMatMulQuant-style
// float64 checks of the decode path run through MatMul in TestDequant.
func TestTableKernelsBitExact(t *testing.T) {
	if !(asmAvailable && avx512Available) {
		t.Skip("no AVX-512 kernels on this CPU")
	}
	r := rand.New(rand.NewPCG(79, 80))
	for _, dt := range []DType{Q4_K, Q6_K} {
		for _, nb := range []int{1, 2, 3, 6, 35} {
			for _, off := range []int{0, 1, 3} {
				k := nb * BlockK
				ldw := nb*dt.BlockBytes() + 7*off
				buf, w64 := randQuantRows(r, dt, nb, off, ldw)
				x := testActs(r, k)
				var got, want [4]float32
				if dt == Q4_K {
					dotQ4KTx4AVX512(&x[0], &buf[0], ldw, nb, &got[0])
					dotQ4Kx4AVX512(&x[0], &buf[0], ldw, nb, &want[0])
				} else {
					dotQ6KTx4AVX512(&x[0], &buf[0], ldw, nb, &got[0])
					dotQ6Kx4AVX512(&x[0], &buf[0], ldw, nb, &want[0])
				}
				for row := 0; row < 4; row++ {
					var ref, mag float64
					for p := 0; p < k; p++ {
						ref += w64[row*k+p] * float64(x[p])
						mag += math.Abs(w64[row*k+p] * float64(x[p]))
					}
					if math.Float32bits(got[row]) != math.Float32bits(want[row]) {
						t.Errorf("%v nb=%d off=%d row %d: table kernel %g, previous kernel %g", dt, nb, off, row, got[row], want[row])
					}
					if d := math.Abs(float64(got[row]) - ref); !(d <= 1e-5*mag) {
						t.Errorf("%v nb=%d off=%d row %d: %g, float64 %g", dt, nb, off, row, got[row], ref)
					}
				}
			}
		}
	}
}
