package kernels

import "math"

// Q4_K matrix-vector products against int8-quantised activations (the
// decode path of Q4_K matrices after SetExactActivations(false), where the
// CPU has AVX-512 VNNI). Each activation row is quantised once per call,
// per 256-value super-block, to int8 values q = round(x·127/max|x|) with
// the scale dx = max|x|/127 (the scheme of ggml's Q8_K); a weight
// super-block's dot product is then
//
//	Σ_j d·sc_j·dx·Σ_{i∈j} q4_i·q_i - dmin·m_j·dx·bs_j
//
// over its eight 32-value sub-blocks j (bs_j = Σ_{i∈j} q_i), with the
// inner sums in integers (VPDPBUSD). The change of numerics is the
// rounding of the activations to 8 bits per block.

// q8Act is one activation row quantised for dotQ4KQ8x4: xq the int8
// values, xf per super-block the factors [dx, dx·bs(2g), dx, dx·bs(2g+1)]
// of its four groups g (the layout of the weights' unpacked factors).
type q8Act struct {
	xq []int8
	xf []float32
}

// quantQ8K quantises x (len a multiple of BlockK) into xq and xf (16 per
// super-block).
func quantQ8K(xq []int8, xf []float32, x []float32) {
	for b := 0; b < len(x)/BlockK; b++ {
		blk := x[b*BlockK : (b+1)*BlockK]
		q := xq[b*BlockK : (b+1)*BlockK]
		var amax float32
		for _, v := range blk {
			amax = max(amax, float32(math.Abs(float64(v))))
		}
		var dx float32
		if amax > 0 && !math.IsInf(float64(amax), 0) {
			is := 127 / amax
			dx = amax / 127
			for i, v := range blk {
				q[i] = int8(max(-127, min(127, math.Round(float64(v*is)))))
			}
		} else {
			clear(q)
		}
		f := xf[16*b : 16*b+16]
		for j := 0; j < 8; j++ {
			var bs int32
			for _, v := range q[32*j : 32*j+32] {
				bs += int32(v)
			}
			g, hi := j/2, j%2
			f[4*g+2*hi] = dx
			f[4*g+2*hi+1] = dx * float32(bs)
		}
	}
}

// dotQ4KQ8x4Go writes out[r] for r < 4 as dotQ4KQ8x4VNNI does, in Go:
// four Q4_K rows (ldw bytes apart in w) of nb super-blocks against the
// quantised activations.
func dotQ4KQ8x4Go(out *[4]float32, xq []int8, xf []float32, w []byte, ldw, nb int) {
	for r := 0; r < 4; r++ {
		var sum, mins float32
		for b := 0; b < nb; b++ {
			blk := w[r*ldw+b*BlockBytesQ4_K : r*ldw+(b+1)*BlockBytesQ4_K]
			var f [16]float32 // [group][d·sc lo, dmin·m lo, d·sc hi, dmin·m hi]
			q4kFactors(&f, blk)
			x := xf[16*b : 16*b+16]
			qs := blk[16:144]
			q := xq[b*BlockK:]
			for g := 0; g < 4; g++ {
				var lo, hi int32
				for l := 0; l < 32; l++ {
					lo += int32(qs[32*g+l]&15) * int32(q[64*g+l])
					hi += int32(qs[32*g+l]>>4) * int32(q[64*g+32+l])
				}
				sum += f[4*g]*x[4*g]*float32(lo) + f[4*g+2]*x[4*g+2]*float32(hi)
				mins += f[4*g+1]*x[4*g+1] + f[4*g+3]*x[4*g+3]
			}
		}
		out[r] = sum - mins
	}
}

// matvecQ4KQ8 computes c[i*ldc+j] = Σ_k A[i,k]·W[j,k] for i < m and
// j0 <= j < j1, W Q4_K and acts[i] the quantised activation rows.
func (w *Matrix) matvecQ4KQ8(c []float32, ldc int, acts []q8Act, j0, j1 int) {
	nb := w.k / BlockK
	var out [4]float32
	j := j0
	for ; j+4 <= j1; j += 4 {
		for i, a := range acts {
			dotQ4KQ8x4(&out, a.xq, a.xf, w.q[j*w.rowBytes:], w.rowBytes, nb)
			copy(c[i*ldc+j:i*ldc+j+4], out[:])
		}
	}
	for ; j < j1; j++ {
		for i, a := range acts {
			c[i*ldc+j] = dotQ4KQ8Row(a.xq, a.xf, w.q[j*w.rowBytes:(j+1)*w.rowBytes], nb)
		}
	}
}

// dotQ4KQ8Row is dotQ4KQ8x4Go for one row.
func dotQ4KQ8Row(xq []int8, xf []float32, row []byte, nb int) float32 {
	var out [4]float32
	// rows 1..3 alias row 0 (ldw 0): the same sums four times
	dotQ4KQ8x4Go(&out, xq, xf, row, 0, nb)
	return out[0]
}

// quantRows quantises the m activation rows a[i*lda:i*lda+k] (k a multiple
// of BlockK) for matvecQ4KQ8.
func quantRows(a []float32, lda, m, k int) []q8Act {
	acts := make([]q8Act, m)
	for i := range acts {
		acts[i] = q8Act{xq: make([]int8, k), xf: make([]float32, 16*k/BlockK)}
		quantQ8K(acts[i].xq, acts[i].xf, a[i*lda:i*lda+k])
	}
	return acts
}

// q4kFactors writes the float factors [group][dlo, mlo, dhi, mhi] of the
// Q4_K super-block blk (d·scale and dmin·min of each 32-value sub-block).
func q4kFactors(f *[16]float32, blk []byte) {
	{
		{
			d := FromF16(uint16(blk[0]) | uint16(blk[1])<<8)
			dmin := FromF16(uint16(blk[2]) | uint16(blk[3])<<8)
			q := (*[12]byte)(blk[4:16])
			// scale/min pairs 0..3: low 6 bits of q[j], q[j+4]
			f[0], f[1] = d*float32(q[0]&63), dmin*float32(q[4]&63)
			f[2], f[3] = d*float32(q[1]&63), dmin*float32(q[5]&63)
			f[4], f[5] = d*float32(q[2]&63), dmin*float32(q[6]&63)
			f[6], f[7] = d*float32(q[3]&63), dmin*float32(q[7]&63)
			// pairs 4..7: a nibble of q[j+4] and the top bits of q[j-4], q[j]
			f[8], f[9] = d*float32(q[8]&15|q[0]>>6<<4), dmin*float32(q[8]>>4|q[4]>>6<<4)
			f[10], f[11] = d*float32(q[9]&15|q[1]>>6<<4), dmin*float32(q[9]>>4|q[5]>>6<<4)
			f[12], f[13] = d*float32(q[10]&15|q[2]>>6<<4), dmin*float32(q[10]>>4|q[6]>>6<<4)
			f[14], f[15] = d*float32(q[11]&15|q[3]>>6<<4), dmin*float32(q[11]>>4|q[7]>>6<<4)
		}
	}
}
