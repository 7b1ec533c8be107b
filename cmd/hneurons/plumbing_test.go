package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
)

// storiesDataset writes a small question file for stories260K.
func storiesDataset(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "questions.jsonl")
	lines := []string{
		`{"id": "q1", "question": "Who had a red ball", "answers": ["Lily"]}`,
		`{"id": "q2", "question": "What did Tom see in the park", "answers": ["a dog"]}`,
		`{"id": "q3", "question": "Where did the bird fly", "answers": ["home"]}`,
	}
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantErr runs the command and requires an error mentioning each of want.
func wantErr(t *testing.T, args []string, want ...string) {
	t.Helper()
	_, err := runCLI(t, args...)
	if err == nil {
		t.Fatalf("%v accepted", args)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%v: error %q does not mention %q", args, err, w)
		}
	}
}

// TestCollectLabelExtractFlags checks that the flags of collect, label and
// extract reach what they write, that invalid values are refused before any
// output exists, and that a resume with other options is refused.
func TestCollectLabelExtractFlags(t *testing.T) {
	model := sharedtest.Path(t, "models", "stories260K", "stories260K.gguf")
	dir := t.TempDir()
	data := storiesDataset(t, dir)
	resp := filepath.Join(dir, "responses.jsonl")

	// Invalid values: refused up front, no output created.
	for _, bad := range [][]string{
		{"--temperature", "-1"}, {"--top-p", "5"}, {"--top-k", "-2"}, {"--samples", "0"},
		{"--max-new-tokens", "0"}, {"--batch", "0"}, {"--prompt-format", "weird"},
	} {
		wantErr(t, append([]string{"collect", "--model", model, "--dataset", data, "--out", resp}, bad...), bad[0])
		if _, err := os.Stat(resp); err == nil {
			t.Fatalf("collect %v created its output", bad)
		}
	}

	args := []string{"collect", "--model", model, "--dataset", data, "--out", resp, "--samples", "3", "--seed", "5",
		"--temperature", "0.7", "--top-p", "0.8", "--top-k", "7", "--max-tokens", "9", "--prompt-format", "base",
		"--max-questions", "2"}
	if _, err := runCLI(t, args...); err != nil {
		t.Fatal(err)
	}
	recs, prov, err := record.ReadCollected(resp)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || prov == nil {
		t.Fatalf("%d records, provenance %v", len(recs), prov)
	}
	want := record.Decoding{Temperature: 0.7, TopP: 0.8, TopK: 7, MaxNewTokens: 9}
	for _, r := range recs {
		if len(r.Samples) != 3 || r.Seed != 5 || r.Decoding == nil || *r.Decoding != want || r.PromptFormat != "base" {
			t.Errorf("record %s: %d samples, seed %d, decoding %+v, format %s", r.ID, len(r.Samples), r.Seed, r.Decoding, r.PromptFormat)
		}
		for _, s := range r.Samples {
			if len(s.Tokens) > 9 {
				t.Errorf("record %s: a sample of %d tokens with --max-new-tokens 9", r.ID, len(s.Tokens))
			}
		}
	}
	for k, v := range map[string]string{"samples": "3", "seed": "5", "temperature": "0.7", "top-p": "0.8", "top-k": "7",
		"max-new-tokens": "9", "prompt-format": "base"} {
		if prov.Options[k] != v {
			t.Errorf("provenance --%s = %q, want %q", k, prov.Options[k], v)
		}
	}
	if prov.Model == nil || prov.Model.Identity == "" || len(prov.Inputs) != 1 || prov.Inputs[0].Path != data {
		t.Errorf("provenance model %+v inputs %+v", prov.Model, prov.Inputs)
	}
	// Resuming with another seed is refused; --fresh starts again.
	wantErr(t, append(args[:len(args):len(args)], "--seed", "6"), "--seed 5", "--seed 6", "--fresh")
	if _, err := runCLI(t, append(args[:len(args):len(args)], "--seed", "6", "--fresh", "--max-questions", "3")...); err != nil {
		t.Fatal(err)
	}
	if recs, prov, _ = record.ReadCollected(resp); len(recs) != 3 || prov.Options["seed"] != "6" {
		t.Fatalf("after --fresh: %d records, seed %s", len(recs), prov.Options["seed"])
	}

	lab := filepath.Join(dir, "labelled.jsonl")
	wantErr(t, []string{"label", "--in", resp, "--out", lab, "--judge-attempts", "0"}, "--judge-attempts")
	wantErr(t, []string{"label", "--in", resp, "--out", lab, "--judge", "llm"}, "--judge-url")
	if _, err := runCLI(t, "label", "--in", resp, "--out", lab); err != nil {
		t.Fatal(err)
	}
	if p, _ := record.ReadHeader(lab); p == nil || p.Options["min-agree"] != "all" || p.Options["judge"] != "rule" {
		t.Fatalf("label's default provenance %+v: want min-agree all (every sample)", p)
	}
	wantErr(t, []string{"label", "--in", resp, "--out", lab, "--min-agree", "2"}, "--min-agree all", "--min-agree 2")
	if _, err := runCLI(t, "label", "--in", resp, "--out", lab, "--min-agree", "2", "--fresh"); err != nil {
		t.Fatal(err)
	}
	labelled, p, err := record.ReadLabelled(lab)
	if err != nil || len(labelled) != 3 || p.Options["min-agree"] != "2" {
		t.Fatalf("relabelled: %d records, provenance %+v, %v", len(labelled), p, err)
	}
	// Give extract something to do whatever the judge said.
	for i := range labelled {
		labelled[i].Label = []string{record.Faithful, record.Hallucinated}[i%2]
	}
	if err := record.WriteJSONL(lab, p, labelled); err != nil {
		t.Fatal(err)
	}

	feats := filepath.Join(dir, "features")
	wantErr(t, []string{"extract", "--model", model, "--in", lab, "--out", feats, "--batch", "0"}, "--batch")
	wantErr(t, []string{"extract", "--model", model, "--in", lab, "--out", feats, "--regions", "answer,elbow"}, "elbow")
	if _, err := runCLI(t, "extract", "--model", model, "--in", lab, "--out", feats, "--agg", "max", "--regions", "answer"); err != nil {
		t.Fatal(err)
	}
	ix, err := features.ReadIndex(feats)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Rows) != 3 || ix.Provenance == nil || ix.Provenance.Options["agg"] != "max" {
		t.Fatalf("store: %d rows, provenance %+v", len(ix.Rows), ix.Provenance)
	}
	for _, r := range ix.Rows {
		if r.Region != features.RegionAnswer {
			t.Errorf("row of region %s with --regions answer", r.Region)
		}
	}
	wantErr(t, []string{"extract", "--model", model, "--in", lab, "--out", feats}, "--agg max", "--agg mean")
}

// TestSplitTrainEvalFlags checks that the flags of split, train and eval
// reach what they write and that invalid values are refused.
func TestSplitTrainEvalFlags(t *testing.T) {
	dir := t.TempDir()
	lab := filepath.Join(dir, "labelled.jsonl")
	var recs []record.Labelled
	for i := range 40 {
		recs = append(recs, record.Labelled{ID: fmt.Sprintf("q%d", i), Question: fmt.Sprintf("question %d?", i),
			Group: fmt.Sprintf("person%d", i/4), Label: []string{record.Faithful, record.Hallucinated}[i%2]})
	}
	if err := record.WriteJSONL(lab, nil, recs); err != nil {
		t.Fatal(err)
	}
	tr, te := filepath.Join(dir, "train.jsonl"), filepath.Join(dir, "test.jsonl")
	wantErr(t, []string{"split", "--in", lab, "--train", tr, "--test", te, "--test-frac", "1.5"}, "--test-frac")
	wantErr(t, []string{"split", "--in", lab, "--train", tr, "--test", te, "--test-size", "4", "--test-frac", "0.5"}, "--test-size")
	if _, err := runCLI(t, "split", "--in", lab, "--train", tr, "--test", te, "--test-size", "8", "--seed", "3", "--balance"); err != nil {
		t.Fatal(err)
	}
	trainRecs, trp, err := record.ReadLabelled(tr)
	if err != nil {
		t.Fatal(err)
	}
	testRecs, tep, err := record.ReadLabelled(te)
	if err != nil {
		t.Fatal(err)
	}
	if len(testRecs) != 8 || trp == nil || tep == nil || tep.Options["seed"] != "3" || tep.Options["test-size"] != "8" ||
		tep.Options["balance"] != "true" || tep.Options["side"] != "test" || trp.Options["side"] != "train" {
		t.Fatalf("split: %d test records, provenance %+v / %+v", len(testRecs), tep, trp)
	}
	sides := map[string]string{}
	for side, rs := range map[string][]record.Labelled{"train": trainRecs, "test": testRecs} {
		for _, r := range rs {
			if s, ok := sides[r.Group]; ok && s != side {
				t.Errorf("group %s on both sides", r.Group)
			}
			sides[r.Group] = side
		}
	}

	train, test := filepath.Join(dir, "ftrain"), filepath.Join(dir, "ftest")
	writeStore(t, train, 60, 1)
	writeStore(t, test, 40, 2)
	pp := filepath.Join(dir, "probe.json")
	for _, bad := range [][]string{{"--folds", "1"}, {"--folds", "100000"}, {"--C", "-1"}, {"--tol", "0"}, {"--C-grid", "0.5,-2"}, {"--mode", "2-vs-2"}} {
		wantErr(t, append([]string{"train", "--features", train, "--C-grid", "0.5,2", "--out", pp}, bad...), bad[0])
	}
	if _, err := runCLI(t, "train", "--features", train, "--test-features", test, "--grid", "0.5,2", "--folds", "3", "--seed", "2",
		"--mode", "1-vs-1", "--out", pp); err != nil {
		t.Fatal(err)
	}
	pr, err := probe.Load(pp)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Mode != probe.OneVsOne || len(pr.CV) != 2 || pr.Provenance == nil || pr.Provenance.Options["C-grid"] != "0.5,2" ||
		pr.Provenance.Options["folds"] != "3" || pr.Provenance.Options["seed"] != "2" || len(pr.Provenance.Inputs) != 2 {
		t.Fatalf("probe mode %s, %d C values, provenance %+v", pr.Mode, len(pr.CV), pr.Provenance)
	}

	rep := filepath.Join(dir, "report.json")
	wantErr(t, []string{"eval", "--probe", pp, "--features", test, "--bootstrap", "-1"}, "--bootstrap")
	wantErr(t, []string{"eval", "--probe", pp, "--features", test, "--baseline", "wrong"}, "--baseline")
	if _, err := runCLI(t, "eval", "--probe", pp, "--features", test, "--baseline-seeds", "2", "--folds", "3", "--out", rep); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Provenance record.Provenance     `json:"provenance"`
		Metrics    probe.Metrics         `json:"metrics"`
		Baseline   *probe.BaselineResult `json:"baseline"`
	}
	b, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Metrics.N != 40 || got.Baseline == nil || len(got.Baseline.Random) != 2 || got.Baseline.Folds != 3 ||
		got.Provenance.Command != "eval" || got.Provenance.Options["baseline-seeds"] != "2" {
		t.Fatalf("report: n %d, baseline %+v, provenance %+v", got.Metrics.N, got.Baseline, got.Provenance)
	}
}
