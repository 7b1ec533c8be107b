//go:build purego || !amd64

package kernels

// Pure-Go bindings of the inner kernels (no assembly on this build).

// asmAvailable and asmEnabled are false: there are no assembly kernels.
var asmAvailable, asmEnabled = false, false

// avx512Available and avx512Enabled are false: no assembly on this build.
var avx512Available, avx512Enabled = false, false

// sseAvailable and sseEnabled are false: the bit-exact kernels run their
// Go loops.
var sseAvailable, sseEnabled = false, false

// Features names the kernel set in use: always "go" on this build.
func Features() string { return "go" }

// use512 reports false: the GEMM never takes the AVX-512 path here.
func use512() bool { return false }

// bf16DotAvailable and bf16DotEnabled are false: no VDPBF16PS kernel here.
var bf16DotAvailable, bf16DotEnabled = false, false

// useBF16Dot reports false: bf16 matrix-vector products widen the weights.
func useBF16Dot() bool { return false }

// useQ8Dot reports false: Q4_K matrix-vector products keep f32 activations.
func useQ8Dot() bool { return false }

func dotQ4KQ8x4(out *[4]float32, xq []int8, xf []float32, w []byte, ldw, nb int) {
	dotQ4KQ8x4Go(out, xq, xf, w, ldw, nb)
}

func kern1x4BF16DP(c []float32, a []uint16, w []uint16, ldw int, kc int) {
	kern1x4BF16DPGo(c, a, w, ldw, kc)
}

func kern8x48(ap, wp []float32, kc int, c []float32, ldc, mr, nr int) {
	kern8x48Go(ap, wp, kc, c, ldc, mr, nr)
}

func kern16x6(ap []float32, w []float32, ldw, kc int, c []float32, ldc, mr, nr int) {
	kern16x6Go(ap, w, ldw, kc, c, ldc, mr, nr)
}

func packPanel16(dst []float32, ldd int, src []float32, lda, kl int) {
	packPanel16Go(dst, ldd, src, lda, kl)
}

func kern1x4(c []float32, a []float32, w []float32, ldw int, kc int) {
	kern1x4Go(c, a, w, ldw, kc)
}

func kern1x4BF16(c []float32, a []float32, w []uint16, ldw int, kc int) {
	kern1x4BF16Go(c, a, w, ldw, kc)
}

func kern1x4F16(c []float32, a []float32, w []uint16, ldw int, kc int) {
	kern1x4F16Go(c, a, w, ldw, kc)
}

func dot(a, b []float32) float32 { return dotGo(a, b) }

func axpy(alpha float32, x, y []float32) { axpyGo(alpha, x, y) }

func bf16ToF32(dst []float32, src []uint16) { bf16ToF32Go(dst, src) }

func f16ToF32(dst []float32, src []uint16) { f16ToF32Go(dst, src) }

func f32ToF16(dst []uint16, src []float32) { f32ToF16Go(dst, src) }

// fmaPeak reports false: there is no assembly peak probe on this build.
func fmaPeak(n int) bool { return false }

func dequantQ8_0(dst []float32, src []byte, nb int) { dequantQ8_0Go(dst, src, nb) }

func dequantQ4_K(dst []float32, src []byte, nb int) { dequantQ4_KGo(dst, src, nb) }

func dequantQ6_K(dst []float32, src []byte, nb int) { dequantQ6_KGo(dst, src, nb) }

// fmaPeak512 reports false: there is no assembly peak probe on this build.
func fmaPeak512(n int) bool { return false }

// prefetch does nothing on this build.
func prefetch(b []byte, stride, off, n, r0, r1 int) {}

func dot6x4(out *[24]float32, a []float32, lda int, dt DType, wf []float32, wh []uint16, ldw, k int) {
	dot6x4Go(out, a, lda, dt, wf, wh, ldw, k)
}

func packPanel48From16(dst []float32, src []uint16, lda, kl int, dt DType) {
	packPanel48From16Go(dst, src, lda, kl, dt)
}

// dotQ8_0x4 reports false: there is no fused kernel on this build.
func dotQ8_0x4(out *[4]float32, x []float32, w []byte, ldw, nb int) bool { return false }

// dotQ4Kx4 reports false: there is no fused kernel on this build.
func dotQ4Kx4(out *[4]float32, x []float32, w []byte, ldw, nb int) bool { return false }

// dotQ6Kx4 reports false: there is no fused kernel on this build.
func dotQ6Kx4(out *[4]float32, x []float32, w []byte, ldw, nb int) bool { return false }

func dotF32F64(x []float32, r []float64) float64 { return dotF32F64Go(x, r) }

func dotAndSqDotF32F64(x []float32, r, d []float64) (xr, xxd float64) {
	return dotAndSqDotF32F64Go(x, r, d)
}

func dot3F32F64(x []float32, d, v []float64) float64 { return dot3F32F64Go(x, d, v) }

func axpyF32F64(a float64, x []float32, y []float64) { axpyF32F64Go(a, x, y) }

func axpyBitExact(alpha float32, x, y []float32) { axpyBitExactGo(alpha, x, y) }

func dotBitExact4(x, y []float32) float32 { return dotBitExact4Go(x, y) }
