package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/organism/shipped"
	"github.com/hneurons/hneurons/probe"
)

// The paper's criterion: train --criterion paper scores every C of the
// grid by cross-validated accuracy plus the organism's accuracy with that
// C's H-Neurons suppressed, on questions that share neither an id nor a
// group with the training rows, and reports both criteria.
func TestTrainPaperCriterion(t *testing.T) {
	dir, err := shipped.Dir()
	if err != nil {
		t.Fatal(err)
	}
	chatDir := filepath.Join(dir, "chat")
	m, err := model.Load(chatDir)
	if err != nil {
		t.Fatal(err)
	}
	id, err := m.Identity()
	L, F := m.Config.NLayers, m.Config.DFF
	m.Close()
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := datasets.Load(filepath.Join(dir, "questions", "id.jsonl"), datasets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Task questions: records 0-7 (two people); the training rows hold
	// record 0's person as a group and record 5's id, so 0-3 and 5 are left out.
	// The shipped files name the person, which the demo makes the group;
	// a task file states it as "group" (the first four questions are about
	// one person, the next four about another).
	qs := recs[:8]
	for i := range qs {
		qs[i].Group = "person-" + strconv.Itoa(i/4)
	}
	var lines []string
	for _, r := range qs {
		b, _ := json.Marshal(r)
		lines = append(lines, string(b))
	}
	tq := filepath.Join(t.TempDir(), "task.jsonl")
	if err := os.WriteFile(tq, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(t.TempDir(), "train")
	w, err := features.OpenWriter(store, features.Meta{ModelFingerprint: id, Layers: L, DFF: F})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 1))
	for i := range 60 {
		lab := i % 2
		row := features.Row{ID: "r" + strconv.Itoa(i), Label: lab, Group: "p" + strconv.Itoa(i/2)}
		switch i {
		case 0, 1:
			row.Group = qs[0].Group
		case 2:
			row.ID = qs[5].ID
		}
		for _, region := range []string{features.RegionAnswer, features.RegionOther} {
			v := make([]float32, L*F)
			for j := range v {
				v[j] = float32(rng.NormFloat64()) * 0.1
			}
			if region == features.RegionAnswer {
				v[1*F+5] += float32(lab)
				v[3*F+9] += 0.5 * float32(lab)
			}
			row.Region = region
			if err := w.Append(row, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "probe.json")
	args := []string{"train", "--features", store, "--C-grid", "0.1,1", "--folds", "3", "--bootstrap", "10",
		"--criterion", "paper", "--task-model", chatDir, "--task-questions", tq, "--out", out}
	text, err := runCLI(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"paper criterion: 3 held-out questions", "(5 left out", "task-acc", "cross-validated accuracy chooses C=",
		"the paper's criterion (cv accuracy + task accuracy with the H-Neurons suppressed) chooses C="} {
		if !strings.Contains(text, want) {
			t.Errorf("train output lacks %q:\n%s", want, text)
		}
	}
	pr, err := probe.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pr.CV {
		if p.TaskAccuracy == nil || *p.TaskAccuracy < 0 || *p.TaskAccuracy > 1 {
			t.Fatalf("C=%v: task accuracy %v", p.C, p.TaskAccuracy)
		}
		if got := float64(p.Score); got != float64(p.Accuracy)+*p.TaskAccuracy {
			t.Fatalf("C=%v: score %v is not cv accuracy %v + task accuracy %v", p.C, got, p.Accuracy, *p.TaskAccuracy)
		}
	}
	if pr.Provenance == nil || pr.Provenance.Options["criterion"] != "paper" {
		t.Fatalf("provenance does not record the criterion: %+v", pr.Provenance)
	}

	// Refusals, by flag.
	base := []string{"train", "--features", store, "--out", filepath.Join(t.TempDir(), "p.json")}
	wantErr(t, append(base, "--criterion", "paper", "--task-model", chatDir, "--task-questions", tq), "--C-grid")
	wantErr(t, append(base, "--C-grid", "1", "--criterion", "paper"), "--task-model and --task-questions")
	wantErr(t, append(base, "--C-grid", "1", "--criterion", "best"), "--criterion")
	baseDir := filepath.Join(dir, "base") // same shape, another model
	wantErr(t, append(base, "--C-grid", "1", "--criterion", "paper", "--task-model", baseDir, "--task-questions", tq),
		"is not the model the training features come from")
}
