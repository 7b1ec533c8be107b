package model

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hneurons/hneurons/kernels"
)

// TestWriteRandomHFMatchesRandomInit writes random folders and loads them
// through the Hugging Face loader: the configuration must come back as given
// and, in F32, the logits must equal those of RandomInit with the same seed
// to the bit (the writer draws the same values in the same order), so the
// folder's tensor names, shapes and config.json are what the loader expects.
func TestWriteRandomHFMatchesRandomInit(t *testing.T) {
	cfgs := map[string]Config{
		"qwen2": {Arch: "qwen2", DModel: 64, NLayers: 2, DFF: 96, NHeads: 4, NKVHeads: 2, HeadDim: 16,
			Vocab: 300, MaxSeq: 128, NormEps: 1e-6, RopeTheta: 1e6, QueryScale: 0.25, TiedEmbeddings: true},
		"llama3": {Arch: "llama", DModel: 64, NLayers: 2, DFF: 160, NHeads: 4, NKVHeads: 4, HeadDim: 16,
			Vocab: 257, MaxSeq: 256, NormEps: 1e-5, RopeTheta: 500000, QueryScale: 0.25,
			RopeScaling: RopeScaling{Type: "llama3", Factor: 32, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPos: 64}},
	}
	tokens := []int{5, 17, 2, 99, 250, 3, 3, 41}
	for name, cfg := range cfgs {
		dir := filepath.Join(t.TempDir(), name)
		if err := WriteRandomHF(dir, cfg, kernels.F32, 9); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := Load(dir)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c := got.Config
		if c.Arch != cfg.Arch || c.DModel != cfg.DModel || c.NLayers != cfg.NLayers || c.DFF != cfg.DFF ||
			c.NHeads != cfg.NHeads || c.NKVHeads != cfg.NKVHeads || c.HeadDim != cfg.HeadDim || c.Vocab != cfg.Vocab ||
			c.MaxSeq != cfg.MaxSeq || c.NormEps != cfg.NormEps || c.RopeTheta != cfg.RopeTheta ||
			c.TiedEmbeddings != cfg.TiedEmbeddings || c.RopeScaling != cfg.RopeScaling || c.RopeLayout != RopeHalf {
			t.Errorf("%s: loaded config %+v, wrote %+v", name, c, cfg)
		}
		ref, err := RandomInit(cfg, kernels.F32, 9)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ref.NewRunner().LogProbs(context.Background(), tokens)
		if err != nil {
			t.Fatal(err)
		}
		have, err := got.NewRunner().LogProbs(context.Background(), tokens)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if math.Float64bits(have[i]) != math.Float64bits(want[i]) {
				t.Errorf("%s: logprob %d = %v from the folder, %v from RandomInit", name, i, have[i], want[i])
			}
		}
		got.Close()
	}

	// BF16: the file holds 2 bytes per matrix element.
	cfg := cfgs["qwen2"]
	dir := filepath.Join(t.TempDir(), "bf16")
	if err := WriteRandomHF(dir, cfg, kernels.BF16, 9); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	D, F, Dh := cfg.DModel, cfg.DFF, cfg.HeadDim
	qd, kvd := cfg.NHeads*Dh, cfg.NKVHeads*Dh
	params := cfg.Vocab*D + D + cfg.NLayers*(2*D+qd*D+2*kvd*D+qd+2*kvd+D*qd+3*F*D)
	if got := fi.Size(); got < int64(2*params) || got > int64(2*params)+64*1024 {
		t.Errorf("bf16 file %d bytes for %d parameters", got, params)
	}
	if err := WriteRandomHF(t.TempDir(), Config{Arch: "gemma2", DModel: 8, NLayers: 1, DFF: 8, NHeads: 1, NKVHeads: 1, HeadDim: 8, Vocab: 8}, kernels.F32, 1); err == nil {
		t.Error("gemma2: no error")
	}
}
