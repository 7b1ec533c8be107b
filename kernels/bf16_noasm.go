//go:build !amd64 || purego

package kernels

// dotRx4BF16DP is dotRx4BF16DPGo where there is no assembly.
func dotRx4BF16DP(out *[24]float32, rows int, a []uint16, lda int, w []uint16, ldw, k int) {
	dotRx4BF16DPGo(out, rows, a, lda, w, ldw, k)
}

// dpPeak reports that there is no VDPBF16PS peak probe.
func dpPeak(n int) bool { return false }

// dotRx4BF16PF is dotRx4BF16Go where there is no assembly (pf unused).
func dotRx4BF16PF(out *[24]float32, rows int, a []float32, lda int, w []uint16, ldw, k int, pf []uint16) {
	dotRx4BF16Go(out, rows, a, lda, w, ldw, k)
}

// hasBF16PF reports that there are no prefetching kernels.
func hasBF16PF(k int) bool { return false }

// kern1x4BF16PF reports that there is no prefetching kernel.
func kern1x4BF16PF(c []float32, a []float32, w []uint16, ldw int, kc int, pf []uint16) bool {
	return false
}

// swiGLUAVX512 is never called without assembly (use512 is false).
func swiGLUAVX512(gate *float32, up *float32, n int) { panic("kernels: no assembly") }

// readProbe reports that there is no read probe.
func readProbe(b []byte) (uint32, bool) { return 0, false }
