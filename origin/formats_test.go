package origin

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/gguf"
	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/safetensors"
)

// ggufFromHF writes the tiny Hugging Face folder's weights as a llama GGUF
// file, tensor by tensor under llama.cpp's names (the same float32 bytes;
// ggml lists dimensions fastest first). The q/k rows are left in Hugging
// Face's order, which only changes attention, not the MLP weights drift
// compares.
func ggufFromHF(t *testing.T, dir string, cfg model.Config) string {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := gguf.NewWriter()
	for _, kv := range []struct {
		k string
		v any
	}{
		{"general.architecture", "llama"},
		{"llama.embedding_length", uint32(cfg.DModel)},
		{"llama.block_count", uint32(cfg.NLayers)},
		{"llama.feed_forward_length", uint32(cfg.DFF)},
		{"llama.attention.head_count", uint32(cfg.NHeads)},
		{"llama.attention.head_count_kv", uint32(cfg.NKVHeads)},
		{"llama.context_length", uint32(cfg.MaxSeq)},
		{"llama.attention.layer_norm_rms_epsilon", cfg.NormEps},
		{"llama.rope.freq_base", float32(cfg.RopeTheta)},
	} {
		if err := w.Add(kv.k, kv.v); err != nil {
			t.Fatal(err)
		}
	}
	rename := strings.NewReplacer(
		"model.embed_tokens.weight", "token_embd.weight", "model.norm.weight", "output_norm.weight",
		"lm_head.weight", "output.weight", "model.layers.", "blk.",
		".input_layernorm.", ".attn_norm.", ".post_attention_layernorm.", ".ffn_norm.",
		".self_attn.q_proj.", ".attn_q.", ".self_attn.k_proj.", ".attn_k.", ".self_attn.v_proj.", ".attn_v.",
		".self_attn.o_proj.", ".attn_output.", ".mlp.gate_proj.", ".ffn_gate.", ".mlp.up_proj.", ".ffn_up.",
		".mlp.down_proj.", ".ffn_down.")
	for _, info := range f.Infos() {
		data, _, err := f.Float32s(info.Name)
		if err != nil {
			t.Fatal(err)
		}
		raw := make([]byte, 4*len(data))
		for i, v := range data {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		dims := make([]uint64, len(info.Shape))
		for i, d := range info.Shape {
			dims[len(dims)-1-i] = uint64(d)
		}
		if err := w.AddTensor(rename.Replace(info.Name), gguf.TypeF32, dims, raw); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "tiny.gguf")
	if err := w.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// Drift lines neurons up across formats and dtypes: a GGUF file holding a
// Hugging Face folder's float32 weights has zero drift against it, the same
// weights rounded to BF16 drift by no more than BF16 rounding allows, and a
// tuned Hugging Face model's changed neurons rank first against the GGUF
// base.
func TestDriftAcrossFormatsAndDTypes(t *testing.T) {
	hfDir, cfg := tinyHF(t, 1)
	gg := load(t, ggufFromHF(t, hfDir, cfg))
	hf := load(t, hfDir)
	res, err := Drift(context.Background(), gg, hf, DriftOptions{Permutations: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range res.Neurons {
		if n.Gate != 0 || n.Up != 0 || n.Down != 0 {
			t.Fatalf("GGUF against the same weights in safetensors: neuron %d/%d drifted: %+v", n.Layer, n.Neuron, n)
		}
	}

	bfDir := filepath.Join(t.TempDir(), "bf16")
	if err := model.WriteRandomHF(bfDir, cfg, kernels.BF16, 1); err != nil {
		t.Fatal(err)
	}
	res, err = Drift(context.Background(), gg, load(t, bfDir), DriftOptions{Permutations: 10})
	if err != nil {
		t.Fatal(err)
	}
	var most float64
	for _, n := range res.Neurons {
		most = max(most, n.Gate, n.Up, n.Down)
	}
	// BF16 keeps 8 significand bits: each weight moves by at most 2^-9 of
	// itself, so 1 - cos stays below (2^-9)^2/2 ~ 2e-6 per neuron.
	if !(most > 0 && most < 4e-6) {
		t.Errorf("F32 GGUF against BF16 safetensors: largest drift %g, want in (0, 4e-6)", most)
	}

	tunedDir, _ := tinyHF(t, 1)
	changed := []probe.Neuron{{Layer: 1, Neuron: 9}, {Layer: 3, Neuron: 30}}
	perturb(t, tunedDir, cfg, changed)
	res, err = Drift(context.Background(), gg, load(t, tunedDir), DriftOptions{HNeurons: changed, Permutations: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changed {
		if n := res.Neurons[c.Layer*cfg.DFF+c.Neuron]; n.Rank > 1.0/float64(len(res.Neurons)-1)+1e-12 {
			t.Errorf("changed neuron %s: rank %v, want one of the two lowest", fmt.Sprint(c), n.Rank)
		}
	}
}
