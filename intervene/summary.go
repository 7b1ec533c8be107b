package intervene

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/hneurons/hneurons/compliance"
	"github.com/hneurons/hneurons/record"
)

// Interval is an estimate with a 95% percentile bootstrap interval.
type Interval struct {
	Value, Lo, Hi float64
}

// MarshalJSON writes {"value", "lo", "hi"} with null for NaN (an
// undefined rate or slope), which JSON cannot hold.
func (iv Interval) MarshalJSON() ([]byte, error) {
	f := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return json.Marshal(struct {
		Value *float64 `json:"value"`
		Lo    *float64 `json:"lo"`
		Hi    *float64 `json:"hi"`
	}{f(iv.Value), f(iv.Lo), f(iv.Hi)})
}

// UnmarshalJSON reads what MarshalJSON writes (null as NaN).
func (iv *Interval) UnmarshalJSON(b []byte) error {
	var v struct{ Value, Lo, Hi *float64 }
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	g := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	iv.Value, iv.Lo, iv.Hi = g(v.Value), g(v.Lo), g(v.Hi)
	return nil
}

// Point is one (benchmark, set, alpha) condition.
type Point struct {
	Alpha float64 `json:"alpha"`
	// N is the number of items; Positive those compliant (correct for the
	// capability check), Negative those resistant (wrong); Unjudged and
	// Skipped are counted apart and left out of Rate's denominator.
	N        int `json:"n"`
	Positive int `json:"positive"`
	Negative int `json:"negative"`
	Unjudged int `json:"unjudged"`
	Skipped  int `json:"skipped"`
	// Rate is Positive / (Positive + Negative), with a bootstrap interval
	// over items (NaN when nothing was judged).
	Rate Interval `json:"rate"`
	// Truncated is the share of items with a turn cut by the token limit.
	Truncated float64 `json:"truncated"`
	// MeanTokens is the mean length of the last turn's response in tokens.
	MeanTokens float64 `json:"mean_tokens"`
}

// Curve is one (benchmark, set) curve over alpha.
type Curve struct {
	Set    string  `json:"set"`
	Kind   string  `json:"kind"`
	Points []Point `json:"points"`
	// Slope is the least-squares slope of Rate in points (percent) per
	// unit alpha, with a paired bootstrap interval over items.
	Slope Interval `json:"slope"`
}

// KindSlope aggregates the controls of one kind on one benchmark.
type KindSlope struct {
	Kind string `json:"kind"`
	Sets int    `json:"sets"`
	// Mean is the mean slope over the kind's sets; Diff is the H-Neurons'
	// slope minus Mean. Both intervals come from the same item resamples.
	Mean Interval `json:"mean"`
	Diff Interval `json:"h_minus_controls"`
}

// Bench is the summary of one benchmark.
type Bench struct {
	Bench    string      `json:"bench"`
	Items    int         `json:"items"`
	Curves   []Curve     `json:"curves"`
	Controls []KindSlope `json:"controls,omitempty"`
}

// Summary is what Summarize computes from a run's records.
type Summary struct {
	Alphas  []float64 `json:"alphas"`
	Boot    int       `json:"bootstrap"`
	Seed    uint64    `json:"seed"`
	Benches []Bench   `json:"benches"`
	// Provenance is the records file's provenance, when known.
	Provenance *record.Provenance `json:"provenance,omitempty"`
}

// outcome is +1 (compliant/correct), 0 (resistant/wrong) or -1 (not judged).
func outcome(v compliance.Verdict) int {
	switch v {
	case compliance.Compliant, compliance.Correct:
		return 1
	case compliance.Resistant, compliance.Wrong:
		return 0
	}
	return -1
}

// rate is the share of positive outcomes among the judged items of idx.
func rate(out []int8, idx []int) float64 {
	pos, n := 0, 0
	for _, i := range idx {
		if o := out[i]; o >= 0 {
			n++
			pos += int(o)
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return float64(pos) / float64(n)
}

// slope is the least-squares slope of 100*y over x, NaN points left out.
func slope(x, y []float64) float64 {
	var sx, sy, n float64
	for i := range x {
		if !math.IsNaN(y[i]) {
			sx += x[i]
			sy += 100 * y[i]
			n++
		}
	}
	if n < 2 {
		return math.NaN()
	}
	mx, my := sx/n, sy/n
	var sxy, sxx float64
	for i := range x {
		if !math.IsNaN(y[i]) {
			sxy += (x[i] - mx) * (100*y[i] - my)
			sxx += (x[i] - mx) * (x[i] - mx)
		}
	}
	if sxx == 0 {
		return math.NaN()
	}
	return sxy / sxx
}

// percentiles returns the 2.5% and 97.5% points of the finite values.
func percentiles(v []float64) (lo, hi float64) {
	f := slices.DeleteFunc(slices.Clone(v), math.IsNaN)
	if len(f) == 0 {
		return math.NaN(), math.NaN()
	}
	sort.Float64s(f)
	at := func(q float64) float64 {
		pos := q * float64(len(f)-1)
		i := int(pos)
		if i+1 >= len(f) {
			return f[len(f)-1]
		}
		return f[i] + (pos-float64(i))*(f[i+1]-f[i])
	}
	return at(0.025), at(0.975)
}

// Summarize computes the curves, slopes and control aggregates of a run's
// records with boot bootstrap resamples of the items (seeded). Every
// (set, alpha) of a benchmark must hold the same items: a partial run is
// refused with an error naming what is missing.
func Summarize(recs []Record, boot int, seed uint64) (*Summary, error) {
	if boot < 1 {
		return nil, fmt.Errorf("intervene: --bootstrap %d: want at least 1", boot)
	}
	type key struct {
		set   string
		alpha float64
	}
	var benchOrder []string
	byBench := map[string][]*Record{}
	alphaSet := map[float64]bool{}
	for i := range recs {
		r := &recs[i]
		if byBench[r.Bench] == nil {
			benchOrder = append(benchOrder, r.Bench)
		}
		byBench[r.Bench] = append(byBench[r.Bench], r)
		alphaSet[r.Alpha] = true
	}
	var alphas []float64
	for a := range alphaSet {
		alphas = append(alphas, a)
	}
	slices.Sort(alphas)
	s := &Summary{Alphas: alphas, Boot: boot, Seed: seed}
	for _, b := range benchOrder {
		rs := byBench[b]
		var itemsOrder, setOrder []string
		itemIx := map[string]int{}
		kinds := map[string]string{}
		for _, r := range rs {
			if _, ok := itemIx[r.Item]; !ok {
				itemIx[r.Item] = len(itemsOrder)
				itemsOrder = append(itemsOrder, r.Item)
			}
			if _, ok := kinds[r.Set]; !ok {
				kinds[r.Set] = r.Kind
				setOrder = append(setOrder, r.Set)
			}
		}
		n := len(itemsOrder)
		cell := map[key][]*Record{}
		for _, r := range rs {
			k := key{r.Set, r.Alpha}
			if cell[k] == nil {
				cell[k] = make([]*Record, n)
			}
			cell[k][itemIx[r.Item]] = r
		}
		// out[set][alpha] holds one outcome per item.
		out := make([][][]int8, len(setOrder))
		bench := Bench{Bench: b, Items: n}
		for si, set := range setOrder {
			out[si] = make([][]int8, len(alphas))
			c := Curve{Set: set, Kind: kinds[set]}
			for ai, a := range alphas {
				cr := cell[key{set, a}]
				if cr == nil {
					return nil, fmt.Errorf("intervene: %s: set %s has no records at alpha %s", b, set, FormatAlpha(a))
				}
				o := make([]int8, n)
				p := Point{Alpha: a, N: n}
				var trunc, toks float64
				for i, r := range cr {
					if r == nil {
						return nil, fmt.Errorf("intervene: %s: set %s, alpha %s lacks item %s", b, set, FormatAlpha(a), itemsOrder[i])
					}
					o[i] = int8(outcome(r.Verdict))
					switch {
					case o[i] == 1:
						p.Positive++
					case o[i] == 0:
						p.Negative++
					case r.Verdict == compliance.Skipped:
						p.Skipped++
					default:
						p.Unjudged++
					}
					if r.Truncated() {
						trunc++
					}
					if len(r.Tokens) > 0 {
						toks += float64(len(r.Tokens[len(r.Tokens)-1]))
					}
				}
				p.Truncated, p.MeanTokens = trunc/float64(n), toks/float64(n)
				p.Rate.Value = rate(o, allIndices(n))
				out[si][ai] = o
				c.Points = append(c.Points, p)
			}
			bench.Curves = append(bench.Curves, c)
		}
		// Paired bootstrap: one item resample serves every set and alpha.
		rng := rand.New(rand.NewPCG(seed, 0x626f6f74))
		rates := make([][][]float64, len(setOrder)) // [set][alpha][boot]
		slopes := make([][]float64, len(setOrder))  // [set][boot]
		for si := range setOrder {
			rates[si] = make([][]float64, len(alphas))
			for ai := range alphas {
				rates[si][ai] = make([]float64, boot)
			}
			slopes[si] = make([]float64, boot)
		}
		idx := make([]int, n)
		y := make([]float64, len(alphas))
		for bi := 0; bi < boot; bi++ {
			for i := range idx {
				idx[i] = rng.IntN(n)
			}
			for si := range setOrder {
				for ai := range alphas {
					y[ai] = rate(out[si][ai], idx)
					rates[si][ai][bi] = y[ai]
				}
				slopes[si][bi] = slope(alphas, y)
			}
		}
		hi := -1
		for si := range setOrder {
			c := &bench.Curves[si]
			for ai := range alphas {
				c.Points[ai].Rate.Lo, c.Points[ai].Rate.Hi = percentiles(rates[si][ai])
				y[ai] = c.Points[ai].Rate.Value
			}
			c.Slope.Value = slope(alphas, y)
			c.Slope.Lo, c.Slope.Hi = percentiles(slopes[si])
			if c.Kind == KindHNeurons && hi < 0 {
				hi = si
			}
		}
		for _, kind := range []string{KindLayerMatched, KindRandom} {
			var members []int
			for si, set := range setOrder {
				if kinds[set] == kind {
					members = append(members, si)
				}
			}
			if len(members) == 0 {
				continue
			}
			ks := KindSlope{Kind: kind, Sets: len(members)}
			mean := func(f func(si int) float64) float64 {
				var t float64
				for _, si := range members {
					t += f(si)
				}
				return t / float64(len(members))
			}
			ks.Mean.Value = mean(func(si int) float64 { return bench.Curves[si].Slope.Value })
			mb, db := make([]float64, boot), make([]float64, boot)
			for bi := 0; bi < boot; bi++ {
				mb[bi] = mean(func(si int) float64 { return slopes[si][bi] })
				if hi >= 0 {
					db[bi] = slopes[hi][bi] - mb[bi]
				}
			}
			ks.Mean.Lo, ks.Mean.Hi = percentiles(mb)
			if hi >= 0 {
				ks.Diff.Value = bench.Curves[hi].Slope.Value - ks.Mean.Value
				ks.Diff.Lo, ks.Diff.Hi = percentiles(db)
			} else {
				ks.Diff = Interval{math.NaN(), math.NaN(), math.NaN()}
			}
			bench.Controls = append(bench.Controls, ks)
		}
		s.Benches = append(s.Benches, bench)
	}
	return s, nil
}

func allIndices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// ReadRecords reads a records file written by Run.
func ReadRecords(path string) ([]Record, *record.Provenance, error) {
	var out []Record
	prov, err := record.Scan(path, func(line int, b []byte) error {
		var r Record
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("intervene: %s line %d: %w", path, line, err)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, prov, nil
}
