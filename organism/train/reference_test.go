package train

import (
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var updateTiny = flag.Bool("update-tiny", false, "rewrite testdata/tiny (model and tokens); then rerun testdata/llama_reference.py")

func referenceConfig() Config {
	return Config{Vocab: 23, Dim: 16, Layers: 2, Heads: 4, FF: 24, MaxSeq: 16, RopeTheta: 10000, NormEps: 1e-5, BosID: 1, EosID: 2}
}

// TestWriteTinyReferenceModel regenerates the tiny model that
// llama_reference.py reads; it runs only with -update-tiny.
func TestWriteTinyReferenceModel(t *testing.T) {
	if !*updateTiny {
		t.Skip("run with -update-tiny to rewrite testdata/tiny")
	}
	m, err := NewModel[float32](referenceConfig(), 11, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, ts := range m.Tensors {
		if ts.IsNorm {
			for i := ts.Off; i < ts.Off+ts.Size; i++ {
				m.Params[i] = float32(0.5 + rng.Float64())
			}
		}
	}
	dir := filepath.Join("testdata", "tiny")
	if err := SaveHF(dir, m); err != nil {
		t.Fatal(err)
	}
	tokens := [][]int{make([]int, 9), make([]int, 9)}
	for _, row := range tokens {
		for i := range row {
			row[i] = rng.IntN(m.Config.Vocab)
		}
	}
	data, _ := json.Marshal(tokens)
	if err := os.WriteFile(filepath.Join(dir, "tokens.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestForwardMatchesPyTorch compares the trainer's forward pass on the
// committed tiny model with the logits llama_reference.py computed from the
// same files with the Hugging Face Llama math in PyTorch.
func TestForwardMatchesPyTorch(t *testing.T) {
	dir := filepath.Join("testdata", "tiny")
	m, err := LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	var tokens [][]int32
	data, err := os.ReadFile(filepath.Join(dir, "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &tokens); err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Shape     []int     `json:"shape"`
		LogitsF32 []float64 `json:"logits_f32"`
		LogitsF64 []float64 `json:"logits_f64"`
	}
	data, err = os.ReadFile(filepath.Join(dir, "logits.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	B, T := len(tokens), len(tokens[0])
	var flat []int32
	for _, r := range tokens {
		flat = append(flat, r...)
	}
	check := func(name string, got func(i int) float64, want []float64, tol float64) {
		scale := 0.0
		for _, v := range want {
			scale = max(scale, math.Abs(v))
		}
		worst := 0.0
		for i, w := range want {
			worst = max(worst, math.Abs(got(i)-w)/scale)
		}
		t.Logf("%s: max |diff| / max|logit| = %.2e (max|logit| %.3f)", name, worst, scale)
		if worst > tol {
			t.Errorf("%s: logits differ from PyTorch by %.2e relative, want <= %.0e", name, worst, tol)
		}
	}
	ws32, err := NewWorkspace[float32](m.Config, B, T)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws32.Forward(m, flat); err != nil {
		t.Fatal(err)
	}
	if len(ws32.Logits()) != len(ref.LogitsF32) {
		t.Fatalf("%d logits, reference has %d", len(ws32.Logits()), len(ref.LogitsF32))
	}
	check("float32", func(i int) float64 { return float64(ws32.Logits()[i]) }, ref.LogitsF32, 1e-5)

	m64 := Convert[float64](m)
	ws64, _ := NewWorkspace[float64](m.Config, B, T)
	if err := ws64.Forward(m64, flat); err != nil {
		t.Fatal(err)
	}
	check("float64", func(i int) float64 { return ws64.Logits()[i] }, ref.LogitsF64, 1e-12)
}
