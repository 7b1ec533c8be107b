//go:build !unix

package kernels

import "time"

// cpuTime returns 0: per-core rates are not reported on this system.
func cpuTime() time.Duration { return 0 }
