package train

import (
	"fmt"
	"math/rand/v2"
)

// Float is the element type of the model's math.
type Float interface{ ~float32 | ~float64 }

// Tensor describes one named parameter tensor inside the flat parameter
// vector.
type Tensor struct {
	Name   string // Hugging Face name, e.g. model.layers.0.mlp.up_proj.weight
	Shape  []int  // row-major shape, [out, in] for projections
	Off    int    // offset into the flat vector
	Size   int    // number of elements
	Decay  bool   // whether AdamW applies weight decay (matrices yes, norms no)
	IsNorm bool   // RMSNorm gain, initialised to one
}

// Layout lists the tensors of a model of config c in Hugging Face order and
// returns the total number of parameters.
func Layout(c Config) ([]Tensor, int) {
	var ts []Tensor
	off := 0
	add := func(name string, norm bool, shape ...int) {
		n := 1
		for _, s := range shape {
			n *= s
		}
		ts = append(ts, Tensor{Name: name, Shape: shape, Off: off, Size: n, Decay: !norm, IsNorm: norm})
		off += n
	}
	C, F := c.Dim, c.FF
	add("model.embed_tokens.weight", false, c.Vocab, C)
	for l := 0; l < c.Layers; l++ {
		p := fmt.Sprintf("model.layers.%d.", l)
		add(p+"input_layernorm.weight", true, C)
		add(p+"self_attn.q_proj.weight", false, C, C)
		add(p+"self_attn.k_proj.weight", false, C, C)
		add(p+"self_attn.v_proj.weight", false, C, C)
		add(p+"self_attn.o_proj.weight", false, C, C)
		add(p+"post_attention_layernorm.weight", true, C)
		add(p+"mlp.gate_proj.weight", false, F, C)
		add(p+"mlp.up_proj.weight", false, F, C)
		add(p+"mlp.down_proj.weight", false, C, F)
	}
	add("model.norm.weight", true, C)
	return ts, off
}

// layerView holds slices of one layer's tensors (weights or their gradients).
type layerView[T Float] struct {
	attnNorm       []T // (C)
	wq, wk, wv, wo []T // (C, C)
	mlpNorm        []T // (C)
	wg, wu         []T // (F, C)
	wd             []T // (C, F)
}

// view splits a flat vector laid out by Layout into named slices.
type view[T Float] struct {
	embed  []T // (V, C)
	layers []layerView[T]
	norm   []T // (C)
}

func newView[T Float](c Config, flat []T) view[T] {
	ts, _ := Layout(c)
	get := func(i int) []T { t := ts[i]; return flat[t.Off : t.Off+t.Size : t.Off+t.Size] }
	v := view[T]{embed: get(0), norm: get(len(ts) - 1)}
	for l := 0; l < c.Layers; l++ {
		b := 1 + 9*l
		v.layers = append(v.layers, layerView[T]{
			attnNorm: get(b), wq: get(b + 1), wk: get(b + 2), wv: get(b + 3), wo: get(b + 4),
			mlpNorm: get(b + 5), wg: get(b + 6), wu: get(b + 7), wd: get(b + 8),
		})
	}
	return v
}

// Model is a set of organism weights: a config and the flat parameter vector.
type Model[T Float] struct {
	Config  Config
	Tensors []Tensor
	Params  []T
}

// NewModel returns a model of config c initialised from seed: matrices
// N(0, std^2), norm gains one.
func NewModel[T Float](c Config, seed uint64, std float64) (*Model[T], error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	ts, n := Layout(c)
	m := &Model[T]{Config: c, Tensors: ts, Params: make([]T, n)}
	rng := rand.New(rand.NewPCG(seed, 0x696e6974))
	for _, t := range ts {
		p := m.Params[t.Off : t.Off+t.Size]
		for i := range p {
			if t.IsNorm {
				p[i] = 1
			} else {
				p[i] = T(rng.NormFloat64() * std)
			}
		}
	}
	return m, nil
}

// Convert returns a copy of m with parameters of another float type.
func Convert[U, T Float](m *Model[T]) *Model[U] {
	out := &Model[U]{Config: m.Config, Tensors: m.Tensors, Params: make([]U, len(m.Params))}
	for i, p := range m.Params {
		out.Params[i] = U(p)
	}
	return out
}
