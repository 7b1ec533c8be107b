package kernels

import "math"

// kern16x6Go adds c[i*ldc+j] += Σ_{p<kc} ap[16p+i]·w[j*ldw+p] for i < mr
// <= 16, j < nr <= 6. ap: packed panel [kc][16]; w: weight rows of stride
// ldw.
func kern16x6Go(ap []float32, w []float32, ldw, kc int, c []float32, ldc, mr, nr int) {
	var acc [6][16]float32
	ap = ap[:16*kc]
	for j := 0; j < nr; j++ {
		wj := w[j*ldw : j*ldw+kc]
		aj := &acc[j]
		for p, wv := range wj {
			col := ap[16*p : 16*p+16]
			for i := range aj {
				aj[i] += col[i] * wv
			}
		}
	}
	for i := 0; i < mr; i++ {
		ci := c[i*ldc : i*ldc+nr]
		for j := range ci {
			ci[j] += acc[j][i]
		}
	}
}

// packPanel16Go writes dst[ldd*p+r] = src[r*lda+p] for r < 16, p < kl.
func packPanel16Go(dst []float32, ldd int, src []float32, lda, kl int) {
	var rows [16][]float32
	for r := range rows {
		rows[r] = src[r*lda : r*lda+kl]
	}
	for p := 0; p < kl; p++ {
		d := dst[ldd*p : ldd*p+16]
		for r := range d {
			d[r] = rows[r][p]
		}
	}
}

// kern8x48Go adds c[i*ldc+j] += Σ_{p<kc} ap[16p+i]·wp[48p+j] for i < mr
// <= 8, j < nr <= 48. ap: rows of a packed panel [kc][16]; wp: a weight
// panel [kc][48].
func kern8x48Go(ap, wp []float32, kc int, c []float32, ldc, mr, nr int) {
	var acc [8][48]float32
	for p := 0; p < kc; p++ {
		wr := wp[48*p : 48*p+48]
		ar := ap[16*p : 16*p+mr]
		for i, av := range ar {
			ai := &acc[i]
			for j, wv := range wr {
				ai[j] += av * wv
			}
		}
	}
	for i := 0; i < mr; i++ {
		ci := c[i*ldc : i*ldc+nr]
		for j := range ci {
			ci[j] += acc[i][j]
		}
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

// dot6x4Go writes out[4i+j] = Σ_{p<k} a[i*lda+p]·W[j,p] for i < 6, j < 4,
// with W rows of stride ldw from wf (F32) or wh (BF16 or F16 by dt).
func dot6x4Go(out *[24]float32, a []float32, lda int, dt DType, wf []float32, wh []uint16, ldw, k int) {
	var row [4][]float32
	for j := range row {
		switch dt {
		case F32:
			row[j] = wf[j*ldw : j*ldw+k]
		default:
			r := make([]float32, k)
			if dt == BF16 {
				bf16ToF32Go(r, wh[j*ldw:j*ldw+k])
			} else {
				f16ToF32Go(r, wh[j*ldw:j*ldw+k])
			}
			row[j] = r
		}
	}
	for i := 0; i < 6; i++ {
		ai := a[i*lda : i*lda+k]
		for j := range row {
			out[4*i+j] = dotGo(ai, row[j])
		}
	}
}

// packPanel48From16Go writes dst[48p+r] = W[r,p] for r < 16, p < kl, with W
// the bf16 or f16 (dt) rows src[r*lda:], widened to f32.
func packPanel48From16Go(dst []float32, src []uint16, lda, kl int, dt DType) {
	for r := 0; r < 16; r++ {
		row := src[r*lda : r*lda+kl]
		for p, h := range row {
			if dt == BF16 {
				dst[48*p+r] = FromBF16(h)
			} else {
				dst[48*p+r] = FromF16(h)
			}
		}
	}
}
