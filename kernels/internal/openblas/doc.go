// Package openblas calls OpenBLAS's cblas_sgemm for the side-by-side GEMM
// benchmark of package kernels. Only with the openblas build tag does it
// use cgo and link -lopenblas; without the tag Available is false and the
// default build stays pure Go.
package openblas
