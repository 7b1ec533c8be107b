//go:build amd64 && !purego

package kernels

//go:generate /usr/bin/python3 gen_quant_amd64.py

//go:noescape
func dotQ4KxQ8x4VNNI(xq *int8, xd *float32, bm *int16, w *byte, ldw int, nb int, out *float32)

//go:noescape
func dotQ6KxQ8x4VNNI(xq *int8, xd *float32, bs *int16, w *byte, ldw int, nb int, out *float32)

//go:noescape
func dotQ8_0xQ8x4VNNI(xq *int8, xv *float32, xb *int32, w *byte, ldw int, nb int, out *float32)

// q8Kernels reports whether the int8-activation kernels run in assembly
// (tests turn asmEnabled off to run the Go twins on the same inputs).
func q8Kernels() bool { return use512() && vnniAvailable }

// dotQ4KxQ8x4 writes out[r] for r < 4: four Q4_K rows of nb blocks (ldw
// bytes apart in w) against K-format activations (see dotQ4KxQ8x4Go).
func dotQ4KxQ8x4(out *[4]float32, xq []int8, xd []float32, bm []int16, w []byte, ldw, nb int) {
	if !q8Kernels() || nb == 0 {
		dotQ4KxQ8x4Go(out, xq, xd, bm, w, ldw, nb)
		return
	}
	_ = xq[nb*BlockK-1]
	_ = xd[nb-1]
	_ = bm[16*nb-1]
	_ = w[3*ldw+nb*BlockBytesQ4_K-1]
	dotQ4KxQ8x4VNNI(&xq[0], &xd[0], &bm[0], &w[0], ldw, nb, &out[0])
}

// dotQ6KxQ8x4 writes out[r] for r < 4: four Q6_K rows of nb blocks
// against K-format activations (see dotQ6KxQ8x4Go).
func dotQ6KxQ8x4(out *[4]float32, xq []int8, xd []float32, bs []int16, w []byte, ldw, nb int) {
	if !q8Kernels() || nb == 0 {
		dotQ6KxQ8x4Go(out, xq, xd, bs, w, ldw, nb)
		return
	}
	_ = xq[nb*BlockK-1]
	_ = xd[nb-1]
	_ = bs[16*nb-1]
	_ = w[3*ldw+nb*BlockBytesQ6_K-1]
	dotQ6KxQ8x4VNNI(&xq[0], &xd[0], &bs[0], &w[0], ldw, nb, &out[0])
}

// dotQ8_0xQ8x4 writes out[r] for r < 4: four Q8_0 rows of nb blocks
// against Q8_0-format activations (see dotQ8_0xQ8x4Go).
func dotQ8_0xQ8x4(out *[4]float32, xq []int8, xv []float32, xb []int32, w []byte, ldw, nb int) {
	if !q8Kernels() || nb == 0 {
		dotQ8_0xQ8x4Go(out, xq, xv, xb, w, ldw, nb)
		return
	}
	_ = xq[nb*BlockQ8_0-1]
	_ = xv[8*nb-1]
	_ = xb[8*nb-1]
	_ = w[3*ldw+nb*BlockBytesQ8_0-1]
	dotQ8_0xQ8x4VNNI(&xq[0], &xv[0], &xb[0], &w[0], ldw, nb, &out[0])
}

//go:noescape
func dequantQ4KAVX512(dst *float32, src *byte, nb int)

//go:noescape
func dequantQ6KAVX512(dst *float32, src *byte, nb int)

//go:noescape
func dotQ4KTx4AVX512(x *float32, w *byte, ldw int, nb int, out *float32)

//go:noescape
func dotQ6KTx4AVX512(x *float32, w *byte, ldw int, nb int, out *float32)
