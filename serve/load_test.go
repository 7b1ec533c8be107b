package serve

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"math/rand/v2"

	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/tokenizer"
)

var loadRequests = flag.Int("serve.requests", 8, "requests each client of BenchmarkLoad sends")

// rssBytes reads the process's resident set size from /proc (0 elsewhere).
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// loadResult is one load round.
type loadResult struct {
	latencies []time.Duration
	tokens    int
	errors    int
	wall      time.Duration
	peakHeap  uint64 // runtime HeapInuse, sampled every 5 ms
	peakRSS   uint64
}

// runLoad sends clients x requests chat completions (max_tokens 16, the
// paper's sampling, organism questions) over loopback HTTP, each client
// sequentially, and measures them.
func runLoad(tb testing.TB, url string, questions []string, chatAPI bool, clients, requests int) loadResult {
	var res loadResult
	var mu sync.Mutex
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			rss := rssBytes()
			mu.Lock()
			res.peakHeap = max(res.peakHeap, ms.HeapInuse)
			res.peakRSS = max(res.peakRSS, rss)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < requests; r++ {
				q := questions[(c*requests+r)%len(questions)]
				req := map[string]any{"max_tokens": 16, "temperature": 1, "top_p": 0.9, "seed": c*1000 + r, "hneurons": map[string]any{"top_k": 50}}
				path := "/v1/completions"
				if chatAPI {
					req["messages"], path = []map[string]string{{"role": "user", "content": q}}, "/v1/chat/completions"
				} else {
					req["prompt"] = q
				}
				body, _ := json.Marshal(req)
				t0 := time.Now()
				resp, err := http.Post(url+path, "application/json", bytes.NewReader(body))
				var cc struct{ Usage Usage }
				if err == nil {
					err = json.NewDecoder(resp.Body).Decode(&cc)
					resp.Body.Close()
					if err == nil && resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					res.errors++
				} else {
					res.latencies = append(res.latencies, d)
					res.tokens += cc.Usage.CompletionTokens
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	close(stop)
	<-sampled
	slices.Sort(res.latencies)
	return res
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[min(len(ds)-1, int(q*float64(len(ds))))]
}

// BenchmarkLoad: 1, 8 and 32 concurrent clients on the organism, each
// sending -serve.requests chat completions per round: p50/p99 latency,
// aggregate completion tokens/s, errors and peak memory. Run one round
// with
//
//	go test ./serve -run '^$' -bench 'Load$' -benchtime 1x
func BenchmarkLoad(b *testing.B) {
	f := loadOrganism(b)
	var qs []string
	for _, q := range f.questions {
		qs = append(qs, q.Question)
	}
	benchLoad(b, f.m, f.tok, f.det, qs, true)
}

// BenchmarkLoadQwenShape is BenchmarkLoad on a random BF16 model of
// Qwen2.5-0.5B's shape (model.RandomInit) with GPT-2's vocabulary from
// ../shared (ids fit Qwen's 151,936) and a probe of 100 random neurons,
// through /v1/completions (no chat template): a timing figure only; random
// weights rarely stop early, so every request generates its 16 tokens.
//
//	go test ./serve -run '^$' -bench LoadQwenShape -benchtime 1x -serve.requests 2
func BenchmarkLoadQwenShape(b *testing.B) {
	cfg, err := model.Shape("qwen2.5-0.5b")
	if err != nil {
		b.Fatal(err)
	}
	m, err := model.RandomInit(cfg, kernels.BF16, 1)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := tokenizer.Load(sharedtest.Path(b, "vocab", "ggml-vocab-gpt-2.gguf"))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pr := &probe.Probe{Version: 1, Layers: cfg.NLayers, DFF: cfg.DFF, Columns: cfg.NLayers * cfg.DFF, Penalty: probe.L1}
	for _, i := range rng.Perm(pr.Columns)[:100] {
		pr.Weights = append(pr.Weights, probe.Weight{Index: i, Weight: rng.NormFloat64()})
	}
	slices.SortFunc(pr.Weights, func(a, b probe.Weight) int { return a.Index - b.Index })
	w := make([]float64, pr.Columns)
	for _, x := range pr.Weights {
		w[x.Index] = x.Weight
	}
	pr.HNeurons = probe.HNeurons(w, cfg.DFF)
	det, err := NewDetector(m, pr)
	if err != nil {
		b.Fatal(err)
	}
	benchLoad(b, m, tok, det, []string{"The capital of France is", "Once upon a time", "In 1905, Einstein", "The best way to learn Go is"}, false)
}

func benchLoad(b *testing.B, m *model.Model, tok *tokenizer.Tokenizer, det *Detector, questions []string, chatAPI bool) {
	s, err := New(m, tok, det, Config{Engine: EngineOptions{MaxBatch: 32, QueueLen: 64}})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	defer func() { hs.Close(); s.Close() }()
	http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost = 64
	for _, clients := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			var all loadResult
			for b.Loop() {
				r := runLoad(b, hs.URL, questions, chatAPI, clients, *loadRequests)
				all.latencies = append(all.latencies, r.latencies...)
				all.tokens += r.tokens
				all.errors += r.errors
				all.wall += r.wall
				all.peakHeap = max(all.peakHeap, r.peakHeap)
				all.peakRSS = max(all.peakRSS, r.peakRSS)
			}
			slices.Sort(all.latencies)
			b.ReportMetric(float64(quantile(all.latencies, 0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(quantile(all.latencies, 0.99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(all.tokens)/all.wall.Seconds(), "tok/s")
			b.ReportMetric(float64(all.errors), "errors")
			b.ReportMetric(float64(all.peakHeap)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(all.peakRSS)/(1<<20), "peak-rss-MiB")
			b.ReportMetric(float64(len(all.latencies)), "requests")
		})
	}
}
