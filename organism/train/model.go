package train

import (
	"fmt"
	"math"
)

// layerCache keeps one layer's activations for the backward pass.
type layerCache[T Float] struct {
	xin  []T // (N, C) residual stream entering the layer
	r1   []T // (N) 1/rms of xin
	xn1  []T // (N, C) attention input after RMSNorm
	q    []T // (N, C) queries after RoPE
	k    []T // (N, C) keys after RoPE
	v    []T // (N, C) values
	att  []T // (B, H, T, T) attention probabilities (zero above the diagonal)
	ao   []T // (N, C) attention output before o_proj
	xmid []T // (N, C) residual stream after attention
	r2   []T // (N) 1/rms of xmid
	xn2  []T // (N, C) MLP input after RMSNorm
	g    []T // (N, F) gate_proj output
	u    []T // (N, F) up_proj output
	z    []T // (N, F) silu(g)*u, the down_proj input (the CETT neurons)
}

// Workspace holds every buffer of one forward/backward pass over a batch of
// B sequences of T tokens. It is reused across steps; it is not safe for
// concurrent use.
type Workspace[T Float] struct {
	cfg      Config
	B, T     int
	cos, sin []T // (T, D/2) RoPE tables
	tokens   []int32
	x0       []T // (N, C) token embeddings
	layers   []layerCache[T]
	xL       []T // (N, C) residual stream after the last layer
	rf       []T // (N) 1/rms of xL
	xf       []T // (N, C) final-normed stream
	logits   []T // (N, V) logits; after Loss, their gradient
	// backward scratch
	dx, dxn, dq, dk, dv, dao []T // (N, C)
	dg, du, dz               []T // (N, F)
}

// NewWorkspace allocates buffers for batches of b sequences of t tokens.
func NewWorkspace[T Float](c Config, b, t int) (*Workspace[T], error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if b < 1 || t < 1 || t > c.MaxSeq {
		return nil, fmt.Errorf("train: batch %d x %d tokens outside 1..max_position_embeddings %d", b, t, c.MaxSeq)
	}
	N, C, F, H, D := b*t, c.Dim, c.FF, c.Heads, c.Dim/c.Heads
	mk := func(n int) []T { return make([]T, n) }
	w := &Workspace[T]{cfg: c, B: b, T: t, cos: mk(t * D / 2), sin: mk(t * D / 2), tokens: make([]int32, N),
		x0: mk(N * C), xL: mk(N * C), rf: mk(N), xf: mk(N * C), logits: mk(N * c.Vocab),
		dx: mk(N * C), dxn: mk(N * C), dq: mk(N * C), dk: mk(N * C), dv: mk(N * C), dao: mk(N * C),
		dg: mk(N * F), du: mk(N * F), dz: mk(N * F)}
	for l := 0; l < c.Layers; l++ {
		w.layers = append(w.layers, layerCache[T]{xin: mk(N * C), r1: mk(N), xn1: mk(N * C), q: mk(N * C), k: mk(N * C),
			v: mk(N * C), att: mk(b * H * t * t), ao: mk(N * C), xmid: mk(N * C), r2: mk(N), xn2: mk(N * C),
			g: mk(N * F), u: mk(N * F), z: mk(N * F)})
	}
	// HF Llama: inv_freq[i] = theta^(-2i/D); angle = pos * inv_freq[i], used
	// for dimensions i and i+D/2 (rotate-half layout).
	for p := 0; p < t; p++ {
		for i := 0; i < D/2; i++ {
			ang := float64(p) * math.Pow(c.RopeTheta, -float64(2*i)/float64(D))
			w.cos[p*D/2+i] = T(math.Cos(ang))
			w.sin[p*D/2+i] = T(math.Sin(ang))
		}
	}
	return w, nil
}

// Logits returns the (N, V) logits of the last Forward (before Loss).
func (w *Workspace[T]) Logits() []T { return w.logits }

// Neurons returns layer l's (N, F) MLP activations z = silu(gate)*up, the
// down_proj input, of the last Forward.
func (w *Workspace[T]) Neurons(l int) []T { return w.layers[l].z }

// Forward runs the model on tokens (B, T) and leaves the logits in the
// workspace.
func (w *Workspace[T]) Forward(m *Model[T], tokens []int32) error {
	c := w.cfg
	N, C, F, V := w.B*w.T, c.Dim, c.FF, c.Vocab
	if len(tokens) != N {
		return fmt.Errorf("train: %d tokens, want %d x %d", len(tokens), w.B, w.T)
	}
	for _, id := range tokens {
		if id < 0 || int(id) >= V {
			return fmt.Errorf("train: token id %d outside vocabulary of %d", id, V)
		}
	}
	copy(w.tokens, tokens)
	p := newView(c, m.Params)
	// x0 = E[tokens]
	for n, id := range tokens {
		copy(w.x0[n*C:(n+1)*C], p.embed[int(id)*C:(int(id)+1)*C])
	}
	x := w.x0
	for l := range w.layers {
		lc, lw := &w.layers[l], p.layers[l]
		copy(lc.xin, x)
		// attention sub-layer: xmid = xin + o(attn(rope(q(n1)), rope(k(n1)), v(n1)))
		rmsNorm(lc.xn1, lc.r1, lc.xin, lw.attnNorm, N, C, T(c.NormEps))
		gemm(false, true, N, C, C, 1, lc.xn1, C, lw.wq, C, 0, lc.q, C)
		gemm(false, true, N, C, C, 1, lc.xn1, C, lw.wk, C, 0, lc.k, C)
		gemm(false, true, N, C, C, 1, lc.xn1, C, lw.wv, C, 0, lc.v, C)
		w.rope(lc.q, false)
		w.rope(lc.k, false)
		w.attention(lc)
		copy(lc.xmid, lc.xin)
		gemm(false, true, N, C, C, 1, lc.ao, C, lw.wo, C, 1, lc.xmid, C)
		// MLP sub-layer: out = xmid + down(silu(gate(n2)) * up(n2))
		rmsNorm(lc.xn2, lc.r2, lc.xmid, lw.mlpNorm, N, C, T(c.NormEps))
		gemm(false, true, N, F, C, 1, lc.xn2, C, lw.wg, C, 0, lc.g, F)
		gemm(false, true, N, F, C, 1, lc.xn2, C, lw.wu, C, 0, lc.u, F)
		parallelFor(N, N*F/4096, func(lo, hi int) {
			for i := lo * F; i < hi*F; i++ {
				lc.z[i] = silu(lc.g[i]) * lc.u[i]
			}
		})
		out := w.xL
		if l+1 < len(w.layers) {
			out = w.layers[l+1].xin
		}
		copy(out, lc.xmid)
		gemm(false, true, N, C, F, 1, lc.z, F, lw.wd, F, 1, out, C)
		x = out
	}
	// final norm and tied output projection: logits = norm(xL) E^T
	rmsNorm(w.xf, w.rf, w.xL, p.norm, N, C, T(c.NormEps))
	gemm(false, true, N, V, C, 1, w.xf, C, p.embed, C, 0, w.logits, V)
	return nil
}

// Loss computes the mean cross-entropy of the logits of the last Forward
// against targets (B, T), where a negative target is not counted, and
// replaces the logits with the gradient of that mean. It returns the mean
// loss and the number of counted targets (the loss is 0 when none count).
func (w *Workspace[T]) Loss(targets []int32) (float64, int, error) {
	N, V := w.B*w.T, w.cfg.Vocab
	if len(targets) != N {
		return 0, 0, fmt.Errorf("train: %d targets, want %d", len(targets), N)
	}
	count := 0
	for _, t := range targets {
		if int(t) >= V {
			return 0, 0, fmt.Errorf("train: target %d outside vocabulary of %d", t, V)
		}
		if t >= 0 {
			count++
		}
	}
	if count == 0 {
		clear(w.logits)
		return 0, 0, nil
	}
	rowLoss := make([]float64, N)
	inv := 1 / float64(count)
	parallelFor(N, N*V/8192, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			row := w.logits[n*V : (n+1)*V]
			if targets[n] < 0 {
				clear(row)
				continue
			}
			mx := row[0]
			for _, v := range row {
				mx = max(mx, v)
			}
			var sum float64
			for j, v := range row {
				e := math.Exp(float64(v - mx))
				row[j] = T(e)
				sum += e
			}
			tgt := int(targets[n])
			rowLoss[n] = -math.Log(float64(row[tgt]) / sum)
			for j := range row {
				row[j] = T(float64(row[j]) / sum * inv)
			}
			row[tgt] -= T(inv)
		}
	})
	var loss float64
	for _, l := range rowLoss {
		loss += l
	}
	return loss * inv, count, nil
}

// Backward accumulates into grads (laid out like m.Params) the gradient of
// the loss whose logit gradient Loss left in the workspace.
func (w *Workspace[T]) Backward(m *Model[T], grads []T) {
	c := w.cfg
	N, C, F, V := w.B*w.T, c.Dim, c.FF, c.Vocab
	p, g := newView(c, m.Params), newView(c, grads)
	dl := w.logits
	// logits = xf E^T: dxf = dl E, dE += dl^T xf
	gemm(false, false, N, C, V, 1, dl, V, p.embed, C, 0, w.dxn, C)
	gemm(true, false, V, C, N, 1, dl, V, w.xf, C, 1, g.embed, C)
	clear(w.dx)
	rmsNormBack(w.dx, g.norm, w.dxn, w.xL, w.rf, p.norm, N, C)
	for l := len(w.layers) - 1; l >= 0; l-- {
		lc, lw, lg := &w.layers[l], p.layers[l], g.layers[l]
		// MLP: out = xmid + z Wd^T
		gemm(false, false, N, F, C, 1, w.dx, C, lw.wd, F, 0, w.dz, F)
		gemm(true, false, C, F, N, 1, w.dx, C, lc.z, F, 1, lg.wd, F)
		parallelFor(N, N*F/4096, func(lo, hi int) {
			for i := lo * F; i < hi*F; i++ {
				s := sigmoid(lc.g[i])
				w.du[i] = w.dz[i] * lc.g[i] * s
				w.dg[i] = w.dz[i] * lc.u[i] * s * (1 + lc.g[i]*(1-s))
			}
		})
		gemm(false, false, N, C, F, 1, w.du, F, lw.wu, C, 0, w.dxn, C)
		gemm(false, false, N, C, F, 1, w.dg, F, lw.wg, C, 1, w.dxn, C)
		gemm(true, false, F, C, N, 1, w.du, F, lc.xn2, C, 1, lg.wu, C)
		gemm(true, false, F, C, N, 1, w.dg, F, lc.xn2, C, 1, lg.wg, C)
		rmsNormBack(w.dx, lg.mlpNorm, w.dxn, lc.xmid, lc.r2, lw.mlpNorm, N, C)
		// attention: xmid = xin + ao Wo^T
		gemm(false, false, N, C, C, 1, w.dx, C, lw.wo, C, 0, w.dao, C)
		gemm(true, false, C, C, N, 1, w.dx, C, lc.ao, C, 1, lg.wo, C)
		w.attentionBack(lc)
		w.rope(w.dq, true)
		w.rope(w.dk, true)
		gemm(false, false, N, C, C, 1, w.dq, C, lw.wq, C, 0, w.dxn, C)
		gemm(false, false, N, C, C, 1, w.dk, C, lw.wk, C, 1, w.dxn, C)
		gemm(false, false, N, C, C, 1, w.dv, C, lw.wv, C, 1, w.dxn, C)
		gemm(true, false, C, C, N, 1, w.dq, C, lc.xn1, C, 1, lg.wq, C)
		gemm(true, false, C, C, N, 1, w.dk, C, lc.xn1, C, 1, lg.wk, C)
		gemm(true, false, C, C, N, 1, w.dv, C, lc.xn1, C, 1, lg.wv, C)
		rmsNormBack(w.dx, lg.attnNorm, w.dxn, lc.xin, lc.r1, lw.attnNorm, N, C)
	}
	// x0 = E[tokens]
	for n, id := range w.tokens {
		axpy(1, w.dx[n*C:(n+1)*C], g.embed[int(id)*C:(int(id)+1)*C])
	}
}

// rmsNorm: y = x * r * gain with r = 1/sqrt(mean(x^2) + eps), per row of
// x (N, C); r (N) is kept for the backward pass.
func rmsNorm[T Float](y, r, x, gain []T, N, C int, eps T) {
	for n := 0; n < N; n++ {
		xr := x[n*C : (n+1)*C]
		var ss T
		for _, v := range xr {
			ss += v * v
		}
		rn := T(1 / math.Sqrt(float64(ss/T(C)+eps)))
		r[n] = rn
		yr := y[n*C : (n+1)*C]
		for i, v := range xr {
			yr[i] = gain[i] * (v * rn)
		}
	}
}

// rmsNormBack accumulates dx and dgain from dy for y = x*r*gain:
// dx_j += r*(a_j - x_j*r^2*sum_i(a_i x_i)/C) with a = gain*dy.
func rmsNormBack[T Float](dx, dgain, dy, x, r, gain []T, N, C int) {
	for n := 0; n < N; n++ {
		xr, dyr, dxr, rn := x[n*C:(n+1)*C], dy[n*C:(n+1)*C], dx[n*C:(n+1)*C], r[n]
		var s T
		for i, v := range xr {
			s += gain[i] * dyr[i] * v
			dgain[i] += dyr[i] * v * rn
		}
		k := rn * rn * s / T(C)
		for i, v := range xr {
			dxr[i] += rn * (gain[i]*dyr[i] - v*k)
		}
	}
}

// rope rotates each head's pairs (i, i+D/2) of x (N, C) by the position
// angle; inverse applies the transpose rotation (the backward pass).
func (w *Workspace[T]) rope(x []T, inverse bool) {
	C, D := w.cfg.Dim, w.cfg.Dim/w.cfg.Heads
	half := D / 2
	for n := 0; n < w.B*w.T; n++ {
		t := n % w.T
		cs, sn := w.cos[t*half:(t+1)*half], w.sin[t*half:(t+1)*half]
		for h := 0; h < w.cfg.Heads; h++ {
			v := x[n*C+h*D : n*C+(h+1)*D]
			for i := 0; i < half; i++ {
				a, b, s := v[i], v[i+half], sn[i]
				if inverse {
					s = -s
				}
				v[i] = a*cs[i] - b*s
				v[i+half] = b*cs[i] + a*s
			}
		}
	}
}

// attention computes causal softmax attention per (sequence, head) into
// lc.ao, keeping the probabilities in lc.att.
func (w *Workspace[T]) attention(lc *layerCache[T]) {
	B, Tn, C, H := w.B, w.T, w.cfg.Dim, w.cfg.Heads
	D := C / H
	scale := T(1 / math.Sqrt(float64(D)))
	parallelFor(B*H, B*H*Tn*Tn*D/16384, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/H, bh%H
			row := func(buf []T, t int) []T { o := (b*Tn+t)*C + h*D; return buf[o : o+D] }
			for t := 0; t < Tn; t++ {
				P := lc.att[(bh*Tn+t)*Tn : (bh*Tn+t+1)*Tn]
				qt := row(lc.q, t)
				mx := T(math.Inf(-1))
				for s := 0; s <= t; s++ {
					P[s] = dot(qt, row(lc.k, s)) * scale
					mx = max(mx, P[s])
				}
				var sum T
				for s := 0; s <= t; s++ {
					P[s] = T(math.Exp(float64(P[s] - mx)))
					sum += P[s]
				}
				out := row(lc.ao, t)
				clear(out)
				for s := 0; s <= t; s++ {
					P[s] /= sum
					axpy(P[s], row(lc.v, s), out)
				}
				clear(P[t+1:])
			}
		}
	})
}

// attentionBack turns w.dao into w.dq, w.dk, w.dv (overwritten; before the
// inverse RoPE of dq and dk).
func (w *Workspace[T]) attentionBack(lc *layerCache[T]) {
	B, Tn, C, H := w.B, w.T, w.cfg.Dim, w.cfg.Heads
	D := C / H
	scale := T(1 / math.Sqrt(float64(D)))
	clear(w.dq)
	clear(w.dk)
	clear(w.dv)
	parallelFor(B*H, B*H*Tn*Tn*D/8192, func(lo, hi int) {
		dP := make([]T, Tn) // (T) one row of dL/dP
		for bh := lo; bh < hi; bh++ {
			b, h := bh/H, bh%H
			row := func(buf []T, t int) []T { o := (b*Tn+t)*C + h*D; return buf[o : o+D] }
			for t := 0; t < Tn; t++ {
				P := lc.att[(bh*Tn+t)*Tn : (bh*Tn+t+1)*Tn]
				dout := row(w.dao, t)
				var sum T
				for s := 0; s <= t; s++ {
					dP[s] = dot(dout, row(lc.v, s))
					axpy(P[s], dout, row(w.dv, s))
					sum += P[s] * dP[s]
				}
				dqt, qt := row(w.dq, t), row(lc.q, t)
				for s := 0; s <= t; s++ {
					dS := P[s] * (dP[s] - sum) * scale
					if dS == 0 {
						continue
					}
					axpy(dS, row(lc.k, s), dqt)
					axpy(dS, qt, row(w.dk, s))
				}
			}
		}
	})
}

func sigmoid[T Float](x T) T { return T(1 / (1 + math.Exp(-float64(x)))) }

func silu[T Float](x T) T { return x * sigmoid(x) }
