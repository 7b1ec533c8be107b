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
	parallelFor(m, m*n*k/32768, func(lo, hi int) {
		gemmRows(transA, transB, lo, hi, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	})
}

// gemmRows computes rows lo..hi of the gemm product.
func gemmRows[T Float](transA, transB bool, lo, hi, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := lo; i < hi; i++ {
		ci := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(ci)
		} else if beta != 1 {
			for j := range ci {
				ci[j] *= beta
			}
		}
		switch {
		case !transB:
			// C[i,:] += sum_p alpha*A[i,p] * B[p,:]
			for p := 0; p < k; p++ {
				var aip T
				if transA {
					aip = a[p*lda+i]
				} else {
					aip = a[i*lda+p]
				}
				if aip == 0 {
					continue
				}
				axpy(alpha*aip, b[p*ldb:p*ldb+n], ci)
			}
		case !transA:
			// C[i,j] += alpha * dot(A[i,:], B[j,:])
			ai := a[i*lda : i*lda+k]
			for j := 0; j < n; j++ {
				ci[j] += alpha * dot(ai, b[j*ldb:j*ldb+k])
			}
		default:
			for j := 0; j < n; j++ {
				var s T
				for p := 0; p < k; p++ {
					s += a[p*lda+i] * b[j*ldb+p]
				}
				ci[j] += alpha * s
			}
		}
	}
}

// axpy: y += alpha*x.
func axpy[T Float](alpha T, x, y []T) {
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

// dot returns x·y.
func dot[T Float](x, y []T) T {
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
