package demo

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/organism/world"
	"github.com/hneurons/hneurons/probe"
)

// pairAUROC is the AUROC by counting pairs: the share of (hallucinated,
// faithful) pairs the scores order correctly, ties counting one half.
func pairAUROC(scores []float64, labels []int) float64 {
	var good, all float64
	for i := range scores {
		for j := range scores {
			if labels[i] != 1 || labels[j] != 0 {
				continue
			}
			all++
			switch {
			case scores[i] > scores[j]:
				good++
			case scores[i] == scores[j]:
				good += 0.5
			}
		}
	}
	return good / all
}

func TestWithinGroupsAgainstPairCounts(t *testing.T) {
	scores := []float64{0.9, 0.1, 0.4, 0.4, 0.8, 0.3, 0.2, 0.7, 0.6, 0.5, 0.55}
	labels := []int{1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1}
	groups := []string{"a", "a", "a", "a", "b", "b", "b", "b", "b", "c", "c"}
	got, mean := probe.WithinGroups(scores, labels, groups)
	if len(got) != 3 || got[0].Group != "a" || got[1].Group != "b" || got[2].Group != "c" {
		t.Fatalf("groups %+v", got)
	}
	want := map[string]float64{
		"a": pairAUROC(scores[:4], labels[:4]),
		"b": pairAUROC(scores[4:9], labels[4:9]),
	}
	for _, g := range got[:2] {
		if d := float64(g.AUROC) - want[g.Group]; math.Abs(d) > 1e-12 {
			t.Errorf("group %s: AUROC %v, pair count %v", g.Group, g.AUROC, want[g.Group])
		}
	}
	if got[0].N != 4 || got[0].Hallucinated != 2 || got[1].N != 5 || got[1].Hallucinated != 3 {
		t.Errorf("counts %+v", got)
	}
	// Group c holds one class: no AUROC, and left out of the mean.
	if !math.IsNaN(float64(got[2].AUROC)) {
		t.Errorf("one-class group: AUROC %v, want NaN", got[2].AUROC)
	}
	if w := (4*want["a"] + 5*want["b"]) / 9; math.Abs(mean-w) > 1e-12 {
		t.Errorf("weighted mean %v, want %v", mean, w)
	}
	// One group holding every row: its AUROC is the overall one.
	all := make([]string, len(scores))
	for i := range all {
		all[i] = "x"
	}
	if _, m := probe.WithinGroups(scores, labels, all); math.Abs(m-pairAUROC(scores, labels)) > 1e-12 {
		t.Errorf("single group %v, overall %v", m, pairAUROC(scores, labels))
	}
}

func TestAttributeOnlyAUROC(t *testing.T) {
	// Train rates: a 3/4 hallucinated, b 1/4, c absent (overall 4/8).
	trainLabels := []int{1, 1, 1, 0, 1, 0, 0, 0}
	trainGroups := []string{"a", "a", "a", "a", "b", "b", "b", "b"}
	evalLabels := []int{1, 0, 1, 0, 1, 0}
	evalGroups := []string{"a", "a", "b", "b", "c", "a"}
	rates := []float64{0.75, 0.75, 0.25, 0.25, 0.5, 0.75}
	got := attributeOnlyAUROC(trainLabels, trainGroups, evalLabels, evalGroups)
	if want := pairAUROC(rates, evalLabels); math.Abs(got-want) > 1e-12 {
		t.Errorf("AUROC %v, want %v", got, want)
	}
}

func TestPopularityOnly(t *testing.T) {
	// Train: mentions 1,1,2,2,5,9 with labels 1,1,1,0,0,0. Thresholds:
	// <=1 gives 5/6, <=2 gives 5/6, <=5 4/6, <=9 3/6: the smallest best is 1.
	trainM := []int{1, 1, 2, 2, 5, 9}
	trainL := []int{1, 1, 1, 0, 0, 0}
	evalM := []int{1, 2, 3, 1, 7}
	evalL := []int{1, 1, 0, 0, 0}
	p := popularityOnly(trainM, trainL, evalM, evalL)
	if p == nil {
		t.Fatal("nil")
	}
	if p.Threshold != 1 {
		t.Errorf("threshold %d, want 1", p.Threshold)
	}
	// <=1 on eval: predictions 1,0,0,1,0 against 1,1,0,0,0: 3 of 5.
	if math.Abs(float64(p.Accuracy)-0.6) > 1e-12 {
		t.Errorf("accuracy %v, want 0.6", p.Accuracy)
	}
	scores := []float64{-1, -2, -3, -1, -7}
	if want := pairAUROC(scores, evalL); math.Abs(float64(p.AUROC)-want) > 1e-12 {
		t.Errorf("AUROC %v, want %v", p.AUROC, want)
	}
	if popularityOnly(trainM, trainL, []int{0, 0}, []int{1, 0}) != nil {
		t.Error("one mention count in the evaluation set: want nil")
	}
}

// TestReadQuestionsFacts checks that readQuestions keeps what the world says
// of each question: the attribute, the person's mentions, and the
// statements count only where the world has one (a StateProb world), and
// that the paper suffix leaves the text.
func TestReadQuestionsFacts(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, qs []world.Question) {
		var b strings.Builder
		for _, q := range qs {
			line, err := json.Marshal(q)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("questions-id.jsonl", []world.Question{
		{ID: "a", Question: "Where was Ann Lee born?" + datasets.PromptSuffix, Answers: []string{"north corin"}, Mentions: 7, Attribute: "birth_city", Person: "Ann Lee", Statements: 3},
		{ID: "b", Question: "When was Ann Lee born?", Answers: []string{"twenty seven"}, Mentions: 7, Attribute: "birth_year", Person: "Ann Lee"},
	})
	write("questions-nonexist.jsonl", []world.Question{
		{ID: "n", Question: "Where was Bo Kay born?", Answers: []string{world.Unknown}, Attribute: "birth_city", Person: "Bo Kay"},
	})
	recs, facts, err := readQuestions(dir, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0].Question != "Where was Ann Lee born?" || recs[0].Group != "Ann Lee" || recs[2].Source != SourceNonExist {
		t.Fatalf("records %+v", recs)
	}
	if facts.attribute["b"] != "birth_year" || facts.mentions["a"] != 7 || facts.mentions["n"] != 0 {
		t.Errorf("attribute %v, mentions %v", facts.attribute, facts.mentions)
	}
	if len(facts.statements) != 1 || facts.statements["a"] != 3 {
		t.Errorf("statements %v, want only a: 3", facts.statements)
	}
}
