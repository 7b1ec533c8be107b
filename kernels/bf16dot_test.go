package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestKern1x4BF16DP checks the bf16·bf16 matrix-vector kernel (VDPBF16PS
// where the CPU has it, and its Go twin) at awkward lengths and misaligned
// offsets, with guard values around the output, against float64 sums of
// the exact products.
func TestKern1x4BF16DP(t *testing.T) {
	saved := bf16DotEnabled
	defer func() { bf16DotEnabled = saved; SetExactActivations(true) }()
	SetExactActivations(false)
	r := rand.New(rand.NewPCG(51, 52))
	modes := []bool{false}
	if useBF16Dot() {
		modes = append(modes, true)
	} else {
		t.Log("no AVX512_BF16 kernel on this CPU/build; Go twin only")
	}
	for _, asm := range modes {
		bf16DotEnabled = asm
		for _, kc := range []int{1, 7, 16, 31, 32, 33, 63, 64, 65, 96, 100, 896, 903} {
			for _, off := range []int{0, 1, 3} {
				ldw := kc + off + 3
				a := make([]uint16, off+kc)[off:]
				w := make([]uint16, off+4*ldw)[off:]
				for i := range a {
					a[i] = ToBF16(2*r.Float32() - 1)
				}
				for i := range w {
					w[i] = ToBF16(2*r.Float32() - 1)
				}
				c, check := guarded(t, 4)
				c0 := [4]float32{0.5, -1, 2, 0}
				copy(c, c0[:])
				kern1x4BF16DP(c, a, w, ldw, kc)
				check()
				for j := 0; j < 4; j++ {
					s, g := float64(c0[j]), math.Abs(float64(c0[j]))
					for p := 0; p < kc; p++ {
						v := refBF16(a[p]) * refBF16(w[j*ldw+p])
						s += v
						g += math.Abs(v)
					}
					if d := math.Abs(float64(c[j]) - s); d > 1e-6*g {
						t.Fatalf("asm=%v kc=%d off=%d [%d] = %g, want %g", asm, kc, off, j, c[j], s)
					}
				}
			}
		}
	}
}

// TestMatMulBF16Exact checks that SetExactActivations(true) keeps the decode path
// of bf16 weights on f32 activations (float64 reference to f32 rounding)
// and that ExactBF16 reports it.
func TestMatMulBF16Exact(t *testing.T) {
	SetExactActivations(true)
	if !ExactActivations() {
		t.Fatal("ExactActivations() = false after SetExactActivations(true)")
	}
	r := rand.New(rand.NewPCG(53, 54))
	for _, sz := range [][3]int{{1, 37, 96}, {1, 64, 903}, {3, 12, 100}} {
		m, n, k := sz[0], sz[1], sz[2]
		a := randF32(r, m*k)
		src, w64 := encode16(randF32(r, n*k), ToBF16, refBF16)
		w, err := Pack(src, BF16, n, k)
		if err != nil {
			t.Fatal(err)
		}
		ref, mag := refGemm64(a, w64, m, n, k)
		c, check := guarded(t, m*n)
		MatMul(c, a, m, w)
		check()
		checkClose(t, fmt.Sprintf("exact %dx%dx%d", m, k, n), c, ref, mag, 1e-5)
	}
}
