//go:build openblas

package openblas

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import "unsafe"

// Available reports whether this build links OpenBLAS.
const Available = true

// SgemmNT computes c[m,n] = a[m,k] · w[n,k]ᵀ (row-major) with cblas_sgemm.
func SgemmNT(c, a, w []float32, m, n, k int) {
	C.cblas_sgemm(C.CblasRowMajor, C.CblasNoTrans, C.CblasTrans, C.blasint(m), C.blasint(n), C.blasint(k),
		1, (*C.float)(unsafe.Pointer(&a[0])), C.blasint(k), (*C.float)(unsafe.Pointer(&w[0])), C.blasint(k),
		0, (*C.float)(unsafe.Pointer(&c[0])), C.blasint(n))
}
