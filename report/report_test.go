package report

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/demo"
	"github.com/hneurons/hneurons/intervene"
	"github.com/hneurons/hneurons/probe"
)

// The ROC curve's trapezoid area equals the rank AUROC, ties included (two
// independent computations), and the curve runs from (0,0) to (1,1).
func TestROCAreaIsAUROC(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	scores := make([]float64, 300)
	labels := make([]int, 300)
	for i := range scores {
		labels[i] = rng.IntN(2)
		scores[i] = math.Round((rng.NormFloat64()+float64(labels[i]))*4) / 4 // many ties
	}
	c := roc(scores, labels)
	area := 0.0
	for i := 1; i < len(c.fpr); i++ {
		area += (c.fpr[i] - c.fpr[i-1]) * (c.tpr[i] + c.tpr[i-1]) / 2
	}
	if math.Abs(area-probe.AUROC(scores, labels)) > 1e-12 || math.Abs(c.auc-area) > 1e-12 {
		t.Errorf("trapezoid area %v, AUROC %v", area, c.auc)
	}
	n := len(c.fpr) - 1
	if c.fpr[0] != 0 || c.tpr[0] != 0 || c.fpr[n] != 1 || c.tpr[n] != 1 {
		t.Errorf("curve from (%v,%v) to (%v,%v)", c.fpr[0], c.tpr[0], c.fpr[n], c.tpr[n])
	}
}

// A folder with only a probe renders, each absent section naming the
// command that makes it; a folder without one is refused.
func TestRenderPartialRun(t *testing.T) {
	dir := probeDir(t)
	page, err := Render(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{"hneurons eval --probe", "hneurons intervene", "hneurons demo --base-model", "hneurons organism emergence", "H-Neurons per layer"} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(s, "<script") || strings.Contains(s, "http://") && !strings.Contains(s, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Error("page has scripts or links")
	}
	empty := t.TempDir()
	if _, err := Render(empty); err == nil {
		t.Error("a folder without probe.json was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, File)); err == nil {
		t.Error("Render wrote a file")
	}
}

// An intervention summary as intervene writes it (its own JSON encoding,
// NaN as null) is drawn: one plot per benchmark, the slopes in the table,
// an undefined slope as a dash.
func TestRenderImpact(t *testing.T) {
	dir := probeDir(t)
	pt := func(a, r float64) intervene.Point {
		return intervene.Point{Alpha: a, N: 10, Rate: intervene.Interval{Value: r, Lo: r - 0.1, Hi: r + 0.1}}
	}
	sum := intervene.Summary{Alphas: []float64{0, 1, 2}, Benches: []intervene.Bench{
		{Bench: "falseqa", Items: 10, Curves: []intervene.Curve{
			{Set: "h-neurons", Kind: "h-neurons", Points: []intervene.Point{pt(0, 0.2), pt(1, 0.3), pt(2, 0.5)}, Slope: intervene.Interval{Value: 15, Lo: 5, Hi: 25}},
			{Set: "random-1", Kind: "random", Points: []intervene.Point{pt(0, 0.3), pt(1, 0.3), pt(2, 0.3)}},
		}, Controls: []intervene.KindSlope{{Kind: "random", Sets: 1, Diff: intervene.Interval{Value: 15, Lo: 4, Hi: 26}}}},
		{Bench: "jailbreak", Items: 10, Curves: []intervene.Curve{
			{Set: "h-neurons", Kind: "h-neurons", Points: []intervene.Point{pt(0, 0.1)}, Slope: intervene.Interval{Value: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}},
		}},
	}}
	b, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "impact"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "impact", "summary.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	page, err := Render(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	impact := s[strings.Index(s, `<section id="impact">`):]
	impact = impact[:strings.Index(impact, "</section>")]
	for _, want := range []string{"+15.00 [+5.00, +25.00]", "random +15.00 [+4.00, +26.00]", "&ndash;", ">falseqa<", ">jailbreak<", "H-Neurons (95% CI)"} {
		if !strings.Contains(impact, want) {
			t.Errorf("impact section lacks %q", want)
		}
	}
	if n := strings.Count(impact, "<svg"); n != 2 {
		t.Errorf("%d plots, want one per benchmark (2)", n)
	}
	if strings.Contains(impact, "hneurons intervene --model") {
		t.Error("impact section still says which command makes it")
	}
}

// The confound checks of a demo run (demo.Details, marshalled by its own
// JSON encoding) appear in the detection section: the probe's within-
// attribute AUROC beside the random neurons', the attribute alone, and both
// no-model exposure rules, a missing one as a dash.
func TestRenderConfoundChecks(t *testing.T) {
	dir := probeDir(t)
	det := demo.Details{
		Reports:  map[string]*probe.Report{"test": {Metrics: probe.Metrics{N: 40, Positives: 20}}, "nonexist": {Metrics: probe.Metrics{N: 10, Positives: 5}}},
		Transfer: map[string]*probe.Transfer{"test": {RandomWithinAUROCMean: 0.561, RandomWithinAUROCStd: 0.02}},
		Within: map[string]*demo.Within{
			"test": {WeightedAUROC: 0.682, AttributeOnlyAUROC: 0.611,
				Popularity: &demo.PopularityOnly{Threshold: 2, Accuracy: 0.695, AUROC: 0.733},
				Statements: &demo.PopularityOnly{Threshold: 1, Accuracy: 0.604, AUROC: 0.640}},
			"nonexist": {WeightedAUROC: probe.Float(math.NaN()), AttributeOnlyAUROC: 0.5},
		},
	}
	b, err := json.Marshal(det)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "metrics.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	page, err := Render(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	i := strings.Index(s, "Confound checks")
	if i < 0 {
		t.Fatal("page has no confound checks")
	}
	table := s[i:]
	table = table[:strings.Index(table, "</table>")]
	for _, want := range []string{"<td>0.682</td><td>0.561 ± 0.020</td><td>0.611</td>", "acc 0.695, AUROC 0.733 (at most 2)",
		"acc 0.604, AUROC 0.640 (at most 1)", "<td>nonexist</td><td>—</td><td>—</td><td>0.500</td><td>—</td><td>—</td>"} {
		if !strings.Contains(table, want) {
			t.Errorf("confound table lacks %q:\n%s", want, table)
		}
	}
}

// probeDir is a run folder holding only a one-neuron probe.json.
func probeDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	pr := &probe.Probe{Version: 1, Layers: 2, DFF: 4, Columns: 8, C: 1, Mode: probe.ThreeVsOne, Penalty: probe.L1,
		Weights: []probe.Weight{{Index: 5, Weight: 0.7}}, HNeurons: []probe.Neuron{{Layer: 1, Neuron: 1, Weight: 0.7}}}
	if err := pr.Save(filepath.Join(dir, "probe.json")); err != nil {
		t.Fatal(err)
	}
	return dir
}
