package probe

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
)

// Interval is a point estimate with a bootstrap confidence interval.
type Interval struct {
	// Value is the estimate on the full sample.
	Value Float `json:"value"`
	// Lo and Hi bound the 95% percentile bootstrap interval.
	Lo Float `json:"lo"`
	Hi Float `json:"hi"`
}

// Metrics are the detection metrics of a probe on one data set.
type Metrics struct {
	// N, Positives count the rows and the rows labelled 1.
	N         int `json:"n"`
	Positives int `json:"positives"`
	// Accuracy, Precision, Recall and F1 use threshold 0.5 on the probability
	// (score > 0 on the margin); precision is 0 when nothing is predicted positive.
	Accuracy  Interval `json:"accuracy"`
	Precision Interval `json:"precision"`
	Recall    Interval `json:"recall"`
	F1        Interval `json:"f1"`
	// AUROC is the tie-aware area under the ROC curve (scikit-learn's roc_auc_score).
	AUROC Interval `json:"auroc"`
}

// AUROC returns the area under the ROC curve of scores for 0/1 labels,
// counting tied scores as half (the Mann-Whitney statistic), which equals
// scikit-learn's roc_auc_score. It returns NaN when a class is missing.
func AUROC(scores []float64, labels []int) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var pos, neg float64
	rankSum := 0.0 // Σ ranks (1-based, ties averaged) of positives
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // mean of ranks i+1 .. j
		for _, k := range idx[i:j] {
			if labels[k] == 1 {
				rankSum += avg
				pos++
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// point holds the metrics of one sample.
type point struct{ acc, prec, rec, f1, auc float64 }

// pointMetrics computes the metrics of scores (margins) on the rows in sel.
func pointMetrics(scores []float64, labels []int, sel []int) point {
	var tp, fp, tn, fn float64
	s := make([]float64, len(sel))
	l := make([]int, len(sel))
	for k, i := range sel {
		s[k], l[k] = scores[i], labels[i]
		pred := scores[i] > 0
		switch {
		case pred && labels[i] == 1:
			tp++
		case pred:
			fp++
		case labels[i] == 1:
			fn++
		default:
			tn++
		}
	}
	p := point{acc: (tp + tn) / float64(len(sel))}
	if tp+fp > 0 {
		p.prec = tp / (tp + fp)
	}
	if tp+fn > 0 {
		p.rec = tp / (tp + fn)
	}
	if p.prec+p.rec > 0 {
		p.f1 = 2 * p.prec * p.rec / (p.prec + p.rec)
	}
	p.auc = AUROC(s, l)
	return p
}

// Evaluate computes the metrics of scores (margins w·x+b; > 0 predicts 1)
// against 0/1 labels, with 95% percentile intervals from boot bootstrap
// resamples of the rows (none when boot is 0); seed fixes the resamples.
func Evaluate(scores []float64, labels []int, boot int, seed uint64) Metrics {
	n := len(scores)
	all := make([]int, n)
	m := Metrics{N: n}
	for i := range all {
		all[i] = i
		m.Positives += labels[i]
	}
	if n == 0 {
		return m
	}
	p := pointMetrics(scores, labels, all)
	vals := [5][]float64{}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	sel := make([]int, n)
	for b := 0; b < boot; b++ {
		for i := range sel {
			sel[i] = rng.IntN(n)
		}
		q := pointMetrics(scores, labels, sel)
		for k, v := range []float64{q.acc, q.prec, q.rec, q.f1, q.auc} {
			if !math.IsNaN(v) {
				vals[k] = append(vals[k], v)
			}
		}
	}
	iv := func(v float64, s []float64) Interval {
		if len(s) == 0 {
			return Interval{Value: Float(v), Lo: Float(v), Hi: Float(v)}
		}
		slices.Sort(s)
		return Interval{Value: Float(v), Lo: Float(quantile(s, 0.025)), Hi: Float(quantile(s, 0.975))}
	}
	m.Accuracy = iv(p.acc, vals[0])
	m.Precision = iv(p.prec, vals[1])
	m.Recall = iv(p.rec, vals[2])
	m.F1 = iv(p.f1, vals[3])
	m.AUROC = iv(p.auc, vals[4])
	return m
}

// quantile returns the q-quantile of sorted s by linear interpolation.
func quantile(s []float64, q float64) float64 {
	pos := q * float64(len(s)-1)
	i := int(pos)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	f := pos - float64(i)
	return s[i]*(1-f) + s[i+1]*f
}

// MeanStd returns the mean and the sample standard deviation (n - 1 in the
// denominator) of v: NaN and NaN for no value, the value and 0 for one.
func MeanStd(v []float64) (mean, std float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)-1))
}

// Float is a float64 that encodes NaN and ±Inf as JSON null (and decodes
// null as NaN), so that a metric undefined on a sample (AUROC of one class)
// does not make a report unwritable.
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("probe: metric %q: %w", b, err)
	}
	*f = Float(v)
	return nil
}
