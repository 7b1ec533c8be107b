package model

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/safetensors"
)

// shardTiny writes the tiny llama's tensors as two shards in a new folder
// with model.safetensors.index.json (weight_map as given by assign, shard
// names "a.safetensors" and "b.safetensors") and copies its config files.
func shardTiny(t *testing.T, edit func(weightMap map[string]string)) string {
	t.Helper()
	src := filepath.Join("testdata", "tiny", "llama")
	dir := t.TempDir()
	for _, name := range []string{"config.json", "generation_config.json"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	f, err := safetensors.Open(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var shards [2][]safetensors.TensorToWrite
	weightMap := map[string]string{}
	for i, n := range f.Names() {
		data, info, err := f.Data(n)
		if err != nil {
			t.Fatal(err)
		}
		shape := make([]int, len(info.Shape))
		for k, d := range info.Shape {
			shape[k] = int(d)
		}
		shards[i%2] = append(shards[i%2], safetensors.TensorToWrite{Name: n, DType: info.DType, Shape: shape, Data: data})
		weightMap[n] = []string{"a.safetensors", "b.safetensors"}[i%2]
	}
	for k, name := range []string{"a.safetensors", "b.safetensors"} {
		if err := safetensors.Create(filepath.Join(dir, name), shards[k], nil); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(weightMap)
	}
	b, _ := json.Marshal(map[string]any{"metadata": map[string]any{}, "weight_map": weightMap})
	os.WriteFile(filepath.Join(dir, safetensors.IndexFile), b, 0o644)
	return dir
}

// A sharded copy of the tiny llama loads through safetensors.OpenDir and
// matches the PyTorch reference logits; an index naming the wrong shard for
// a tensor, or a shard outside the folder, is refused.
func TestShardedHF(t *testing.T) {
	_, ref := loadReference(t, "llama")
	m, err := Load(shardTiny(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	logits, err := m.NewRunner().Forward(context.Background(), []Segment{{Cache: m.NewCache(4), Tokens: ref.tokens}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if e := relErr(logits, ref.logits); e > 1e-4 {
		t.Fatalf("sharded model logits: relative error %.3g", e)
	}
	for what, edit := range map[string]func(map[string]string){
		"wrong shard": func(w map[string]string) {
			for n, s := range w {
				w[n] = map[string]string{"a.safetensors": "b.safetensors", "b.safetensors": "a.safetensors"}[s]
				return
			}
		},
		"outside the folder": func(w map[string]string) {
			for n := range w {
				w[n] = "../a.safetensors"
				return
			}
		},
		"missing shard": func(w map[string]string) {
			for n := range w {
				w[n] = "c.safetensors"
				return
			}
		},
	} {
		if m, err := Load(shardTiny(t, edit)); err == nil {
			m.Close()
			t.Errorf("%s: loaded", what)
		} else if !strings.Contains(err.Error(), "safetensors") {
			t.Errorf("%s: error %v", what, err)
		} else {
			t.Logf("%s: %v", what, err)
		}
	}
}
