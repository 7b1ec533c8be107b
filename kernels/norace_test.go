//go:build !race

package kernels

// raceEnabled reports a -race build, whose instrumentation allocates.
const raceEnabled = false
