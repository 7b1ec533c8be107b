package model

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/kernels"
)

// TestInt8ActivationDeviation measures, on quantised GGUF models named in
// HNEURONS_QUANT_GGUF (space-separated paths; for example the random
// Qwen2.5 shapes quantised by llama-quantize that scripts/bench_llama.sh
// writes), how far decoding with int8-quantised activations
// (kernels.SetExactActivations(false): Q4_K, Q6_K and Q8_0 weights against
// activations rounded to 8 bits per block) lands from the exact path
// (f32 activations, which differs from float64 only in summation order):
// per position the largest log-probability difference over the vocabulary,
// the log-probability difference of the exact path's top token, the KL
// divergence and whether the top token agrees. Without the variable it
// skips (the models are not in the repository).
func TestInt8ActivationDeviation(t *testing.T) {
	paths := strings.Fields(os.Getenv("HNEURONS_QUANT_GGUF"))
	if len(paths) == 0 {
		t.Skip("HNEURONS_QUANT_GGUF not set: no quantised model to measure")
	}
	defer kernels.SetExactActivations(true)
	kernels.SetExactActivations(false)
	if kernels.ExactActivations() {
		t.Skip("no AVX512_VNNI kernel on this CPU or kernel set: the int8 path does not run")
	}
	for _, path := range paths {
		m, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		V := m.Config.Vocab
		rng := rand.New(rand.NewPCG(91, 92))
		tokens := make([]int, 24)
		for i := range tokens {
			tokens[i] = rng.IntN(V)
		}
		lps := map[bool][][]float64{}
		for _, exact := range []bool{true, false} {
			kernels.SetExactActivations(exact)
			lps[exact] = decodeLogProbs(t, m, tokens, 8)
		}
		m.Close()
		st := compareLogProbs(lps[true], lps[false])
		t.Logf("%s: int8 activations vs exact, %d decode positions: %s", path, len(lps[true]), st)
		if st.maxAll == 0 {
			t.Errorf("%s: int8 path gave the exact path's log-probabilities: did it run?", path)
		}
		if st.meanKL > 0.01 || math.IsNaN(st.meanKL) {
			t.Errorf("%s: mean KL %.3g > 0.01", path, st.meanKL)
		}
		// For scale: the same model with unquantised (bf16) weights, if
		// its file lies beside (NAME-bf16.gguf), against the quantised
		// weights, both exact.
		base := path[:strings.LastIndex(path, "-")] + "-bf16.gguf"
		if _, err := os.Stat(base); err != nil || base == path {
			continue
		}
		mb, err := Load(base)
		if err != nil {
			t.Fatal(err)
		}
		kernels.SetExactActivations(true)
		lb := decodeLogProbs(t, mb, tokens, 8)
		mb.Close()
		t.Logf("%s: quantised weights vs bf16 weights (%s), both exact: %s", path, base, compareLogProbs(lb, lps[true]))
		t.Logf("%s: quantised weights with int8 activations vs bf16 weights: %s", path, compareLogProbs(lb, lps[false]))
	}
}

// lpStats summarises how far log-probabilities q are from e (per position
// a log-softmax over the vocabulary).
type lpStats struct {
	maxAll, meanTop, maxTop, meanKL, maxKL float64
	agree, n                               int
}

func (s lpStats) String() string {
	return fmt.Sprintf("max |Δ log p| over the vocabulary %.3g; top token |Δ log p| mean %.3g max %.3g; KL mean %.3g max %.3g; top token agrees %d/%d",
		s.maxAll, s.meanTop, s.maxTop, s.meanKL, s.maxKL, s.agree, s.n)
}

// compareLogProbs compares q with the reference e position by position.
func compareLogProbs(e, q [][]float64) lpStats {
	var s lpStats
	s.n = len(e)
	for p := range e {
		e, q := e[p], q[p]
		top := 0
		var kl float64
		for v := range e {
			s.maxAll = math.Max(s.maxAll, math.Abs(e[v]-q[v]))
			if e[v] > e[top] {
				top = v
			}
			kl += math.Exp(e[v]) * (e[v] - q[v])
		}
		qtop := 0
		for v := range q {
			if q[v] > q[qtop] {
				qtop = v
			}
		}
		if qtop == top {
			s.agree++
		}
		d := math.Abs(e[top] - q[top])
		s.maxTop, s.meanTop = math.Max(s.maxTop, d), s.meanTop+d
		s.maxKL, s.meanKL = math.Max(s.maxKL, kl), s.meanKL+kl
	}
	s.meanTop /= float64(s.n)
	s.meanKL /= float64(s.n)
	return s
}

// decodeLogProbs runs tokens through m (the first split as one prefill,
// then one decode step each) and returns the log-softmax of the logits at
// the prefill's last position and after every decode step.
func decodeLogProbs(t *testing.T, m *Model, tokens []int, split int) [][]float64 {
	t.Helper()
	V := m.Config.Vocab
	r := m.NewRunner()
	cache := m.NewCache(len(tokens))
	var out [][]float64
	lg, err := r.Forward(context.Background(), []Segment{{Cache: cache, Tokens: tokens[:split]}}, true)
	if err != nil {
		t.Fatal(err)
	}
	add := func(lg []float32) {
		lp := make([]float64, V)
		mx := math.Inf(-1)
		for _, v := range lg[:V] {
			mx = math.Max(mx, float64(v))
		}
		var s float64
		for _, v := range lg[:V] {
			s += math.Exp(float64(v) - mx)
		}
		for i, v := range lg[:V] {
			lp[i] = float64(v) - mx - math.Log(s)
		}
		out = append(out, lp)
	}
	add(lg[(split-1)*V : split*V])
	for _, id := range tokens[split:] {
		lg, err := r.Forward(context.Background(), []Segment{{Cache: cache, Tokens: []int{id}}}, false)
		if err != nil {
			t.Fatal(err)
		}
		add(lg)
	}
	return out
}

// TestInt8ActivationReference decodes the mixed-quant tiny model (Q4_K
// and Q6_K down projections, Q8_0 elsewhere) with int8-quantised
// activations and measures its logits against the float64 reference of
// the dequantised weights, next to the exact path (held to 1e-4 by
// TestGGUFMixedQuants). The bound documents the deviation; it is not a
// claim of exactness.
func TestInt8ActivationReference(t *testing.T) {
	defer kernels.SetExactActivations(true)
	kernels.SetExactActivations(false)
	if kernels.ExactActivations() {
		t.Skip("no AVX512_VNNI kernel on this CPU or kernel set: the int8 path does not run")
	}
	dir := filepath.Join("testdata", "tiny", "llama_kquant")
	g, err := Load(filepath.Join(dir, "model.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	var tokens []int
	b, _ := os.ReadFile(filepath.Join(dir, "ref_tokens.json"))
	if err := json.Unmarshal(b, &tokens); err != nil {
		t.Fatal(err)
	}
	want := readF32(t, filepath.Join(dir, "ref_logits.f32"))
	V := g.Config.Vocab
	errs := map[bool]float64{}
	for _, exact := range []bool{true, false} {
		kernels.SetExactActivations(exact)
		r := g.NewRunner()
		c := g.NewCache(1)
		var rows []float32
		for _, id := range tokens {
			lg, err := r.Forward(context.Background(), []Segment{{Cache: c, Tokens: []int{id}}}, false)
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, lg[:V]...)
		}
		errs[exact] = relErr(rows, want)
	}
	t.Logf("llama_kquant decode logits vs float64 reference: relative error exact %.3g, int8 activations %.3g", errs[true], errs[false])
	if e := errs[false]; e > 0.05 || math.IsNaN(e) {
		t.Errorf("int8-activation decode: relative error %.3g > 0.05", e)
	}
	if errs[false] <= errs[true] {
		t.Errorf("int8 path (%.3g) no further from the reference than the exact one (%.3g): did it run?", errs[false], errs[true])
	}
}
