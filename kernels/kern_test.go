package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// impls runs f once with the pure-Go kernels and, where the CPU has them,
// once with the assembly kernels.
func impls(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	saved, saved512 := asmEnabled, avx512Enabled
	defer func() { asmEnabled, avx512Enabled = saved, saved512 }()
	for _, impl := range []string{"go", "avx2", "avx512"} {
		switch impl {
		case "go":
			asmEnabled, avx512Enabled = false, false
		case "avx2":
			if !asmAvailable {
				t.Log("assembly kernels unavailable on this CPU/build; pure Go only")
				continue
			}
			asmEnabled, avx512Enabled = true, false
		case "avx512":
			if !avx512Available {
				t.Log("no AVX-512 on this CPU/build")
				continue
			}
			asmEnabled, avx512Enabled = true, true
		}
		t.Run(impl, f)
	}
}

// TestMicroKernels checks the inner kernels directly, at misaligned offsets,
// with guards around the output, against float64 sums.
func TestMicroKernels(t *testing.T) {
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(21, 22))
		for _, kc := range []int{1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 100, 256, 263} {
			for _, off := range []int{0, 1, 3} {
				ldw := kc + 5
				a := randF32(r, off+16*kc)[off:] // packed panel [kc][16]
				w := randF32(r, off+6*ldw)[off:]
				for _, tile := range [][2]int{{16, 6}, {1, 1}, {3, 5}, {16, 2}, {7, 6}} {
					mr, nr := tile[0], tile[1]
					ldc := nr + off + 1
					c0 := randF32(r, 16*ldc)
					cb, check := guarded(t, 16*ldc)
					copy(cb, c0)
					kern16x6(a, w, ldw, kc, cb, ldc, mr, nr)
					check()
					for i := 0; i < 16; i++ {
						for j := 0; j < ldc; j++ {
							if i >= mr || j >= nr {
								if cb[i*ldc+j] != c0[i*ldc+j] {
									t.Fatalf("kern16x6 %dx%d kc=%d wrote outside its tile at [%d,%d]", mr, nr, kc, i, j)
								}
								continue
							}
							s, g := float64(c0[i*ldc+j]), math.Abs(float64(c0[i*ldc+j]))
							for p := 0; p < kc; p++ {
								v := float64(a[16*p+i]) * float64(w[j*ldw+p])
								s += v
								g += math.Abs(v)
							}
							if d := math.Abs(float64(cb[i*ldc+j]) - s); d > 1e-6*g {
								t.Fatalf("kern16x6 %dx%d kc=%d off=%d [%d,%d] = %g, want %g", mr, nr, kc, off, i, j, cb[i*ldc+j], s)
							}
						}
					}
				}
				// 1x4 for f32, bf16 and f16 weights
				w16 := make([]uint16, off+4*ldw)[off:]
				for _, kind := range []string{"f32", "bf16", "f16"} {
					wf := make([]float64, 4*ldw)
					for i := range wf {
						switch kind {
						case "f32":
							wf[i] = float64(w[i])
						case "bf16":
							w16[i] = ToBF16(w[i])
							wf[i] = refBF16(w16[i])
						case "f16":
							w16[i] = ToF16(w[i])
							wf[i] = refF16(w16[i])
						}
					}
					c0 := randF32(r, 4)
					c4, check4 := guarded(t, 4)
					copy(c4, c0)
					switch kind {
					case "f32":
						kern1x4(c4, a[:kc], w, ldw, kc)
					case "bf16":
						kern1x4BF16(c4, a[:kc], w16, ldw, kc)
					case "f16":
						kern1x4F16(c4, a[:kc], w16, ldw, kc)
					}
					check4()
					for j := 0; j < 4; j++ {
						s, g := float64(c0[j]), math.Abs(float64(c0[j]))
						for p := 0; p < kc; p++ {
							v := float64(a[p]) * wf[j*ldw+p]
							s += v
							g += math.Abs(v)
						}
						if d := math.Abs(float64(c4[j]) - s); d > 1e-6*g {
							t.Fatalf("kern1x4 %s kc=%d off=%d [%d] = %g, want %g", kind, kc, off, j, c4[j], s)
						}
					}
				}
			}
		}
	})
}

// TestMatMulImpls runs MatMul on every weight type with both kernel sets.
func TestMatMulImpls(t *testing.T) {
	impls(t, func(t *testing.T) {
		TestMatMulF32(t)
		TestMatMul16(t)
		TestSgemm(t)
		TestElementwise(t)
		TestF16ToF32Exhaustive(t)
	})
}

func TestConversionsMatchGo(t *testing.T) {
	if !asmAvailable {
		t.Skip("no assembly kernels")
	}
	r := rand.New(rand.NewPCG(23, 24))
	for _, n := range []int{1, 8, 9, 63, 1000} {
		src := make([]float32, n)
		for i := range src {
			src[i] = math.Float32frombits(r.Uint32())
		}
		a, b := make([]uint16, n), make([]uint16, n)
		f32ToF16Go(a, src)
		F32ToF16(b, src)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("n=%d: F32ToF16(%g) asm %#04x, Go %#04x", n, src[i], b[i], a[i])
			}
		}
	}
	_ = fmt.Sprint()
}

func TestPackPanel16(t *testing.T) {
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(31, 32))
		for _, kl := range []int{1, 7, 8, 13, 64, 259} {
			lda := kl + 3
			src := randF32(r, 1+16*lda)[1:]
			dst, check := guarded(t, 16*kl)
			packPanel16(dst, 16, src, lda, kl)
			check()
			for p := 0; p < kl; p++ {
				for i := 0; i < 16; i++ {
					if dst[16*p+i] != src[i*lda+p] {
						t.Fatalf("kl=%d: panel[%d][%d] = %g, want %g", kl, p, i, dst[16*p+i], src[i*lda+p])
					}
				}
			}
			// stride 48: three row groups side by side
			d48, check48 := guarded(t, 48*kl)
			for r := 0; r < 48; r += 16 {
				packPanel16(d48[r:], 48, src, lda, kl)
			}
			check48()
			for p := 0; p < kl; p++ {
				for i := 0; i < 48; i++ {
					if d48[48*p+i] != src[(i%16)*lda+p] {
						t.Fatalf("kl=%d: 48-panel[%d][%d] = %g, want %g", kl, p, i, d48[48*p+i], src[(i%16)*lda+p])
					}
				}
			}
		}
	})
}

// TestKern8x48 checks the 8x48 kernel (AVX-512 where available) on full
// and partial tiles, with guards, against float64 sums.
func TestKern8x48(t *testing.T) {
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(33, 34))
		for _, kc := range []int{1, 2, 3, 8, 33, 256} {
			ap := randF32(r, 16*kc) // packed panel [kc][16]; rows 0..7 used
			wp := randF32(r, 48*kc) // weight panel [kc][48]
			for _, tile := range [][2]int{{8, 48}, {1, 1}, {5, 17}, {8, 33}, {3, 47}, {7, 16}, {2, 32}} {
				mr, nr := tile[0], tile[1]
				ldc := nr + 3
				c0 := randF32(r, 8*ldc)
				cb, check := guarded(t, 8*ldc)
				copy(cb, c0)
				kern8x48(ap, wp, kc, cb, ldc, mr, nr)
				check()
				for i := 0; i < 8; i++ {
					for j := 0; j < ldc; j++ {
						if i >= mr || j >= nr {
							if cb[i*ldc+j] != c0[i*ldc+j] {
								t.Fatalf("kern8x48 %dx%d kc=%d wrote outside its tile at [%d,%d]", mr, nr, kc, i, j)
							}
							continue
						}
						s, g := float64(c0[i*ldc+j]), math.Abs(float64(c0[i*ldc+j]))
						for p := 0; p < kc; p++ {
							v := float64(ap[16*p+i]) * float64(wp[48*p+j])
							s += v
							g += math.Abs(v)
						}
						if d := math.Abs(float64(cb[i*ldc+j]) - s); d > 1e-6*g {
							t.Fatalf("kern8x48 %dx%d kc=%d [%d,%d] = %g, want %g", mr, nr, kc, i, j, cb[i*ldc+j], s)
						}
					}
				}
			}
		}
	})
}

// TestDot6x4 checks the small-batch dot kernel for every weight type at
// misaligned offsets against float64 sums.
func TestDot6x4(t *testing.T) {
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(35, 36))
		for _, k := range []int{16, 32, 48, 256, 1008} {
			for _, off := range []int{0, 1, 3} {
				lda, ldw := k+off, k+2*off
				a := randF32(r, off+6*lda)[off:]
				wf := randF32(r, off+4*ldw)[off:]
				wh := make([]uint16, off+4*ldw)[off:]
				for _, dt := range []DType{F32, BF16, F16} {
					w64 := make([]float64, 4*ldw)
					for i := range w64 {
						switch dt {
						case F32:
							w64[i] = float64(wf[i])
						case BF16:
							wh[i] = ToBF16(wf[i])
							w64[i] = refBF16(wh[i])
						case F16:
							wh[i] = ToF16(wf[i])
							w64[i] = refF16(wh[i])
						}
					}
					var out [24]float32
					dot6x4(&out, a, lda, dt, wf, wh, ldw, k)
					for i := 0; i < 6; i++ {
						for j := 0; j < 4; j++ {
							var s, g float64
							for p := 0; p < k; p++ {
								v := float64(a[i*lda+p]) * w64[j*ldw+p]
								s += v
								g += math.Abs(v)
							}
							if d := math.Abs(float64(out[4*i+j]) - s); d > 1e-6*g {
								t.Fatalf("%v k=%d off=%d [%d,%d] = %g, want %g", dt, k, off, i, j, out[4*i+j], s)
							}
						}
					}
				}
			}
		}
	})
}

func TestPackPanel48From16(t *testing.T) {
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(37, 38))
		for _, dt := range []DType{BF16, F16} {
			for _, kl := range []int{1, 8, 13, 256} {
				lda := kl + 5
				src := make([]uint16, 1+16*lda)[1:]
				for i := range src {
					if dt == BF16 {
						src[i] = ToBF16(2*r.Float32() - 1)
					} else {
						src[i] = ToF16(2*r.Float32() - 1)
					}
				}
				dst, check := guarded(t, 48*(kl-1)+16)
				packPanel48From16(dst, src, lda, kl, dt)
				check()
				for p := 0; p < kl; p++ {
					for i := 0; i < 16; i++ {
						want := refBF16(src[i*lda+p])
						if dt == F16 {
							want = refF16(src[i*lda+p])
						}
						if float64(dst[48*p+i]) != want {
							t.Fatalf("%v kl=%d [%d][%d] = %g, want %g", dt, kl, p, i, dst[48*p+i], want)
						}
					}
				}
			}
		}
	})
}
