package kernels

// Products of bf16 weights with several activation rows rounded to bf16
// (batched decoding and prefill when the activations are rounded; see
// SetExactActivations). Each output is a dot product along K by VDPBF16PS:
// 32 exact bf16·bf16 products per instruction, summed in f32, six
// activation rows against four weight rows per kernel call, so the weights
// are read once per call for all rows and no weight tile is converted or
// packed. The only change of numerics against the exact path is the
// rounding of the activations to bf16 (relative error at most 2^-9 per
// value).

// dpMinM and dpMaxM bound the batch sizes m for which MatMul and MatMulN
// take the bf16 dot path for bf16 weights when activations are rounded
// (m = 1 keeps the matrix-vector kernel kern1x4BF16DP). On the Xeon of
// BENCHMARKS.md VDPBF16PS retires at about half the rate of 512-bit FMAs
// (TestMinTimeDPPeak: 87 against 178 GFLOP/s), so the dot path is faster
// than the exact kernels only while the weights' bandwidth bounds the
// product (m of 2 to 4; TestMinTimeBF16DP); larger batches stay exact.
var dpMinM, dpMaxM = 2, 4

// useDP reports whether MatMul takes the bf16 dot path for m rows of w.
func (w *Matrix) useDP(m int) bool {
	return w.dt == BF16 && m >= dpMinM && m <= dpMaxM && useBF16Dot()
}

// dotRx4BF16DPGo writes out[4i+j] = Σ_{p<k} a[i*lda+p]·w[j*ldw+p] for
// i < rows, j < 4 with a and w bfloat16: exact f32 products, f32 sums in
// index order.
func dotRx4BF16DPGo(out *[24]float32, rows int, a []uint16, lda int, w []uint16, ldw, k int) {
	for i := 0; i < rows; i++ {
		ai := a[i*lda : i*lda+k]
		for j := 0; j < 4; j++ {
			wj := w[j*ldw : j*ldw+k]
			var s float32
			for p, h := range ai {
				s += FromBF16(h) * FromBF16(wj[p])
			}
			out[4*i+j] = s
		}
	}
}

// matmulDP computes c[i*ldc+j] = Σ_k ah[i*K+k]·W[j,k] for i < m and
// j0 <= j < j1, W bf16 and ah the m activation rows rounded to bf16. For
// each group of four weight rows it runs over all activation rows in
// blocks of six, so the weight rows are read from memory once and the
// activations come from cache.
func (w *Matrix) matmulDP(c []float32, ldc int, ah []uint16, m, j0, j1 int) {
	k := w.k
	var out [24]float32
	j := j0
	for ; j+4 <= j1; j += 4 {
		wh := w.u16[j*k:]
		for i := 0; i < m; i += 6 {
			r := min(6, m-i)
			dotRx4BF16DP(&out, r, ah[i*k:], k, wh, k, k)
			for q := 0; q < r; q++ {
				copy(c[(i+q)*ldc+j:(i+q)*ldc+j+4], out[4*q:4*q+4])
			}
		}
	}
	w.dotRowsBF16(c, ldc, ah, m, j, j1)
}

// matMulRounded is MatMul on activations rounded to bf16: the m rows of a
// are rounded once, then kern (the dot path's (*Matrix).matmulDP for m of
// useDP, (*Matrix).matvecBF16 otherwise) runs over the weight rows split
// over the threads.
func matMulRounded(c, a []float32, m int, w *Matrix, kern func(w *Matrix, c []float32, ldc int, ah []uint16, m, j0, j1 int)) {
	n, k := w.n, w.k
	ps := scratchPool.Get().(*scratch)
	ah := ps.growH(m * k)
	roundRows(ah, a, k, m, k)
	parallelRows(n, 4, 2*m*n*k, func(j0, j1 int, _ *scratch) {
		kern(w, c, n, ah, m, j0, j1)
	})
	scratchPool.Put(ps)
}

// matMulNDP runs MatMulN's fused product on the bf16 dot path when every
// matrix takes it for m rows (see useDP), reporting whether it did: the
// activation rows are rounded once and the rows of all matrices are split
// over the threads as one job.
func matMulNDP(cs [][]float32, a []float32, m int, ws []*Matrix) bool {
	total := 0
	for _, w := range ws {
		if !w.useDP(m) || w.k != ws[0].k {
			return false
		}
		total += w.n
	}
	k := ws[0].k
	ps := scratchPool.Get().(*scratch)
	ah := ps.growH(m * k)
	roundRows(ah, a, k, m, k)
	parallelRows(total, 4, 2*m*total*k, func(j0, j1 int, _ *scratch) {
		off := 0
		for i, w := range ws {
			if lo, hi := max(j0-off, 0), min(j1-off, w.n); lo < hi {
				w.matmulDP(cs[i], w.n, ah, m, lo, hi)
			}
			off += w.n
		}
	})
	scratchPool.Put(ps)
	return true
}

// dotRx4BF16Go writes out[4i+j] = Σ_{p<k} a[i*lda+p]·W[j,p] for i < rows,
// j < 4, with W the four bf16 rows w[j*ldw:] widened to f32 (the Go twin
// of the exact prefetching kernels, summed as dotGo sums).
func dotRx4BF16Go(out *[24]float32, rows int, a []float32, lda int, w []uint16, ldw, k int) {
	row := make([]float32, k)
	for j := 0; j < 4; j++ {
		bf16ToF32Go(row, w[j*ldw:j*ldw+k])
		for i := 0; i < rows; i++ {
			out[4*i+j] = dotGo(a[i*lda:i*lda+k], row)
		}
	}
}

// prefetchNextRows lets the matrix-vector and small-batch paths of bf16
// weights use the kernels that prefetch the next four weight rows (same
// results; off: the kernels that prefetch 512 bytes ahead within each row,
// and dot6x4 on rows padded to a multiple of six).
var prefetchNextRows = true

// pfAheadMax caps how far ahead (in weight values) the exact bf16 kernels
// prefetch: four rows (the next group of four rows that the caller will
// read), or this many values for long rows.
var pfAheadMax = 1 << 14

// pfAheadRows is how many rows ahead the exact bf16 kernels prefetch (4:
// the next group of four rows).
var pfAheadRows = 4

// pfRows returns the rows the exact bf16 kernels prefetch while they read
// the four rows from j: the next group of four rows, at most pfAheadMax
// values ahead, and rows j themselves near the end of the matrix.
func (w *Matrix) pfRows(j int) []uint16 {
	k := w.k
	off := j*k + min(pfAheadRows*k, pfAheadMax)
	if off+4*k > len(w.u16) || off < j*k+4 {
		off = j * k
	}
	return w.u16[off:]
}
