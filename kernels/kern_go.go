package kernels

import "math"

// kern4x3Go adds c[i*ldc+j] += Σ_{p<kc} a[i*lda+p]·w[j*ldw+p] for i < 4,
// j < 3.
func kern4x3Go(c []float32, ldc int, a []float32, lda int, w []float32, ldw int, kc int) {
	w0, w1, w2 := w[:kc], w[ldw:ldw+kc], w[2*ldw:2*ldw+kc]
	for i := 0; i < 4; i++ {
		ai := a[i*lda : i*lda+kc]
		var s0, s1, s2 float32
		for p, v := range ai {
			s0 += v * w0[p]
			s1 += v * w1[p]
			s2 += v * w2[p]
		}
		ci := c[i*ldc : i*ldc+3]
		ci[0] += s0
		ci[1] += s1
		ci[2] += s2
	}
}

// kern1x4Go adds c[j] += Σ_{p<len(a)} a[p]·w[j*ldw+p] for j < 4.
func kern1x4Go(c []float32, a []float32, w []float32, ldw int, kc int) {
	a = a[:kc]
	w0, w1, w2, w3 := w[:kc], w[ldw:ldw+kc], w[2*ldw:2*ldw+kc], w[3*ldw:3*ldw+kc]
	var s0, s1, s2, s3 float32
	for p, v := range a {
		s0 += v * w0[p]
		s1 += v * w1[p]
		s2 += v * w2[p]
		s3 += v * w3[p]
	}
	c = c[:4]
	c[0] += s0
	c[1] += s1
	c[2] += s2
	c[3] += s3
}

// kern1x4BF16Go is kern1x4Go with bfloat16 weights.
func kern1x4BF16Go(c []float32, a []float32, w []uint16, ldw int, kc int) {
	a = a[:kc]
	w0, w1, w2, w3 := w[:kc], w[ldw:ldw+kc], w[2*ldw:2*ldw+kc], w[3*ldw:3*ldw+kc]
	var s0, s1, s2, s3 float32
	for p, v := range a {
		s0 += v * math.Float32frombits(uint32(w0[p])<<16)
		s1 += v * math.Float32frombits(uint32(w1[p])<<16)
		s2 += v * math.Float32frombits(uint32(w2[p])<<16)
		s3 += v * math.Float32frombits(uint32(w3[p])<<16)
	}
	c = c[:4]
	c[0] += s0
	c[1] += s1
	c[2] += s2
	c[3] += s3
}

// kern1x4F16Go is kern1x4Go with IEEE binary16 weights.
func kern1x4F16Go(c []float32, a []float32, w []uint16, ldw int, kc int) {
	a = a[:kc]
	w0, w1, w2, w3 := w[:kc], w[ldw:ldw+kc], w[2*ldw:2*ldw+kc], w[3*ldw:3*ldw+kc]
	var s0, s1, s2, s3 float32
	for p, v := range a {
		s0 += v * FromF16(w0[p])
		s1 += v * FromF16(w1[p])
		s2 += v * FromF16(w2[p])
		s3 += v * FromF16(w3[p])
	}
	c = c[:4]
	c[0] += s0
	c[1] += s1
	c[2] += s2
	c[3] += s3
}
