package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/organism/shipped"
	"github.com/hneurons/hneurons/organism/world"
	"github.com/hneurons/hneurons/pipeline"
)

// Bad options are all reported by name before anything runs.
func TestRunCommandRefusesBadOptions(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "run.toml")
	if err := os.WriteFile(cfg, []byte("model = \"m\"\ndataset = \"d\"\n[collect]\nsampels = 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--out", filepath.Join(dir, "r"), "--model", "m", "--dataset", "d", "--set", "collect.samples=0", "--set", "split.test-frac=2", "--until", "bogus"},
			[]string{"collect.samples: 0", "split.test-frac: 2", `--until "bogus"`}},
		{[]string{"--out", filepath.Join(dir, "r"), "--config", cfg}, []string{"unknown option collect.sampels"}},
		{[]string{"--out", filepath.Join(dir, "r"), "--model", "m", "--dataset", "d", "--set", "train.C-grid"}, []string{"want key=value"}},
		{[]string{"--out", filepath.Join(dir, "r"), "--dataset", "d"}, []string{"model: missing"}},
		{[]string{"--out", filepath.Join(dir, "r"), "--model", "m", "--dataset", "d", "--from", "eval", "--until", "split"}, []string{"--from eval comes after --until split"}},
	} {
		_, err := runCLI(t, append([]string{"run"}, c.args...)...)
		if err == nil {
			t.Errorf("%v: accepted", c.args)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not say %q", c.args, err, w)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "r")); err == nil {
		t.Errorf("a refused run created its folder")
	}
}

// writeOrganismDataset writes the shipped organism's first n questions as
// a JSONL dataset with the person as the group.
func writeOrganismDataset(t *testing.T, n int) (organism, path string) {
	t.Helper()
	organism, err := shipped.Dir()
	if err != nil {
		t.Fatal(err)
	}
	qs, err := world.ReadQuestions(filepath.Join(organism, shipped.Questions, shipped.IDQuestions))
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "questions.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(f)
	for _, q := range qs[:n] {
		enc.Encode(datasets.Record{ID: q.ID, Question: strings.TrimSuffix(q.Question, datasets.PromptSuffix), Answers: q.Answers, Group: q.Person})
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return organism, path
}

// A dry run prints the plan and the estimate and writes nothing; a run
// --until split stops there; the same command with only --out reads the
// run's run.toml back and goes on from extract; the summary names the
// test metrics.
func TestRunCommandOrganism(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the chain on the organism")
	}
	organism, ds := writeOrganismDataset(t, 300)
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"run", "--model", filepath.Join(organism, shipped.Chat), "--dataset", ds, "--out", out,
		"--set", "label.judge=organism", "--set", "collect.samples=3", "--set", "collect.max-new-tokens=12",
		"--set", "train.C-grid=[0.3, 1]", "--set", "train.folds=3", "--set", "eval.folds=3", "--set", "eval.baseline-seeds=3",
		"--set", "train.bootstrap=20", "--set", "eval.bootstrap=20", "--set", "split.test-frac=0.3"}
	stdout, stderr, err := runCLIBoth(t, append(args, "--dry-run", "--bench-time", "50ms")...)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"collect   run", "transfer  off", "measured here: prefill", "estimate for 300 questions"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("dry run does not print %q:\n%s", w, stdout)
		}
	}
	for _, w := range []string{"paper defaults", "collect.samples = 3 (default 10)", "label.judge = organism (default rule)"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("dry run's stderr does not say %q:\n%s", w, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("the dry run wrote %s", out)
	}

	if stdout, err = runCLI(t, append(args, "--until", "split")...); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "split     run") || !strings.Contains(stdout, "extract   off") {
		t.Errorf("--until split:\n%s", stdout)
	}
	stdout, err = runCLI(t, "run", "--out", out)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"collect   skip", "split     skip", "extract   run", "report    run", "test (n=", "run folder: " + out} {
		if !strings.Contains(stdout, w) {
			t.Errorf("resumed run does not print %q:\n%s", w, stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
		t.Error(err)
	}
	cfg, err := pipeline.LoadConfig(filepath.Join(out, pipeline.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Collect.Samples != 3 || cfg.Label.Judge != "organism" || len(cfg.Train.CGrid) != 2 {
		t.Errorf("run.toml lost the --set options: %+v", cfg)
	}
}
