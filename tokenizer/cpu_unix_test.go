//go:build unix

package tokenizer

import (
	"syscall"
	"testing"
	"time"
)

// cpuClock measures the process's CPU time (user + system) over a benchmark
// loop, so that throughput can be stated per CPU-second on a shared, loaded
// machine where wall-clock MB/s understates single-core speed.
type cpuClock struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{cpuNow()} }

// report adds "cpu-MB/s": bytes per loop x b.N / CPU seconds used.
func (c cpuClock) report(b *testing.B, bytesPerOp int) {
	d := cpuNow() - c.start
	if d > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/d.Seconds()/1e6, "cpu-MB/s")
	}
}
