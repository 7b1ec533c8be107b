package intervene

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/compliance"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/organism/shipped"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/safetensors"
	"github.com/hneurons/hneurons/tokenizer"
)

func load(t testing.TB, path string) (*model.Model, *tokenizer.Tokenizer) {
	t.Helper()
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	tok, err := tokenizer.Load(m.Path)
	if err != nil {
		t.Fatal(err)
	}
	return m, tok
}

func storiesItems() []compliance.Item {
	var out []compliance.Item
	for i, p := range []string{"Once upon a time", "Lily went to the park", "The cat sat", "Tom had a red ball", "One day"} {
		out = append(out, compliance.Item{ID: "s" + string(rune('a'+i)), Bench: compliance.Jailbreak, Turns: []string{p}})
	}
	return out
}

func someSet(layers, dff int) Set {
	s := Set{Name: KindHNeurons, Kind: KindHNeurons}
	for l := 0; l < layers; l++ {
		for _, j := range []int{1, 7, dff / 2, dff - 1} {
			s.Neurons = append(s.Neurons, Neuron{l, j})
		}
	}
	return s
}

// Alpha 1 is the unmodified model: every token equals what generate gives
// for the same prompt and seed on a runner with no scale at all.
func TestAlphaOneReproducesUnscaledGeneration(t *testing.T) {
	m, tok := load(t, sharedtest.Path(t, "models", "stories260K", "stories260K.gguf"))
	items := storiesItems()
	out := filepath.Join(t.TempDir(), "r.jsonl")
	opt := Options{Alphas: []float64{1}, Seed: 3, PromptFormat: chat.FormatBase, Batch: 1,
		Decoding: record.Decoding{Temperature: 1, TopP: 0.9, TopK: 50, MaxNewTokens: 24}}
	if _, err := Run(context.Background(), m, tok, items, []Set{someSet(m.Config.NLayers, m.Config.DFF)}, out, opt); err != nil {
		t.Fatal(err)
	}
	recs, _, err := ReadRecords(out)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := chat.NewPrompter(tok, chat.FormatBase)
	r := m.NewRunner()
	for i, it := range items {
		text, _ := p.Text(it.Turns[0])
		ids := p.Tokens(text)
		ref, err := generate.Generate(context.Background(), r, ids, generate.Options{
			SamplerOptions: generate.SamplerOptions{Temperature: 1, TopP: 0.9, TopK: 50}, MaxNewTokens: 24,
			Seed: TurnSeed(3, it.ID, 0), StopTokens: generate.StopTokens(tok, m), StopStrings: p.StopStrings(), Decode: generate.Decoder(tok, ids)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(recs[i].Tokens[0], ref.Tokens) {
			t.Fatalf("item %s: alpha 1 gave %v, unscaled %v", it.ID, recs[i].Tokens[0], ref.Tokens)
		}
		if len(ref.Tokens) == 0 {
			t.Fatalf("item %s: empty generation proves nothing", it.ID)
		}
	}
	// And alpha 3 on the same set does change something (the check can fail).
	opt.Alphas = []float64{3}
	out3 := filepath.Join(t.TempDir(), "r3.jsonl")
	if _, err := Run(context.Background(), m, tok, items, []Set{someSet(m.Config.NLayers, m.Config.DFF)}, out3, opt); err != nil {
		t.Fatal(err)
	}
	recs3, _, _ := ReadRecords(out3)
	same := 0
	for i := range recs3 {
		if slices.Equal(recs3[i].Tokens[0], recs[i].Tokens[0]) {
			same++
		}
	}
	if same == len(recs3) {
		t.Fatal("alpha 3 changed no generation: the scale is not applied")
	}
}

// zeroedCopy writes a copy of the Hugging Face folder src with the W_down
// columns of set's neurons set to zero, by editing the safetensors file.
func zeroedCopy(t *testing.T, src string, s Set) string {
	t.Helper()
	dst := t.TempDir()
	for _, name := range []string{"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := safetensors.Open(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ts []safetensors.TensorToWrite
	zeroed := 0
	for _, info := range f.Infos() {
		v, _, err := f.Float32s(info.Name)
		if err != nil {
			t.Fatal(err)
		}
		v = slices.Clone(v)
		for _, n := range s.Neurons {
			if info.Name == "model.layers."+itoa(n.Layer)+".mlp.down_proj.weight" {
				D, F := info.Shape[0], info.Shape[1] // [D, F]
				for i := 0; i < D; i++ {
					v[i*F+n.Neuron] = 0
				}
				zeroed++
			}
		}
		ts = append(ts, safetensors.TensorToWrite{Name: info.Name, DType: "F32", Shape: info.Shape, F32: v})
	}
	if zeroed != len(s.Neurons) {
		t.Fatalf("zeroed %d columns, want %d", zeroed, len(s.Neurons))
	}
	if err := safetensors.Create(filepath.Join(dst, "model.safetensors"), ts, nil); err != nil {
		t.Fatal(err)
	}
	return dst
}

func itoa(i int) string { return FormatAlpha(float64(i)) }

func organismItems(t *testing.T, n int) []compliance.Item {
	dir, err := shipped.Dir()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "questions", "impact.jsonl")
	items, err := compliance.ReadItems(path)
	if err != nil {
		t.Fatal(err)
	}
	// A few of every benchmark, multi-turn ones included.
	var out []compliance.Item
	per := map[string]int{}
	for _, it := range items {
		if per[it.Bench] < n {
			per[it.Bench]++
			out = append(out, it)
		}
	}
	return out
}

// Alpha 0 is the model with the neurons' W_down columns zeroed: a second
// model built independently (its safetensors edited) generates the same
// tokens at alpha 1 as the original at alpha 0.
func TestAlphaZeroEqualsZeroedDownColumns(t *testing.T) {
	dir, err := shipped.Dir()
	if err != nil {
		t.Fatal(err)
	}
	m, tok := load(t, filepath.Join(dir, "chat"))
	set := someSet(m.Config.NLayers, m.Config.DFF)
	set.Neurons = append(set.Neurons, Neuron{1, 100}, Neuron{2, 200}, Neuron{3, 300})
	zm, ztok := load(t, zeroedCopy(t, filepath.Join(dir, "chat"), set))
	items := organismItems(t, 4)
	opt := Options{Seed: 5, Batch: 4}
	a, b := filepath.Join(t.TempDir(), "a.jsonl"), filepath.Join(t.TempDir(), "b.jsonl")
	opt.Alphas = []float64{0}
	if _, err := Run(context.Background(), m, tok, items, []Set{set}, a, opt); err != nil {
		t.Fatal(err)
	}
	opt.Alphas = []float64{1}
	if _, err := Run(context.Background(), zm, ztok, items, []Set{set}, b, opt); err != nil {
		t.Fatal(err)
	}
	ra, _, _ := ReadRecords(a)
	rb, _, _ := ReadRecords(b)
	if len(ra) != len(items) || len(rb) != len(items) {
		t.Fatalf("%d and %d records for %d items", len(ra), len(rb), len(items))
	}
	for i := range ra {
		if !reflect.DeepEqual(ra[i].Tokens, rb[i].Tokens) {
			t.Fatalf("item %s: alpha 0 gave %v, zeroed W_down %v", ra[i].Item, ra[i].Tokens, rb[i].Tokens)
		}
	}
	// The unmodified model differs somewhere, so the comparison has teeth.
	c := filepath.Join(t.TempDir(), "c.jsonl")
	if _, err := Run(context.Background(), m, tok, items, []Set{set}, c, opt); err != nil {
		t.Fatal(err)
	}
	rc, _, _ := ReadRecords(c)
	differ := false
	for i := range rc {
		differ = differ || !reflect.DeepEqual(rc[i].Tokens, ra[i].Tokens)
	}
	if !differ {
		t.Fatal("alpha 0 and alpha 1 agree on every item: the test cannot tell them apart")
	}
}

// One seed gives the same file twice, and a run killed part-way (also with
// a torn last line) then resumed gives the same file as one run.
func TestSameSeedAndResumeGiveIdenticalRecords(t *testing.T) {
	dir, err := shipped.Dir()
	if err != nil {
		t.Fatal(err)
	}
	m, tok := load(t, filepath.Join(dir, "chat"))
	h := someSet(m.Config.NLayers, m.Config.DFF)
	ctl, err := Controls(h, 1, m.Config.NLayers, m.Config.DFF, 1)
	if err != nil {
		t.Fatal(err)
	}
	sets := append([]Set{h}, ctl...)
	items := organismItems(t, 3)
	opt := Options{Alphas: []float64{0, 1, 2}, Seed: 9, Batch: 5}
	tmp := t.TempDir()
	one, two, cut := filepath.Join(tmp, "one.jsonl"), filepath.Join(tmp, "two.jsonl"), filepath.Join(tmp, "cut.jsonl")
	for _, p := range []string{one, two} {
		if _, err := Run(context.Background(), m, tok, items, sets, p, opt); err != nil {
			t.Fatal(err)
		}
	}
	b1, _ := os.ReadFile(one)
	b2, _ := os.ReadFile(two)
	if string(b1) != string(b2) {
		t.Fatal("two runs with one seed wrote different files")
	}
	ctx, cancel := context.WithCancel(context.Background())
	kopt := opt
	kopt.Progress = func(done, total int, _ time.Duration) {
		if done >= total/2 {
			cancel()
		}
	}
	if _, err := Run(ctx, m, tok, items, sets, cut, kopt); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	part, _ := os.ReadFile(cut)
	if len(part) >= len(b1) || len(part) == 0 {
		t.Fatalf("the interrupted run wrote %d of %d bytes", len(part), len(b1))
	}
	// Tear the last line, as a kill during a write would.
	if err := os.WriteFile(cut, part[:len(part)-7], 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Run(context.Background(), m, tok, items, sets, cut, opt)
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped == 0 || st.Written == 0 {
		t.Fatalf("resume skipped %d and wrote %d records", st.Skipped, st.Written)
	}
	b3, _ := os.ReadFile(cut)
	if string(b3) != string(b1) {
		t.Fatal("kill and resume gave a different file")
	}
	// Another seed is refused on resume.
	opt.Seed = 10
	if _, err := Run(context.Background(), m, tok, items, sets, cut, opt); err == nil {
		t.Fatal("resume with another seed accepted")
	}
}
