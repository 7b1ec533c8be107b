package probe

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestWithinGroupsMatchesSklearn compares WithinGroups with
// testdata/within.json, written by make_within.py from scikit-learn's
// roc_auc_score per group (ties, one-class groups, no two-class group).
func TestWithinGroupsMatchesSklearn(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "within.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []struct {
			Scores   []float64    `json:"scores"`
			Labels   []int        `json:"labels"`
			Groups   []string     `json:"groups"`
			PerGroup []GroupAUROC `json:"per_group"`
			Weighted Float        `json:"weighted_auroc"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	same := func(a, b Float) bool {
		return math.IsNaN(float64(a)) && math.IsNaN(float64(b)) || math.Abs(float64(a-b)) < 1e-12
	}
	for c, cs := range fx.Cases {
		got, mean := WithinGroups(cs.Scores, cs.Labels, cs.Groups)
		if len(got) != len(cs.PerGroup) {
			t.Fatalf("case %d: %d groups, sklearn %d", c, len(got), len(cs.PerGroup))
		}
		for i, g := range got {
			w := cs.PerGroup[i]
			if g.Group != w.Group || g.N != w.N || g.Hallucinated != w.Hallucinated || !same(g.AUROC, w.AUROC) {
				t.Errorf("case %d group %d: %+v, sklearn %+v", c, i, g, w)
			}
		}
		if !same(Float(mean), cs.Weighted) {
			t.Errorf("case %d: weighted AUROC %v, sklearn %v", c, mean, cs.Weighted)
		}
	}
	out, _ := WithinGroups([]float64{1, 2}, []int{1, 1}, []string{"a", "a"})
	if b, err := json.Marshal(out); err != nil || string(b) != `[{"group":"a","n":2,"hallucinated":2,"auroc":null}]` {
		t.Errorf("JSON %s %v", b, err)
	}
}

func TestMeanStd(t *testing.T) {
	m, s := MeanStd([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	if m != 5 || math.Abs(s-math.Sqrt(32.0/7)) > 1e-15 {
		t.Errorf("mean %v sd %v, want 5 and sqrt(32/7)", m, s)
	}
	if m, s := MeanStd([]float64{3}); m != 3 || s != 0 {
		t.Errorf("one value: %v %v", m, s)
	}
	if m, s := MeanStd(nil); !math.IsNaN(m) || !math.IsNaN(s) {
		t.Errorf("no value: %v %v", m, s)
	}
}
