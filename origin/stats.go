package origin

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/hneurons/hneurons/probe"
)

// WelchResult is a one-sided Welch t-test of mean(a) < mean(b).
type WelchResult struct {
	// T is (mean(a) - mean(b)) / sqrt(var(a)/n_a + var(b)/n_b) with sample
	// variances; negative when a is lower.
	T float64 `json:"t"`
	// DF is the Welch-Satterthwaite degrees of freedom.
	DF float64 `json:"df"`
	// P is the one-sided p-value P(T' <= T) under Student's t with DF.
	P float64 `json:"p"`
}

// Welch runs a one-sided Welch t-test that mean(a) is less than mean(b).
// It returns NaNs when either sample has fewer than two values.
func Welch(a, b []float64) WelchResult {
	if len(a) < 2 || len(b) < 2 {
		return WelchResult{T: math.NaN(), DF: math.NaN(), P: math.NaN()}
	}
	ma, va := meanVar(a)
	mb, vb := meanVar(b)
	na, nb := float64(len(a)), float64(len(b))
	sa, sb := va/na, vb/nb
	se := math.Sqrt(sa + sb)
	if se == 0 {
		r := WelchResult{T: 0, DF: math.NaN(), P: 0.5}
		switch {
		case ma < mb:
			r.T, r.P = math.Inf(-1), 0
		case ma > mb:
			r.T, r.P = math.Inf(1), 1
		}
		return r
	}
	t := (ma - mb) / se
	df := (sa + sb) * (sa + sb) / (sa*sa/(na-1) + sb*sb/(nb-1))
	return WelchResult{T: t, DF: df, P: StudentCDF(t, df)}
}

// meanVar returns the mean and the sample variance (n-1) of v.
func meanVar(v []float64) (mean, variance float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(v)-1)
}

// StudentCDF is the distribution function of Student's t with df degrees of
// freedom, through the regularised incomplete beta function:
// P(T <= t) = 1 - I_x(df/2, 1/2)/2 for t >= 0 with x = df/(df+t²).
func StudentCDF(t, df float64) float64 {
	if math.IsNaN(t) || !(df > 0) {
		return math.NaN()
	}
	if math.IsInf(t, -1) {
		return 0
	}
	if math.IsInf(t, 1) {
		return 1
	}
	x := df / (df + t*t)
	tail := 0.5 * RegIncBeta(df/2, 0.5, x)
	if t < 0 {
		return tail
	}
	return 1 - tail
}

// RegIncBeta is the regularised incomplete beta function I_x(a, b) for
// a, b > 0 and x in [0, 1], by the continued fraction of Numerical Recipes'
// betacf (modified Lentz), using the symmetry I_x(a,b) = 1 - I_{1-x}(b,a)
// where the fraction converges faster.
func RegIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	front := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

// betaCF evaluates the continued fraction of the incomplete beta function.
func betaCF(a, b, x float64) float64 {
	const (
		maxIter = 1000
		eps     = 1e-15
		tiny    = 1e-300
	)
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= maxIter; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// PermutationResult is a permutation test of a subset's mean.
type PermutationResult struct {
	// Draws is the number of random subsets.
	Draws int `json:"draws"`
	// Observed is the subset's mean.
	Observed float64 `json:"observed"`
	// NullMean and NullSD describe the means of the random subsets.
	NullMean float64 `json:"null_mean"`
	NullSD   float64 `json:"null_sd"`
	// P is (1 + #{random means >= Observed}) / (1 + Draws): the one-sided
	// p-value that the subset's values are larger than chance gives.
	P float64 `json:"p"`
}

// PermutationGreater tests whether the mean of values[subset] is larger
// than the means of draws random subsets of the same size (drawn without
// replacement, seeded).
func PermutationGreater(values []float64, subset []int, draws int, seed uint64) PermutationResult {
	k := len(subset)
	res := PermutationResult{Draws: draws, Observed: math.NaN(), NullMean: math.NaN(), NullSD: math.NaN(), P: math.NaN()}
	if k == 0 || k > len(values) || draws <= 0 {
		return res
	}
	obs := 0.0
	for _, i := range subset {
		obs += values[i]
	}
	obs /= float64(k)
	res.Observed = obs
	rng := rand.New(rand.NewPCG(seed, 0x7065726d))
	idx := make([]int, len(values))
	for i := range idx {
		idx[i] = i
	}
	means := make([]float64, draws)
	ge := 0
	for d := range draws {
		// A partial Fisher-Yates shuffle picks k distinct values.
		s := 0.0
		for i := 0; i < k; i++ {
			j := i + rng.IntN(len(idx)-i)
			idx[i], idx[j] = idx[j], idx[i]
			s += values[idx[i]]
		}
		means[d] = s / float64(k)
		if means[d] >= obs-tieTolerance(obs) {
			ge++
		}
	}
	res.P = float64(1+ge) / float64(1+draws)
	if draws >= 2 {
		res.NullMean, res.NullSD = meanVar(means)
		res.NullSD = math.Sqrt(res.NullSD)
	} else {
		res.NullMean, res.NullSD = means[0], 0
	}
	return res
}

// PermutationGreaterStratified is PermutationGreater with every random set
// drawn stratum by stratum: as many values from each stratum (stratum[i]
// names value i's) as the subset holds there. With layers as strata it is
// the layer-matched control.
func PermutationGreaterStratified(values []float64, strata []int, subset []int, draws int, seed uint64) PermutationResult {
	res := PermutationResult{Draws: draws, Observed: math.NaN(), NullMean: math.NaN(), NullSD: math.NaN(), P: math.NaN()}
	k := len(subset)
	if k == 0 || draws <= 0 || len(strata) != len(values) {
		return res
	}
	members := map[int][]int{} // stratum -> value indices
	for i, s := range strata {
		members[s] = append(members[s], i)
	}
	need := map[int]int{}
	obs := 0.0
	for _, i := range subset {
		need[strata[i]]++
		obs += values[i]
	}
	obs /= float64(k)
	res.Observed = obs
	keys := make([]int, 0, len(need))
	for s := range need {
		keys = append(keys, s)
	}
	slices.Sort(keys)
	rng := rand.New(rand.NewPCG(seed, 0x73747261))
	means := make([]float64, draws)
	ge := 0
	for d := range draws {
		sum := 0.0
		for _, s := range keys {
			idx := members[s]
			for i := 0; i < need[s]; i++ {
				j := i + rng.IntN(len(idx)-i)
				idx[i], idx[j] = idx[j], idx[i]
				sum += values[idx[i]]
			}
		}
		means[d] = sum / float64(k)
		if means[d] >= obs-tieTolerance(obs) {
			ge++
		}
	}
	res.P = float64(1+ge) / float64(1+draws)
	if draws >= 2 {
		var v float64
		res.NullMean, v = meanVar(means)
		res.NullSD = math.Sqrt(v)
	} else {
		res.NullMean, res.NullSD = means[0], 0
	}
	return res
}

// NormalizedRanks ranks values from largest (rank 0) to smallest (rank 1),
// ties sharing their average rank, scaled to [0, 1] by n-1 (a single value
// has rank 0.5).
func NormalizedRanks(values []float64) []float64 {
	n := len(values)
	out := make([]float64, n)
	if n == 0 {
		return out
	}
	if n == 1 {
		out[0] = 0.5
		return out
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case values[a] > values[b]:
			return -1
		case values[a] < values[b]:
			return 1
		}
		return 0
	})
	for i := 0; i < n; {
		j := i
		for j < n && values[idx[j]] == values[idx[i]] {
			j++
		}
		r := float64(i+j-1) / 2 / float64(n-1)
		for _, k := range idx[i:j] {
			out[k] = r
		}
		i = j
	}
	return out
}

// MarshalJSON writes NaN fields (no subset, too few values) as null, which
// encoding/json cannot write as a number.
func (w WelchResult) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		T  probe.Float `json:"t"`
		DF probe.Float `json:"df"`
		P  probe.Float `json:"p"`
	}{probe.Float(w.T), probe.Float(w.DF), probe.Float(w.P)})
}

// UnmarshalJSON reads what MarshalJSON writes (null as NaN).
func (w *WelchResult) UnmarshalJSON(b []byte) error {
	var v struct {
		T, DF, P probe.Float
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*w = WelchResult{T: float64(v.T), DF: float64(v.DF), P: float64(v.P)}
	return nil
}

// MarshalJSON writes NaN fields (an empty subset) as null.
func (p PermutationResult) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Draws    int         `json:"draws"`
		Observed probe.Float `json:"observed"`
		NullMean probe.Float `json:"null_mean"`
		NullSD   probe.Float `json:"null_sd"`
		P        probe.Float `json:"p"`
	}{p.Draws, probe.Float(p.Observed), probe.Float(p.NullMean), probe.Float(p.NullSD), probe.Float(p.P)})
}

// UnmarshalJSON reads what MarshalJSON writes (null as NaN).
func (p *PermutationResult) UnmarshalJSON(b []byte) error {
	var v struct {
		Draws                      int
		Observed, NullMean, NullSD probe.Float
		P                          probe.Float
	}
	v.Observed, v.NullMean, v.NullSD, v.P = probe.Float(math.NaN()), probe.Float(math.NaN()), probe.Float(math.NaN()), probe.Float(math.NaN())
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = PermutationResult{Draws: v.Draws, Observed: float64(v.Observed), NullMean: float64(v.NullMean), NullSD: float64(v.NullSD), P: float64(v.P)}
	return nil
}

// tieTolerance is how far below the observed mean a random subset's mean
// still counts as a tie: sums of the same values in another order differ in
// their last bits, and a subset equal to the observed one must count as
// reaching it.
func tieTolerance(obs float64) float64 { return 1e-12 * math.Max(1, math.Abs(obs)) }
