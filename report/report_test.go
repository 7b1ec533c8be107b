package report

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	dir := t.TempDir()
	pr := &probe.Probe{Version: 1, Layers: 2, DFF: 4, Columns: 8, C: 1, Mode: probe.ThreeVsOne, Penalty: probe.L1,
		Weights: []probe.Weight{{Index: 5, Weight: 0.7}}, HNeurons: []probe.Neuron{{Layer: 1, Neuron: 1, Weight: 0.7}}}
	if err := pr.Save(filepath.Join(dir, "probe.json")); err != nil {
		t.Fatal(err)
	}
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
