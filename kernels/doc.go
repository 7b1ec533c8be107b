// Package kernels holds the numeric kernels of the forward pass: the weight
// matrix product (GEMM for prefill, matrix-vector for decoding), a BLAS-like
// Sgemm for the trainer and the probe, the vector operations of a transformer
// block (RMSNorm, softmax, RoPE, activations, element-wise arithmetic), the
// bf16/f16 conversions and the GGUF block dequantisers (Q8_0, Q4_K, Q6_K).
//
// # Weight layout and memory
//
// A Matrix is W[N,K] in the Hugging Face [out, in] layout and the product is
// C[M,N] = A[M,K] · W^T. Pack keeps the caller's bytes as they are (no copy,
// no expansion): a memory-mapped bf16 or quantised tensor stays a view of the
// file, so a model's resident size stays close to its file size. The GEMM
// reads W row by row (each output is a dot product of an activation row and a
// weight row), so row-major weights need no transposed copy. Weights that are
// not f32 are converted per tile (nc rows x kc columns) into a small
// per-goroutine f32 scratch, once per call, and every tile is reused by all M
// activation rows; for decoding (M <= 8) bf16 and f16 rows are converted
// inside the dot-product kernel and quantised rows are dequantised one row at
// a time into scratch, so weights stream from memory exactly once.
//
// # Kernels
//
// On amd64 with AVX2 and FMA (detected at run time with golang.org/x/sys/cpu)
// the inner kernels are Go assembly; elsewhere, or with the purego build tag,
// pure-Go kernels of identical signature run instead. Where the CPU has
// AVX-512 the GEMM also uses an 8x48 AVX-512 kernel (twice the FMA width).
// The environment variable HNEURONS_KERNELS=avx2 (or go) caps the kernels
// used, for comparisons; Features reports the set in use. Tests compare
// every set against float64 references.
//
// # Dimension names
//
// M: activation rows (tokens), N: weight rows (output features), K: the
// shared inner dimension. Buffers are row-major; shape comments use these
// names.
package kernels
