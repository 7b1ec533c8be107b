//go:build unix

package kernels

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user+system CPU time so far: benchmarks
// divide by it to report per-core rates that other load on the machine
// does not distort.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
