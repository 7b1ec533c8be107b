package model

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hneurons/hneurons/kernels"
)

// Model is a loaded language model: its configuration and weights. A Model
// is immutable and safe for concurrent use; each goroutine runs it through
// its own Runner.
type Model struct {
	Config Config             // architecture and sizes
	Gen    GenerationDefaults // sampling defaults shipped with the model
	Path   string             // file or folder it was loaded from
	Format string             // "gguf", "safetensors" or "random"

	w       *weights
	src     tensorSource // nil for RandomInit
	invFreq [][]float32  // [L][RopeDim/2] RoPE inverse frequencies per layer

	randomID  string    // Identity of a RandomInit model
	idOnce    sync.Once // computes id, idErr
	id        string
	idErr     error
	normsOnce []sync.Once // [L]
	downNorms [][]float32 // [L][F], filled lazily by DownColumnNorms
	closeOnce sync.Once
}

// newModel finishes a Model from its parts.
func newModel(cfg Config, w *weights, src tensorSource, gen GenerationDefaults, path, format string) *Model {
	if w.ropeFreqs != nil && cfg.RopeFreqFactors == nil {
		cfg.RopeFreqFactors = w.ropeFreqs
	}
	m := &Model{Config: cfg, Gen: gen, Path: path, Format: format, w: w, src: src}
	m.invFreq = make([][]float32, cfg.NLayers)
	for l := range m.invFreq {
		m.invFreq[l] = m.Config.invFreq(l)
	}
	m.normsOnce = make([]sync.Once, cfg.NLayers)
	m.downNorms = make([][]float32, cfg.NLayers)
	return m
}

// Load opens a model: a GGUF file, or a Hugging Face folder holding
// config.json and safetensors weights. Weights are memory-mapped, not
// copied; Close releases them.
func Load(path string) (*Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	var m *Model
	if st.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "config.json")); err != nil {
			// A folder with no config.json but one GGUF file (an Ollama or
			// llama.cpp download) means that file.
			if ggufs, _ := filepath.Glob(filepath.Join(path, "*.gguf")); len(ggufs) == 1 {
				return Load(ggufs[0])
			}
			return nil, fmt.Errorf("model: %s: no config.json (a Hugging Face folder) and not exactly one .gguf file", path)
		}
		m, err = loadHF(path)
	} else if strings.HasSuffix(strings.ToLower(path), ".json") {
		return nil, fmt.Errorf("model: %s: give the model folder, not its config file", path)
	} else {
		m, err = loadGGUF(path)
	}
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	c := &m.Config
	slog.Debug("model loaded", "path", path, "format", m.Format, "arch", c.Arch, "layers", c.NLayers,
		"d_model", c.DModel, "d_ff", c.DFF, "heads", c.NHeads, "kv_heads", c.NKVHeads, "vocab", c.Vocab)
	return m, nil
}

// Close releases the mapped weight files. The Model and its Runners must not
// be used afterwards.
func (m *Model) Close() error {
	var err error
	m.closeOnce.Do(func() {
		if m.src != nil {
			err = m.src.close()
		}
	})
	return err
}

// TensorNames lists the model's tensors in the internal naming scheme
// (nil for a randomly initialised model).
func (m *Model) TensorNames() []string {
	if m.src == nil {
		return nil
	}
	return m.src.names()
}

// matrixBytes returns the bytes of w's source data (0 for nil).
func matrixBytes(w *kernels.Matrix) int64 {
	if w == nil {
		return 0
	}
	rb, err := w.DType().RowBytes(w.Cols())
	if err != nil {
		return 0
	}
	return int64(rb) * int64(w.Rows())
}

// DecodeWeightBytes returns the bytes of weight matrices one decoding step
// streams: every layer's projections and the output projection (the
// embedding too when it is the tied output matrix; otherwise only one of
// its rows per token, not counted), in their stored types. Norm vectors,
// biases and the attention cache are not counted.
func (m *Model) DecodeWeightBytes() int64 {
	var n int64
	for i := range m.w.layers {
		lw := &m.w.layers[i]
		for _, w := range []*kernels.Matrix{lw.wq, lw.wk, lw.wv, lw.wo, lw.wGate, lw.wUp, lw.wDown} {
			n += matrixBytes(w)
		}
	}
	return n + matrixBytes(m.w.output)
}

// PrefillFLOPs returns the floating-point operations (a multiply-add
// counts two) of the matrix products of one forward call over t new
// tokens of one sequence whose cache holds start tokens, with logits for
// the last token only: the projections of every token, the output
// projection of one row, and attention's scores and weighted sums over
// the keys each query sees (causal; sliding windows counted). Norms,
// RoPE, softmax and activations are not counted.
func (m *Model) PrefillFLOPs(t, start int) float64 {
	c := &m.Config
	var proj float64
	for i := range m.w.layers {
		lw := &m.w.layers[i]
		for _, w := range []*kernels.Matrix{lw.wq, lw.wk, lw.wv, lw.wo, lw.wGate, lw.wUp, lw.wDown} {
			if w != nil {
				proj += float64(w.Rows()) * float64(w.Cols())
			}
		}
	}
	fl := 2 * float64(t) * proj
	if m.w.output != nil {
		fl += 2 * float64(m.w.output.Rows()) * float64(m.w.output.Cols())
	}
	for l := 0; l < c.NLayers; l++ {
		var keys float64
		for i := 0; i < t; i++ {
			p := start + i
			seen := p + 1
			if c.IsSliding(l) && c.SlidingWindow < seen {
				seen = c.SlidingWindow
			}
			keys += float64(seen)
		}
		fl += 4 * keys * float64(c.NHeads*c.HeadDim) // Q·K and P·V
	}
	return fl
}
