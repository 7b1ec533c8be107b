package model

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/safetensors"
)

func forwardAll(t *testing.T, r *Runner, tokens []int) []float32 {
	t.Helper()
	lg, err := r.Forward(context.Background(), []Segment{{Cache: r.Model().NewCache(len(tokens)), Tokens: tokens}}, true)
	if err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), lg...)
}

func bitEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// An all-ones scale changes nothing, bit for bit.
func TestScaleOnesIsIdentity(t *testing.T) {
	for _, name := range []string{"llama", "gemma3"} {
		m, ref := loadReference(t, name)
		r := m.NewRunner()
		plain := forwardAll(t, r, ref.tokens)
		ones := make([]float32, m.Config.DFF)
		for i := range ones {
			ones[i] = 1
		}
		for l := 0; l < m.Config.NLayers; l++ {
			if err := r.SetScale(l, ones); err != nil {
				t.Fatal(err)
			}
		}
		if scaled := forwardAll(t, r, ref.tokens); !bitEqual(plain, scaled) {
			t.Errorf("%s: all-ones scale changed the logits", name)
		}
	}
}

// Scaling neurons S by 0 equals zeroing the columns S of W_down.
func TestScaleZeroEqualsZeroedColumns(t *testing.T) {
	m, ref := loadReference(t, "llama")
	const layer = 1
	S := []int{0, 3, 7, 20, m.Config.DFF - 1}
	scale := make([]float32, m.Config.DFF)
	for i := range scale {
		scale[i] = 1
	}
	for _, j := range S {
		scale[j] = 0
	}
	r := m.NewRunner()
	plain := forwardAll(t, r, ref.tokens)
	if err := r.SetScale(layer, scale); err != nil {
		t.Fatal(err)
	}
	scaled := forwardAll(t, r, ref.tokens)

	// A second model sharing every weight but a W_down with zeroed columns.
	down, err := m.LayerWeights(WeightDown, layer) // [D, F]
	if err != nil {
		t.Fatal(err)
	}
	F := m.Config.DFF
	for i := 0; i < m.Config.DModel; i++ {
		for _, j := range S {
			down[i*F+j] = 0
		}
	}
	w2 := *m.w
	w2.layers = append([]layerWeights(nil), m.w.layers...)
	w2.layers[layer].wDown = kernels.PackF32(down, m.Config.DModel, F)
	m2 := newModel(m.Config, &w2, nil, m.Gen, "", "test")
	zeroed := forwardAll(t, m2.NewRunner(), ref.tokens)
	if !bitEqual(scaled, zeroed) {
		t.Errorf("scale 0 differs from zeroed W_down columns (relative %.3g)", relErr(scaled, zeroed))
	}
	if bitEqual(plain, scaled) {
		t.Errorf("zeroing 5 neurons changed nothing")
	}
	// Removing the scale restores the plain logits.
	if err := r.SetScale(layer, nil); err != nil {
		t.Fatal(err)
	}
	if !bitEqual(plain, forwardAll(t, r, ref.tokens)) {
		t.Errorf("removing the scale did not restore the logits")
	}
	if err := r.SetScale(layer, scale[:3]); err == nil {
		t.Errorf("short scale accepted")
	}
}

// The taps see z and h = W_down z, and detach cleanly.
func TestTapValues(t *testing.T) {
	m, ref := loadReference(t, "qwen2")
	D, F := m.Config.DModel, m.Config.DFF
	r := m.NewRunner()
	var zs, hs [][]float32
	calls := 0
	remove := r.AddTap(&Tap{
		MLPPost: func(l int, z []float32, rows int) {
			calls++
			zs = append(zs, append([]float32(nil), z[:rows*F]...))
		},
		MLPOut: func(l int, h []float32, rows int) { hs = append(hs, append([]float32(nil), h[:rows*D]...)) },
	})
	forwardAll(t, r, ref.tokens)
	if len(zs) != m.Config.NLayers || len(hs) != m.Config.NLayers {
		t.Fatalf("tap called for %d/%d layers", len(zs), len(hs))
	}
	T := len(ref.tokens)
	for l := range zs {
		down, _ := m.LayerWeights(WeightDown, l)
		for tk := 0; tk < T; tk++ {
			for i := 0; i < D; i++ {
				var s float64
				for j := 0; j < F; j++ {
					s += float64(zs[l][tk*F+j]) * float64(down[i*F+j])
				}
				if d := math.Abs(s - float64(hs[l][tk*D+i])); d > 1e-4*(1+math.Abs(s)) {
					t.Fatalf("layer %d token %d: h[%d] = %g, W_down z = %g", l, tk, i, hs[l][tk*D+i], s)
				}
			}
		}
	}
	remove()
	forwardAll(t, r, ref.tokens)
	if calls != m.Config.NLayers {
		t.Errorf("tap still called after remove")
	}
	if got := ActName(HookMLPPost, 3); got != "blocks.3.mlp.hook_post" {
		t.Errorf("ActName = %q", got)
	}
	if got := ActName(HookMLPOut, 0); got != "blocks.0.hook_mlp_out" {
		t.Errorf("ActName = %q", got)
	}
}

// DownColumnNorms and the weight accessors agree with the raw safetensors.
func TestDownColumnNormsAndWeights(t *testing.T) {
	for _, name := range []string{"llama", "gemma3"} { // f32 and bf16
		m, _ := loadReference(t, name)
		f, err := safetensors.Open(filepath.Join("testdata", "tiny", name, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		D, F := m.Config.DModel, m.Config.DFF
		for l := 0; l < m.Config.NLayers; l++ {
			down, _, err := f.Float32s("model.layers." + itoa(l) + ".mlp.down_proj.weight") // [D, F]
			if err != nil {
				t.Fatal(err)
			}
			norms := m.DownColumnNorms(l)
			for j := 0; j < F; j++ {
				var s float64
				for i := 0; i < D; i++ {
					s += float64(down[i*F+j]) * float64(down[i*F+j])
				}
				if d := math.Abs(math.Sqrt(s) - float64(norms[j])); d > 1e-6*math.Sqrt(s) {
					t.Fatalf("%s layer %d neuron %d: norm %g, want %g", name, l, j, norms[j], math.Sqrt(s))
				}
			}
			col, err := m.NeuronWeights(WeightDown, l, 5)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < D; i++ {
				if col[i] != down[i*F+5] {
					t.Fatalf("%s: W_down column 5 row %d: %g, want %g", name, i, col[i], down[i*F+5])
				}
			}
			up, _, _ := f.Float32s("model.layers." + itoa(l) + ".mlp.up_proj.weight") // [F, D]
			row, _ := m.NeuronWeights(WeightUp, l, 7)
			if !bitEqual(row, up[7*D:8*D]) {
				t.Fatalf("%s: W_up row 7 differs", name)
			}
		}
		f.Close()
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// Broken inputs give errors that say what is wrong, never panics.
func TestLoadErrors(t *testing.T) {
	src := filepath.Join("testdata", "tiny", "llama")
	t.Run("unknown architecture", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":"gpt2","architectures":["GPT2LMHeadModel"]}`), 0o644)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "unknown architecture") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing and misshaped tensors", func(t *testing.T) {
		dir := t.TempDir()
		cfg, _ := os.ReadFile(filepath.Join(src, "config.json"))
		os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644)
		f, err := safetensors.Open(filepath.Join(src, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var out []safetensors.TensorToWrite
		for _, n := range f.Names() {
			if n == "model.layers.0.mlp.up_proj.weight" || n == "lm_head.weight" {
				continue
			}
			data, info, _ := f.Data(n)
			shape := info.Shape
			if n == "model.layers.1.self_attn.k_proj.weight" {
				shape = []int{shape[1], shape[0]}
			}
			out = append(out, safetensors.TensorToWrite{Name: n, DType: info.DType, Shape: shape, Data: data})
		}
		if err := safetensors.Create(filepath.Join(dir, "model.safetensors"), out, nil); err != nil {
			t.Fatal(err)
		}
		_, err = Load(dir)
		if err == nil {
			t.Fatal("no error")
		}
		for _, want := range []string{"blk.0.ffn_up.weight", "output.weight", "blk.1.attn_k.weight"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not name %s: %v", want, err)
			}
		}
	})
	t.Run("unsupported tensor", func(t *testing.T) {
		dir := t.TempDir()
		cfg, _ := os.ReadFile(filepath.Join(src, "config.json"))
		os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644)
		f, err := safetensors.Open(filepath.Join(src, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		out := []safetensors.TensorToWrite{{Name: "model.layers.1.self_attn.o_proj.bias", DType: safetensors.F32, Shape: []int{32}, F32: make([]float32, 32)},
			{Name: "model.layers.0.self_attn.rotary_emb.inv_freq", DType: safetensors.F32, Shape: []int{4}, F32: make([]float32, 4)}}
		for _, n := range f.Names() {
			data, info, _ := f.Data(n)
			out = append(out, safetensors.TensorToWrite{Name: n, DType: info.DType, Shape: info.Shape, Data: data})
		}
		if err := safetensors.Create(filepath.Join(dir, "model.safetensors"), out, nil); err != nil {
			t.Fatal(err)
		}
		_, err = Load(dir)
		if err == nil || !strings.Contains(err.Error(), "blk.1.attn_output.bias") || strings.Contains(err.Error(), "rotary_emb") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("truncated gguf", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(src, "llama.gguf"))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 10, 300, len(data) / 2, len(data) - 1} {
			p := filepath.Join(t.TempDir(), "cut.gguf")
			os.WriteFile(p, data[:n], 0o644)
			if m, err := Load(p); err == nil {
				m.Close()
				t.Errorf("truncated to %d bytes: no error", n)
			}
		}
	})
	t.Run("truncated safetensors", func(t *testing.T) {
		dir := t.TempDir()
		cfg, _ := os.ReadFile(filepath.Join(src, "config.json"))
		os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644)
		data, _ := os.ReadFile(filepath.Join(src, "model.safetensors"))
		os.WriteFile(filepath.Join(dir, "model.safetensors"), data[:len(data)-100], 0o644)
		if _, err := Load(dir); err == nil {
			t.Error("no error")
		}
	})
	t.Run("absent path", func(t *testing.T) {
		if _, err := Load(filepath.Join(t.TempDir(), "nope")); err == nil {
			t.Error("no error")
		}
	})
}

// A random model of a real shape runs and stays finite.
func TestRandomInit(t *testing.T) {
	cfg, err := Shape("stories260k")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Arch = "qwen2" // exercise the biases too
	for _, dt := range []kernels.DType{kernels.F32, kernels.BF16} {
		m, err := RandomInit(cfg, dt, 1)
		if err != nil {
			t.Fatal(err)
		}
		lg := forwardAll(t, m.NewRunner(), []int{1, 2, 3, 4, 5})
		for _, v := range lg {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("%v: non-finite logit", dt)
			}
		}
	}
	if _, err := Shape("nope"); err == nil {
		t.Error("unknown shape accepted")
	}
}

// Prefill fills the cache and feeds the taps exactly as Forward does.
func TestPrefill(t *testing.T) {
	m, ref := loadReference(t, "gemma2")
	r := m.NewRunner()
	var a, b []float32
	rm := r.AddTap(&Tap{MLPPost: func(l int, z []float32, rows int) { a = append(a, z...) }})
	c1 := m.NewCache(1)
	if err := r.Prefill(context.Background(), []Segment{{Cache: c1, Tokens: ref.tokens[:7]}}); err != nil {
		t.Fatal(err)
	}
	rm()
	r.AddTap(&Tap{MLPPost: func(l int, z []float32, rows int) { b = append(b, z...) }})
	c2 := m.NewCache(1)
	if _, err := r.Forward(context.Background(), []Segment{{Cache: c2, Tokens: ref.tokens[:7]}}, false); err != nil {
		t.Fatal(err)
	}
	if !bitEqual(a, b) || c1.Len() != 7 {
		t.Fatalf("prefill taps differ from forward taps (cache length %d)", c1.Len())
	}
	// Continuing from the prefilled cache gives the reference logits.
	V := m.Config.Vocab
	lg, err := r.Forward(context.Background(), []Segment{{Cache: c1, Tokens: ref.tokens[7:]}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if e := relErr(lg, ref.logits[7*V:]); e > 1e-4 {
		t.Errorf("after prefill: relative error %.3g", e)
	}
}

// A sparse Gemma 3 multimodal config takes Gemma3TextConfig's defaults;
// nulls stay as given; Mistral3 nests a mistral text config.
func TestHFConfigDefaults(t *testing.T) {
	parse := func(js string) *Config {
		t.Helper()
		var h hfConfig
		if err := json.Unmarshal([]byte(js), &h); err != nil {
			t.Fatal(err)
		}
		c, err := configFromHF(&h)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := parse(`{"architectures":["Gemma3ForConditionalGeneration"],"model_type":"gemma3","torch_dtype":"bfloat16",
		"text_config":{"hidden_size":2560,"intermediate_size":10240,"model_type":"gemma3_text","num_hidden_layers":34,
		"rope_scaling":{"factor":8.0,"rope_type":"linear"},"sliding_window":1024}}`)
	if c.Arch != "gemma3" || c.HeadDim != 256 || c.NHeads != 8 || c.NKVHeads != 4 || c.SlidingWindow != 1024 ||
		c.QueryScale != float32(1/math.Sqrt(256)) || c.RopeTheta != 1e6 || c.RopeLocalTheta != 10000 || c.Vocab != 262208 ||
		!c.IsSliding(0) || c.IsSliding(5) || !c.IsSliding(6) || !c.TiedEmbeddings || c.RopeScaling.Factor != 8 || c.EmbedScale != 50.5 {
		t.Errorf("gemma3 defaults: %+v", c)
	}
	g2 := parse(`{"model_type":"gemma2","hidden_size":64,"num_attention_heads":2,"attn_logit_softcapping":null}`)
	if g2.AttnSoftcap != 0 || g2.FinalSoftcap != 30 || g2.SlidingWindow != 4096 || !g2.IsSliding(0) || g2.IsSliding(1) {
		t.Errorf("gemma2 defaults: %+v", g2)
	}
	m3 := parse(`{"architectures":["Mistral3ForConditionalGeneration"],"model_type":"mistral3",
		"text_config":{"model_type":"mistral","hidden_size":5120,"head_dim":128,"num_attention_heads":32,"num_key_value_heads":8,
		"num_hidden_layers":40,"intermediate_size":32768,"vocab_size":131072,"rope_theta":1000000000.0,"sliding_window":null}}`)
	if m3.Arch != "mistral" || m3.HeadDim != 128 || m3.SlidingWindow != 0 || m3.RopeTheta != 1e9 {
		t.Errorf("mistral3: %+v", m3)
	}
}
