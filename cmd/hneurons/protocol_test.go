package main

import (
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hneurons/hneurons/features"
)

// writeStore writes a feature store of n questions (half hallucinated) with
// an answer and an other row each; column 0 carries the label on answer
// rows, with noise.
func writeStore(t *testing.T, dir string, n int, seed uint64) {
	t.Helper()
	w, err := features.OpenWriter(dir, features.Meta{ModelFingerprint: "fp", Layers: 2, DFF: 4})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range n {
		lab := i % 2
		id := string(rune('a'+i%26)) + string(rune('a'+i/26))
		for _, region := range []string{features.RegionAnswer, features.RegionOther} {
			v := make([]float32, 8)
			for j := range v {
				v[j] = float32(rng.NormFloat64())
			}
			if region == features.RegionAnswer {
				v[0] += 2 * float32(lab)
			}
			if err := w.Append(features.Row{ID: id, Label: lab, Region: region}, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// evalN returns the n= of the line of out that starts with name.
func evalN(t *testing.T, out, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + ` \(n=(\d+),`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q metrics line in:\n%s", name, out)
	}
	return m[1]
}

// Defect 1 of the foundations issue: a 3-vs-1 probe is evaluated on
// hallucinated-answer vs faithful-answer rows only, by train --test-features
// and by eval, as the demo and the paper do (not on the easy "other" rows).
func TestEvaluationUsesAnswerRowsOnly(t *testing.T) {
	dir := t.TempDir()
	train, test := filepath.Join(dir, "train"), filepath.Join(dir, "test")
	writeStore(t, train, 60, 1)
	writeStore(t, test, 40, 2)
	probePath := filepath.Join(dir, "probe.json")
	out, err := runCLI(t, "train", "--features", train, "--test-features", test, "--mode", "3-vs-1", "--out", probePath)
	if err != nil {
		t.Fatal(err)
	}
	if n := evalN(t, out, "test"); n != "40" {
		t.Errorf("train --test-features scored %s rows, want the 40 answer rows", n)
	}
	out, err = runCLI(t, "eval", "--probe", probePath, "--features", test)
	if err != nil {
		t.Fatal(err)
	}
	if n := evalN(t, out, "eval"); n != "40" {
		t.Errorf("eval scored %s rows, want the 40 answer rows", n)
	}
}
