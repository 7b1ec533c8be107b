package organism

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/organism/train"
	"github.com/hneurons/hneurons/organism/world"
	"github.com/hneurons/hneurons/tokenizer"
)

// tinyRecipe is the default recipe shrunk to run in about a second.
func tinyRecipe() Recipe {
	r := DefaultRecipe(3)
	r.World.People, r.World.NonExist, r.World.Abstain = 60, 10, 5
	r.World.FirstNames, r.World.LastNames = 40, 60
	// The impact analogues stay on, as in the default recipe, with few
	// examples; their two-turn examples need 64 positions.
	r.World.ImpactTrain, r.World.ImpactEval, r.ImpactChatSteps = 20, 10, 0
	r.Model = train.Config{Dim: 16, Layers: 1, Heads: 2, FF: 32, MaxSeq: 64, RopeTheta: 10000, NormEps: 1e-5}
	r.Base.Steps, r.Base.Batch, r.Base.Seq, r.Base.Warmup, r.Base.CheckpointEvery = 20, 4, 32, 2, 10
	r.Chat.Steps, r.Chat.Batch, r.Chat.Seq, r.Chat.Warmup, r.Chat.CheckpointEvery = 10, 4, 64, 2, 5
	r.Base.LogEvery, r.Chat.LogEvery = 0, 0
	return r
}

func TestRunWritesLoadableHFModels(t *testing.T) {
	out := t.TempDir()
	r := tinyRecipe()
	if err := Run(context.Background(), out, r, 3); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"world/questions.jsonl", "loss.jsonl", "eval.json",
		"base/config.json", "base/model.safetensors", "base/tokenizer.json", "base/tokenizer_config.json", "base/generation_config.json",
		"chat/model.safetensors", "checkpoints/base-step-000010/model.safetensors", "checkpoints/chat-step-000010/tokenizer.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	var cfg map[string]any
	data, _ := os.ReadFile(filepath.Join(out, "chat", "config.json"))
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["model_type"] != "llama" || cfg["tie_word_embeddings"] != true || cfg["torch_dtype"] != "float32" ||
		cfg["architectures"].([]any)[0] != "LlamaForCausalLM" {
		t.Errorf("config.json %v", cfg)
	}

	// A rerun finds both stages done and changes nothing.
	before, _ := os.ReadFile(filepath.Join(out, "chat", "model.safetensors"))
	logBefore, _ := os.ReadFile(filepath.Join(out, "loss.jsonl"))
	if err := Run(context.Background(), out, r, 0); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(out, "chat", "model.safetensors"))
	logAfter, _ := os.ReadFile(filepath.Join(out, "loss.jsonl"))
	if !slices.Equal(before, after) || len(logAfter) != len(logBefore) {
		t.Error("rerunning a finished recipe retrained")
	}

	chatDir := filepath.Join(out, "chat")
	m, err := train.LoadHF(chatDir)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := world.ReadTokenizer(filepath.Join(chatDir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	qs, err := world.ReadQuestions(filepath.Join(out, "world", "questions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}

	// The project's tokenizer package, reading the saved tokenizer.json,
	// encodes and decodes like the organism's own tokenizer.
	hf, err := tokenizer.LoadHF(chatDir)
	if err != nil {
		t.Fatalf("tokenizer package cannot load the organism's tokenizer: %v", err)
	}
	for _, q := range qs[:20] {
		text := world.BosToken + world.UserToken + " " + q.Question + " " + world.AssistantToken + " " + q.Answers[0] + " " + world.EosToken
		want := tok.Encode(text)
		if got := hf.Encode(text, false); !slices.Equal(got, want) {
			t.Fatalf("tokenizer package encodes %q as %v, organism as %v", text, got, want)
		}
		var plain []int // the words only: added tokens decode without spaces in HF
		for _, id := range want {
			if id > world.AssistantID {
				plain = append(plain, id)
			}
		}
		if got, w := hf.Decode(plain, false), tok.Decode(plain); got != w {
			t.Errorf("decode: tokenizer package %q, organism %q", got, w)
		}
	}

	// The inference engine, reading the saved folder, computes the same
	// logits as the trainer's forward pass.
	eng, err := model.Load(chatDir)
	if err != nil {
		t.Fatalf("engine cannot load the organism: %v", err)
	}
	defer eng.Close()
	prompt := tok.Prompt(qs[0].Question)
	ids := make([]int32, len(prompt))
	for i, id := range prompt {
		ids[i] = int32(id)
	}
	ws, err := train.NewWorkspace[float32](m.Config, 1, len(ids))
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Forward(m, ids); err != nil {
		t.Fatal(err)
	}
	V := m.Config.Vocab
	worst, scale := 0.0, 0.0
	err = eng.NewRunner().Logits(context.Background(), prompt, func(pos int, lg []float32) error {
		for j, v := range lg {
			w := float64(ws.Logits()[pos*V+j])
			worst = max(worst, math.Abs(float64(v)-w))
			scale = max(scale, math.Abs(w))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("engine vs trainer logits: max |diff| %.2e, max |logit| %.3f", worst, scale)
	if worst > 1e-4*scale {
		t.Errorf("engine and trainer logits differ by %.2e (max |logit| %.3f)", worst, scale)
	}

	rep, err := Evaluate(context.Background(), m, tok, qs, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Cells {
		if c.N == 0 || c.N > 2 || c.Correct > c.N || c.Unknown > c.N {
			t.Errorf("bad cell %+v", c)
		}
	}
}

func TestBucket(t *testing.T) {
	for m, want := range map[int]string{0: "never", 1: "1", 2: "2-4", 4: "2-4", 5: "5-19", 19: "5-19", 20: "20+", 40: "20+"} {
		if got := Bucket(m); got != want {
			t.Errorf("Bucket(%d) = %q, want %q", m, got, want)
		}
	}
}

// The chat stage is longer only for a world with the impact analogues.
func TestChatOptionsImpactSteps(t *testing.T) {
	r := DefaultRecipe(1)
	if !r.World.Impact || r.ChatOptions().Steps != 900 {
		t.Errorf("default recipe: impact %v, %d chat steps; want the analogues and 900 (the shipped organism)", r.World.Impact, r.ChatOptions().Steps)
	}
	r.World.Impact = false
	if got := r.ChatOptions().Steps; got != 300 {
		t.Errorf("without the analogues: %d chat steps, want 300", got)
	}
	r.World.Impact = true
	if got := r.ChatOptions().Steps; got != 900 {
		t.Errorf("with the analogues: %d chat steps, want 900", got)
	}
	r.ImpactChatSteps = 0
	if got := r.ChatOptions().Steps; got != 300 {
		t.Errorf("with the analogues and ImpactChatSteps 0: %d chat steps, want Chat.Steps 300", got)
	}
}

// TestPrepareCopyInChat checks that CopyInChat leaves the base stage's
// stream and the vocabulary as without copy documents and gives the chat
// stage a stream with them (the base model stays reusable).
func TestPrepareCopyInChat(t *testing.T) {
	plain, err := Prepare(tinyRecipe())
	if err != nil {
		t.Fatal(err)
	}
	r := tinyRecipe()
	r.World.CopyDocs, r.World.CopyChatPhrasing, r.World.RecallDocs, r.World.CopyInChat = 30, true, true, true
	d, err := Prepare(r)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Stream, plain.Stream) || !slices.Equal(d.Tokenizer.Vocab, plain.Tokenizer.Vocab) {
		t.Error("CopyInChat changed the base stream or the vocabulary")
	}
	var extra []int32
	for _, doc := range append(append([]string{}, d.World.CopyDocs...), d.World.RecallDocs...) {
		for _, id := range d.Tokenizer.Document(doc) {
			extra = append(extra, int32(id))
		}
	}
	if got, want := len(d.ChatStream), len(plain.Stream)+len(extra); got != want {
		t.Errorf("chat stream of %d tokens, want the base stream's %d plus the documents' %d", got, len(plain.Stream), len(extra))
	}
	if !slices.Equal(plain.ChatStream, plain.Stream) {
		t.Error("without CopyInChat the chat stream is not the base stream")
	}
}
