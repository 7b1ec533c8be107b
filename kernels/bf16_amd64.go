//go:build amd64 && !purego

package kernels

//go:generate /usr/bin/python3 gen_bf16_amd64.py

// The VDPBF16PS dot kernels of bf16_amd64.s: rows activation rows (bf16)
// against four bf16 weight rows.

//go:noescape
func dot1x4BF16DPAVX512(a *uint16, lda int, w *uint16, ldw int, k int, c *float32)

//go:noescape
func dot2x4BF16DPAVX512(a *uint16, lda int, w *uint16, ldw int, k int, c *float32)

//go:noescape
func dot3x4BF16DPAVX512(a *uint16, lda int, w *uint16, ldw int, k int, c *float32)

//go:noescape
func dot4x4BF16DPAVX512(a *uint16, lda int, w *uint16, ldw int, k int, c *float32)

//go:noescape
func dot5x4BF16DPAVX512(a *uint16, lda int, w *uint16, ldw int, k int, c *float32)

//go:noescape
func dot6x4BF16DPAVX512(a *uint16, lda int, w *uint16, ldw int, k int, c *float32)

// dotRx4BF16DP writes out[4i+j] = Σ_{p<k} a[i*lda+p]·w[j*ldw+p] for
// i < rows <= 6, j < 4, a and w bfloat16: VDPBF16PS over the first
// multiple of 32 columns where the CPU has it (useBF16Dot), the Go twin
// for the rest.
func dotRx4BF16DP(out *[24]float32, rows int, a []uint16, lda int, w []uint16, ldw, k int) {
	k32 := k &^ 31
	if !useBF16Dot() || k32 == 0 || rows < 1 || rows > 6 {
		dotRx4BF16DPGo(out, rows, a, lda, w, ldw, k)
		return
	}
	_ = a[(rows-1)*lda+k-1]
	_ = w[3*ldw+k-1]
	pa, pw, pc := &a[0], &w[0], &out[0]
	switch rows {
	case 1:
		dot1x4BF16DPAVX512(pa, lda, pw, ldw, k32, pc)
	case 2:
		dot2x4BF16DPAVX512(pa, lda, pw, ldw, k32, pc)
	case 3:
		dot3x4BF16DPAVX512(pa, lda, pw, ldw, k32, pc)
	case 4:
		dot4x4BF16DPAVX512(pa, lda, pw, ldw, k32, pc)
	case 5:
		dot5x4BF16DPAVX512(pa, lda, pw, ldw, k32, pc)
	default:
		dot6x4BF16DPAVX512(pa, lda, pw, ldw, k32, pc)
	}
	if k32 < k {
		var tail [24]float32
		dotRx4BF16DPGo(&tail, rows, a[k32:], lda, w[k32:], ldw, k-k32)
		for i := range 4 * rows {
			out[i] += tail[i]
		}
	}
}

// dpPeakBF16AVX512 runs n iterations of 24 independent VDPBF16PS.
//
//go:noescape
func dpPeakBF16AVX512(n int)

// dpPeak runs the VDPBF16PS peak probe, reporting false where there is none.
func dpPeak(n int) bool {
	if !use512() || !bf16DotEnabled {
		return false
	}
	dpPeakBF16AVX512(n)
	return true
}

//go:noescape
func dot1x4BF16PFAVX512(a *float32, lda int, w *uint16, ldw int, k int, c *float32, pf *uint16)

//go:noescape
func dot2x4BF16PFAVX512(a *float32, lda int, w *uint16, ldw int, k int, c *float32, pf *uint16)

//go:noescape
func dot3x4BF16PFAVX512(a *float32, lda int, w *uint16, ldw int, k int, c *float32, pf *uint16)

//go:noescape
func dot4x4BF16PFAVX512(a *float32, lda int, w *uint16, ldw int, k int, c *float32, pf *uint16)

//go:noescape
func dot5x4BF16PFAVX512(a *float32, lda int, w *uint16, ldw int, k int, c *float32, pf *uint16)

//go:noescape
func dot6x4BF16PFAVX512(a *float32, lda int, w *uint16, ldw int, k int, c *float32, pf *uint16)

//go:noescape
func kern1x4BF16PFAVX512(c *float32, a *float32, w *uint16, ldw int, kc int, pf *uint16)

// hasBF16PF reports whether the exact prefetching bf16 kernels run for
// rows of k values (AVX-512, k a positive multiple of 16).
func hasBF16PF(k int) bool { return use512() && k > 0 && k%16 == 0 }

// dotRx4BF16PF writes out[4i+j] = Σ_{p<k} a[i*lda+p]·W[j,p] for
// i < rows <= 6, j < 4, with the four bf16 weight rows w[j*ldw:] widened
// to f32, prefetching the four rows at pf (stride ldw) as it goes. With
// AVX-512 and k a multiple of 16 the results are those of dot6x4's rows to
// the bit; otherwise the Go twin runs.
func dotRx4BF16PF(out *[24]float32, rows int, a []float32, lda int, w []uint16, ldw, k int, pf []uint16) {
	if !hasBF16PF(k) || rows < 1 || rows > 6 {
		dotRx4BF16Go(out, rows, a, lda, w, ldw, k)
		return
	}
	_ = a[(rows-1)*lda+k-1]
	_ = w[3*ldw+k-1]
	pa, pw, pc, pp := &a[0], &w[0], &out[0], &pf[0]
	switch rows {
	case 1:
		dot1x4BF16PFAVX512(pa, lda, pw, ldw, k, pc, pp)
	case 2:
		dot2x4BF16PFAVX512(pa, lda, pw, ldw, k, pc, pp)
	case 3:
		dot3x4BF16PFAVX512(pa, lda, pw, ldw, k, pc, pp)
	case 4:
		dot4x4BF16PFAVX512(pa, lda, pw, ldw, k, pc, pp)
	case 5:
		dot5x4BF16PFAVX512(pa, lda, pw, ldw, k, pc, pp)
	default:
		dot6x4BF16PFAVX512(pa, lda, pw, ldw, k, pc, pp)
	}
}

// kern1x4BF16PF is kern1x4BF16 (c[j] += Σ a[p]·W[j,p], j < 4, bf16
// weights) prefetching the four rows at pf as it reads w; the same bits as
// kern1x4BF16. Reports false, doing nothing, where the kernel does not run
// (no AVX-512, kc not a positive multiple of 16).
func kern1x4BF16PF(c []float32, a []float32, w []uint16, ldw int, kc int, pf []uint16) bool {
	if !hasBF16PF(kc) {
		return false
	}
	_ = c[3]
	_ = a[kc-1]
	_ = w[3*ldw+kc-1]
	kern1x4BF16PFAVX512(&c[0], &a[0], &w[0], ldw, kc, &pf[0])
	return true
}

// swiGLUAVX512 is SwiGLU's AVX-512 loop (vec512_amd64.s) for n a positive
// multiple of 16.
//
//go:noescape
func swiGLUAVX512(gate *float32, up *float32, n int)

// readProbeAVX512 streams n bytes (a positive multiple of 256) from p and
// returns a checksum (vec512_amd64.s).
//
//go:noescape
func readProbeAVX512(p *byte, n int) uint32

// readProbe reads b (its length a multiple of 256) as fast as it can,
// returning a checksum, or false where there is no AVX-512 probe.
func readProbe(b []byte) (uint32, bool) {
	if !use512() || len(b) == 0 || len(b)%256 != 0 {
		return 0, false
	}
	return readProbeAVX512(&b[0], len(b)), true
}
