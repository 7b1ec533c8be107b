package serve

import (
	"context"
	"math"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/extract"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/organism/shipped"
	"github.com/hneurons/hneurons/organism/world"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/tokenizer"
)

// organism loads the shipped chat organism, its tokenizer and the probe
// fixture (testdata/probe.json: probe.json of `hneurons demo --no-origin
// --no-report`, seed 1, on the shipped organism), once per test binary.
var organism = sync.OnceValues(func() (*fixture, error) {
	dir, err := shipped.Dir()
	if err != nil {
		return nil, err
	}
	m, err := model.Load(filepath.Join(dir, shipped.Chat))
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.Load(m.Path)
	if err != nil {
		return nil, err
	}
	pr, err := probe.Load(filepath.Join("testdata", "probe.json"))
	if err != nil {
		return nil, err
	}
	det, err := NewDetector(m, pr)
	if err != nil {
		return nil, err
	}
	qs, err := world.ReadQuestions(filepath.Join(dir, shipped.Questions, shipped.IDQuestions))
	if err != nil {
		return nil, err
	}
	return &fixture{m: m, tok: tok, pr: pr, det: det, questions: qs}, nil
})

type fixture struct {
	m         *model.Model
	tok       *tokenizer.Tokenizer
	pr        *probe.Probe
	det       *Detector
	questions []world.Question
}

func loadOrganism(t testing.TB) *fixture {
	t.Helper()
	f, err := organism()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// runJob submits a job and collects its choices.
func runJob(t testing.TB, e *Engine, f *fixture, j *Job, text, format string) []*Choice {
	t.Helper()
	if err := e.Submit(j); err != nil {
		t.Fatal(err)
	}
	choices := make([]*Choice, j.N)
	for i := range choices {
		choices[i] = NewChoice(f.det, f.tok, j.Prompt, text, format)
	}
	for left := j.N; left > 0; {
		ev := <-j.Events()
		if ev.Done {
			if ev.Err != nil {
				t.Fatal(ev.Err)
			}
			left--
			continue
		}
		choices[ev.Seq].Add(ev.Token, ev.CETT)
	}
	return choices
}

// offlineRisk scores a choice as the offline chain does: its labelled
// record through extract.BuildSequence, a teacher-forced extract pass over
// prompt + response (a fresh runner, one prefill), the answer region's mean
// CETT and probe.Scores, then the sigmoid in float64.
func offlineRisk(t testing.TB, ex *extract.Extractor, f *fixture, c *Choice) float64 {
	t.Helper()
	sq, err := extract.BuildSequence(f.tok, c.Record())
	if err != nil {
		t.Fatal(err)
	}
	res, err := ex.Extract(context.Background(), []extract.Item{sq.Item})
	if err != nil {
		t.Fatal(err)
	}
	x := probe.FromRowMajor(res[0].Vec[extract.Answer], 1, len(res[0].Vec[extract.Answer]))
	s, err := f.pr.Scores(x)
	if err != nil {
		t.Fatal(err)
	}
	return 1 / (1 + math.Exp(-s[0]))
}

// The risk the engine computes from the generating passes equals the
// offline chain's (extract + probe on the same prompt and response) within
// 1e-5, for 100 organism answers sampled with the paper's decoding, 4
// concurrent jobs sharing decode steps.
func TestRiskMatchesOfflineChain(t *testing.T) {
	f := loadOrganism(t)
	n := 100
	if testing.Short() {
		n = 20
	}
	e := NewEngine(f.m, f.tok, f.det, EngineOptions{MaxBatch: 8})
	defer e.Close()
	ex, err := extract.NewExtractor(f.m, extract.AggMean)
	if err != nil {
		t.Fatal(err)
	}
	p, err := chat.NewPrompter(f.tok, chat.FormatChat)
	if err != nil {
		t.Fatal(err)
	}
	dec := collect.PaperDecoding
	type result struct {
		text    string
		choices []*Choice
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := 0; i < n; i++ {
		q := f.questions[i]
		// The question as collect asks it (with the paper's instruction).
		text, err := collect.PromptText(f.tok, q.Question, chat.FormatChat)
		if err != nil {
			t.Fatal(err)
		}
		j := &Job{Prompt: p.Tokens(text), N: 1, MaxNewTokens: 16, Seed: uint64(i + 1),
			SamplerOptions: generate.SamplerOptions{Temperature: dec.Temperature, TopK: dec.TopK, TopP: dec.TopP},
			StopTokens:     generate.StopTokens(f.tok, f.m)}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = result{text, runJob(t, e, f, j, text, chat.FormatChat)}
		}()
	}
	wg.Wait()
	worst, spans := 0.0, 0
	for i, r := range results {
		c := r.choices[0]
		a, err := c.Assess()
		if err != nil {
			t.Fatal(err)
		}
		want := offlineRisk(t, ex, f, c)
		if d := math.Abs(a.Risk - want); d > worst {
			worst = d
		}
		if math.Abs(a.Risk-want) > 1e-5 {
			t.Errorf("answer %d %q: server risk %.8f, offline %.8f", i, c.Text(), a.Risk, want)
		}
		if a.AnswerTokens > 0 {
			spans++
		}
		// The per-token contributions add up to the logit.
		sum := f.pr.Intercept
		for _, tr := range a.Tokens {
			sum += tr.Contribution
		}
		if math.Abs(sum-a.Logit) > 1e-9*math.Max(1, math.Abs(a.Logit)) {
			t.Errorf("answer %d: contributions sum to %v, logit %v", i, sum, a.Logit)
		}
	}
	if spans < n/2 {
		t.Errorf("only %d of %d answers had an answer span", spans, n)
	}
	t.Logf("%d answers: largest |server - offline| risk difference %.3g", n, worst)
}
