package train

import "github.com/hneurons/hneurons/kernels"

// The float32 axpy and dot of the trainer (attention) run package kernels'
// bit-exact kernels: SSE assembly on amd64, Go loops with -tags purego,
// HNEURONS_KERNELS=go or elsewhere, the same bits every way. The shipped
// organism weights are reproduced byte for byte because of that.

// axpy32 is axpyGo for float32, bit for bit: y[i] += alpha*x[i] for
// i < len(x), each product rounded before the add (len(y) >= len(x)).
func axpy32(alpha float32, x, y []float32) { kernels.AxpyBitExact(alpha, x, y) }

// dot32 is dotGo for float32, bit for bit: four accumulators (element i in
// accumulator i mod 4 over whole groups of four, the rest in the first),
// each product rounded before the add, result (s0+s1)+(s2+s3)
// (len(y) >= len(x)).
func dot32(x, y []float32) float32 { return kernels.DotBitExact4(x, y) }
