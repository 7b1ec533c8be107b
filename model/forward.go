package model

import (
	"context"
	"fmt"
	"math"
	"sync"

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

	rows int       // token capacity of the buffers
	x    []float32 // [T, D] residual stream
	xn   []float32 // [T, D] normed residual (sub-layer input)
	q    []float32 // [T, H*Dh]
	k    []float32 // [T, Hkv*Dh]
	v    []float32 // [T, Hkv*Dh]
	att  []float32 // [T, H*Dh] attention output before o_proj
	o    []float32 // [T, D] sub-layer output
	gate []float32 // [T, F] gate, then z
	up   []float32 // [T, F]
	pos  []int     // [T] position of each row
	// serialScratch serves attention on the calling goroutine; the parallel
	// path takes scratches from freeScratch (scratchMu), one per running
	// range.
	serialScratch attnScratch
	scratchMu     sync.Mutex
	freeScratch   []*attnScratch
	items         []attnItem // the current attention call's work items
	sel           []float32  // [R, D] rows whose logits are wanted
	logits        []float32  // [R, V]

	// The fused products' arguments (Q/K/V, gate/up), kept here so that
	// building them per layer allocates nothing.
	outs3 [3][]float32
	mats3 [3]*kernels.Matrix
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

// Logit modes of forward.
const (
	logitsNone = iota // no output projection (Prefill)
	logitsLast        // last token of each segment
	logitsAll         // every token
)

// Prefill runs the new tokens of every segment through the model like
// Forward, but computes no logits: use it to fill caches or to read
// activations through taps (CETT extraction) without paying for the output
// projection.
func (r *Runner) Prefill(ctx context.Context, segs []Segment) error {
	_, err := r.forward(ctx, segs, logitsNone)
	return err
}

// Forward runs the new tokens of every segment through the model, appending
// their keys and values to the segments' caches, and returns logits.
// With all set it returns the logits of every token, [T, V] in segment
// order; otherwise only those of each segment's last token, [len(segs), V].
// The returned slice belongs to the Runner and is overwritten by the next
// call. Every segment needs at least one token and its own Cache.
func (r *Runner) Forward(ctx context.Context, segs []Segment, all bool) ([]float32, error) {
	if all {
		return r.forward(ctx, segs, logitsAll)
	}
	return r.forward(ctx, segs, logitsLast)
}

func (r *Runner) forward(ctx context.Context, segs []Segment, mode int) ([]float32, error) {
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
		// One job for Q, K and V (decoding: one meeting of the threads, and the
		// small K and V spread over all of them).
		r.outs3 = [3][]float32{q, k, v}
		r.mats3 = [3]*kernels.Matrix{lw.wq, lw.wk, lw.wv}
		kernels.MatMulN(r.outs3[:], xn, T, r.mats3[:])
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
		if af := c.RopeAttnFactor; af != 0 && af != 1 {
			scaleRotated(q, Dh, 2*len(inv), af)
			scaleRotated(k, Dh, 2*len(inv), af)
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
		r.outs3 = [3][]float32{z, up}
		r.mats3 = [3]*kernels.Matrix{lw.wGate, lw.wUp}
		kernels.MatMulN(r.outs3[:2], xn, T, r.mats3[:2])
		r.glu(z, up)
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

	if mode == logitsNone {
		return nil, nil
	}
	// Logits of the wanted rows: softcap(W_out · Norm(x[t])).
	all := mode == logitsAll
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

// gluCost is the estimated cost in flops of one gated activation (an exp,
// a division and a few products), for splitting it over the threads.
const gluCost = 40

// glu writes z = act(z) ⊙ up (SwiGLU or GeGLU by the configuration),
// split over the kernels' threads when the rows are many (prefill): each
// value is computed as on one thread.
func (r *Runner) glu(z, up []float32) {
	f := kernels.SwiGLU // swiGLU's arithmetic, 16 values at a time with AVX-512
	if r.m.Config.Act == ActGELUTanh {
		f = geGLU
	}
	kernels.ParallelFor(len(z), 1024, gluCost*len(z), func(i0, i1 int) {
		f(z[i0:i1], up[i0:i1])
	})
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

// scaleRotated multiplies the first rd values of every head (x holds heads
// of dh values) by s.
func scaleRotated(x []float32, dh, rd int, s float32) {
	for h := 0; h+dh <= len(x); h += dh {
		kernels.Scale(x[h:h+rd], s)
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
// writes the attention output of every row to r.att. The work items (one
// per segment, kv head and block of attnBlock query rows; one per
// segment and kv head for short segments) are independent and write
// disjoint parts of r.att; large calls split them over Threads()
// goroutines, the costliest (latest) blocks first. Every item computes
// what the serial loop computes, so the output does not depend on the
// split.
func (r *Runner) attention(segs []Segment, l, T int) {
	c := &r.m.Config
	kvd := c.NKVHeads * c.HeadDim
	t0 := 0
	work := 0
	r.items = r.items[:0]
	for si, s := range segs {
		n := len(s.Tokens)
		start := s.Cache.n
		kc, vc := s.Cache.k[l], s.Cache.v[l] // [cap, Hkv*Dh]
		copy(kc[start*kvd:(start+n)*kvd], r.k[t0*kvd:(t0+n)*kvd])
		copy(vc[start*kvd:(start+n)*kvd], r.v[t0*kvd:(t0+n)*kvd])
		work += n * (start + n)
		step := n
		if n >= gemmMinRows {
			step = attnBlock
		}
		for i0 := 0; i0 < n; i0 += step {
			for kvh := 0; kvh < c.NKVHeads; kvh++ {
				r.items = append(r.items, attnItem{seg: si, kvh: kvh, t0: t0, i0: i0, i1: min(i0+step, n)})
			}
		}
		t0 += n
	}
	work *= c.NHeads * c.HeadDim * 4
	items := len(r.items)
	if work < 1<<17 || items < 2 || kernels.Threads() < 2 || serialAttention {
		for _, it := range r.items {
			r.attendItem(segs, l, it, &r.serialScratch)
		}
		return
	}
	// On the kernels' worker pool (already awake between the matrix
	// products; fresh goroutines cost a thread wake-up per call, which in
	// decoding took longer than the attention itself), items in reverse:
	// the last blocks of a segment see the most keys. Each running range
	// takes a scratch from the free list, so at most as many scratches as
	// ranges run at once are ever made.
	kernels.ParallelFor(items, 1, work, func(i0, i1 int) {
		r.scratchMu.Lock()
		var ws *attnScratch
		if n := len(r.freeScratch); n > 0 {
			ws, r.freeScratch = r.freeScratch[n-1], r.freeScratch[:n-1]
		} else {
			ws = new(attnScratch)
		}
		r.scratchMu.Unlock()
		for i := i0; i < i1; i++ {
			r.attendItem(segs, l, r.items[items-1-i], ws)
		}
		r.scratchMu.Lock()
		r.freeScratch = append(r.freeScratch, ws)
		r.scratchMu.Unlock()
	})
}

// serialAttention makes attention run its items on the calling goroutine
// only (tests compare the parallel split with it).
var serialAttention = false

// attnItem is one unit of attention work: query rows [i0, i1) of segment
// seg (whose first row is row t0 of the call) for the query heads of kv
// head kvh.
type attnItem struct {
	seg, kvh, t0, i0, i1 int
}

// attnScratch is one attention worker's buffers.
type attnScratch struct {
	sc []float32 // [rows, S] scores, then probabilities
	vt []float32 // [Dh, S] values of one kv head, transposed
}

// grow returns buf with at least n elements.
func grow(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, max(n, 2*cap(*buf)))
	}
	return (*buf)[:n]
}

// attnBlock is the number of query rows one GEMM-based attention step takes.
const attnBlock = 64

// groupMinKeys is the number of visible keys from which a short segment's
// query row attends with the query heads of a kv head together (two
// matrix products) instead of head by head.
const groupMinKeys = 32

// gemmMinRows is the segment length from which attention runs as matrix
// products (scores = Q K^T, out = P V) instead of row by row.
const gemmMinRows = 8

// attendItem computes the attention output of the item's query rows for
// the query heads of its kv head. The segment's new keys and values are
// already in its cache (whose length n does not count them yet).
func (r *Runner) attendItem(segs []Segment, l int, it attnItem, ws *attnScratch) {
	c := &r.m.Config
	Dh := c.HeadDim
	qd, kvd := c.NHeads*Dh, c.NKVHeads*Dh
	group := c.NHeads / c.NKVHeads
	kvh, t0 := it.kvh, it.t0
	s := segs[it.seg]
	window := 0
	if c.IsSliding(l) {
		window = c.SlidingWindow
	}
	kc, vc := s.Cache.k[l], s.Cache.v[l] // [cap, Hkv*Dh]
	start := s.Cache.n
	ko := kvh * Dh
	n := len(s.Tokens)
	if n < gemmMinRows {
		for i := it.i0; i < it.i1; i++ {
			t, p := t0+i, start+i
			lo := 0
			if window > 0 && p-window+1 > lo {
				lo = p - window + 1
			}
			if S := p + 1 - lo; group >= 2 && S >= groupMinKeys {
				// The group's query heads together: scores [group, S] and
				// outputs [group, Dh] as two matrix products, each key
				// and value row read once for all heads.
				h0 := t*qd + kvh*group*Dh
				sc := grow(&ws.sc, group*S)
				kernels.Sgemm(false, true, group, S, Dh, c.QueryScale, r.q[h0:], Dh, kc[lo*kvd+ko:], kvd, 0, sc, S)
				for h := 0; h < group; h++ {
					softcapSoftmax(sc[h*S:(h+1)*S], c.AttnSoftcap)
				}
				kernels.Sgemm(false, false, group, Dh, S, 1, sc, S, vc[lo*kvd+ko:], kvd, 0, r.att[h0:], Dh)
				continue
			}
			sc := grow(&ws.sc, p+1-lo)
			for h := kvh * group; h < (kvh+1)*group; h++ {
				q := r.q[t*qd+h*Dh : t*qd+(h+1)*Dh]
				out := r.att[t*qd+h*Dh : t*qd+(h+1)*Dh]
				attendHead(out, q, kc[lo*kvd+ko:], vc[lo*kvd+ko:], kvd, sc, c.QueryScale, c.AttnSoftcap)
			}
		}
		return
	}
	// A block of query rows as matrix products over the keys it can see.
	i0, i1 := it.i0, it.i1
	nb := i1 - i0
	p0, p1 := start+i0, start+i1-1
	lo := 0
	if window > 0 && p0-window+1 > lo {
		lo = p0 - window + 1
	}
	S := p1 + 1 - lo
	vt := grow(&ws.vt, Dh*S) // [Dh, S]
	for j := 0; j < S; j++ {
		row := vc[(lo+j)*kvd+ko : (lo+j)*kvd+ko+Dh]
		for x, v := range row {
			vt[x*S+j] = v
		}
	}
	sc := grow(&ws.sc, nb*S) // [nb, S]
	for h := kvh * group; h < (kvh+1)*group; h++ {
		qoff := (t0+i0)*qd + h*Dh
		// sc = scale * Q[i0:i1, h] · K[lo:p1+1]^T
		kernels.Sgemm(false, true, nb, S, Dh, c.QueryScale, r.q[qoff:], qd, kc[lo*kvd+ko:], kvd, 0, sc, S)
		for i := 0; i < nb; i++ {
			p := p0 + i
			first := 0 // first visible key, relative to lo
			if window > 0 && p-window+1-lo > first {
				first = p - window + 1 - lo
			}
			last := p - lo // last visible key
			row := sc[i*S : (i+1)*S]
			softmaxRange(row, first, last, c.AttnSoftcap)
		}
		// att[i0:i1, h] = P · V[lo:p1+1]
		kernels.Sgemm(false, true, nb, Dh, S, 1, sc, S, vt, S, 0, r.att[qoff:], qd)
	}
}

// attendHead8 is attendHead for 8-value heads, with the query and the
// output accumulators held in registers.
func attendHead8(out, q, k, v []float32, ld int, sc []float32, scale, capv float32) {
	qa := (*[8]float32)(q)
	q0, q1, q2, q3, q4, q5, q6, q7 := qa[0], qa[1], qa[2], qa[3], qa[4], qa[5], qa[6], qa[7]
	for j := range sc {
		kj := (*[8]float32)(k[j*ld:])
		d := q0*kj[0] + q1*kj[1] + q2*kj[2] + q3*kj[3] + q4*kj[4] + q5*kj[5] + q6*kj[6] + q7*kj[7]
		sc[j] = d * scale
	}
	softcapSoftmax(sc, capv)
	var o0, o1, o2, o3, o4, o5, o6, o7 float32
	for j, p := range sc {
		vj := (*[8]float32)(v[j*ld:])
		o0 += p * vj[0]
		o1 += p * vj[1]
		o2 += p * vj[2]
		o3 += p * vj[3]
		o4 += p * vj[4]
		o5 += p * vj[5]
		o6 += p * vj[6]
		o7 += p * vj[7]
	}
	oa := (*[8]float32)(out)
	oa[0], oa[1], oa[2], oa[3], oa[4], oa[5], oa[6], oa[7] = o0, o1, o2, o3, o4, o5, o6, o7
}

// softmaxRange replaces row[first:last+1] with its softmax (after optional
// soft-capping) and zeroes the rest of row.
func softmaxRange(row []float32, first, last int, capv float32) {
	clear(row[:first])
	clear(row[last+1:])
	softcapSoftmax(row[first:last+1], capv)
}

// softcapSoftmax replaces the attention scores v with their probabilities:
// with a cap c > 0 each score first becomes c·tanh(x/c) (Gemma 2's
// attention soft-cap), then p = e^(x-max) / Σ e^(x-max). It is the one
// softmax of the attention paths, in float32 and in this order: cap, max,
// e = expf(x - max) summed in index order, inv = 1/sum, p = e·inv.
func softcapSoftmax(v []float32, capv float32) {
	mx := float32(math.Inf(-1))
	for j, d := range v {
		if capv > 0 {
			d = capv * float32(math.Tanh(float64(d/capv)))
			v[j] = d
		}
		if d > mx {
			mx = d
		}
	}
	var sum float32
	for j, d := range v {
		e := expf(d - mx)
		v[j] = e
		sum += e
	}
	inv := 1 / sum
	for j := range v {
		v[j] *= inv
	}
}

// attendHead computes out [Dh] = softmax(scale * q·K^T [softcapped]) · V for
// one query head over S = len(sc) keys; k and v start at the first key of
// the head, rows ld apart. sc [S] is scratch.
func attendHead(out, q, k, v []float32, ld int, sc []float32, scale, capv float32) {
	Dh := len(q)
	if Dh == 8 {
		attendHead8(out, q, k, v, ld, sc, scale, capv)
		return
	}
	for j := range sc {
		kj := k[j*ld:][:Dh]
		var d float32
		if Dh >= 32 {
			d = kernels.Dot(q, kj)
		} else {
			for x, qv := range q {
				d += qv * kj[x]
			}
		}
		sc[j] = d * scale
	}
	softcapSoftmax(sc, capv)
	clear(out)
	for j, p := range sc {
		vj := v[j*ld:][:Dh]
		if Dh >= 32 {
			kernels.Axpy(p, vj, out)
		} else {
			for x, vv := range vj {
				out[x] += p * vv
			}
		}
	}
}
