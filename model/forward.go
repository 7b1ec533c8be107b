package model

import (
	"context"
	"fmt"
	"math"

	"github.com/hneurons/hneurons/kernels"
)

// Segment is one sequence's part of a forward call: new tokens appended to
// the sequence's cache. The tokens take positions Cache.Len(), Cache.Len()+1, ...
type Segment struct {
	Cache  *Cache
	Tokens []int
}

// Runner runs a Model: it owns the activation buffers (reused from call to
// call, so that decoding allocates nothing), the taps and the neuron scales.
// A Runner is not safe for concurrent use; make one per goroutine.
type Runner struct {
	m     *Model
	taps  []*Tap
	scale [][]float32 // [L] nil, or [F] per-neuron scale of z

	rows   int       // token capacity of the buffers
	x      []float32 // [T, D] residual stream
	xn     []float32 // [T, D] normed residual (sub-layer input)
	q      []float32 // [T, H*Dh]
	k      []float32 // [T, Hkv*Dh]
	v      []float32 // [T, Hkv*Dh]
	att    []float32 // [T, H*Dh] attention output before o_proj
	o      []float32 // [T, D] sub-layer output
	gate   []float32 // [T, F] gate, then z
	up     []float32 // [T, F]
	pos    []int     // [T] position of each row
	scores []float32 // [S] attention scores of one query head
	sel    []float32 // [R, D] rows whose logits are wanted
	logits []float32 // [R, V]
}

// NewRunner returns a Runner for m with no taps and no scales.
func (m *Model) NewRunner() *Runner {
	return &Runner{m: m, scale: make([][]float32, m.Config.NLayers)}
}

// Model returns the model the runner runs.
func (r *Runner) Model() *Model { return r.m }

// grow sizes the buffers for t rows.
func (r *Runner) grow(t int) {
	if t <= r.rows {
		return
	}
	c := &r.m.Config
	D, F := c.DModel, c.DFF
	qd, kvd := c.NHeads*c.HeadDim, c.NKVHeads*c.HeadDim
	r.rows = t
	r.x = make([]float32, t*D)
	r.xn = make([]float32, t*D)
	r.q = make([]float32, t*qd)
	r.k = make([]float32, t*kvd)
	r.v = make([]float32, t*kvd)
	r.att = make([]float32, t*qd)
	r.o = make([]float32, t*D)
	r.gate = make([]float32, t*F)
	r.up = make([]float32, t*F)
	r.pos = make([]int, t)
}

// Forward runs the new tokens of every segment through the model, appending
// their keys and values to the segments' caches, and returns logits.
// With all set it returns the logits of every token, [T, V] in segment
// order; otherwise only those of each segment's last token, [len(segs), V].
// The returned slice belongs to the Runner and is overwritten by the next
// call. Every segment needs at least one token and its own Cache.
func (r *Runner) Forward(ctx context.Context, segs []Segment, all bool) ([]float32, error) {
	c := &r.m.Config
	w := r.m.w
	T := 0
	for i, s := range segs {
		if len(s.Tokens) == 0 {
			return nil, fmt.Errorf("model: forward: segment %d has no tokens", i)
		}
		if s.Cache == nil || s.Cache.kvDim != c.NKVHeads*c.HeadDim || s.Cache.nLayers != c.NLayers {
			return nil, fmt.Errorf("model: forward: segment %d has no cache of this model", i)
		}
		for j := 0; j < i; j++ {
			if segs[j].Cache == s.Cache {
				return nil, fmt.Errorf("model: forward: segments %d and %d share a cache", j, i)
			}
		}
		for _, id := range s.Tokens {
			if id < 0 || id >= c.Vocab {
				return nil, fmt.Errorf("model: forward: token id %d out of range [0, %d)", id, c.Vocab)
			}
		}
		T += len(s.Tokens)
	}
	if T == 0 {
		return nil, fmt.Errorf("model: forward: no segments")
	}
	r.grow(T)
	D, F, Dh := c.DModel, c.DFF, c.HeadDim
	qd, kvd := c.NHeads*Dh, c.NKVHeads*Dh
	x, xn := r.x[:T*D], r.xn[:T*D]

	// Embed: x[t] = E[token] (* sqrt(D) for gemma); record positions.
	t := 0
	for _, s := range segs {
		s.Cache.reserve(s.Cache.n + len(s.Tokens))
		for i, id := range s.Tokens {
			row := x[t*D : (t+1)*D]
			w.embed.Row(id, row)
			if c.EmbedScale != 0 {
				kernels.Scale(row, c.EmbedScale)
			}
			r.pos[t] = s.Cache.n + i
			t++
		}
	}

	for l := range w.layers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		lw := &w.layers[l]
		// Attention: x += [PostNorm](Attn(Norm(x))).
		r.normRows(xn, x, lw.attnNorm, T, D)
		q, k, v := r.q[:T*qd], r.k[:T*kvd], r.v[:T*kvd]
		kernels.MatMul(q, xn, T, lw.wq)
		kernels.MatMul(k, xn, T, lw.wk)
		kernels.MatMul(v, xn, T, lw.wv)
		addBias(q, lw.bq, T)
		addBias(k, lw.bk, T)
		addBias(v, lw.bv, T)
		if lw.qNorm != nil {
			r.normRows(q, q, lw.qNorm, T*c.NHeads, Dh)
			r.normRows(k, k, lw.kNorm, T*c.NKVHeads, Dh)
		}
		inv := r.m.invFreq[l]
		for t := 0; t < T; t++ {
			r.rope(q[t*qd:(t+1)*qd], r.pos[t], Dh, inv)
			r.rope(k[t*kvd:(t+1)*kvd], r.pos[t], Dh, inv)
		}
		r.attention(segs, l, T)
		o := r.o[:T*D]
		kernels.MatMul(o, r.att[:T*qd], T, lw.wo)
		if lw.attnPost != nil {
			r.normRows(o, o, lw.attnPost, T, D)
		}
		kernels.Add(x, x, o)

		// MLP: x += [PostNorm](W_down (scale ⊙ act(W_gate h) ⊙ W_up h)), h = Norm(x).
		r.normRows(xn, x, lw.ffnNorm, T, D)
		z, up := r.gate[:T*F], r.up[:T*F]
		kernels.MatMul(z, xn, T, lw.wGate)
		kernels.MatMul(up, xn, T, lw.wUp)
		switch c.Act {
		case ActGELUTanh:
			kernels.GELUTanh(z)
		default:
			kernels.SiLU(z)
		}
		kernels.Mul(z, z, up)
		if s := r.scale[l]; s != nil {
			for t := 0; t < T; t++ {
				kernels.Mul(z[t*F:(t+1)*F], z[t*F:(t+1)*F], s)
			}
		}
		for _, tp := range r.taps {
			if tp.MLPPost != nil {
				tp.MLPPost(l, z, T)
			}
		}
		kernels.MatMul(o, z, T, lw.wDown)
		for _, tp := range r.taps {
			if tp.MLPOut != nil {
				tp.MLPOut(l, o, T)
			}
		}
		if lw.ffnPost != nil {
			r.normRows(o, o, lw.ffnPost, T, D)
		}
		kernels.Add(x, x, o)
		for _, tp := range r.taps {
			if tp.ResidPost != nil {
				tp.ResidPost(l, x, T)
			}
		}
	}
	for _, s := range segs {
		s.Cache.n += len(s.Tokens)
	}

	// Logits of the wanted rows: softcap(W_out · Norm(x[t])).
	R := T
	if !all {
		R = len(segs)
	}
	if cap(r.sel) < R*D {
		r.sel = make([]float32, R*D)
	}
	if cap(r.logits) < R*c.Vocab {
		r.logits = make([]float32, R*c.Vocab)
	}
	sel, logits := r.sel[:R*D], r.logits[:R*c.Vocab]
	if all {
		r.normRows(sel, x, w.outNorm, T, D)
	} else {
		end := 0
		for i, s := range segs {
			end += len(s.Tokens)
			kernels.RMSNorm(sel[i*D:(i+1)*D], x[(end-1)*D:end*D], w.outNorm, c.NormEps, c.NormAddOne)
		}
	}
	kernels.MatMul(logits, sel, R, w.output)
	if fc := c.FinalSoftcap; fc > 0 {
		softcap(logits, fc)
	}
	return logits, nil
}

// normRows applies RMSNorm with weight w to each of n rows of size d.
func (r *Runner) normRows(dst, src, w []float32, n, d int) {
	c := &r.m.Config
	for i := 0; i < n; i++ {
		kernels.RMSNorm(dst[i*d:(i+1)*d], src[i*d:(i+1)*d], w, c.NormEps, c.NormAddOne)
	}
}

// rope rotates every head of one row at position pos.
func (r *Runner) rope(x []float32, pos, dh int, inv []float32) {
	if r.m.Config.RopeLayout == RopeInterleaved {
		kernels.RoPEInterleaved(x, pos, dh, inv)
	} else {
		kernels.RoPEHalf(x, pos, dh, inv)
	}
}

// addBias adds b to each of n rows (no-op for a nil b).
func addBias(x, b []float32, n int) {
	if b == nil {
		return
	}
	d := len(b)
	for i := 0; i < n; i++ {
		kernels.Add(x[i*d:(i+1)*d], x[i*d:(i+1)*d], b)
	}
}

// softcap replaces x with c * tanh(x / c).
func softcap(x []float32, c float32) {
	for i, v := range x {
		x[i] = c * float32(math.Tanh(float64(v/c)))
	}
}

// attention stores the new keys and values of layer l in the caches and
// writes the attention output of every row to r.att.
func (r *Runner) attention(segs []Segment, l, T int) {
	c := &r.m.Config
	Dh := c.HeadDim
	qd, kvd := c.NHeads*Dh, c.NKVHeads*Dh
	group := c.NHeads / c.NKVHeads
	window := 0
	if c.IsSliding(l) {
		window = c.SlidingWindow
	}
	t0 := 0
	for _, s := range segs {
		n := len(s.Tokens)
		kc, vc := s.Cache.k[l], s.Cache.v[l] // [cap, Hkv*Dh]
		start := s.Cache.n
		copy(kc[start*kvd:(start+n)*kvd], r.k[t0*kvd:(t0+n)*kvd])
		copy(vc[start*kvd:(start+n)*kvd], r.v[t0*kvd:(t0+n)*kvd])
		for i := 0; i < n; i++ {
			t := t0 + i
			p := start + i
			lo := 0
			if window > 0 && p-window+1 > lo {
				lo = p - window + 1
			}
			S := p + 1 - lo
			if cap(r.scores) < S {
				r.scores = make([]float32, max(S, 2*cap(r.scores)))
			}
			sc := r.scores[:S]
			for h := 0; h < c.NHeads; h++ {
				qh := r.q[t*qd+h*Dh : t*qd+(h+1)*Dh]
				ko := (h / group) * Dh
				for j := range sc {
					sc[j] = kernels.Dot(qh, kc[(lo+j)*kvd+ko:(lo+j)*kvd+ko+Dh]) * c.QueryScale
				}
				if c.AttnSoftcap > 0 {
					softcap(sc, c.AttnSoftcap)
				}
				kernels.Softmax(sc)
				out := r.att[t*qd+h*Dh : t*qd+(h+1)*Dh]
				clear(out)
				for j, pj := range sc {
					kernels.Axpy(pj, vc[(lo+j)*kvd+ko:(lo+j)*kvd+ko+Dh], out)
				}
			}
		}
		t0 += n
	}
}
