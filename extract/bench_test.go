package extract

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/model"
)

// benchModel returns a random model of a named shape: "qwen" is
// Qwen2.5-0.5B's shape (D 896, F 4864, 14 query and 2 KV heads, biases) cut
// to 4 layers and a 32,000-token vocabulary, in bf16; "stories" is
// stories260K's (D 64, F 172, 5 layers, vocabulary 512) in f32.
func benchModel(b *testing.B, name string) *model.Model {
	shape, dt := "stories260k", kernels.F32
	if name == "qwen" {
		shape, dt = "qwen2.5-0.5b", kernels.BF16
	}
	cfg, err := model.Shape(shape)
	if err != nil {
		b.Fatal(err)
	}
	if name == "qwen" {
		cfg.NLayers = 4
		if cfg.SlidingLayers != nil {
			cfg.SlidingLayers = cfg.SlidingLayers[:4]
		}
		cfg.Vocab = 32000
	}
	m, err := model.RandomInit(cfg, dt, 1)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkExtract compares a bare forward pass with the CETT extraction
// over the same tokens (4 responses of 128 tokens in one call, answer span
// of 8 tokens each). Each iteration runs both, one after the other, so that
// a machine whose load changes during the run affects both alike; it reports
// both throughputs and the extraction's overhead in percent, from the total
// wall times, from the fastest pass of each, and from the process CPU time.
func BenchmarkExtract(b *testing.B) {
	for _, shape := range []string{"qwen", "stories"} {
		var m *model.Model
		for _, agg := range []Agg{AggMean, AggMax} {
			b.Run(shape+"/"+string(agg), func(b *testing.B) {
				if m == nil {
					m = benchModel(b, shape)
				}
				benchExtract(b, m, agg)
			})
		}
	}
}

func benchExtract(b *testing.B, m *model.Model, agg Agg) {
	const n, length, prompt = 4, 128, 40
	items := make([]Item, n)
	for i := range items {
		toks := make([]int, length)
		for p := range toks {
			toks[p] = (p*131 + i*17) % m.Config.Vocab
		}
		items[i] = Item{Tokens: toks, Prompt: prompt, AnswerStart: prompt + 3, AnswerEnd: prompt + 11}
	}
	e, err := NewExtractor(m, agg)
	if err != nil {
		b.Fatal(err)
	}
	r := m.NewRunner()
	segs := make([]model.Segment, n)
	for i := range segs {
		segs[i] = model.Segment{Cache: m.NewCache(length), Tokens: items[i].Tokens}
	}
	bare := func() {
		for i := range segs {
			segs[i].Cache.Reset()
		}
		if _, err := r.Forward(context.Background(), segs, false); err != nil {
			b.Fatal(err)
		}
	}
	cett := func() {
		if _, err := e.Extract(context.Background(), items); err != nil {
			b.Fatal(err)
		}
	}
	bare() // warm up buffers
	cett()
	var tBare, tCETT, cBare, cCETT time.Duration
	minBare, minCETT := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0, t0 := cpuTime(), time.Now()
		bare()
		c1, t1 := cpuTime(), time.Now()
		cett()
		c2, t2 := cpuTime(), time.Now()
		cBare += c1 - c0
		cCETT += c2 - c1
		tBare += t1.Sub(t0)
		tCETT += t2.Sub(t1)
		minBare, minCETT = min(minBare, t1.Sub(t0)), min(minCETT, t2.Sub(t1))
	}
	tokens := float64(b.N * n * length)
	b.ReportMetric(tokens/tBare.Seconds(), "bare_tok/s")
	b.ReportMetric(tokens/tCETT.Seconds(), "cett_tok/s")
	b.ReportMetric(100*(tCETT.Seconds()/tBare.Seconds()-1), "overhead_%")
	// The fastest pass of each is the least disturbed by other processes.
	b.ReportMetric(100*(minCETT.Seconds()/minBare.Seconds()-1), "min_overhead_%")
	// CPU time (all threads) counts the work done, whatever the wait for a
	// core on a shared machine.
	if cBare > 0 {
		b.ReportMetric(100*(cCETT.Seconds()/cBare.Seconds()-1), "cpu_overhead_%")
	}
}

// BenchmarkTap times the tap's own work for one forward call of 512 tokens
// (4 responses), all layers, without the model: what extraction adds to a
// bare forward pass. ns/token divided by a bare pass's ns/token is the
// overhead, free of the noise of timing two multi-second passes on a shared
// machine.
func BenchmarkTap(b *testing.B) {
	shapes := []struct {
		name    string
		L, F, D int
	}{{"qwen", 4, 4864, 896}, {"stories", 5, 172, 64}}
	for _, sh := range shapes {
		for _, agg := range []Agg{AggMean, AggMax} {
			b.Run(sh.name+"/"+string(agg), func(b *testing.B) {
				const n, T = 4, 512
				e := &Extractor{agg: agg, L: sh.L, F: sh.F, D: sh.D}
				e.class = make([]int32, T)
				for t := range e.class {
					e.class[t] = int32(t / (T / n) * numClasses) // each response's input class
				}
				e.acc = make([]float32, n*numClasses*sh.L*sh.F)
				z := make([]float32, T*sh.F)
				h := make([]float32, T*sh.D)
				for i := range z {
					z[i] = float32(i%7) - 3
				}
				for i := range h {
					h[i] = float32(i%5) + 1
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					for l := 0; l < sh.L; l++ {
						e.mlpPost(l, z, T)
						e.mlpOut(l, h, T)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*T), "ns/token")
			})
		}
	}
}
