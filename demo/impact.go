package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hneurons/hneurons/compliance"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/intervene"
	"github.com/hneurons/hneurons/record"
)

// Impact stage defaults (Options.Impact*): enough items and conditions for
// slopes with intervals, while the whole demo stays within minutes.
const (
	impactDir          = "impact"
	impactItemsFile    = "impact.jsonl"
	defaultImpactItems = 100 // per benchmark, capability included
	defaultControls    = 2   // of each kind
)

// DefaultImpactAlphas are the demo's scale factors.
var DefaultImpactAlphas = []float64{0, 1, 2, 3}

// Impact is the impact stage (METHOD.md section 5) in metrics.json.
type Impact struct {
	// Items is the item file used (the organism's analogues).
	Items string `json:"items"`
	// Summary holds the curves and slopes (intervene.Summary).
	Summary *intervene.Summary `json:"summary"`
	Seconds float64            `json:"seconds"`
}

// impactItems reads the analogue items next to the questions (impact.jsonl)
// and adds capability items: n in-distribution questions (people the chat
// data never asked about) drawn by the seed, at most n per benchmark each.
func (r *run) impactItems(n int) (string, []compliance.Item, error) {
	path := filepath.Join(r.o.QuestionsDir, impactItemsFile)
	all, err := compliance.ReadItems(path)
	if err != nil {
		return path, nil, err
	}
	items := compliance.FirstPerBench(all, n)
	var id []compliance.Item
	for _, q := range r.recs {
		if q.Source != SourceNonExist {
			id = append(id, compliance.Item{ID: compliance.Capability + ":" + q.ID, Bench: compliance.Capability,
				Turns: []string{q.Question + datasets.PromptSuffix}, Answers: q.Answers, Source: q.Source})
		}
	}
	return path, append(items, compliance.SampleItems(id, n, r.o.Seed)...), nil
}

// impact scales the H-Neurons on the organism's four analogue benchmarks
// and the capability check, against random controls, unless
// Options.NoImpact, the probe kept no H-Neurons, or the questions have no
// impact.jsonl.
func (r *run) impact(ctx context.Context) error {
	if r.o.NoImpact {
		return nil
	}
	if len(r.pr.HNeurons) == 0 {
		r.det.BaselineNotes[impactDir] = "no impact stage: the probe kept no H-Neurons"
		return nil
	}
	t0 := time.Now()
	path, items, err := r.impactItems(r.o.ImpactItems)
	if errors.Is(err, os.ErrNotExist) {
		r.det.BaselineNotes[impactDir] = "no impact stage: " + path + " does not exist"
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo: impact: %w", err)
	}
	in, err := record.InputOf("probe", r.path(probeFile))
	if err != nil {
		return err
	}
	const stage = "impact"
	opt := intervene.Options{Alphas: r.o.ImpactAlphas, Seed: r.o.Seed, PromptFormat: r.o.PromptFormat, ModelName: r.o.ModelName,
		Inputs: []record.Input{in}, Fresh: r.o.Fresh, Batch: 32,
		Progress: func(done, total int, _ time.Duration) { r.emit(stage, done, total) }}
	s, err := intervene.RunExperiment(ctx, r.m, r.tok, r.pr, items, r.path(impactDir), intervene.Experiment{Options: opt, Controls: r.o.ImpactControls, Boot: r.o.Boot})
	if err != nil {
		return fmt.Errorf("demo: impact: %w", err)
	}
	r.det.Impact = &Impact{Items: path, Summary: s, Seconds: time.Since(t0).Seconds()}
	return nil
}

// impactText renders the impact stage for summary.txt: per benchmark the
// H-Neurons' and the controls' rates by alpha and the slopes.
func impactText(b *strings.Builder, im *Impact) {
	if im == nil || im.Summary == nil {
		return
	}
	s := im.Summary
	fmt.Fprintf(b, "impact (paper section 5): H-Neurons scaled by alpha; compliance in %% of judged items by alpha %v (capability: accuracy)\n", s.Alphas)
	for _, bench := range s.Benches {
		var h *intervene.Curve
		for i := range bench.Curves {
			if bench.Curves[i].Kind == intervene.KindHNeurons {
				h = &bench.Curves[i]
			}
		}
		if h == nil {
			continue
		}
		fmt.Fprintf(b, "  %-12s n=%d H-Neurons:", bench.Bench, bench.Items)
		for _, p := range h.Points {
			fmt.Fprintf(b, " %.1f", 100*p.Rate.Value)
		}
		fmt.Fprintf(b, "  slope %+.2f [%+.2f, %+.2f] points/alpha", h.Slope.Value, h.Slope.Lo, h.Slope.Hi)
		for _, k := range bench.Controls {
			fmt.Fprintf(b, "; %s controls %+.2f [%+.2f, %+.2f]", k.Kind, k.Mean.Value, k.Mean.Lo, k.Mean.Hi)
		}
		unj, trunc := 0, 0.0
		for _, p := range h.Points {
			unj += p.Unjudged
			trunc = max(trunc, p.Truncated)
		}
		fmt.Fprintf(b, "; unjudged %d, truncated <= %.1f%%\n", unj, 100*trunc)
	}
	fmt.Fprintf(b, "  (full tables: %s)\n", filepath.Join(impactDir, intervene.SummaryTextFile))
}
