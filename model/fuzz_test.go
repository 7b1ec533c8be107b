package model

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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

// Arbitrary config.json contents give a config or an error, never a panic.
func FuzzHFConfig(f *testing.F) {
	for _, name := range tinyFamilies {
		data, err := os.ReadFile(filepath.Join("testdata", "tiny", name, "config.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"model_type":"gemma3_text","num_attention_heads":0,"sliding_window":3,"layer_types":["x"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var h hfConfig
		if json.Unmarshal(data, &h) != nil {
			return
		}
		c, err := configFromHF(&h)
		if err != nil {
			return
		}
		if c.Validate() == nil && c.NLayers < 1000 {
			for l := 0; l < c.NLayers; l++ {
				c.invFreq(l)
			}
		}
	})
}
