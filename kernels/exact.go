package kernels

// Bit-exact float32 kernels: their results are defined to the bit by the
// Go loops below, whichever implementation runs. Every product is rounded
// to float32 before it is added (the explicit float32 conversions keep a
// compiler from fusing the multiply and the add), so the SSE assembly of
// exact_amd64.s, the Go loops on amd64 and the Go loops on an FMA machine
// such as arm64 all give the same bits. The trainer relies on this to
// reproduce the shipped organism weights byte for byte; use Dot and Axpy
// where speed matters more than reproducibility.

// AxpyBitExact adds y[i] += alpha·x[i] for i < len(x), each product rounded
// to float32 before the sum; y must hold at least len(x) values, and
// y[len(x):] is left alone. The result is bit for bit that of the loop
//
//	for i, v := range x { y[i] += float32(alpha * v) }
func AxpyBitExact(alpha float32, x, y []float32) {
	checkLen("AxpyBitExact y", len(y), len(x))
	if len(x) == 0 {
		return
	}
	axpyBitExact(alpha, x, y[:len(x)])
}

// DotBitExact4 returns Σ x[i]·y[i] over len(x) with four float32
// accumulators; y must hold at least len(x) values. The result is bit for
// bit that of the loop
//
//	i := 0
//	for ; i+4 <= len(x); i += 4 {
//		s0 += float32(x[i] * y[i])
//		s1 += float32(x[i+1] * y[i+1])
//		s2 += float32(x[i+2] * y[i+2])
//		s3 += float32(x[i+3] * y[i+3])
//	}
//	for ; i < len(x); i++ { s0 += float32(x[i] * y[i]) }
//	return (s0 + s1) + (s2 + s3)
func DotBitExact4(x, y []float32) float32 {
	checkLen("DotBitExact4 y", len(y), len(x))
	if len(x) == 0 {
		return 0
	}
	return dotBitExact4(x, y[:len(x)])
}

// axpyBitExactGo is AxpyBitExact's defining loop. len(y) >= len(x).
func axpyBitExactGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += float32(alpha * v)
	}
}

// dotBitExact4Go is DotBitExact4's defining loop. len(y) >= len(x).
func dotBitExact4Go(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float32(x[i] * y[i])
		s1 += float32(x[i+1] * y[i+1])
		s2 += float32(x[i+2] * y[i+2])
		s3 += float32(x[i+3] * y[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float32(x[i] * y[i])
	}
	return (s0 + s1) + (s2 + s3)
}
