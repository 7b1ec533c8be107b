//go:build amd64 && !purego

package kernels

//go:generate /usr/bin/python3 gen_amd64.py

import (
	"os"

	"golang.org/x/sys/cpu"
)

// asmAvailable reports whether this CPU runs the AVX2/FMA kernels (F16C
// is required too: every AVX2 CPU has it).
var asmAvailable = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C

// asmEnabled selects the assembly kernels; tests turn it off to run the
// pure-Go kernels on the same inputs.
var asmEnabled = asmAvailable

// avx512Available reports whether this CPU also runs the AVX-512 GEMM
// kernel; avx512Enabled selects it (only together with asmEnabled).
var (
	avx512Available = asmAvailable && cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL
	avx512Enabled   = avx512Available
)

// bf16DotAvailable reports whether this CPU also has AVX512_BF16
// (VDPBF16PS) for the matrix-vector path of bf16 weights; bf16DotEnabled
// selects it (only together with avx512Enabled). It rounds the activation
// row to bf16, so it runs only after SetExactActivations(false) or with
// HNEURONS_ACTIVATIONS=round.
var (
	bf16DotAvailable = avx512Available && cpu.X86.HasAVX512BF16
	bf16DotEnabled   = bf16DotAvailable
)

// sseAvailable reports that this build has the SSE assembly of the
// bit-exact float32 kernels (AxpyBitExact, DotBitExact4): SSE2 is part of
// every amd64 CPU, so it does not wait for AVX2. sseEnabled selects it;
// HNEURONS_KERNELS=go turns it off, and tests do to compare it with the Go
// loops (whose results are the same bits).
var sseAvailable, sseEnabled = true, true

func init() {
	// HNEURONS_KERNELS=go or avx2 caps the kernels used (for comparisons).
	switch os.Getenv("HNEURONS_KERNELS") {
	case "go", "purego":
		asmEnabled, avx512Enabled, sseEnabled = false, false, false
	case "avx2":
		avx512Enabled = false
	}
	if os.Getenv("HNEURONS_ACTIVATIONS") == "round" {
		roundBF16.Store(true)
	}
}

// Features names the kernel set in use: "avx512+bf16" (AVX-512 with the
// VDPBF16PS matrix-vector path for bf16 weights), "avx512", "avx2" or "go".
func Features() string {
	switch {
	case useBF16Dot():
		return "avx512+bf16"
	case use512():
		return "avx512"
	case asmEnabled:
		return "avx2"
	}
	return "go"
}

// use512 reports whether the GEMM takes the AVX-512 path.
func use512() bool { return asmEnabled && avx512Enabled }

// vnniAvailable reports whether this CPU has AVX512_VNNI (VPDPBUSD) for
// the Q4_K matrix-vector path against int8-quantised activations.
var vnniAvailable = avx512Available && cpu.X86.HasAVX512VNNI

// useQ8Dot reports whether the matrix-vector path of Q4_K weights quantises
// the activations to int8 and runs VPDPBUSD (after
// SetExactActivations(false)).
func useQ8Dot() bool { return use512() && vnniAvailable && roundBF16.Load() }

//go:noescape
func dotQ4KQ8x4VNNI(xq *int8, xf *float32, w *byte, ldw int, nb int, out *float32)

// dotQ4KQ8x4 writes out[r] for r < 4: four Q4_K rows of nb super-blocks
// (ldw bytes apart in w) against the quantised activations xq, xf.
func dotQ4KQ8x4(out *[4]float32, xq []int8, xf []float32, w []byte, ldw, nb int) {
	if !useQ8Dot() || nb == 0 {
		dotQ4KQ8x4Go(out, xq, xf, w, ldw, nb)
		return
	}
	_ = xq[nb*BlockK-1]
	_ = xf[16*nb-1]
	_ = w[3*ldw+nb*BlockBytesQ4_K-1]
	dotQ4KQ8x4VNNI(&xq[0], &xf[0], &w[0], ldw, nb, &out[0])
}

// useBF16Dot reports whether the matrix-vector path of bf16 weights rounds
// the activations to bf16 and runs VDPBF16PS.
func useBF16Dot() bool { return use512() && bf16DotEnabled && roundBF16.Load() }

//go:noescape
func kern1x4BF16AVX512(c *float32, a *float32, w *uint16, ldw int, kc int)

//go:noescape
func kern1x4BF16DPAVX512(c *float32, a *uint16, w *uint16, ldw int, kc int)

// kern1x4BF16DP adds c[j] += Σ_{p<kc} a[p]·w[j*ldw+p] for j < 4, a and w
// bfloat16 (products exact in f32, sums in f32).
func kern1x4BF16DP(c []float32, a []uint16, w []uint16, ldw int, kc int) {
	k32 := kc &^ 31
	if !useBF16Dot() || k32 == 0 {
		kern1x4BF16DPGo(c, a, w, ldw, kc)
		return
	}
	_ = c[3]
	_ = a[kc-1]
	_ = w[3*ldw+kc-1]
	kern1x4BF16DPAVX512(&c[0], &a[0], &w[0], ldw, k32)
	if k32 < kc {
		kern1x4BF16DPGo(c, a[k32:], w[k32:], ldw, kc-k32)
	}
}

//go:noescape
func kern16x6AVX(ap *float32, w *float32, ldw int, kc int, c *float32, ldc int, mr int, nr int)

//go:noescape
func packPanel16x16AVX(dst *float32, src *float32, lda int, kl8 int)

//go:noescape
func packPanel16x48AVX(dst *float32, src *float32, lda int, kl8 int)

//go:noescape
func packPanel16x48BF16AVX(dst *float32, src *uint16, lda int, kl8 int)

//go:noescape
func packPanel16x48F16AVX(dst *float32, src *uint16, lda int, kl8 int)

//go:noescape
func kern8x48AVX512(ap *float32, wp *float32, kc int, c *float32, ldc int, mr int, masks int)

//go:noescape
func kern1x4AVX(c *float32, a *float32, w *float32, ldw int, kc int)

//go:noescape
func kern1x4BF16AVX(c *float32, a *float32, w *uint16, ldw int, kc int)

//go:noescape
func kern1x4F16AVX(c *float32, a *float32, w *uint16, ldw int, kc int)

//go:noescape
func axpyAVX(alpha float32, x, y *float32, n int)

//go:noescape
func dotAVX(a, b *float32, n int) float32

//go:noescape
func bf16ToF32AVX(dst *float32, src *uint16, n int)

//go:noescape
func f16ToF32F16C(dst *float32, src *uint16, n int)

//go:noescape
func f32ToF16F16C(dst *uint16, src *float32, n int)

// kern16x6 adds c[i*ldc+j] += Σ_{p<kc} ap[16p+i]·w[j*ldw+p] for i < mr,
// j < nr; ap is a packed panel [kc][16], w has 6 readable rows.
func kern16x6(ap []float32, w []float32, ldw, kc int, c []float32, ldc, mr, nr int) {
	if !asmEnabled || kc == 0 {
		kern16x6Go(ap, w, ldw, kc, c, ldc, mr, nr)
		return
	}
	_ = ap[16*kc-1]
	_ = w[5*ldw+kc-1]
	_ = c[(mr-1)*ldc+nr-1]
	kern16x6AVX(&ap[0], &w[0], ldw, kc, &c[0], ldc, mr, nr)
}

// packPanel16 writes dst[ldd*p+r] = src[r*lda+p] for r < 16, p < kl.
func packPanel16(dst []float32, ldd int, src []float32, lda, kl int) {
	k8 := kl &^ 7
	if !asmEnabled || (ldd != 16 && ldd != 48) {
		k8 = 0
	}
	if k8 > 0 {
		_ = dst[ldd*(kl-1)+15]
		_ = src[15*lda+kl-1]
		if ldd == 16 {
			packPanel16x16AVX(&dst[0], &src[0], lda, k8)
		} else {
			packPanel16x48AVX(&dst[0], &src[0], lda, k8)
		}
	}
	if k8 < kl {
		packPanel16Go(dst[ldd*k8:], ldd, src[k8:], lda, kl-k8)
	}
}

// packPanel48From16 writes dst[48p+r] = W[r,p] for r < 16, p < kl, with W
// the bf16 or f16 (dt) rows src[r*lda:], widened to f32.
func packPanel48From16(dst []float32, src []uint16, lda, kl int, dt DType) {
	k8 := kl &^ 7
	if !asmEnabled {
		k8 = 0
	}
	if k8 > 0 {
		_ = dst[48*(kl-1)+15]
		_ = src[15*lda+kl-1]
		if dt == BF16 {
			packPanel16x48BF16AVX(&dst[0], &src[0], lda, k8)
		} else {
			packPanel16x48F16AVX(&dst[0], &src[0], lda, k8)
		}
	}
	if k8 < kl {
		packPanel48From16Go(dst[48*k8:], src[k8:], lda, kl-k8, dt)
	}
}

// kern8x48 adds c[i*ldc+j] += Σ_{p<kc} ap[16p+i]·wp[48p+j] for i < mr <= 8,
// j < nr <= 48 (AVX-512 when enabled).
func kern8x48(ap, wp []float32, kc int, c []float32, ldc, mr, nr int) {
	if !use512() || kc == 0 {
		kern8x48Go(ap, wp, kc, c, ldc, mr, nr)
		return
	}
	_ = ap[16*(kc-1)+7]
	_ = wp[48*kc-1]
	_ = c[(mr-1)*ldc+nr-1]
	masks := 0
	for v := 0; v < 3; v++ {
		cols := min(max(nr-16*v, 0), 16)
		masks |= (1<<cols - 1) << (16 * v)
	}
	kern8x48AVX512(&ap[0], &wp[0], kc, &c[0], ldc, mr, masks)
}

// kern1x4 adds c[j] += Σ_{p<kc} a[p]·w[j*ldw+p] for j < 4.
func kern1x4(c []float32, a []float32, w []float32, ldw int, kc int) {
	k8 := kc &^ 7
	if !asmEnabled || k8 == 0 {
		kern1x4Go(c, a, w, ldw, kc)
		return
	}
	_ = c[3]
	_ = a[kc-1]
	_ = w[3*ldw+kc-1]
	kern1x4AVX(&c[0], &a[0], &w[0], ldw, k8)
	if k8 < kc {
		kern1x4Go(c, a[k8:], w[k8:], ldw, kc-k8)
	}
}

// kern1x4BF16 is kern1x4 with bfloat16 weights.
func kern1x4BF16(c []float32, a []float32, w []uint16, ldw int, kc int) {
	k8 := kc &^ 7
	if !asmEnabled || k8 == 0 {
		kern1x4BF16Go(c, a, w, ldw, kc)
		return
	}
	_ = c[3]
	_ = a[kc-1]
	_ = w[3*ldw+kc-1]
	if k16 := kc &^ 15; use512() && k16 > 0 {
		kern1x4BF16AVX512(&c[0], &a[0], &w[0], ldw, k16)
		k8 = k16
	} else {
		kern1x4BF16AVX(&c[0], &a[0], &w[0], ldw, k8)
	}
	if k8 < kc {
		kern1x4BF16Go(c, a[k8:], w[k8:], ldw, kc-k8)
	}
}

// kern1x4F16 is kern1x4 with binary16 weights.
func kern1x4F16(c []float32, a []float32, w []uint16, ldw int, kc int) {
	k8 := kc &^ 7
	if !asmEnabled || k8 == 0 {
		kern1x4F16Go(c, a, w, ldw, kc)
		return
	}
	_ = c[3]
	_ = a[kc-1]
	_ = w[3*ldw+kc-1]
	kern1x4F16AVX(&c[0], &a[0], &w[0], ldw, k8)
	if k8 < kc {
		kern1x4F16Go(c, a[k8:], w[k8:], ldw, kc-k8)
	}
}

// axpy adds y[i] += alpha·x[i] for i < len(x); len(y) >= len(x).
func axpy(alpha float32, x, y []float32) {
	n8 := len(x) &^ 7
	if !asmEnabled {
		n8 = 0
	}
	if n8 > 0 {
		_ = y[len(x)-1]
		axpyAVX(alpha, &x[0], &y[0], n8)
	}
	axpyGo(alpha, x[n8:], y[n8:])
}

// dot returns Σ a[i]·b[i]; len(b) >= len(a).
func dot(a, b []float32) float32 {
	n8 := len(a) &^ 7
	if !asmEnabled || n8 == 0 {
		return dotGo(a, b)
	}
	_ = b[len(a)-1]
	s := dotAVX(&a[0], &b[0], n8)
	if n8 < len(a) {
		s += dotGo(a[n8:], b[n8:len(a)])
	}
	return s
}

func bf16ToF32(dst []float32, src []uint16) {
	n8 := len(src) &^ 7
	if !asmEnabled {
		n8 = 0
	}
	if n8 > 0 {
		_ = dst[len(src)-1]
		bf16ToF32AVX(&dst[0], &src[0], n8)
	}
	bf16ToF32Go(dst[n8:], src[n8:])
}

func f16ToF32(dst []float32, src []uint16) {
	n8 := len(src) &^ 7
	if !asmEnabled {
		n8 = 0
	}
	if n8 > 0 {
		_ = dst[len(src)-1]
		f16ToF32F16C(&dst[0], &src[0], n8)
	}
	f16ToF32Go(dst[n8:], src[n8:])
}

func f32ToF16(dst []uint16, src []float32) {
	n8 := len(src) &^ 7
	if !asmEnabled {
		n8 = 0
	}
	if n8 > 0 {
		_ = dst[len(src)-1]
		f32ToF16F16C(&dst[0], &src[0], n8)
	}
	f32ToF16Go(dst[n8:], src[n8:])
}

// fmaPeakAVX runs n iterations of 12 independent register-only FMAs; the
// peak benchmark uses it to measure the machine's FMA throughput.
//
//go:noescape
func fmaPeakAVX(n int)

//go:noescape
func prefetchRows(p *byte, stride int, rows int, lines int)

// prefetch asks the caches for rows [r0, r1) of the byte ranges
// b[r*stride+off : r*stride+off+n]; a hint only, never a fault.
func prefetch(b []byte, stride, off, n, r0, r1 int) {
	if !asmEnabled || r1 <= r0 || n <= 0 {
		return
	}
	_ = b[(r1-1)*stride+off+n-1]
	prefetchRows(&b[r0*stride+off], stride, r1-r0, (n+63)/64)
}

//go:noescape
func dot6x4F32AVX512(a *float32, lda int, w *float32, ldw int, k int, c *float32)

//go:noescape
func dot6x4BF16AVX512(a *float32, lda int, w *uint16, ldw int, k int, c *float32)

//go:noescape
func dot6x4F16AVX512(a *float32, lda int, w *uint16, ldw int, k int, c *float32)

//go:noescape
func dot3x4F32AVX(a *float32, lda int, w *float32, ldw int, k int, c *float32)

//go:noescape
func dot3x4BF16AVX(a *float32, lda int, w *uint16, ldw int, k int, c *float32)

//go:noescape
func dot3x4F16AVX(a *float32, lda int, w *uint16, ldw int, k int, c *float32)

// dot6x4 writes out[4i+j] = Σ_{p<k} a[i*lda+p]·W[j,p] for i < 6, j < 4,
// with W rows of stride ldw taken from wf (F32) or wh (BF16/F16 by dt).
func dot6x4(out *[24]float32, a []float32, lda int, dt DType, wf []float32, wh []uint16, ldw, k int) {
	if !asmEnabled || k%16 != 0 || k == 0 {
		dot6x4Go(out, a, lda, dt, wf, wh, ldw, k)
		return
	}
	_ = a[5*lda+k-1]
	if !use512() { // two AVX2 3x4 blocks
		switch dt {
		case F32:
			_ = wf[3*ldw+k-1]
			dot3x4F32AVX(&a[0], lda, &wf[0], ldw, k, &out[0])
			dot3x4F32AVX(&a[3*lda], lda, &wf[0], ldw, k, &out[12])
		case BF16:
			_ = wh[3*ldw+k-1]
			dot3x4BF16AVX(&a[0], lda, &wh[0], ldw, k, &out[0])
			dot3x4BF16AVX(&a[3*lda], lda, &wh[0], ldw, k, &out[12])
		default:
			_ = wh[3*ldw+k-1]
			dot3x4F16AVX(&a[0], lda, &wh[0], ldw, k, &out[0])
			dot3x4F16AVX(&a[3*lda], lda, &wh[0], ldw, k, &out[12])
		}
		return
	}
	switch dt {
	case F32:
		_ = wf[3*ldw+k-1]
		dot6x4F32AVX512(&a[0], lda, &wf[0], ldw, k, &out[0])
	case BF16:
		_ = wh[3*ldw+k-1]
		dot6x4BF16AVX512(&a[0], lda, &wh[0], ldw, k, &out[0])
	default:
		_ = wh[3*ldw+k-1]
		dot6x4F16AVX512(&a[0], lda, &wh[0], ldw, k, &out[0])
	}
}

// fmaPeakAVX512 runs n iterations of 24 independent 16-wide FMAs.
//
//go:noescape
func fmaPeakAVX512(n int)

// fmaPeak512 runs n iterations of 24 16-wide FMAs (768n flops) and reports
// whether it could.
func fmaPeak512(n int) bool {
	if !avx512Available {
		return false
	}
	fmaPeakAVX512(n)
	return true
}

// fmaPeak runs n iterations of 12 8-wide FMAs (192n flops) and reports
// whether it could.
func fmaPeak(n int) bool {
	if !asmEnabled { // HNEURONS_KERNELS=go: the kernels use no FMA instructions, so no peak
		return false
	}
	fmaPeakAVX(n)
	return true
}

//go:noescape
func dequantQ8_0AVX(dst *float32, src *byte, nb int)

//go:noescape
func dequantQ4KAVX(dst *float32, qs *byte, dm *float32, nb int)

//go:noescape
func dequantQ6KAVX(dst *float32, src *byte, sc *float32, nb int)

//go:noescape
func dotQ8_0x4AVX(x *float32, w *byte, ldw int, nb int, out *float32)

//go:noescape
func dotQ8_0x4AVX512(x *float32, w *byte, ldw int, nb int, out *float32)

// dotQ8_0x4 writes out[r] = Σ_p x[p]·W[r,p] for r < 4, W four Q8_0 rows
// of nb blocks starting ldw bytes apart in w; it reports false (and does
// nothing) where there is no fused assembly kernel.
func dotQ8_0x4(out *[4]float32, x []float32, w []byte, ldw, nb int) bool {
	if !asmEnabled || nb == 0 {
		return false
	}
	_ = x[nb*BlockQ8_0-1]
	_ = w[3*ldw+nb*BlockBytesQ8_0-1]
	if use512() {
		dotQ8_0x4AVX512(&x[0], &w[0], ldw, nb, &out[0])
		return true
	}
	dotQ8_0x4AVX(&x[0], &w[0], ldw, nb, &out[0])
	return true
}

// dequantQ8_0 decodes nb Q8_0 blocks of src into dst[:32nb].
func dequantQ8_0(dst []float32, src []byte, nb int) {
	if !asmEnabled || nb == 0 {
		dequantQ8_0Go(dst, src, nb)
		return
	}
	_ = dst[nb*BlockQ8_0-1]
	_ = src[nb*BlockBytesQ8_0-1]
	dequantQ8_0AVX(&dst[0], &src[0], nb)
}

// dequantGroup is how many super-blocks the assembly decoders take per
// call (their factor tables live on the stack).
const dequantGroup = 16

// dequantQ4_K decodes nb Q4_K super-blocks of src into dst[:256nb]: the
// 6-bit scales and mins are unpacked here into float factors, the nibbles
// in assembly.
func dequantQ4_K(dst []float32, src []byte, nb int) {
	if !asmEnabled || nb == 0 {
		dequantQ4_KGo(dst, src, nb)
		return
	}
	_ = dst[nb*BlockK-1]
	_ = src[nb*BlockBytesQ4_K-1]
	if use512() {
		dequantQ4KAVX512(&dst[0], &src[0], nb)
		return
	}
	var dm [dequantGroup * 16]float32 // [block][group][dlo, mlo, dhi, mhi]
	for b0 := 0; b0 < nb; b0 += dequantGroup {
		n := min(dequantGroup, nb-b0)
		for b := 0; b < n; b++ {
			q4kFactors((*[16]float32)(dm[16*b:16*b+16]), src[(b0+b)*BlockBytesQ4_K:])
		}
		dequantQ4KAVX(&dst[b0*BlockK], &src[b0*BlockBytesQ4_K+16], &dm[0], n)
	}
}

//go:noescape
func dotQ6Kx4AVX(x *float32, w *byte, ldw int, nb int, out *float32)

//go:noescape
func dotQ6Kx4AVX512(x *float32, w *byte, ldw int, nb int, out *float32)

// dotQ6Kx4 writes out[r] = Σ_p x[p]·W[r,p] for r < 4, W four Q6_K rows of
// nb super-blocks starting ldw bytes apart in w; it reports false (and
// does nothing) where there is no fused assembly kernel.
func dotQ6Kx4(out *[4]float32, x []float32, w []byte, ldw, nb int) bool {
	if !asmEnabled || nb == 0 {
		return false
	}
	_ = x[nb*BlockK-1]
	_ = w[3*ldw+nb*BlockBytesQ6_K-1]
	*out = [4]float32{}
	if use512() {
		dotQ6KTx4AVX512(&x[0], &w[0], ldw, nb, &out[0])
		return true
	}
	dotQ6Kx4AVX(&x[0], &w[0], ldw, nb, &out[0])
	return true
}

//go:noescape
func dotQ4Kx4AVX(x *float32, w *byte, ldw int, nb int, out *float32)

//go:noescape
func dotQ4Kx4AVX512(x *float32, w *byte, ldw int, nb int, out *float32)

// dotQ4Kx4 writes out[r] = Σ_p x[p]·W[r,p] for r < 4, W four Q4_K rows of
// nb super-blocks starting ldw bytes apart in w; it reports false (and
// does nothing) where there is no fused assembly kernel.
func dotQ4Kx4(out *[4]float32, x []float32, w []byte, ldw, nb int) bool {
	if !asmEnabled || nb == 0 {
		return false
	}
	_ = x[nb*BlockK-1]
	_ = w[3*ldw+nb*BlockBytesQ4_K-1]
	*out = [4]float32{}
	if use512() {
		dotQ4KTx4AVX512(&x[0], &w[0], ldw, nb, &out[0])
		return true
	}
	dotQ4Kx4AVX(&x[0], &w[0], ldw, nb, &out[0])
	return true
}

// dequantQ6_K decodes nb Q6_K super-blocks of src into dst[:256nb]: the
// sixteen d·scale factors per block are computed here, the quants in
// assembly.
func dequantQ6_K(dst []float32, src []byte, nb int) {
	if !asmEnabled || nb == 0 {
		dequantQ6_KGo(dst, src, nb)
		return
	}
	_ = dst[nb*BlockK-1]
	_ = src[nb*BlockBytesQ6_K-1]
	if use512() {
		dequantQ6KAVX512(&dst[0], &src[0], nb)
		return
	}
	var sc [dequantGroup * 16]float32 // [block][16] d·scales[i]
	for b0 := 0; b0 < nb; b0 += dequantGroup {
		n := min(dequantGroup, nb-b0)
		for b := 0; b < n; b++ {
			blk := src[(b0+b)*BlockBytesQ6_K : (b0+b+1)*BlockBytesQ6_K]
			d := FromF16(uint16(blk[208]) | uint16(blk[209])<<8)
			for i := 0; i < 16; i++ {
				sc[16*b+i] = d * float32(int8(blk[192+i]))
			}
		}
		dequantQ6KAVX(&dst[b0*BlockK], &src[b0*BlockBytesQ6_K], &sc[0], n)
	}
}

//go:noescape
func dotF32F64AVX2(x []float32, r []float64) float64

//go:noescape
func dotAndSqDotF32F64AVX2(x []float32, r, d []float64) (gs, hs float64)

//go:noescape
func dot3F32F64AVX2(x []float32, d, v []float64) float64

//go:noescape
func axpyF32F64AVX2(a float64, x []float32, y []float64)

// dotF32F64 returns Σ x[i]·r[i] in float64; len(r) == len(x).
func dotF32F64(x []float32, r []float64) float64 {
	if !asmEnabled {
		return dotF32F64Go(x, r)
	}
	return dotF32F64AVX2(x, r[:len(x)])
}

// dotAndSqDotF32F64 returns Σ x[i]·r[i] and Σ x[i]²·d[i] in float64;
// len(r) == len(d) == len(x).
func dotAndSqDotF32F64(x []float32, r, d []float64) (xr, xxd float64) {
	if !asmEnabled {
		return dotAndSqDotF32F64Go(x, r, d)
	}
	return dotAndSqDotF32F64AVX2(x, r[:len(x)], d[:len(x)])
}

// dot3F32F64 returns Σ x[i]·d[i]·v[i] in float64; len(d) == len(v) == len(x).
func dot3F32F64(x []float32, d, v []float64) float64 {
	if !asmEnabled {
		return dot3F32F64Go(x, d, v)
	}
	return dot3F32F64AVX2(x, d[:len(x)], v[:len(x)])
}

// axpyF32F64 adds y[i] += a·x[i] in float64; len(y) == len(x).
func axpyF32F64(a float64, x []float32, y []float64) {
	if !asmEnabled {
		axpyF32F64Go(a, x, y)
		return
	}
	axpyF32F64AVX2(a, x, y[:len(x)])
}

//go:noescape
func axpyBitExactSSE(alpha float32, x, y *float32, n int)

//go:noescape
func dotBitExact4SSE(x, y *float32, n int) float32

// axpyBitExact is axpyBitExactGo, bit for bit; len(y) == len(x) > 0.
func axpyBitExact(alpha float32, x, y []float32) {
	if !sseEnabled {
		axpyBitExactGo(alpha, x, y)
		return
	}
	_ = y[len(x)-1]
	axpyBitExactSSE(alpha, &x[0], &y[0], len(x))
}

// dotBitExact4 is dotBitExact4Go, bit for bit; len(y) == len(x) > 0.
func dotBitExact4(x, y []float32) float32 {
	if !sseEnabled {
		return dotBitExact4Go(x, y)
	}
	_ = y[len(x)-1]
	return dotBitExact4SSE(&x[0], &y[0], len(x))
}
