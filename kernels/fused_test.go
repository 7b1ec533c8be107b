package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// randWeights returns an (n, k) matrix of type dt with random values and
// its elements as float64 (decoded by Row, which TestDequant checks against
// an independent decoder). For Q8_0 the bytes are random with finite scales.
func randWeights(t *testing.T, r *rand.Rand, dt DType, n, k int) (*Matrix, []float64) {
	t.Helper()
	var src []byte
	switch dt {
	case F32:
		w := randF32(r, n*k)
		src = make([]byte, 4*n*k)
		for i, v := range w {
			b := math.Float32bits(v)
			src[4*i], src[4*i+1], src[4*i+2], src[4*i+3] = byte(b), byte(b>>8), byte(b>>16), byte(b>>24)
		}
	case BF16:
		src, _ = encode16(randF32(r, n*k), ToBF16, refBF16)
	case Q8_0:
		src = make([]byte, n*k/32*dt.BlockBytes())
		for i := range src {
			src[i] = byte(r.Uint32())
		}
		for b := 0; b < len(src); b += dt.BlockBytes() {
			src[b+1] &= 0x1f // f16 scale finite and modest
		}
	case Q4_K:
		src = make([]byte, n*k/BlockK*BlockBytesQ4_K)
		for i := range src {
			src[i] = byte(r.Uint32())
		}
		for b := 0; b < len(src); b += BlockBytesQ4_K {
			src[b+1] &= 0x1f // f16 d and dmin finite and modest
			src[b+3] &= 0x1f
		}
	}
	w, err := Pack(src, dt, n, k)
	if err != nil {
		t.Fatal(err)
	}
	w64 := make([]float64, n*k)
	row := make([]float32, k)
	for j := 0; j < n; j++ {
		w.Row(j, row)
		for p, v := range row {
			w64[j*k+p] = float64(v)
		}
	}
	return w, w64
}

// TestMatMulN checks the fused product of several matrices of one K against
// float64 references, with guard values around every output, on every
// kernel set, through the matrix-vector, small-batch and GEMM paths, and bit
// for bit against separate MatMul calls when every N is a multiple of 4.
func TestMatMulN(t *testing.T) {
	defer func() { asmEnabled = asmAvailable; SetThreads(2); SetExactActivations(true) }()
	SetExactActivations(false) // the rounded bf16 path where the CPU has it
	r := rand.New(rand.NewPCG(41, 42))
	sets := []bool{false}
	if asmAvailable {
		sets = append(sets, true)
	}
	for _, asm := range sets {
		asmEnabled = asm
		for _, dt := range []DType{F32, BF16, Q8_0} {
			for _, shape := range []struct {
				k  int
				ns []int
			}{{64, []int{64, 16, 16}}, {96, []int{13, 7, 4}}, {32, []int{4}}, {160, []int{36, 8, 8, 20}}} {
				k := shape.k
				ws := make([]*Matrix, len(shape.ns))
				w64s := make([][]float64, len(shape.ns))
				for i, n := range shape.ns {
					ws[i], w64s[i] = randWeights(t, r, dt, n, k)
				}
				for _, m := range []int{1, 2, 3, 4, 6, 10, 16, 17, 40} {
					for _, threads := range []int{1, 2, 3} {
						SetThreads(threads)
						a := randF32(r, m*k)
						cs := make([][]float32, len(ws))
						checks := make([]func(), len(ws))
						for i, w := range ws {
							cs[i], checks[i] = guarded(t, m*w.n)
						}
						MatMulN(cs, a, m, ws)
						aligned := true
						for i, w := range ws {
							checks[i]()
							name := fmt.Sprintf("asm=%v %v k=%d ns=%v m=%d t=%d matrix %d", asm, dt, k, shape.ns, m, threads, i)
							ref, mag := refGemm64(a, w64s[i], m, w.n, k)
							if roundsActivations(dt, m, k) {
								checkClose(t, name+" rounded vs exact", cs[i], ref, mag, 1.0/256)
								ref, mag = refGemm64(roundedBF16(a), w64s[i], m, w.n, k)
								name += " rounded"
							}
							if quantisesActivations(w, m) {
								checkClose(t, name+" int8 vs exact", cs[i], ref, mag, 1.0/32)
								ref, mag = refGemm64(q8Rounded(a, w.dt, m, k), w64s[i], m, w.n, k)
								name += " int8"
							}
							checkClose(t, name, cs[i], ref, mag, 1e-5)
							aligned = aligned && w.n%4 == 0
						}
						if !aligned {
							continue
						}
						for i, w := range ws {
							want := make([]float32, m*w.n)
							MatMul(want, a, m, w)
							for e := range want {
								if math.Float32bits(want[e]) != math.Float32bits(cs[i][e]) {
									t.Fatalf("asm=%v %v k=%d ns=%v m=%d t=%d matrix %d [%d]: MatMulN %g, MatMul %g", asm, dt, k, shape.ns, m, threads, i, e, cs[i][e], want[e])
								}
							}
						}
					}
				}
			}
		}
	}
}
