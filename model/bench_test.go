package model

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/hneurons/hneurons/internal/sharedtest"
)

// cpuTime returns the process's user+system CPU time, a steadier measure
// than wall time on a loaded machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchModel(b *testing.B) *Model {
	m, err := Load(sharedtest.Path(b, "models", "stories260K", "stories260K.gguf"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m
}

// BenchmarkStoriesPrefill128 runs one 128-token prefill of stories260K.
func BenchmarkStoriesPrefill128(b *testing.B) {
	m := benchModel(b)
	r := m.NewRunner()
	c := m.NewCache(128)
	toks := make([]int, 128)
	for i := range toks {
		toks[i] = (i * 37) % m.Config.Vocab
	}
	b.ReportAllocs()
	c0 := cpuTime()
	for b.Loop() {
		c.Reset()
		if _, err := r.Forward(context.Background(), []Segment{{Cache: c, Tokens: toks}}, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(128*b.N)/b.Elapsed().Seconds(), "tok/s")
	b.ReportMetric(float64(128*b.N)/(cpuTime()-c0).Seconds(), "tok/cpu-s")
}

// BenchmarkStoriesDecode decodes 64 tokens after a 16-token prompt.
func BenchmarkStoriesDecode(b *testing.B) {
	m := benchModel(b)
	r := m.NewRunner()
	c := m.NewCache(128)
	toks := make([]int, 16)
	seg := []Segment{{Cache: c}}
	one := []int{0}
	b.ReportAllocs()
	c0 := cpuTime()
	for b.Loop() {
		c.Reset()
		seg[0].Tokens = toks
		r.Forward(context.Background(), seg, false)
		seg[0].Tokens = one
		for i := 0; i < 64; i++ {
			one[0] = i
			if _, err := r.Forward(context.Background(), seg, false); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "tok/s")
	b.ReportMetric(float64(64*b.N)/(cpuTime()-c0).Seconds(), "tok/cpu-s")
}
