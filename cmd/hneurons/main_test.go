package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/organism/world"
)

// runCLI runs a fresh command tree with args and returns what it printed
// on stdout (stderr goes to the test log).
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, errOut, err := runCLIBoth(t, args...)
	if errOut != "" {
		t.Logf("stderr of %v:\n%s", args, errOut)
	}
	return out, err
}

// runCLIBoth runs a fresh command tree with args and returns its stdout and
// stderr.
func runCLIBoth(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd()
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err = root.ExecuteContext(t.Context())
	return out.String(), errOut.String(), err
}

func TestGenerateCommandGreedy(t *testing.T) {
	gguf := sharedtest.Path(t, "models", "stories260K", "stories260K.gguf")
	// The reference continuations in the model's README come from llama.cpp.
	ref := sharedtest.Stories(t)[0]
	got, err := runCLI(t, "generate", "--model", gguf, "--prompt", ref.Prompt, "-n", "64", "--temperature", "0")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSuffix(got, "\n") != ref.Continuation {
		t.Fatalf("generate printed %q\nwant %q", got, ref.Continuation)
	}
}

// scoreResult is the JSON `hneurons score` prints.
type scoreResult struct {
	Tokens   []int     `json:"tokens"`
	Logprobs []float64 `json:"logprobs"`
}

// scoreCLI runs `hneurons score` with args and decodes its output.
func scoreCLI(t *testing.T, args ...string) scoreResult {
	t.Helper()
	got, err := runCLI(t, append([]string{"score"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	var res scoreResult
	if err := json.Unmarshal([]byte(got), &res); err != nil {
		t.Fatalf("score output %q: %v", got, err)
	}
	return res
}

// TestScoreCommandMatchesReference scores the tiny random Llama's reference
// tokens and compares every log-probability with the log-softmax of the
// logits PyTorch computed in float64 (model/testdata/make_reference.py).
func TestScoreCommandMatchesReference(t *testing.T) {
	dir := filepath.Join("..", "..", "model", "testdata", "tiny", "llama")
	var tokens []int
	b, err := os.ReadFile(filepath.Join(dir, "ref_tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &tokens); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "ref_logits.f32"))
	if err != nil {
		t.Fatal(err)
	}
	vocab := len(raw) / 4 / len(tokens)
	ids := make([]string, len(tokens))
	for i, id := range tokens {
		ids[i] = strconv.Itoa(id)
	}
	res := scoreCLI(t, "--model", dir, "--tokens", strings.Join(ids, ","))
	if len(res.Logprobs) != len(tokens)-1 {
		t.Fatalf("%d logprobs for %d tokens", len(res.Logprobs), len(tokens))
	}
	for i, lp := range res.Logprobs {
		// log p(tokens[i+1] | tokens[:i+1]) from row i of the reference.
		row := make([]float64, vocab)
		mx := math.Inf(-1)
		for j := range row {
			row[j] = float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*(i*vocab+j):])))
			mx = math.Max(mx, row[j])
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(v - mx)
		}
		want := row[tokens[i+1]] - mx - math.Log(sum)
		if math.Abs(lp-want) > 1e-5 {
			t.Errorf("logprob %d = %.7f, PyTorch reference %.7f", i, lp, want)
		}
	}
}

func TestScoreCommand(t *testing.T) {
	gguf := sharedtest.Path(t, "models", "stories260K", "stories260K.gguf")
	res := scoreCLI(t, "--model", gguf, "--text", "Once upon a time")
	if len(res.Tokens) < 2 || res.Tokens[0] != 1 {
		t.Fatalf("tokens %v: want BOS (1) first", res.Tokens)
	}
	if len(res.Logprobs) != len(res.Tokens)-1 {
		t.Fatalf("%d logprobs for %d tokens", len(res.Logprobs), len(res.Tokens))
	}
	for i, lp := range res.Logprobs {
		if !(lp <= 0) {
			t.Errorf("logprob %d = %v, want <= 0", i, lp)
		}
	}
}

func TestTokenizeCommand(t *testing.T) {
	vocab := sharedtest.Path(t, "vocab", "ggml-vocab-llama-spm.gguf")
	got, err := runCLI(t, "tokenize", "--model", vocab, "--text", "Hello world")
	if err != nil {
		t.Fatal(err)
	}
	// Llama 2's SentencePiece ids: BOS, "▁Hello", "▁world".
	if strings.TrimSpace(got) != "[1,15043,3186]" {
		t.Fatalf("tokenize printed %q", got)
	}
}

func TestInspectCommand(t *testing.T) {
	gguf := sharedtest.Path(t, "models", "stories260K", "stories260K.gguf")
	got, err := runCLI(t, "inspect", "--model", gguf)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"llama", "5 layers x 172 = 860"} {
		if !strings.Contains(got, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, got)
		}
	}
}

func TestCommandErrorsOnMissingModel(t *testing.T) {
	if _, err := runCLI(t, "bench", "--model", t.TempDir()+"/nope.gguf"); err == nil {
		t.Fatal("bench on a missing file: no error")
	}
}

func TestProbeBenchRejectsTooFewColumns(t *testing.T) {
	if _, err := runCLI(t, "probe-bench", "--rows", "10", "--cols", "10"); err == nil {
		t.Fatal("probe-bench with fewer columns than informative ones: no error")
	}
}

func TestOrganismWorldMultiWordSwitch(t *testing.T) {
	words := func(args ...string) map[int]int {
		dir := t.TempDir()
		if _, err := runCLI(t, append([]string{"organism", "world", "--out", dir}, args...)...); err != nil {
			t.Fatal(err)
		}
		qs, err := world.ReadQuestions(filepath.Join(dir, "questions-id.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		n := map[int]int{} // answer word count -> questions
		for _, q := range qs {
			n[len(strings.Fields(q.Answers[0]))]++
		}
		return n
	}
	if n := words(); n[1] != 0 || n[2] == 0 || n[4] == 0 {
		t.Errorf("default world: answers by word count %v, want phrases of 2 and 4 words", n)
	}
	if n := words("--multiword", "off"); len(n) != 1 || n[1] == 0 {
		t.Errorf("--multiword off: answers by word count %v, want one word each", n)
	}
	if _, err := runCLI(t, "organism", "world", "--out", t.TempDir(), "--multiword", "maybe"); err == nil {
		t.Error("--multiword maybe: no error")
	}
}

// TestOrganismTrainShapeFlags checks that --layers and --ff reach the trained
// model: a two-step run's chat folder declares the asked depth and width.
func TestOrganismTrainShapeFlags(t *testing.T) {
	dir := t.TempDir()
	if _, err := runCLI(t, "organism", "train", "--out", dir, "--base-steps", "2", "--chat-steps", "2", "--batch", "2",
		"--checkpoint-every", "2", "--eval-per-bucket", "0", "--layers", "2", "--ff", "64"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "chat", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Layers int `json:"num_hidden_layers"`
		FF     int `json:"intermediate_size"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Layers != 2 || cfg.FF != 64 {
		t.Errorf("chat config: %d layers, SwiGLU width %d; want 2 and 64", cfg.Layers, cfg.FF)
	}
}

// TestOrganismWorldUnstatedProb checks that --unstated-prob reaches the
// world: the unstated question set exists and asks for "unknown", and the
// default world has none.
func TestOrganismWorldUnstatedProb(t *testing.T) {
	dir := t.TempDir()
	if _, err := runCLI(t, "organism", "world", "--out", dir, "--unstated-prob", "0.25"); err != nil {
		t.Fatal(err)
	}
	qs, err := world.ReadQuestions(filepath.Join(dir, "questions-unstated.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) == 0 {
		t.Fatal("--unstated-prob 0.25: no unstated questions")
	}
	for _, q := range qs {
		if len(q.Answers) != 1 || q.Answers[0] != world.Unknown {
			t.Fatalf("unstated question %s answers %v, want %q", q.ID, q.Answers, world.Unknown)
		}
	}
	def := t.TempDir()
	if _, err := runCLI(t, "organism", "world", "--out", def); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(def, "questions-unstated.jsonl")); err == nil {
		t.Error("the default world writes an unstated question set")
	}
}
