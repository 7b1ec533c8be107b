//go:build unix

package extract

import (
	"syscall"
	"time"
)

// cpuTime returns the user + system CPU time of the whole process so far
// (every thread), or 0 when it cannot be read.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
