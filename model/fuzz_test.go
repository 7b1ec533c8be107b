package model

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Corrupt GGUF files give errors, never panics; whatever loads also runs.
func FuzzLoadGGUF(f *testing.F) {
	for _, p := range []string{"llama_kquant/model.gguf", "gemma2/model_q8_0.gguf", "phi3/model_q8_0.gguf"} {
		data, err := os.ReadFile(filepath.Join("testdata", "tiny", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint32(0), byte(0))
		f.Add(data, uint32(100), byte(7))
		f.Add(data, uint32(len(data)/3), byte(0xff))
	}
	f.Fuzz(func(t *testing.T, data []byte, at uint32, b byte) {
		if len(data) > 0 {
			data = append([]byte(nil), data...)
			data[int(at)%len(data)] ^= b
		}
		p := filepath.Join(t.TempDir(), "m.gguf")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Load(p)
		if err != nil {
			return
		}
		defer m.Close()
		if m.Config.DModel*m.Config.NLayers > 1<<16 {
			return // loaded fine; too big to run in a fuzz step
		}
		m.NewRunner().Forward(context.Background(), []Segment{{Cache: m.NewCache(4), Tokens: []int{0, 1, 0}}}, true)
	})
}

// FuzzHFConfig feeds arbitrary config.json contents to parseHFConfig, the
// step of Load on a Hugging Face folder that reads the file: a valid config
// or an error naming the file (with line and column when the JSON itself is
// broken), never a panic; whatever passes can compute its RoPE frequencies.
func FuzzHFConfig(f *testing.F) {
	for _, name := range tinyFamilies {
		data, err := os.ReadFile(filepath.Join("testdata", "tiny", name, "config.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"model_type":"gemma3_text","num_attention_heads":0,"sliding_window":3,"layer_types":["x"]}`))
	f.Add([]byte("{\n  \"model_type\": \"llama\",\n  \"hidden_size\": \"64\"\n}"))
	const path = "dir/config.json"
	f.Fuzz(func(t *testing.T, data []byte) {
		_, c, err := parseHFConfig(path, data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), path+": ") {
				t.Fatalf("error %q does not name the file", err)
			}
			var se *json.SyntaxError
			if errors.As(err, &se) && !strings.Contains(err.Error(), "line ") {
				t.Fatalf("JSON error %q does not give the line", err)
			}
			return
		}
		if c.NLayers < 1000 {
			for l := 0; l < c.NLayers; l++ {
				c.invFreq(l)
			}
		}
	})
}

// Load on a folder whose config.json is broken names the file and the line.
func TestLoadBadConfigNamesFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), []byte("{\n  \"model_type\": \"llama\",\n  \"hidden_size\": \"64\"\n}"), 0o644)
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "config.json")) || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("err = %v", err)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":"llama","hidden_size":64,"num_hidden_layers":0}`), 0o644)
	if _, err = Load(dir); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "config.json")) {
		t.Fatalf("err = %v", err)
	}
}
