package kernels

import "sync/atomic"

// Matrix-vector products of bf16 weights with the activations rounded to
// bf16. On CPUs with AVX512_BF16 the decode path (m up to matvecMaxM) of a
// BF16 Matrix rounds each activation row to bf16 once per call (round to
// nearest even) and dots it with the weight rows by VDPBF16PS: 32 exact
// bf16·bf16 products per instruction summed in f32, instead of widening
// every weight to f32 and fusing multiply-adds. The only change of
// numerics is the rounding of the activations (a relative error of at most
// 2^-9 per value; the products and sums are f32 as before). F32 and F16
// matrices, the GEMM and the small-batch path are not affected. The exact
// path (f32 activations) is the default; SetExactActivations(false) or the
// environment variable HNEURONS_ACTIVATIONS=round selects the rounded one.

// roundBF16 turns the rounded-activation path on (see SetExactActivations).
var roundBF16 atomic.Bool

// SetExactActivations chooses, for the matrix-vector (decode) path of bf16,
// Q4_K, Q6_K and Q8_0 weight matrices, between exact f32 activations (true,
// the default) and, where the CPU has AVX512_BF16 or AVX512_VNNI, the faster
// paths that round the activations to bf16 (bf16 weights, VDPBF16PS) or
// quantise them to int8 (per 256 values for Q4_K and Q6_K, per 32 for Q8_0;
// VPDPBUSD; see quant_q8.go) (false). Safe to call at any time; calls already
// running finish on the path they started with.
func SetExactActivations(exact bool) { roundBF16.Store(!exact) }

// ExactActivations reports whether matrix-vector products keep f32
// activations: true after SetExactActivations(true) or HNEURONS_ACTIVATIONS unset, and
// on CPUs or kernel sets without AVX512_BF16.
func ExactActivations() bool { return !useBF16Dot() && !useQ8Dot() }

// kern1x4BF16DPGo adds c[j] += Σ_{p<kc} a[p]·w[j*ldw+p] for j < 4 with a
// and w bfloat16: each product is exact in f32, the sums are f32.
func kern1x4BF16DPGo(c []float32, a []uint16, w []uint16, ldw int, kc int) {
	a = a[:kc]
	w0, w1, w2, w3 := w[:kc], w[ldw:ldw+kc], w[2*ldw:2*ldw+kc], w[3*ldw:3*ldw+kc]
	var s0, s1, s2, s3 float32
	for p, h := range a {
		v := FromBF16(h)
		s0 += v * FromBF16(w0[p])
		s1 += v * FromBF16(w1[p])
		s2 += v * FromBF16(w2[p])
		s3 += v * FromBF16(w3[p])
	}
	c = c[:4]
	c[0] += s0
	c[1] += s1
	c[2] += s2
	c[3] += s3
}

// growH returns s.h with at least n elements.
func (s *scratch) growH(n int) []uint16 {
	if cap(s.h) < n {
		s.h = make([]uint16, n)
	}
	return s.h[:n]
}

// roundRows writes the m activation rows a[i*lda:i*lda+k] rounded to bf16
// into ah[i*k:(i+1)*k].
func roundRows(ah []uint16, a []float32, lda, m, k int) {
	for i := 0; i < m; i++ {
		F32ToBF16(ah[i*k:(i+1)*k], a[i*lda:i*lda+k])
	}
}

// matvecBF16 computes c[i*ldc+j] = Σ_k ah[i*K+k]·W[j,k] for i < m and
// j0 <= j < j1, W bf16 and ah the activation rows rounded to bf16.
func (w *Matrix) matvecBF16(c []float32, ldc int, ah []uint16, m, j0, j1 int) {
	k := w.k
	var out [4]float32
	j := j0
	for ; j+4 <= j1; j += 4 {
		for i := 0; i < m; i++ {
			out = [4]float32{}
			kern1x4BF16DP(out[:], ah[i*k:(i+1)*k], w.u16[j*k:], k, k)
			copy(c[i*ldc+j:i*ldc+j+4], out[:])
		}
	}
	w.dotRowsBF16(c, ldc, ah, m, j, j1)
}

// dotRowsBF16 writes c[i*ldc+j] for weight rows j0 <= j < j1 and the m bf16
// activation rows ah (length k each) in Go: the rows the 4-row kernels of
// the bf16 dot paths leave over.
func (w *Matrix) dotRowsBF16(c []float32, ldc int, ah []uint16, m, j0, j1 int) {
	k := w.k
	for j := j0; j < j1; j++ {
		row := w.u16[j*k : (j+1)*k]
		for i := 0; i < m; i++ {
			var s float32
			for p, h := range ah[i*k : (i+1)*k] {
				s += FromBF16(h) * FromBF16(row[p])
			}
			c[i*ldc+j] = s
		}
	}
}
