package kernels

// Mixed-precision column kernels: float32 data (a column of the probe's
// feature matrix) against float64 vectors, accumulated in float64. On
// amd64 with AVX2 and FMA they run the assembly of mixed_amd64.s; the
// pure-Go twins below are their reference and their fallback. The
// assembly converts x to float64 and fuses multiply-adds, so it agrees
// with the Go twins to rounding, not to the bit.

// DotF32F64 returns Σ x[i]·r[i] accumulated in float64; r must hold at
// least len(x) values (only the first len(x) are read). The reference loop:
//
//	for i := range x { s += float64(x[i]) * r[i] }
func DotF32F64(x []float32, r []float64) float64 {
	checkLen("DotF32F64 r", len(r), len(x))
	return dotF32F64(x, r[:len(x)])
}

// DotAndSqDotF32F64 returns xr = Σ x[i]·r[i] and xxd = Σ x[i]²·d[i], both
// accumulated in float64 (a gradient and a Hessian diagonal entry of a
// generalised linear model); r and d must hold at least len(x) values. The
// reference loop:
//
//	for i := range x { a := float64(x[i]); xr += a * r[i]; xxd += a * a * d[i] }
func DotAndSqDotF32F64(x []float32, r, d []float64) (xr, xxd float64) {
	checkLen("DotAndSqDotF32F64 r", len(r), len(x))
	checkLen("DotAndSqDotF32F64 d", len(d), len(x))
	return dotAndSqDotF32F64(x, r[:len(x)], d[:len(x)])
}

// Dot3F32F64 returns the three-way product Σ x[i]·d[i]·v[i] accumulated in
// float64; d and v must hold at least len(x) values. The reference loop:
//
//	for i := range x { s += float64(x[i]) * d[i] * v[i] }
func Dot3F32F64(x []float32, d, v []float64) float64 {
	checkLen("Dot3F32F64 d", len(d), len(x))
	checkLen("Dot3F32F64 v", len(v), len(x))
	return dot3F32F64(x, d[:len(x)], v[:len(x)])
}

// AxpyF32F64 adds y[i] += a·x[i] in float64 for i < len(x); y must hold at
// least len(x) values, and y[len(x):] is left alone. The reference loop:
//
//	for i := range x { y[i] += a * float64(x[i]) }
func AxpyF32F64(a float64, x []float32, y []float64) {
	checkLen("AxpyF32F64 y", len(y), len(x))
	axpyF32F64(a, x, y[:len(x)])
}

// dotF32F64Go is DotF32F64 in Go with four partial sums: element i goes to
// sum i mod 4 over whole groups of four, the rest to the first, and the
// result is (s0+s1)+(s2+s3). len(r) >= len(x).
func dotF32F64Go(x []float32, r []float64) float64 {
	r = r[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i]) * r[i]
		s1 += float64(x[i+1]) * r[i+1]
		s2 += float64(x[i+2]) * r[i+2]
		s3 += float64(x[i+3]) * r[i+3]
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i]) * r[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// dotAndSqDotF32F64Go is DotAndSqDotF32F64 in Go with two partial sums of
// each (even and odd elements). len(r), len(d) >= len(x).
func dotAndSqDotF32F64Go(x []float32, r, d []float64) (xr, xxd float64) {
	r = r[:len(x)]
	d = d[:len(x)]
	var g0, g1, h0, h1 float64
	i := 0
	for ; i+2 <= len(x); i += 2 {
		a, b := float64(x[i]), float64(x[i+1])
		g0 += a * r[i]
		g1 += b * r[i+1]
		h0 += a * a * d[i]
		h1 += b * b * d[i+1]
	}
	for ; i < len(x); i++ {
		a := float64(x[i])
		g0 += a * r[i]
		h0 += a * a * d[i]
	}
	return g0 + g1, h0 + h1
}

// dot3F32F64Go is Dot3F32F64 in Go with two partial sums (even and odd
// elements). len(d), len(v) >= len(x).
func dot3F32F64Go(x []float32, d, v []float64) float64 {
	d = d[:len(x)]
	v = v[:len(x)]
	var s0, s1 float64
	i := 0
	for ; i+2 <= len(x); i += 2 {
		s0 += float64(x[i]) * d[i] * v[i]
		s1 += float64(x[i+1]) * d[i+1] * v[i+1]
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i]) * d[i] * v[i]
	}
	return s0 + s1
}

// axpyF32F64Go is AxpyF32F64 in Go. len(y) >= len(x).
func axpyF32F64Go(a float64, x []float32, y []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * float64(v)
	}
}
