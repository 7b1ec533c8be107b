package model

import (
	"fmt"
	"math"
	"slices"
)

// Tap receives activations during Runner.Forward and Runner.Prefill (the
// same values: Prefill only skips the output projection). Each function may
// be nil. The slices hold the rows of every token of the call, in segment
// order (T rows), belong to the Runner and are only valid during the call;
// copy what you keep. A tap must not modify them. One guarantee more: the z
// given to MLPPost of a layer stays unchanged until that layer's MLPOut
// taps have returned (down_proj only reads it), so a tap may keep a view of
// z from MLPPost and use it in MLPOut without copying.
type Tap struct {
	// MLPPost gets z [T, F], the down_proj input (after any neuron scale):
	// TransformerLens blocks.{layer}.mlp.hook_post.
	MLPPost func(layer int, z []float32, rows int)
	// MLPOut gets h [T, D], the down_proj output before any post-MLP norm:
	// blocks.{layer}.hook_mlp_out.
	MLPOut func(layer int, h []float32, rows int)
	// ResidPost gets the residual stream after the block, [T, D]:
	// blocks.{layer}.hook_resid_post.
	ResidPost func(layer int, x []float32, rows int)
}

// AddTap attaches t to the runner and returns a function that detaches it.
func (r *Runner) AddTap(t *Tap) (remove func()) {
	r.taps = append(r.taps, t)
	return func() {
		if i := slices.Index(r.taps, t); i >= 0 {
			r.taps = slices.Delete(r.taps, i, i+1)
		}
	}
}

// SetScale multiplies layer's neuron activations z [T, F] element-wise by
// scale [F] before down_proj (an intervention); a nil scale removes it. The
// scale is copied.
func (r *Runner) SetScale(layer int, scale []float32) error {
	c := &r.m.Config
	if layer < 0 || layer >= c.NLayers {
		return fmt.Errorf("model: scale: layer %d out of range [0, %d)", layer, c.NLayers)
	}
	if scale == nil {
		r.scale[layer] = nil
		return nil
	}
	if len(scale) != c.DFF {
		return fmt.Errorf("model: scale: layer %d: %d values, want d_ff = %d", layer, len(scale), c.DFF)
	}
	r.scale[layer] = slices.Clone(scale)
	return nil
}

// ClearScales removes every neuron scale.
func (r *Runner) ClearScales() { clear(r.scale) }

// DownColumnNorms returns ||W_down[:, j]||_2 for every neuron j of layer
// [F], accumulated in float64. It is computed once per layer and shared; do
// not modify it. It returns nil for a layer out of range.
func (m *Model) DownColumnNorms(layer int) []float32 {
	if layer < 0 || layer >= len(m.normsOnce) {
		return nil
	}
	m.normsOnce[layer].Do(func() {
		c := &m.Config
		wd := m.w.layers[layer].wDown // [D, F]
		acc := make([]float64, c.DFF)
		row := make([]float32, c.DFF)
		for i := 0; i < c.DModel; i++ {
			wd.Row(i, row)
			for j, v := range row {
				acc[j] += float64(v) * float64(v)
			}
		}
		out := make([]float32, c.DFF)
		for j, s := range acc {
			out[j] = float32(math.Sqrt(s))
		}
		m.downNorms[layer] = out
	})
	return m.downNorms[layer]
}

// MLPWeight names an MLP weight matrix for NeuronWeights and LayerWeights.
type MLPWeight int

// The MLP weights.
const (
	WeightGate MLPWeight = iota // W_gate [F, D]
	WeightUp                    // W_up [F, D]
	WeightDown                  // W_down [D, F]
)

// NeuronWeights returns, as float32, the weights of neuron j of layer for
// the given matrix: row j of W_gate or W_up ([D] values, the neuron's input
// weights) or column j of W_down ([D] values, the neuron's output
// direction). Quantised and 16-bit weights are decoded.
func (m *Model) NeuronWeights(which MLPWeight, layer, j int) ([]float32, error) {
	c := &m.Config
	if layer < 0 || layer >= c.NLayers || j < 0 || j >= c.DFF {
		return nil, fmt.Errorf("model: neuron %d of layer %d out of range (%d layers x %d)", j, layer, c.NLayers, c.DFF)
	}
	lw := &m.w.layers[layer]
	out := make([]float32, c.DModel)
	switch which {
	case WeightGate:
		lw.wGate.Row(j, out)
	case WeightUp:
		lw.wUp.Row(j, out)
	case WeightDown:
		row := make([]float32, c.DFF)
		for i := 0; i < c.DModel; i++ {
			lw.wDown.Row(i, row)
			out[i] = row[j]
		}
	default:
		return nil, fmt.Errorf("model: unknown MLP weight %d", which)
	}
	return out, nil
}

// LayerWeights returns a whole MLP matrix of layer as float32, row-major in
// Hugging Face layout: W_gate and W_up [F, D], W_down [D, F]. It allocates
// the full matrix; use it for weight analysis, not in a hot loop.
func (m *Model) LayerWeights(which MLPWeight, layer int) ([]float32, error) {
	c := &m.Config
	if layer < 0 || layer >= c.NLayers {
		return nil, fmt.Errorf("model: layer %d out of range [0, %d)", layer, c.NLayers)
	}
	lw := &m.w.layers[layer]
	var mat interface {
		Row(int, []float32)
		Rows() int
		Cols() int
	}
	switch which {
	case WeightGate:
		mat = lw.wGate
	case WeightUp:
		mat = lw.wUp
	case WeightDown:
		mat = lw.wDown
	default:
		return nil, fmt.Errorf("model: unknown MLP weight %d", which)
	}
	n, k := mat.Rows(), mat.Cols()
	out := make([]float32, n*k)
	for i := 0; i < n; i++ {
		mat.Row(i, out[i*k:(i+1)*k])
	}
	return out, nil
}
