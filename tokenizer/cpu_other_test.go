//go:build !unix

package tokenizer

import "testing"

type cpuClock struct{}

func startCPU() cpuClock { return cpuClock{} }

func (cpuClock) report(*testing.B, int) {}
