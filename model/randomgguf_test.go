package model

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/hneurons/hneurons/kernels"
)

// TestWriteRandomGGUFMatchesHF writes the same random qwen2 model as a GGUF
// file and as a Hugging Face folder and loads both through their own
// loaders (different tensor names, layouts and metadata): the configuration
// must agree and the log-probs must be equal to the bit, in F32 and BF16,
// tied and untied, so the GGUF's names, ggml dimension order and metadata
// are what a GGUF reader expects.
func TestWriteRandomGGUFMatchesHF(t *testing.T) {
	base := Config{Arch: "qwen2", DModel: 64, NLayers: 2, DFF: 96, NHeads: 4, NKVHeads: 2, HeadDim: 16,
		Vocab: 300, MaxSeq: 128, NormEps: 1e-6, RopeTheta: 1e6, QueryScale: 0.25, TiedEmbeddings: true}
	untied := base
	untied.TiedEmbeddings = false
	tokens := []int{5, 17, 2, 99, 250, 3, 3, 41}
	for _, tc := range []struct {
		name string
		cfg  Config
		dt   kernels.DType
	}{{"tied-f32", base, kernels.F32}, {"tied-bf16", base, kernels.BF16}, {"untied-bf16", untied, kernels.BF16}} {
		dir := t.TempDir()
		path := filepath.Join(dir, "m.gguf")
		if err := WriteRandomGGUF(path, tc.cfg, tc.dt, 3); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if err := WriteRandomHF(filepath.Join(dir, "hf"), tc.cfg, tc.dt, 3); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		g, err := Load(path)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		h, err := Load(filepath.Join(dir, "hf"))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		gc, hc := g.Config, h.Config
		if gc.Arch != hc.Arch || gc.DModel != hc.DModel || gc.NLayers != hc.NLayers || gc.DFF != hc.DFF ||
			gc.NHeads != hc.NHeads || gc.NKVHeads != hc.NKVHeads || gc.HeadDim != hc.HeadDim || gc.Vocab != hc.Vocab ||
			gc.MaxSeq != hc.MaxSeq || gc.NormEps != hc.NormEps || gc.RopeTheta != hc.RopeTheta ||
			gc.TiedEmbeddings != hc.TiedEmbeddings || gc.RopeLayout != hc.RopeLayout {
			t.Errorf("%s: GGUF config %+v, folder config %+v", tc.name, gc, hc)
		}
		want, err := h.NewRunner().LogProbs(context.Background(), tokens)
		if err != nil {
			t.Fatal(err)
		}
		have, err := g.NewRunner().LogProbs(context.Background(), tokens)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if math.Float64bits(have[i]) != math.Float64bits(want[i]) {
				t.Errorf("%s: logprob %d = %v from the GGUF, %v from the folder", tc.name, i, have[i], want[i])
			}
		}
		g.Close()
		h.Close()
	}
	if err := WriteRandomGGUF(filepath.Join(t.TempDir(), "x.gguf"), Config{Arch: "llama", DModel: 8, NLayers: 1, DFF: 8, NHeads: 1, NKVHeads: 1, HeadDim: 8, Vocab: 8, QueryScale: 0.3}, kernels.F32, 1); err == nil {
		t.Error("llama: no error")
	}
}
