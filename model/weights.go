package model

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hneurons/hneurons/kernels"
)

// rawTensor is one tensor as stored on disk: little-endian bytes (a view of
// the mapped file), the element type and the row-major shape, outermost
// first (a Hugging Face [out, in] weight is shape {out, in}).
type rawTensor struct {
	data  []byte
	dt    kernels.DType
	shape []int
}

// tensorSource gives the raw tensors of a model file by internal name (the
// GGUF scheme: token_embd.weight, blk.N.attn_q.weight, ...).
type tensorSource interface {
	tensor(name string) (rawTensor, bool, error)
	names() []string
	close() error
}

// layerWeights holds one block's tensors; optional ones are nil.
type layerWeights struct {
	attnNorm   []float32       // [D]
	wq, wk, wv *kernels.Matrix // [H*Dh, D], [Hkv*Dh, D], [Hkv*Dh, D]
	bq, bk, bv []float32       // [H*Dh], [Hkv*Dh], [Hkv*Dh] (qwen2), optional
	qNorm      []float32       // [Dh] (QKNorm)
	kNorm      []float32       // [Dh] (QKNorm)
	wo         *kernels.Matrix // [D, H*Dh]
	attnPost   []float32       // [D] (PostNorms)
	ffnNorm    []float32       // [D]
	wGate      *kernels.Matrix // [F, D]
	wUp        *kernels.Matrix // [F, D]
	wDown      *kernels.Matrix // [D, F]
	ffnPost    []float32       // [D] (PostNorms)
}

// weights holds every tensor of a model.
type weights struct {
	embed     *kernels.Matrix // [V, D]
	outNorm   []float32       // [D]
	output    *kernels.Matrix // [V, D]; the embedding when tied
	layers    []layerWeights  // [L]
	ropeFreqs []float32       // GGUF rope_freqs.weight, optional
}

// binder collects every missing or mis-shaped tensor while binding, so that
// one error lists them all.
type binder struct {
	src  tensorSource
	errs []error
	miss []string
	used map[string]bool
}

func (b *binder) get(name string, required bool) (rawTensor, bool) {
	if b.used == nil {
		b.used = map[string]bool{}
	}
	b.used[name] = true
	t, ok, err := b.src.tensor(name)
	if err != nil {
		b.errs = append(b.errs, err)
		return rawTensor{}, false
	}
	if !ok {
		if required {
			b.miss = append(b.miss, name)
		}
		return rawTensor{}, false
	}
	return t, true
}

// matrix binds a 2-D weight of shape [n, k]; n may be 0 to accept any row
// count (returned through the matrix).
func (b *binder) matrix(name string, n, k int, required bool) *kernels.Matrix {
	t, ok := b.get(name, required)
	if !ok {
		return nil
	}
	if len(t.shape) != 2 || (n > 0 && t.shape[0] != n) || t.shape[1] != k {
		b.errs = append(b.errs, fmt.Errorf("tensor %s: shape %v, want [%d %d]", name, t.shape, n, k))
		return nil
	}
	m, err := kernels.Pack(t.data, t.dt, t.shape[0], t.shape[1])
	if err != nil {
		b.errs = append(b.errs, fmt.Errorf("tensor %s: %w", name, err))
		return nil
	}
	return m
}

// rows binds a 2-D weight [sum(ns), k] and splits it by rows into matrices
// of ns[i] rows each (fused qkv_proj and gate_up_proj).
func (b *binder) rows(name string, ns []int, k int) []*kernels.Matrix {
	total := 0
	for _, n := range ns {
		total += n
	}
	t, ok := b.get(name, true)
	if !ok {
		return nil
	}
	if len(t.shape) != 2 || t.shape[0] != total || t.shape[1] != k {
		b.errs = append(b.errs, fmt.Errorf("tensor %s: shape %v, want [%d %d]", name, t.shape, total, k))
		return nil
	}
	rb, err := t.dt.RowBytes(k)
	if err != nil {
		b.errs = append(b.errs, fmt.Errorf("tensor %s: %w", name, err))
		return nil
	}
	out := make([]*kernels.Matrix, len(ns))
	off := 0
	for i, n := range ns {
		m, err := kernels.Pack(t.data[off*rb:(off+n)*rb], t.dt, n, k)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("tensor %s: part %d: %w", name, i, err))
			return nil
		}
		out[i] = m
		off += n
	}
	return out
}

// vector binds a 1-D tensor of n values, converted to float32.
func (b *binder) vector(name string, n int, required bool) []float32 {
	t, ok := b.get(name, required)
	if !ok {
		return nil
	}
	if len(t.shape) != 1 || t.shape[0] != n {
		b.errs = append(b.errs, fmt.Errorf("tensor %s: shape %v, want [%d]", name, t.shape, n))
		return nil
	}
	m, err := kernels.Pack(t.data, t.dt, 1, n)
	if err != nil {
		b.errs = append(b.errs, fmt.Errorf("tensor %s: %w", name, err))
		return nil
	}
	v := make([]float32, n)
	m.Row(0, v)
	return v
}

func (b *binder) err() error {
	var errs []error
	if len(b.miss) > 0 {
		errs = append(errs, fmt.Errorf("missing required tensors: %s", strings.Join(b.miss, ", ")))
	}
	// A block tensor the engine does not use (an o_proj or MLP bias, say)
	// would silently change nothing where the model expects it to act.
	var unused []string
	for _, n := range b.src.names() {
		if strings.HasPrefix(n, "blk.") && !b.used[n] && !strings.Contains(n, "rotary_emb") {
			unused = append(unused, n)
		}
	}
	if len(unused) > 0 {
		if len(unused) > 8 {
			unused = append(unused[:8], fmt.Sprintf("and %d more", len(unused)-8))
		}
		errs = append(errs, fmt.Errorf("unsupported tensors (this architecture does not use them): %s", strings.Join(unused, ", ")))
	}
	errs = append(errs, b.errs...)
	return errors.Join(errs...)
}

// bindWeights binds every tensor the config needs from src. fusedQKV and
// fusedGateUp select the phi3 layouts (blk.N.attn_qkv, blk.N.ffn_up holding
// gate and up stacked).
func bindWeights(c *Config, src tensorSource, fusedQKV, fusedGateUp bool) (*weights, error) {
	b := &binder{src: src}
	D, F, Dh := c.DModel, c.DFF, c.HeadDim
	qn, kvn := c.NHeads*Dh, c.NKVHeads*Dh
	w := &weights{layers: make([]layerWeights, c.NLayers)}
	w.embed = b.matrix("token_embd.weight", c.Vocab, D, true)
	w.outNorm = b.vector("output_norm.weight", D, true)
	if c.TiedEmbeddings {
		w.output = w.embed
	} else {
		w.output = b.matrix("output.weight", c.Vocab, D, true)
	}
	w.ropeFreqs = b.vector("rope_freqs.weight", c.ropeDim()/2, false)
	if w.ropeFreqs == nil { // phi3 longrope in GGUF: the short factors (see RopeAttnFactor)
		w.ropeFreqs = b.vector("rope_factors_short.weight", c.ropeDim()/2, false)
	}
	for l := range w.layers {
		p := fmt.Sprintf("blk.%d.", l)
		lw := &w.layers[l]
		lw.attnNorm = b.vector(p+"attn_norm.weight", D, true)
		if fusedQKV {
			if ms := b.rows(p+"attn_qkv.weight", []int{qn, kvn, kvn}, D); ms != nil {
				lw.wq, lw.wk, lw.wv = ms[0], ms[1], ms[2]
			}
		} else {
			lw.wq = b.matrix(p+"attn_q.weight", qn, D, true)
			lw.wk = b.matrix(p+"attn_k.weight", kvn, D, true)
			lw.wv = b.matrix(p+"attn_v.weight", kvn, D, true)
		}
		lw.bq = b.vector(p+"attn_q.bias", qn, false)
		lw.bk = b.vector(p+"attn_k.bias", kvn, false)
		lw.bv = b.vector(p+"attn_v.bias", kvn, false)
		if c.QKNorm {
			lw.qNorm = b.vector(p+"attn_q_norm.weight", Dh, true)
			lw.kNorm = b.vector(p+"attn_k_norm.weight", Dh, true)
		}
		lw.wo = b.matrix(p+"attn_output.weight", D, qn, true)
		if c.PostNorms {
			lw.attnPost = b.vector(p+"post_attention_norm.weight", D, true)
			lw.ffnPost = b.vector(p+"post_ffw_norm.weight", D, true)
		}
		lw.ffnNorm = b.vector(p+"ffn_norm.weight", D, true)
		if fusedGateUp {
			if ms := b.rows(p+"ffn_up.weight", []int{F, F}, D); ms != nil {
				lw.wGate, lw.wUp = ms[0], ms[1]
			}
		} else {
			lw.wGate = b.matrix(p+"ffn_gate.weight", F, D, true)
			lw.wUp = b.matrix(p+"ffn_up.weight", F, D, true)
		}
		lw.wDown = b.matrix(p+"ffn_down.weight", D, F, true)
	}
	if err := b.err(); err != nil {
		return nil, err
	}
	return w, nil
}

// hfNames maps Hugging Face tensor names onto the internal (GGUF) scheme:
// the one replacement table of the package. Entries apply in order, each at
// most once per name. postNorms selects the Gemma meaning of
// post_attention_layernorm (a norm on the attention output) over the Llama
// one (the norm before the MLP).
func hfName(name string, postNorms bool) string {
	table := [][2]string{
		{"model.embed_tokens.", "token_embd."},
		{"model.norm.", "output_norm."},
		{"lm_head.", "output."},
		{"model.layers.", "blk."},
		{".self_attn.qkv_proj.", ".attn_qkv."},
		{".self_attn.q_proj.", ".attn_q."},
		{".self_attn.k_proj.", ".attn_k."},
		{".self_attn.v_proj.", ".attn_v."},
		{".self_attn.o_proj.", ".attn_output."},
		{".self_attn.q_norm.", ".attn_q_norm."},
		{".self_attn.k_norm.", ".attn_k_norm."},
		{".input_layernorm.", ".attn_norm."},
		{".pre_feedforward_layernorm.", ".ffn_norm."},
		{".post_feedforward_layernorm.", ".post_ffw_norm."},
		{".mlp.gate_up_proj.", ".ffn_up."},
		{".mlp.gate_proj.", ".ffn_gate."},
		{".mlp.up_proj.", ".ffn_up."},
		{".mlp.down_proj.", ".ffn_down."},
	}
	if postNorms {
		table = append(table, [2]string{".post_attention_layernorm.", ".post_attention_norm."})
	} else {
		table = append(table, [2]string{".post_attention_layernorm.", ".ffn_norm."})
	}
	// Gemma3 multimodal checkpoints nest the text model (two spellings,
	// by transformers version); their vision tensors stay unused.
	name = strings.Replace(name, "language_model.model.", "model.", 1)
	name = strings.Replace(name, "language_model.lm_head.", "lm_head.", 1)
	name = strings.Replace(name, "model.language_model.", "model.", 1)
	for _, r := range table {
		name = strings.Replace(name, r[0], r[1], 1)
	}
	return name
}

// sortedNames returns the keys of m in order.
func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
