package kernels

import (
	"encoding/binary"
	"math"
	"sync"
)

// Matrix-vector products of quantised weights (Q4_K, Q6_K, Q8_0) against
// int8-quantised activations: the decode path after
// SetExactActivations(false) (or HNEURONS_ACTIVATIONS=round) on CPUs with
// AVX-512 VNNI. The activation rows are quantised once per call: for the
// K-quants per 256 values (ggml's Q8_K scheme), for Q8_0 weights per 32
// values (ggml's Q8_0); q = round(x·127/max|x|), dx = max|x|/127. The
// weights' block sums are then integer (VPMADDUBSW/VPDPWSSD or VPDPBUSD)
// and scaled once per block in f32. The change of numerics is the
// rounding of the activations to 8 bits per block; the weights are used
// as stored.

// q8Acts holds m activation rows of k values quantised for the int8
// kernels, in the formats the weight types need (prepared lazily; a fused
// product of Q4_K and Q6_K matrices shares the K format).
type q8Acts struct {
	a      []float32 // the f32 rows (a[i*lda:i*lda+k])
	lda    int
	m, k   int
	hasK   bool // K format prepared
	hasQ80 bool // Q8_0 format prepared

	// K format, per 256-value block b of row i (nb = k/256 blocks a row):
	kq  []int8    // [m*k] quants
	kd  []float32 // [m*nb] dx
	kbs []int16   // [m*nb*16] sums of the 16-value sub-blocks (Q6_K)
	kbm []int16   // [m*nb*16] 8 zeros, then the eight 32-value sums (Q4_K)

	// Q8_0 format, per 32-value block (nz = k/32 blocks a row):
	zq []int8    // [m*k] quants
	zv []float32 // [m*nz*8] dx, eight times
	zb []int32   // [m*nz*8] -128·Σq, then seven zeros
}

var q8Pool = sync.Pool{New: func() any { return new(q8Acts) }}

// getQ8Acts returns an empty q8Acts for the rows a[i*lda:i*lda+k], i < m;
// prepare fills it for a weight type, release returns it.
func getQ8Acts(a []float32, lda, m, k int) *q8Acts {
	q := q8Pool.Get().(*q8Acts)
	q.a, q.lda, q.m, q.k = a, lda, m, k
	q.hasK, q.hasQ80 = false, false
	return q
}

// release returns q to the pool; q must not be used afterwards.
func (q *q8Acts) release() {
	q.a = nil
	q8Pool.Put(q)
}

// q8Type reports whether weights of type dt have an int8-activation
// kernel for rows of k values.
func q8Type(dt DType, k int) bool {
	switch dt {
	case Q4_K, Q6_K:
		return k%BlockK == 0
	case Q8_0:
		return k%BlockQ8_0 == 0
	}
	return false
}

// q8Path reports whether the matrix-vector products of w quantise the
// activations to int8 (see useQ8Dot).
func (w *Matrix) q8Path() bool { return useQ8Dot() && q8Type(w.dt, w.k) }

// has reports whether q holds the format of weight type dt.
func (q *q8Acts) has(dt DType) bool {
	switch dt {
	case Q4_K, Q6_K:
		return q.hasK
	case Q8_0:
		return q.hasQ80
	}
	return false
}

// prepare quantises the rows into the format of weight type dt (once).
func (q *q8Acts) prepare(dt DType) {
	switch {
	case (dt == Q4_K || dt == Q6_K) && !q.hasK:
		nb := q.k / BlockK
		q.kq = grow(q.kq, q.m*q.k)
		q.kd = grow(q.kd, q.m*nb)
		q.kbs = grow(q.kbs, q.m*nb*16)
		q.kbm = grow(q.kbm, q.m*nb*16)
		for i := 0; i < q.m; i++ {
			quantRowK(q.kq[i*q.k:(i+1)*q.k], q.kd[i*nb:(i+1)*nb], q.kbs[i*nb*16:(i+1)*nb*16],
				q.kbm[i*nb*16:(i+1)*nb*16], q.a[i*q.lda:i*q.lda+q.k])
		}
		q.hasK = true
	case dt == Q8_0 && !q.hasQ80:
		nz := q.k / BlockQ8_0
		q.zq = grow(q.zq, q.m*q.k)
		q.zv = grow(q.zv, q.m*nz*8)
		q.zb = grow(q.zb, q.m*nz*8)
		for i := 0; i < q.m; i++ {
			quantRowQ80(q.zq[i*q.k:(i+1)*q.k], q.zv[i*nz*8:(i+1)*nz*8], q.zb[i*nz*8:(i+1)*nz*8],
				q.a[i*q.lda:i*q.lda+q.k])
		}
		q.hasQ80 = true
	}
}

// grow returns s resliced to n elements, reallocated if too short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// quantBlock quantises x into q (same length) with scale dx = max|x|/127;
// an all-zero or non-finite block quantises to zeros with dx 0.
func quantBlock(q []int8, x []float32) (dx float32) {
	var amax float32
	for _, v := range x {
		amax = max(amax, float32(math.Abs(float64(v))))
	}
	if !(amax > 0) || math.IsInf(float64(amax), 0) {
		clear(q)
		return 0
	}
	is := 127 / amax
	for i, v := range x {
		q[i] = int8(max(-127, min(127, math.Round(float64(v*is)))))
	}
	return amax / 127
}

// quantRowK quantises one row (len a multiple of 256) into the K format.
func quantRowK(q []int8, d []float32, bs, bm []int16, x []float32) {
	for b := range d {
		qb := q[b*BlockK : (b+1)*BlockK]
		d[b] = quantBlock(qb, x[b*BlockK:(b+1)*BlockK])
		s := bs[16*b : 16*b+16]
		for j := range s {
			var t int16
			for _, v := range qb[16*j : 16*j+16] {
				t += int16(v)
			}
			s[j] = t
		}
		mm := bm[16*b : 16*b+16]
		for j := 0; j < 8; j++ {
			mm[j] = 0
			mm[8+j] = s[2*j] + s[2*j+1]
		}
	}
}

// quantRowQ80 quantises one row (len a multiple of 32) into the Q8_0
// format.
func quantRowQ80(q []int8, v []float32, bias []int32, x []float32) {
	for b := 0; b < len(x)/BlockQ8_0; b++ {
		qb := q[b*BlockQ8_0 : (b+1)*BlockQ8_0]
		dx := quantBlock(qb, x[b*BlockQ8_0:(b+1)*BlockQ8_0])
		var s int32
		for _, t := range qb {
			s += int32(t)
		}
		for l := 0; l < 8; l++ {
			v[8*b+l] = dx
			bias[8*b+l] = 0
		}
		bias[8*b] = -128 * s
	}
}

// matvecQ8 computes c[i*ldc+j] = Σ_p A[i,p]·W[j,p] for i < acts.m and
// j0 <= j < j1 from the quantised activations (prepared for w.dt).
func (w *Matrix) matvecQ8(c []float32, ldc int, acts *q8Acts, j0, j1 int) {
	var out [4]float32
	j := j0
	for ; j+4 <= j1; j += 4 {
		for i := 0; i < acts.m; i++ {
			w.dotQ8x4(&out, acts, i, j, w.rowBytes)
			copy(c[i*ldc+j:i*ldc+j+4], out[:])
		}
	}
	for ; j < j1; j++ {
		for i := 0; i < acts.m; i++ {
			// ldw 0: the same row four times
			w.dotQ8x4(&out, acts, i, j, 0)
			c[i*ldc+j] = out[0]
		}
	}
}

// dotQ8x4 writes out[r] = Σ_p A[i,p]·W[j+r,p] for r < 4 (rows ldw bytes
// apart from row j) with the int8 kernel of w.dt.
func (w *Matrix) dotQ8x4(out *[4]float32, acts *q8Acts, i, j, ldw int) {
	k := acts.k
	wq := w.q[j*w.rowBytes:]
	switch w.dt {
	case Q4_K:
		nb := k / BlockK
		dotQ4KxQ8x4(out, acts.kq[i*k:(i+1)*k], acts.kd[i*nb:(i+1)*nb], acts.kbm[i*nb*16:(i+1)*nb*16], wq, ldw, nb)
	case Q6_K:
		nb := k / BlockK
		dotQ6KxQ8x4(out, acts.kq[i*k:(i+1)*k], acts.kd[i*nb:(i+1)*nb], acts.kbs[i*nb*16:(i+1)*nb*16], wq, ldw, nb)
	case Q8_0:
		nz := k / BlockQ8_0
		dotQ8_0xQ8x4(out, acts.zq[i*k:(i+1)*k], acts.zv[i*nz*8:(i+1)*nz*8], acts.zb[i*nz*8:(i+1)*nz*8], wq, ldw, nz)
	default:
		panic("kernels: no int8-activation kernel for " + w.dt.String())
	}
}

// dotQ4KxQ8x4Go writes out[r] for r < 4 as dotQ4KxQ8x4VNNI does, in Go:
// four Q4_K rows (ldw bytes apart in w) of nb blocks against the K-format
// activations xq, xd and bm (per block 8 zeros and the eight 32-value
// sums). The block sums are integers, scaled in f32 once per block.
func dotQ4KxQ8x4Go(out *[4]float32, xq []int8, xd []float32, bm []int16, w []byte, ldw, nb int) {
	for r := 0; r < 4; r++ {
		var sum, mins float32
		for b := 0; b < nb; b++ {
			blk := w[r*ldw+b*BlockBytesQ4_K : r*ldw+(b+1)*BlockBytesQ4_K]
			d := FromF16(binary.LittleEndian.Uint16(blk[0:]))
			dmin := FromF16(binary.LittleEndian.Uint16(blk[2:]))
			qs := blk[16:144]
			q := xq[b*BlockK : (b+1)*BlockK]
			var isum, msum int32
			for j := 0; j < 8; j++ {
				sc, m := q4kScaleMin(j, blk[4:16])
				g, hi := j/2, uint(j%2)
				var t int32
				for l := 0; l < 32; l++ {
					t += int32(qs[32*g+l]>>(4*hi)&15) * int32(q[32*j+l])
				}
				isum += int32(sc) * t
				msum += int32(m) * int32(bm[16*b+8+j])
			}
			sum += d * xd[b] * float32(isum)
			mins += dmin * xd[b] * float32(msum)
		}
		out[r] = sum - mins
	}
}

// q6kQuant returns the stored (unsigned, +32) 6-bit quant of value p
// (0..255) of the Q6_K block blk.
func q6kQuant(blk []byte, p int) int32 {
	h, l := p/128, p%128
	ql := blk[64*h:]
	qh := blk[128+32*h:]
	lo := ql[l%64]
	if l >= 64 {
		lo >>= 4
	}
	return int32(lo&15 | (qh[l%32]>>(2*(l/32))&3)<<4)
}

// dotQ6KxQ8x4Go writes out[r] for r < 4 as dotQ6KxQ8x4VNNI does, in Go:
// four Q6_K rows against the K-format activations xq, xd and bs (the
// sixteen 16-value sums per block).
func dotQ6KxQ8x4Go(out *[4]float32, xq []int8, xd []float32, bs []int16, w []byte, ldw, nb int) {
	for r := 0; r < 4; r++ {
		var sum float32
		for b := 0; b < nb; b++ {
			blk := w[r*ldw+b*BlockBytesQ6_K : r*ldw+(b+1)*BlockBytesQ6_K]
			d := FromF16(binary.LittleEndian.Uint16(blk[208:]))
			q := xq[b*BlockK : (b+1)*BlockK]
			var isum int32
			for s := 0; s < 16; s++ {
				var t int32
				for p := 16 * s; p < 16*s+16; p++ {
					t += q6kQuant(blk, p) * int32(q[p])
				}
				isum += int32(int8(blk[192+s])) * (t - 32*int32(bs[16*b+s]))
			}
			sum += d * xd[b] * float32(isum)
		}
		out[r] = sum
	}
}

// dotQ8_0xQ8x4Go writes out[r] for r < 4 as dotQ8_0xQ8x4VNNI does, in Go:
// four Q8_0 rows of nb blocks against the Q8_0-format activations xq and
// xv (dx eight times per block; the bias xb is the kernel's business).
func dotQ8_0xQ8x4Go(out *[4]float32, xq []int8, xv []float32, xb []int32, w []byte, ldw, nb int) {
	for r := 0; r < 4; r++ {
		var sum float32
		for b := 0; b < nb; b++ {
			blk := w[r*ldw+b*BlockBytesQ8_0 : r*ldw+(b+1)*BlockBytesQ8_0]
			d := FromF16(binary.LittleEndian.Uint16(blk))
			var t int32
			for l, v := range blk[2:34] {
				t += int32(int8(v)) * int32(xq[32*b+l])
			}
			sum += d * xv[8*b] * float32(t)
		}
		out[r] = sum
	}
}
