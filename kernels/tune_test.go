package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkTune scans the GEMM blocking parameters on two shapes.
func BenchmarkTune(b *testing.B) {
	kc0, nc0 := kcBlock, ncBlock
	defer func() { kcBlock, ncBlock = kc0, nc0 }()
	for _, s := range [][3]int{{512, 896, 4864}, {64, 4096, 14336}} {
		m, k, n := s[0], s[1], s[2]
		r := rand.New(rand.NewPCG(1, 1))
		a, w := randF32(r, m*k), randF32(r, n*k)
		c := make([]float32, m*n)
		wm := PackF32(w, n, k)
		for _, kc := range []int{256, 512, 1024} {
			for _, nc := range []int{24, 48, 96} {
				kcBlock, ncBlock = kc, nc
				b.Run(fmt.Sprintf("%dx%dx%d/kc%d/nc%d", m, k, n, kc, nc), func(b *testing.B) {
					var cpu time.Duration
					for b.Loop() {
						c0 := cpuTime()
						MatMul(c, a, m, wm)
						cpu += cpuTime() - c0
					}
					b.ReportMetric(2*float64(m*n*k)*float64(b.N)/cpu.Seconds()/1e9, "GFLOPs/core")
				})
			}
		}
	}
}
