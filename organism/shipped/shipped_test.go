package shipped

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/organism/world"
	"github.com/hneurons/hneurons/tokenizer"
)

// greedyRecord is one line of greedy.json, written at shipping time by the
// trainer's own float32 decoder (train.Greedy): its forward pass, attention,
// norms and tokenizer are separate from packages model, generate and
// tokenizer, though both sides multiply matrices with kernels.Sgemm/MatMul
// (tested on their own against float64). Most answers are one word.
type greedyRecord struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	Prompt   []int  `json:"prompt"`
	Tokens   []int  `json:"tokens"`
	Answer   string `json:"answer"`
}

func TestExtractedModelsReproduceTrainerGreedyAnswers(t *testing.T) {
	dir := t.TempDir()
	if err := Extract(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "greedy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []greedyRecord
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) < 5 {
		t.Fatalf("greedy.json holds %d records, want at least 5", len(want))
	}
	m, err := model.Load(filepath.Join(dir, Chat))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := tokenizer.Load(filepath.Join(dir, Chat))
	if err != nil {
		t.Fatal(err)
	}
	r := m.NewRunner()
	stop := generate.StopTokens(tok, m)
	for _, g := range want {
		// The pipeline's prompt (chat template through the tokenizer) must be
		// the trainer's prompt: the paper suffix is already in the question.
		text, err := collect.PromptText(tok, trimSuffix(g.Question), chat.FormatChat)
		if err != nil {
			t.Fatal(err)
		}
		p := collect.PromptTokens(tok, text, chat.FormatChat)
		if !slices.Equal(p, g.Prompt) {
			t.Fatalf("%s: pipeline prompt %v, trainer prompt %v", g.ID, p, g.Prompt)
		}
		res, err := generate.Generate(context.Background(), r, p, generate.Options{MaxNewTokens: 8, StopTokens: stop})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Tokens, g.Tokens) {
			t.Errorf("%s: engine greedy %v (%q), trainer greedy %v (%q)", g.ID, res.Tokens, tok.Decode(res.Tokens, true), g.Tokens, g.Answer)
		}
	}
}

func trimSuffix(q string) string {
	const s = " " + world.Instruction
	if len(q) >= len(s) && q[len(q)-len(s):] == s {
		return q[:len(q)-len(s)]
	}
	return q
}

func TestBaseModelLoads(t *testing.T) {
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{Base, Chat} {
		m, err := model.Load(filepath.Join(dir, d))
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		m.Close()
		if _, err := tokenizer.Load(filepath.Join(dir, d)); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
	}
	for _, f := range []string{IDQuestions, NonExistQuestions} {
		qs, err := world.ReadQuestions(filepath.Join(dir, Questions, f))
		if err != nil {
			t.Fatal(err)
		}
		if len(qs) < 50 {
			t.Errorf("%s: %d questions", f, len(qs))
		}
	}
	// A second call returns the same folder.
	if d2, err := Dir(); err != nil || d2 != dir {
		t.Errorf("Dir again: %q, %v; want %q", d2, err, dir)
	}
}

// TestImpactItemsAreTheDefaultWorlds checks that the shipped analogue items
// (questions/impact.jsonl, copied from the training run's world) are those
// the default world writes today, so that a change to the items' generation
// or fields cannot leave the shipped file behind.
func TestImpactItemsAreTheDefaultWorlds(t *testing.T) {
	w, err := world.Generate(world.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := w.Write(dir); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "impact.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("questions", "impact.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("questions/impact.jsonl (%d bytes) differs from the default world's (%d bytes): rerun organism/shipped/internal/gen or copy `hneurons organism world`'s impact.jsonl", len(got), len(want))
	}
}
