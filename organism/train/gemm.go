package train

import (
	"runtime"
	"sync"
)

// fastSgemm, when set, replaces the portable loops for float32 GEMMs. It has
// the signature of kernels.Sgemm (row-major, BLAS-like).
var fastSgemm func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// gemm computes C = alpha*op(A)*op(B) + beta*C with op(A) (m, k), op(B)
// (k, n) and C (m, n), all row-major with leading dimensions lda, ldb, ldc.
// When beta is zero C is overwritten (old NaNs do not leak).
func gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if fastSgemm != nil {
		if a32, ok := any(a).([]float32); ok {
			fastSgemm(transA, transB, m, n, k, float32(alpha), a32, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
			return
		}
	}
	// Bring both operands into the "NT" layout (rows of A and rows of B both
	// run along k), transposing a copy when needed: O(size) copies against
	// O(m*n*k) arithmetic.
	if transA {
		a, lda = transpose(a, k, m, lda), k
	}
	if !transB {
		b, ldb = transpose(b, k, n, ldb), k
	}
	parallelFor(m, m*n*k/32768, func(lo, hi int) {
		gemmNT(lo, hi, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	})
}

// transpose returns the (cols, rows) transpose of the (rows, cols) matrix x
// with leading dimension ld, packed.
func transpose[T Float](x []T, rows, cols, ld int) []T {
	out := make([]T, rows*cols)
	for r := 0; r < rows; r++ {
		xr := x[r*ld : r*ld+cols]
		for c, v := range xr {
			out[c*rows+r] = v
		}
	}
	return out
}

// gemmNT computes rows lo..hi of C = alpha*A*B^T + beta*C with A (m, k) and
// B (n, k), in 2x4 register tiles (eight independent accumulators).
func gemmNT[T Float](lo, hi, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	store := func(dst *T, s T) {
		if beta == 0 {
			*dst = alpha * s
		} else {
			*dst = beta**dst + alpha*s
		}
	}
	i := lo
	for ; i+2 <= hi; i += 2 {
		a0, a1 := a[i*lda:i*lda+k], a[(i+1)*lda:(i+1)*lda+k]
		c0, c1 := c[i*ldc:i*ldc+n], c[(i+1)*ldc:(i+1)*ldc+n]
		j := 0
		for ; j+4 <= n; j += 4 {
			b0, b1 := b[j*ldb:j*ldb+k], b[(j+1)*ldb:(j+1)*ldb+k]
			b2, b3 := b[(j+2)*ldb:(j+2)*ldb+k], b[(j+3)*ldb:(j+3)*ldb+k]
			a1 := a1[:len(a0)]
			b0, b1, b2, b3 = b0[:len(a0)], b1[:len(a0)], b2[:len(a0)], b3[:len(a0)]
			var s00, s01, s02, s03, s10, s11, s12, s13 T
			for p, x0 := range a0 {
				x1 := a1[p]
				y0, y1, y2, y3 := b0[p], b1[p], b2[p], b3[p]
				s00 += x0 * y0
				s01 += x0 * y1
				s02 += x0 * y2
				s03 += x0 * y3
				s10 += x1 * y0
				s11 += x1 * y1
				s12 += x1 * y2
				s13 += x1 * y3
			}
			store(&c0[j], s00)
			store(&c0[j+1], s01)
			store(&c0[j+2], s02)
			store(&c0[j+3], s03)
			store(&c1[j], s10)
			store(&c1[j+1], s11)
			store(&c1[j+2], s12)
			store(&c1[j+3], s13)
		}
		for ; j < n; j++ {
			bj := b[j*ldb : j*ldb+k]
			store(&c0[j], dot(a0, bj))
			store(&c1[j], dot(a1, bj))
		}
	}
	for ; i < hi; i++ {
		ai, ci := a[i*lda:i*lda+k], c[i*ldc:i*ldc+n]
		for j := range ci {
			store(&ci[j], dot(ai, b[j*ldb:j*ldb+k]))
		}
	}
}

// gemmRows is the plain reference loop for rows lo..hi of the gemm product
// (kept for the tests and the benchmark).
func gemmRows[T Float](transA, transB bool, lo, hi, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := lo; i < hi; i++ {
		ci := c[i*ldc : i*ldc+n]
		for j := range ci {
			var s T
			for p := 0; p < k; p++ {
				ia, ib := i*lda+p, p*ldb+j
				if transA {
					ia = p*lda + i
				}
				if transB {
					ib = j*ldb + p
				}
				s += a[ia] * b[ib]
			}
			if beta == 0 {
				ci[j] = alpha * s
			} else {
				ci[j] = beta*ci[j] + alpha*s
			}
		}
	}
}

// axpy: y += alpha*x (the SSE assembly for float32 where there is one).
func axpy[T Float](alpha T, x, y []T) {
	if x32, ok := any(x).([]float32); ok {
		axpy32(float32(alpha), x32, any(y).([]float32))
		return
	}
	axpyGo(alpha, x, y)
}

// axpyGo is axpy in Go: four independent products and sums per step.
func axpyGo[T Float](alpha T, x, y []T) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += alpha * x[i]
		y[i+1] += alpha * x[i+1]
		y[i+2] += alpha * x[i+2]
		y[i+3] += alpha * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}

// dot returns x·y (the SSE assembly for float32 where there is one).
func dot[T Float](x, y []T) T {
	if x32, ok := any(x).([]float32); ok {
		return T(dot32(x32, any(y).([]float32)))
	}
	return dotGo(x, y)
}

// dotGo is dot in Go, with four accumulators: element i goes to
// accumulator i mod 4 over whole groups of four, the rest to the first,
// and the result is (s0+s1)+(s2+s3).
func dotGo[T Float](x, y []T) T {
	y = y[:len(x)]
	var s0, s1, s2, s3 T
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// parallelFor calls fn on contiguous chunks of 0..n, using up to GOMAXPROCS
// goroutines when work (a rough cost in units of ~32k flops) justifies it.
func parallelFor(n, work int, fn func(lo, hi int)) {
	w := min(runtime.GOMAXPROCS(0), n, max(work, 1))
	if w <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := 0; i < w; i++ {
		lo, hi := i*n/w, (i+1)*n/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
