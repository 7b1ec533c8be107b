package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// dpSumBound is the error bound of f32 sums of k products used below: the
// kernels sum 16 lanes of pairs and then the lanes, the Go twin in index
// order; (k/16 + 8) roundings of at most 2^-24 of the magnitude each, with
// room to spare.
func dpSumBound(k int) float64 { return float64(k/16+8) * 0x1p-24 }

// TestDotRx4BF16DP checks the VDPBF16PS dot kernels (every row count, where
// the CPU has them) and their Go twin at awkward lengths, misaligned
// offsets and padded strides against float64 sums of the exact products,
// with guard values around the output.
func TestDotRx4BF16DP(t *testing.T) {
	saved := bf16DotEnabled
	defer func() { bf16DotEnabled = saved; SetExactActivations(true) }()
	SetExactActivations(false)
	r := rand.New(rand.NewPCG(61, 62))
	modes := []bool{false}
	if useBF16Dot() {
		modes = append(modes, true)
	} else {
		t.Log("no AVX512_BF16 kernel on this CPU/build; Go twin only")
	}
	for _, asm := range modes {
		bf16DotEnabled = asm
		for rows := 1; rows <= 6; rows++ {
			for _, k := range []int{1, 7, 31, 32, 33, 64, 95, 96, 896, 903} {
				for _, off := range []int{0, 1, 3} {
					lda, ldw := k+off+5, k+2*off
					a := make([]uint16, off+rows*lda)[off:]
					w := make([]uint16, off+4*ldw)[off:]
					for i := range a {
						a[i] = ToBF16(2*r.Float32() - 1)
					}
					for i := range w {
						w[i] = ToBF16(4*r.Float32() - 2)
					}
					buf, check := guarded(t, 24)
					out := (*[24]float32)(buf)
					dotRx4BF16DP(out, rows, a, lda, w, ldw, k)
					for i := 0; i < 24; i++ {
						if i >= 4*rows && math.Float32bits(out[i]) != 0x7fc0beef {
							t.Fatalf("asm=%v rows=%d k=%d: out[%d] written", asm, rows, k, i)
						}
					}
					check()
					for i := 0; i < rows; i++ {
						for j := 0; j < 4; j++ {
							var s, g float64
							for p := 0; p < k; p++ {
								v := refBF16(a[i*lda+p]) * refBF16(w[j*ldw+p])
								s += v
								g += math.Abs(v)
							}
							if d := math.Abs(float64(out[4*i+j]) - s); d > dpSumBound(k)*g {
								t.Fatalf("asm=%v rows=%d k=%d off=%d [%d,%d] = %g, want %g", asm, rows, k, off, i, j, out[4*i+j], s)
							}
						}
					}
				}
			}
		}
	}
}

// TestMatMulBF16Rounded checks MatMul and MatMulN on bf16 weights with
// rounded activations for batch sizes around the six-row blocks, against
// float64 products of the bf16-rounded activations where the rounding
// paths run (roundsActivations) and of the exact ones elsewhere, and that the exact
// setting does not take that path (float64 products of the f32
// activations, a bound the rounded path cannot meet). Without
// AVX512_BF16 both settings run the exact path.
func TestMatMulBF16Rounded(t *testing.T) {
	defer SetExactActivations(true)
	r := rand.New(rand.NewPCG(63, 64))
	for _, sz := range [][3]int{{2, 37, 96}, {3, 5, 64}, {4, 9, 903}, {5, 12, 64}, {6, 40, 100}, {7, 4, 903}, {10, 61, 896}, {13, 8, 33}, {128, 96, 256}} {
		m, n, k := sz[0], sz[1], sz[2]
		a := randF32(r, m*k)
		src, w64 := encode16(randF32(r, n*k), ToBF16, refBF16)
		w, err := Pack(src, BF16, n, k)
		if err != nil {
			t.Fatal(err)
		}
		ar := make([]float32, len(a))
		for i, v := range a {
			ar[i] = FromBF16(ToBF16(v))
		}
		refR, magR := refGemm64(ar, w64, m, n, k)
		refE, magE := refGemm64(a, w64, m, n, k)
		name := fmt.Sprintf("%dx%dx%d", m, k, n)

		SetExactActivations(false)
		if !roundsActivations(BF16, m, k) { // exact path for this m (or no VDPBF16PS)
			refR, magR = refE, magE
		}
		c, check := guarded(t, m*n)
		MatMul(c, a, m, w)
		check()
		checkClose(t, "rounded MatMul "+name, c, refR, magR, dpSumBound(k))
		// MatMulN over two matrices: the same values as two MatMul calls.
		c2, check2 := guarded(t, m*n)
		c3, check3 := guarded(t, m*n)
		MatMulN([][]float32{c2, c3}, a, m, []*Matrix{w, w})
		check2()
		check3()
		checkClose(t, "rounded MatMulN[0] "+name, c2, refR, magR, dpSumBound(k))
		checkClose(t, "rounded MatMulN[1] "+name, c3, refR, magR, dpSumBound(k))

		SetExactActivations(true)
		MatMul(c, a, m, w)
		checkClose(t, "exact MatMul "+name, c, refE, magE, 1e-5)
	}
}

// TestMinTimeBF16DP prints best-of-n rates (one goroutine) of MatMul on
// bf16 weights with exact f32 activations (the default paths) against the
// rounded-activation VDPBF16PS dot path, for decode batches and prefill
// sizes of the Qwen2.5-0.5B shape (set HNEURONS_MINTIME=1); it asserts
// nothing.
func TestMinTimeBF16DP(t *testing.T) {
	if os.Getenv("HNEURONS_MINTIME") == "" {
		t.Skip("set HNEURONS_MINTIME=1 to print best-of-n kernel rates")
	}
	saved := Threads()
	defer func() { SetThreads(saved); SetExactActivations(true) }()
	SetThreads(1)
	r := rand.New(rand.NewPCG(65, 66))
	for _, nk := range [][2]int{{4864, 896}, {896, 4864}} {
		n, k := nk[0], nk[1]
		src, _ := encode16(randF32(r, n*k), ToBF16, refBF16)
		wb, _ := Pack(src, BF16, n, k)
		for _, m := range []int{2, 3, 4, 6, 10, 16, 32, 64, 128} {
			a, c := randF32(r, m*k), make([]float32, m*n)
			var rate [2]float64
			saved0, saved1 := dpMinM, dpMaxM
			for i, exact := range []bool{true, false} {
				SetExactActivations(exact)
				dpMinM, dpMaxM = 2, 1<<30 // the dot path for every m
				d := minTime(max(3, 200/m), func() { MatMul(c, a, m, wb) })
				rate[i] = 2 * float64(m*n*k) / d.Seconds() / 1e9
			}
			dpMinM, dpMaxM = saved0, saved1
			t.Logf("MatMul m=%d %dx%d bf16, 1 goroutine: exact %.1f GFLOP/s, rounded (VDPBF16PS dot: %v) %.1f GFLOP/s", m, k, n, rate[0], useBF16DotAvail(), rate[1])
		}
	}
}

// useBF16DotAvail reports whether the rounded setting can run VDPBF16PS.
func useBF16DotAvail() bool {
	saved := roundBF16.Load()
	defer roundBF16.Store(saved)
	roundBF16.Store(true)
	return useBF16Dot()
}

// TestMinTimeDPPeak prints the best-of-n rate of 24 independent VDPBF16PS
// (64 flops each) beside the 512-bit FMA peak probe (set
// HNEURONS_MINTIME=1); it asserts nothing.
func TestMinTimeDPPeak(t *testing.T) {
	if os.Getenv("HNEURONS_MINTIME") == "" {
		t.Skip("set HNEURONS_MINTIME=1 to print best-of-n kernel rates")
	}
	if !dpPeak(1) || !fmaPeak512(1) {
		t.Skip("no AVX512_BF16 probe on this CPU/build")
	}
	d := minTime(3000, func() { dpPeak(1000) })
	t.Logf("VDPBF16PS peak, 24 independent zmm: %.1f GFLOP/s (%.2f G instructions/s)", 24*64*1000/d.Seconds()/1e9, 24*1000/d.Seconds()/1e9)
	d = minTime(3000, func() { fmaPeak512(1000) })
	t.Logf("FMA peak, 24 independent zmm: %.1f GFLOP/s (%.2f G instructions/s)", 24*32*1000/d.Seconds()/1e9, 24*1000/d.Seconds()/1e9)
}
