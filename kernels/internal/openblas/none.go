//go:build !openblas

package openblas

// Available reports whether this build links OpenBLAS (it does only with
// the openblas build tag).
const Available = false

// SgemmNT panics: this build does not link OpenBLAS.
func SgemmNT(c, a, w []float32, m, n, k int) { panic("openblas: built without the openblas tag") }
