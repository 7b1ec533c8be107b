package probe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Penalty selects the regulariser of the logistic regression.
type Penalty string

// The penalties Fit supports.
const (
	L1 Penalty = "l1"
	L2 Penalty = "l2"
)

// ParsePenalty parses "l1" or "l2".
func ParsePenalty(s string) (Penalty, error) {
	switch Penalty(s) {
	case L1, L2:
		return Penalty(s), nil
	}
	return "", fmt.Errorf("probe: unknown penalty %q (want l1 or l2)", s)
}

// Options configures Fit.
type Options struct {
	// Penalty is L1 (sparse, the paper's) or L2.
	Penalty Penalty
	// C is the inverse regularisation strength, as in liblinear and scikit-learn.
	C float64
	// Tol is liblinear's stopping tolerance: stop when the 1-norm of the
	// minimum-norm subgradient falls below Tol * max(min(pos,neg),1)/l times
	// its value at w = 0. Zero means 1e-4 (scikit-learn's default).
	Tol float64
	// MaxIter bounds the Newton iterations over all working-set rounds; zero means 1000.
	MaxIter int
	// Threads is the number of goroutines for column-parallel work; zero means GOMAXPROCS.
	Threads int
	// Seed drives the coordinate order of the inner solver.
	Seed uint64
}

// Model is a fitted linear classifier: P(y=1|x) = Sigmoid(W·x + Bias).
type Model struct {
	// W holds one weight per problem column, (cols,).
	W []float64
	// Bias is the intercept (liblinear's weight on a constant feature 1).
	Bias float64
	// Objective is the liblinear objective at (W, Bias), in float64.
	Objective float64
	// Iterations counts the Newton iterations taken.
	Iterations int
	// Rounds counts the full-gradient passes (working-set rounds).
	Rounds int
	// Converged is false when MaxIter or the line search stopped the solver early.
	Converged bool
}

// NonZero returns the number of non-zero weights in W.
func (m *Model) NonZero() int {
	n := 0
	for _, w := range m.W {
		if w != 0 {
			n++
		}
	}
	return n
}

// Problem is a binary classification problem on a column-major matrix.
// A Problem caches what does not depend on C, so fitting a path of C values
// on one Problem is cheaper than separate fits.
type Problem struct {
	x    *Matrix
	cols []int     // problem column k is matrix column cols[k]; nil = identity
	y    []float64 // (rows,) ±1
	cw   []float64 // (rows,) per-row weight (multiplies C); 0 drops the row
	ones []float32 // (rows,) the intercept column
	pos  int       // weighted rows with y = +1
	neg  int       // weighted rows with y = -1

	g0 []float64 // (cols+1,) gradient at w = 0 for C = 1, computed lazily
}

// NewProblem checks the inputs and builds a problem. labels are 0/1 per row;
// rowWeight (optional, nil = all 1) scales C per row, and rows with weight 0
// are ignored (this is how cross-validation folds are fitted without copying
// the matrix); cols (optional) restricts the problem to those matrix columns.
func NewProblem(x *Matrix, labels []int, rowWeight []float64, cols []int) (*Problem, error) {
	if x == nil || x.Rows == 0 || x.Cols == 0 {
		return nil, errors.New("probe: empty feature matrix")
	}
	if len(labels) != x.Rows {
		return nil, fmt.Errorf("probe: %d labels for %d rows", len(labels), x.Rows)
	}
	if rowWeight != nil && len(rowWeight) != x.Rows {
		return nil, fmt.Errorf("probe: %d row weights for %d rows", len(rowWeight), x.Rows)
	}
	for _, c := range cols {
		if c < 0 || c >= x.Cols {
			return nil, fmt.Errorf("probe: column %d out of range [0,%d)", c, x.Cols)
		}
	}
	p := &Problem{x: x, cols: cols, y: make([]float64, x.Rows), cw: make([]float64, x.Rows), ones: make([]float32, x.Rows)}
	for i, l := range labels {
		p.ones[i] = 1
		w := 1.0
		if rowWeight != nil {
			w = rowWeight[i]
			if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
				return nil, fmt.Errorf("probe: row %d: weight %v, want finite and >= 0", i, w)
			}
		}
		p.cw[i] = w
		switch l {
		case 1:
			p.y[i] = 1
			if w > 0 {
				p.pos++
			}
		case 0:
			p.y[i] = -1
			if w > 0 {
				p.neg++
			}
		default:
			return nil, fmt.Errorf("probe: row %d: label %d, want 0 or 1", i, l)
		}
	}
	if p.pos == 0 || p.neg == 0 {
		return nil, fmt.Errorf("probe: training rows hold one class only (%d positive, %d negative); need both", p.pos, p.neg)
	}
	if !x.finite {
		if err := p.checkFinite(); err != nil {
			return nil, err
		}
		// A full-matrix check covers every later problem on x (Data must
		// not change after a problem is built on it).
		x.finite = cols == nil
	}
	return p, nil
}

// checkFinite reports the first NaN or Inf among the used columns.
func (p *Problem) checkFinite() error {
	bad := make([]int, p.NumCols()) // (cols,) 1 + first bad row, 0 when finite
	parallelFor(p.NumCols(), threads(0), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			// NaN and ±Inf are the float32 values whose exponent bits are all ones.
			for i, v := range p.col(k) {
				if math.Float32bits(v)&0x7f800000 == 0x7f800000 {
					bad[k] = i + 1
					break
				}
			}
		}
	})
	for k, b := range bad {
		if b != 0 {
			return fmt.Errorf("probe: feature column %d row %d is %v; features must be finite",
				p.matCol(k), b-1, p.col(k)[b-1])
		}
	}
	return nil
}

// NumCols returns the number of problem columns (without the intercept).
func (p *Problem) NumCols() int {
	if p.cols != nil {
		return len(p.cols)
	}
	return p.x.Cols
}

// matCol maps a problem column to a matrix column.
func (p *Problem) matCol(k int) int {
	if p.cols != nil {
		return p.cols[k]
	}
	return k
}

// col returns problem column k (rows,); k = NumCols() is the intercept column.
func (p *Problem) col(k int) []float32 {
	if k == p.NumCols() {
		return p.ones
	}
	return p.x.Col(p.matCol(k))
}

// loss returns log(1 + exp(-z)) without overflow.
func loss(z float64) float64 {
	if z > 0 {
		return math.Log1p(math.Exp(-z))
	}
	return -z + math.Log1p(math.Exp(z))
}

// Sigmoid returns 1 / (1 + exp(-z)), computed without overflow: the
// probability a probe's logit gives.
func Sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// Objective returns the liblinear objective of weights w (cols,) and bias at
// inverse regularisation c, in float64:
// L1: Σ|w| + |b| + c Σ_i cw_i log(1+exp(-y_i(w·x_i+b))), L2: ½(Σw² + b²) + the same loss.
func (p *Problem) Objective(pen Penalty, c float64, w []float64, bias float64) float64 {
	m := p.margins(w, bias, 0)
	return p.objective(pen, c, w, bias, m)
}

// objective is Objective with precomputed margins m (rows,).
func (p *Problem) objective(pen Penalty, c float64, w []float64, bias float64, m []float64) float64 {
	f := 0.0
	for i, mi := range m {
		if p.cw[i] != 0 {
			f += p.cw[i] * loss(p.y[i]*mi)
		}
	}
	f *= c
	return f + reg(pen, w, bias)
}

// reg returns the regulariser of (w, bias).
func reg(pen Penalty, w []float64, bias float64) float64 {
	s := 0.0
	if pen == L1 {
		for _, v := range w {
			s += math.Abs(v)
		}
		return s + math.Abs(bias)
	}
	for _, v := range w {
		s += v * v
	}
	return 0.5 * (s + bias*bias)
}

// margins returns w·x_i + bias for every row (rows,), using only non-zero weights.
func (p *Problem) margins(w []float64, bias float64, t int) []float64 {
	m := make([]float64, p.x.Rows)
	for i := range m {
		m[i] = bias
	}
	for k, v := range w {
		if v != 0 {
			axpy(v, p.col(k), m)
		}
	}
	return m
}

// gradZero returns (and caches) the loss gradient at w = 0 for C = 1, (cols+1,).
func (p *Problem) gradZero(t int) []float64 {
	if p.g0 != nil {
		return p.g0
	}
	r := make([]float64, p.x.Rows) // (rows,) dloss/dmargin at margin 0
	for i := range r {
		r[i] = -0.5 * p.cw[i] * p.y[i]
	}
	n := p.NumCols() + 1
	g := make([]float64, n)
	parallelFor(n, t, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			g[k] = dot(p.col(k), r)
		}
	})
	p.g0 = g
	return g
}

// violation returns the magnitude of the minimum-norm subgradient of the
// objective in coordinate with weight w and loss gradient g.
func violation(pen Penalty, w, g float64) float64 {
	if pen == L2 {
		return math.Abs(g + w)
	}
	switch {
	case w > 0:
		return math.Abs(g + 1)
	case w < 0:
		return math.Abs(g - 1)
	}
	return math.Max(math.Abs(g)-1, 0)
}

// solver holds the state of one Fit.
type solver struct {
	p   *Problem
	opt Options
	t   int
	n   int       // problem columns + 1 (the intercept is column n-1)
	w   []float64 // (n,) weights, intercept last
	m   []float64 // (rows,) margins w·x_i
	r   []float64 // (rows,) C*cw_i * dloss/dmargin
	d   []float64 // (rows,) C*cw_i * d²loss/dmargin²
	rng *rand.Rand
}

// residuals fills r and d from the margins.
func (s *solver) residuals() {
	c := s.opt.C
	for i, mi := range s.m {
		cw := c * s.p.cw[i]
		if cw == 0 {
			s.r[i], s.d[i] = 0, 0
			continue
		}
		y := s.p.y[i]
		sg := Sigmoid(y * mi) // P(correct class)
		s.r[i] = cw * y * (sg - 1)
		s.d[i] = cw * sg * (1 - sg)
	}
}

// Fit minimises the liblinear objective of p with a working-set
// newGLMNET: Newton steps whose quadratic models are solved by coordinate
// descent on a working set of columns, grown from full-gradient passes
// (parallel over columns) until the whole problem meets the stopping
// criterion. init, when not nil, warm-starts the solver (e.g. from the
// previous C of a path).
func Fit(ctx context.Context, p *Problem, opt Options, init *Model) (*Model, error) {
	if opt.Penalty != L1 && opt.Penalty != L2 {
		return nil, fmt.Errorf("probe: unknown penalty %q", opt.Penalty)
	}
	if !(opt.C > 0) || math.IsInf(opt.C, 0) {
		return nil, fmt.Errorf("probe: C = %v, want a positive finite number", opt.C)
	}
	if opt.Tol == 0 {
		opt.Tol = 1e-4
	}
	if opt.MaxIter == 0 {
		opt.MaxIter = 1000
	}
	s := &solver{p: p, opt: opt, t: threads(opt.Threads), n: p.NumCols() + 1,
		r: make([]float64, p.x.Rows), d: make([]float64, p.x.Rows),
		rng: rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15))}
	s.w = make([]float64, s.n)
	if init != nil {
		if len(init.W) != s.n-1 {
			return nil, fmt.Errorf("probe: warm start has %d weights, problem has %d columns", len(init.W), s.n-1)
		}
		copy(s.w, init.W)
		s.w[s.n-1] = init.Bias
	}
	// Stopping threshold, as liblinear: tol * max(min(pos,neg),1)/l * Gnorm(0).
	g0 := p.gradZero(s.t)
	gn0 := 0.0
	for _, g := range g0 {
		gn0 += violation(opt.Penalty, 0, opt.C*g)
	}
	l := p.pos + p.neg
	eps := opt.Tol * float64(max(min(p.pos, p.neg), 1)) / float64(l) * gn0
	model, err := s.run(ctx, eps)
	if err != nil {
		return nil, err
	}
	return model, nil
}

// run is the working-set loop.
func (s *solver) run(ctx context.Context, eps float64) (*Model, error) {
	p, pen := s.p, s.opt.Penalty
	g := make([]float64, s.n)  // (n,) full loss gradient
	inSet := make([]bool, s.n) // working-set membership
	var set []int
	add := func(k int) {
		if !inSet[k] {
			inSet[k] = true
			set = append(set, k)
		}
	}
	add(s.n - 1)
	for k, v := range s.w {
		if v != 0 {
			add(k)
		}
	}
	model := &Model{}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Full pass: margins from scratch, then the gradient of every column.
		s.m = p.margins(s.w[:s.n-1], s.w[s.n-1], s.t)
		s.residuals()
		parallelFor(s.n, s.t, func(lo, hi int) {
			for k := lo; k < hi; k++ {
				g[k] = dot(p.col(k), s.r)
			}
		})
		model.Rounds++
		gnorm := 0.0
		type cand struct {
			k int
			v float64
		}
		var out []cand
		for k := 0; k < s.n; k++ {
			v := violation(pen, s.w[k], g[k])
			gnorm += v
			if v > 0 && !inSet[k] {
				out = append(out, cand{k, v})
			}
		}
		if gnorm <= eps {
			model.Converged = true
			break
		}
		if model.Iterations >= s.opt.MaxIter {
			break
		}
		// Grow the working set by the worst violators, at least doubling it.
		slices.SortFunc(out, func(a, b cand) int {
			switch {
			case a.v > b.v:
				return -1
			case a.v < b.v:
				return 1
			}
			return a.k - b.k
		})
		grow := max(len(set), 100)
		if pen == L2 {
			// Every L2 weight is non-zero at the optimum: take all violators.
			grow = len(out)
		}
		for i := 0; i < len(out) && i < grow; i++ {
			add(out[i].k)
		}
		slices.Sort(set)
		// The restricted problem must be solved well inside the full tolerance.
		iters, ok, err := s.newton(ctx, set, 0.2*eps, s.opt.MaxIter-model.Iterations)
		model.Iterations += iters
		if err != nil {
			return nil, err
		}
		if !ok && (model.Iterations >= s.opt.MaxIter || len(out) == 0) {
			// Out of iterations, or the line search failed with no new
			// columns to add: another round would repeat the same work.
			break
		}
	}
	model.W = append([]float64(nil), s.w[:s.n-1]...)
	model.Bias = s.w[s.n-1]
	model.Objective = p.objective(pen, s.opt.C, model.W, model.Bias, p.margins(model.W, model.Bias, s.t))
	return model, nil
}

// newton runs newGLMNET iterations on the columns in set until the
// working-set subgradient norm is at most eps. It returns the iterations
// used and whether it converged.
func (s *solver) newton(ctx context.Context, set []int, eps float64, maxIter int) (int, bool, error) {
	p, pen := s.p, s.opt.Penalty
	const nu = 1e-12
	const sigma = 0.01
	ns := len(set)
	g := make([]float64, ns)         // (set,) loss gradient
	h := make([]float64, ns)         // (set,) Hessian diagonal
	wpd := make([]float64, ns)       // (set,) w + d
	xTd := make([]float64, len(s.m)) // (rows,) X d
	active := make([]int, 0, ns)
	gmaxOld := math.Inf(1)
	l := float64(p.pos + p.neg)
	for iter := 0; iter < maxIter; iter++ {
		if err := ctx.Err(); err != nil {
			return iter, false, err
		}
		s.residuals()
		parallelFor(ns, s.t, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				gj, hj := dot2(p.col(set[j]), s.r, s.d)
				g[j], h[j] = gj, hj+nu
			}
		})
		// Subgradient norm and liblinear-style shrinking of the active set.
		gnorm, gmax := 0.0, 0.0
		active = active[:0]
		for j, k := range set {
			v := violation(pen, s.w[k], g[j])
			gnorm += v
			gmax = max(gmax, v)
			if pen == L1 && s.w[k] == 0 && math.Abs(g[j]) < 1-gmaxOld/l {
				continue
			}
			active = append(active, j)
		}
		if gnorm <= eps {
			return iter, true, nil
		}
		gmaxOld = gmax
		// Inner coordinate descent on the quadratic model.
		for j, k := range set {
			wpd[j] = s.w[k]
		}
		clear(xTd)
		innerTol := 0.1 * gnorm
		// L2 working sets hold every column, where a sweep costs two passes
		// over the matrix: a few sweeps and more Newton steps are cheaper.
		maxSweeps := 100
		if pen == L2 {
			maxSweeps = 5
		}
		for sweep := 0; sweep < maxSweeps; sweep++ {
			for i := len(active) - 1; i > 0; i-- {
				r := s.rng.IntN(i + 1)
				active[i], active[r] = active[r], active[i]
			}
			qviol := 0.0
			for _, j := range active {
				x := p.col(set[j])
				G := g[j] + dot3(x, s.d, xTd) + nu*(wpd[j]-s.w[set[j]])
				H := h[j]
				var z float64
				if pen == L2 {
					G += wpd[j]
					H += 1
					qviol += math.Abs(G)
					z = -G / H
				} else {
					qviol += violation(L1, wpd[j], G)
					switch {
					case G+1 < H*wpd[j]:
						z = -(G + 1) / H
					case G-1 > H*wpd[j]:
						z = -(G - 1) / H
					default:
						z = -wpd[j]
					}
				}
				if math.Abs(z) < 1e-12 {
					continue
				}
				z = math.Min(math.Max(z, -10), 10)
				wpd[j] += z
				axpy(z, x, xTd)
			}
			if qviol <= innerTol {
				break
			}
		}
		// Armijo line search along d = wpd - w.
		delta := 0.0
		for j, k := range set {
			d := wpd[j] - s.w[k]
			delta += g[j] * d
			if pen == L2 {
				delta += s.w[k] * d
			} else {
				delta += math.Abs(wpd[j]) - math.Abs(s.w[k])
			}
		}
		wOld := make([]float64, ns)
		for j, k := range set {
			wOld[j] = s.w[k]
		}
		fOld := s.restrictedObjective(set, wOld, s.m, 0, xTd)
		step := 1.0
		accepted := false
		for ls := 0; ls < 30; ls++ {
			trial := make([]float64, ns)
			for j := range set {
				trial[j] = wOld[j] + step*(wpd[j]-wOld[j])
			}
			fNew := s.restrictedObjective(set, trial, s.m, step, xTd)
			if fNew-fOld <= sigma*step*delta+1e-13*math.Abs(fOld) {
				for j, k := range set {
					s.w[k] = trial[j]
				}
				axpyF(step, xTd, s.m)
				accepted = true
				break
			}
			step *= 0.5
		}
		if !accepted {
			return iter + 1, false, nil
		}
	}
	return maxIter, false, nil
}

// restrictedObjective evaluates the objective with the set's weights set to
// w (set,) and margins m + step*xTd; the other weights are unchanged (and
// their contribution to the regulariser cancels in differences).
func (s *solver) restrictedObjective(set []int, w []float64, m []float64, step float64, xTd []float64) float64 {
	f := 0.0
	p := s.p
	for i, mi := range m {
		if p.cw[i] != 0 {
			f += p.cw[i] * loss(p.y[i]*(mi+step*xTd[i]))
		}
	}
	f *= s.opt.C
	for _, v := range w {
		if s.opt.Penalty == L1 {
			f += math.Abs(v)
		} else {
			f += 0.5 * v * v
		}
	}
	return f
}

// axpyF does y[i] += a*x[i] on float64 slices.
func axpyF(a float64, x, y []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}
