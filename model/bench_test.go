package model

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/kernels"
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

// qwenShape builds the random Qwen2.5-0.5B-shape BF16 model once per process.
var qwenModel *Model

func qwenShape(b *testing.B) *Model {
	if qwenModel == nil {
		cfg, err := Shape("qwen2.5-0.5b")
		if err != nil {
			b.Fatal(err)
		}
		if qwenModel, err = RandomInit(cfg, kernels.BF16, 1); err != nil {
			b.Fatal(err)
		}
	}
	return qwenModel
}

// BenchmarkQwen05BF16Prefill128: one 128-token prefill of a random BF16 model
// of Qwen2.5-0.5B's shape (full 151,936 vocabulary; building it takes seconds).
func BenchmarkQwen05BF16Prefill128(b *testing.B) {
	m := qwenShape(b)
	r := m.NewRunner()
	c := m.NewCache(128)
	toks := make([]int, 128)
	for i := range toks {
		toks[i] = (i*7919 + 13) % m.Config.Vocab
	}
	for b.Loop() {
		c.Reset()
		if _, err := r.Forward(context.Background(), []Segment{{Cache: c, Tokens: toks}}, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(128*b.N)/b.Elapsed().Seconds(), "tok/s")
}

// BenchmarkQwen05BF16Decode: single-token decode steps after a 32-token prompt.
func BenchmarkQwen05BF16Decode(b *testing.B) {
	m := qwenShape(b)
	r := m.NewRunner()
	c := m.NewCache(32 + 4096)
	seg := []Segment{{Cache: c, Tokens: make([]int, 32)}}
	if _, err := r.Forward(context.Background(), seg, false); err != nil {
		b.Fatal(err)
	}
	one := []int{0}
	seg[0].Tokens = one
	for b.Loop() {
		if c.Len() >= 32+4096 {
			c.Truncate(32)
		}
		one[0] = (one[0] + 1) % m.Config.Vocab
		if _, err := r.Forward(context.Background(), seg, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tok/s")
}

// BenchmarkAttendHead8 times one 8-value query head over 48 cached keys.
func BenchmarkAttendHead8(b *testing.B) {
	const S, Dh, ld = 48, 8, 32
	k := make([]float32, S*ld)
	v := make([]float32, S*ld)
	for i := range k {
		k[i] = float32(i%13) * 0.01
		v[i] = float32(i%7) * 0.1
	}
	q := make([]float32, Dh)
	out := make([]float32, Dh)
	sc := make([]float32, S)
	for b.Loop() {
		attendHead(out, q, k, v, ld, sc, 0.3, 0)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*S), "ns/key")
}
