package intervene

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/compliance"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/organism/shipped"
	"github.com/hneurons/hneurons/organism/world"
	"github.com/hneurons/hneurons/probe"
)

// benchItems is the number of items per benchmark one iteration answers:
// one batch of the demo's impact stage.
const benchItems = 32

// BenchmarkOrganismImpact times the impact stage's unit of work on the
// shipped organism: one benchmark's items answered (all turns) and judged at
// one alpha, with the H-Neurons of the probe in $HNEURONS_IMPACT_PROBE (a
// demo run's probe.json; the benchmark is skipped without it) scaled, batch
// 32 as the demo runs it. It reports seconds per item and new tokens per
// item, so the demo's time per benchmark x alpha is items x s/item.
//
//	HNEURONS_IMPACT_PROBE=D/probe.json go test -run '^$' -bench OrganismImpact -benchtime 3x ./intervene/
func BenchmarkOrganismImpact(b *testing.B) {
	pp := os.Getenv("HNEURONS_IMPACT_PROBE")
	if pp == "" {
		b.Skip("set HNEURONS_IMPACT_PROBE to a demo run's probe.json (the H-Neurons to scale)")
	}
	pr, err := probe.Load(pp)
	if err != nil {
		b.Fatal(err)
	}
	h, err := HNeurons(pr)
	if err != nil {
		b.Fatal(err)
	}
	dir, err := shipped.Dir()
	if err != nil {
		b.Fatal(err)
	}
	m, tok := load(b, filepath.Join(dir, "chat"))
	byBench := benchItemsByBench(b, dir)
	for _, bench := range append(append([]string{}, world.ImpactBenches...), compliance.Capability) {
		items := byBench[bench]
		for _, a := range []float64{0, 1, 2, 3} {
			b.Run(bench+"/alpha="+FormatAlpha(a), func(b *testing.B) {
				opt := Options{Alphas: []float64{a}, Seed: 1, Batch: benchItems, Fresh: true}
				out := filepath.Join(b.TempDir(), "records.jsonl")
				var tokens int
				b.ResetTimer()
				for range b.N {
					if _, err := Run(context.Background(), m, tok, items, []Set{h}, out, opt); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				recs, _, err := ReadRecords(out)
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range recs {
					for _, t := range r.Tokens {
						tokens += len(t)
					}
				}
				per := float64(len(items))
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/per, "s/item")
				b.ReportMetric(float64(tokens)/per, "tokens/item")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// benchItemsByBench returns the first benchItems analogue items of every
// benchmark of the shipped impact.jsonl, and as many capability items made
// from the shipped in-distribution questions.
func benchItemsByBench(b *testing.B, dir string) map[string][]compliance.Item {
	all, err := compliance.ReadItems(filepath.Join(dir, "questions", "impact.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	out := map[string][]compliance.Item{}
	for _, it := range compliance.FirstPerBench(all, benchItems) {
		out[it.Bench] = append(out[it.Bench], it)
	}
	qs, err := world.ReadQuestions(filepath.Join(dir, "questions", shipped.IDQuestions))
	if err != nil {
		b.Fatal(err)
	}
	var capability []compliance.Item
	for _, q := range qs {
		capability = append(capability, compliance.Item{ID: compliance.Capability + ":" + q.ID, Bench: compliance.Capability,
			Turns: []string{strings.TrimSuffix(q.Question, datasets.PromptSuffix) + datasets.PromptSuffix}, Answers: q.Answers, Source: "organism-id"})
	}
	// A seeded sample, as the demo draws it (the file lists four questions
	// per person, so evenly spaced picks would all ask one attribute).
	out[compliance.Capability] = compliance.SampleItems(capability, benchItems, 1)
	return out
}
