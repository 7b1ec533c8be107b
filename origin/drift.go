package origin

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/probe"
)

// NeuronDrift is how far one neuron's weights moved between two models.
type NeuronDrift struct {
	Layer  int `json:"layer"`
	Neuron int `json:"neuron"`
	// Gate, Up and Down are 1 - cos between the two models' W_gate row,
	// W_up row and W_down column of the neuron (0: same direction).
	Gate float64 `json:"d_gate"`
	Up   float64 `json:"d_up"`
	Down float64 `json:"d_down"`
	// ZUp and ZDown are Up and Down z-scored over all neurons; Score is
	// their mean, the neuron's drift.
	ZUp   float64 `json:"z_up"`
	ZDown float64 `json:"z_down"`
	Score float64 `json:"score"`
	// Rank is the normalised rank of Score: 0 for the neuron that changed
	// most, 1 for the one that changed least.
	Rank float64 `json:"rank"`
	// H is set for the probe's H-Neurons.
	H bool `json:"h_neuron"`
}

// LayerDrift summarises one layer.
type LayerDrift struct {
	Layer int `json:"layer"`
	// MeanScore and MeanRank average over all neurons of the layer.
	MeanScore float64 `json:"mean_score"`
	MeanRank  float64 `json:"mean_rank"`
	// HNeurons counts the layer's H-Neurons; HMeanRank is their mean rank
	// (NaN, written null, without any).
	HNeurons  int         `json:"h_neurons"`
	HMeanRank probe.Float `json:"h_mean_rank"`
}

// DriftResult is the weight-drift study (METHOD.md section 6).
type DriftResult struct {
	Layers int `json:"layers"`
	DFF    int `json:"d_ff"`
	DModel int `json:"d_model"`
	// MeanUp, SDUp, MeanDown and SDDown are the statistics the z-scores use
	// (population standard deviations over all neurons).
	MeanUp   float64 `json:"mean_d_up"`
	SDUp     float64 `json:"sd_d_up"`
	MeanDown float64 `json:"mean_d_down"`
	SDDown   float64 `json:"sd_d_down"`
	// HNeurons is the number of H-Neurons tested; HMeanRank their mean
	// normalised rank (the paper reports 0.58-0.97: they changed less than
	// most neurons) and RestMeanRank the other neurons'.
	HNeurons     int         `json:"h_neurons"`
	HMeanRank    probe.Float `json:"h_mean_rank"`
	RestMeanRank probe.Float `json:"rest_mean_rank"`
	// Welch tests, one-sided, that the H-Neurons' drift scores are lower
	// than the other neurons'.
	Welch WelchResult `json:"welch"`
	// Permutation tests, one-sided, that their mean rank is higher than
	// that of random sets of as many neurons; LayerMatched draws the random
	// sets with the H-Neurons' count in every layer (beyond the paper: the
	// layers drift by different amounts, so a set concentrated in a
	// little-changed layer ranks high without any property of its own).
	Permutation  PermutationResult `json:"permutation"`
	LayerMatched PermutationResult `json:"permutation_layer_matched"`
	// NormMatched draws them with the H-Neurons' count in every layer and
	// every decile of the tuned model's W_down column norms within it
	// (beyond the paper: CETT favours neurons with large W_down columns,
	// and a large vector's direction may move less in fine-tuning, so
	// the selection alone could explain a high rank). Absent (NaN) without
	// norms.
	NormMatched PermutationResult `json:"permutation_norm_matched"`
	// PerLayer breaks the figures down by layer.
	PerLayer []LayerDrift `json:"per_layer"`
	// Neurons holds every neuron, layer-major (Layer*DFF + Neuron).
	Neurons []NeuronDrift `json:"-"`
}

// DriftOptions configures Drift.
type DriftOptions struct {
	// HNeurons are the neurons to test (none: only the table).
	HNeurons []probe.Neuron
	// Permutations is the number of random sets of the permutation test
	// (default 10,000).
	Permutations int
	// Seed fixes the permutation test's draws.
	Seed uint64
	// DownNorms, when not nil, are the tuned model's W_down column norms
	// ([L*F], layer-major) for the norm-matched test; Drift fills them.
	DownNorms []float64
	// Progress, when set, is called after each layer.
	Progress func(done, total int)
}

// normDeciles is the number of norm classes per layer of the norm-matched
// permutation test.
const normDeciles = 10

// Drift compares the MLP weights of base and tuned (same layers, d_model
// and d_ff; any formats and dtypes: weights are decoded to float32) neuron
// by neuron: d = 1 - cos for the W_gate row, the W_up row and the W_down
// column (accumulated in float64), then z-scores d_up and d_down over all
// neurons (population standard deviation; a constant column gives 0),
// averages the two into the drift score and ranks it. Only one layer of
// each model is decoded at a time, so two 8B BF16 models fit in 24 GiB.
// The H-Neurons' ranks are tested against the rest (Welch) and against
// random sets (permutation).
func Drift(ctx context.Context, base, tuned *model.Model, o DriftOptions) (*DriftResult, error) {
	bc, tc := &base.Config, &tuned.Config
	if bc.NLayers != tc.NLayers || bc.DFF != tc.DFF || bc.DModel != tc.DModel {
		return nil, fmt.Errorf("origin: the models' neuron layouts differ: base %d layers x %d neurons (d_model %d), tuned %d x %d (d_model %d)",
			bc.NLayers, bc.DFF, bc.DModel, tc.NLayers, tc.DFF, tc.DModel)
	}
	if o.Permutations < 0 {
		return nil, fmt.Errorf("origin: %d permutations", o.Permutations)
	}
	L, F, D := bc.NLayers, bc.DFF, bc.DModel
	gate, up, down := make([]float64, 0, L*F), make([]float64, 0, L*F), make([]float64, 0, L*F)
	norms := make([]float64, 0, L*F)
	for l := 0; l < L; l++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var d [3][]float64 // gate, up, down: [F]
		for k, which := range []model.MLPWeight{model.WeightGate, model.WeightUp, model.WeightDown} {
			a, err := base.LayerWeights(which, l)
			if err != nil {
				return nil, fmt.Errorf("origin: base: %w", err)
			}
			b, err := tuned.LayerWeights(which, l)
			if err != nil {
				return nil, fmt.Errorf("origin: tuned: %w", err)
			}
			if which == model.WeightDown {
				d[k] = columnDistances(a, b, D, F)
			} else {
				d[k] = rowDistances(a, b, F, D)
			}
		}
		gate, up, down = append(gate, d[0]...), append(up, d[1]...), append(down, d[2]...)
		for _, v := range tuned.DownColumnNorms(l) {
			norms = append(norms, float64(v))
		}
		if o.Progress != nil {
			o.Progress(l+1, L)
		}
	}
	if len(norms) == L*F {
		o.DownNorms = norms
	}
	res, err := Analyze(L, F, gate, up, down, o)
	if err != nil {
		return nil, err
	}
	res.DModel = D
	return res, nil
}

// Analyze turns per-neuron distances (each [L*F], layer-major) into the
// drift study: z-scores, scores, ranks, the tests and the per-layer table.
func Analyze(L, F int, gate, up, down []float64, o DriftOptions) (*DriftResult, error) {
	if len(gate) != L*F || len(up) != L*F || len(down) != L*F {
		return nil, fmt.Errorf("origin: %d, %d and %d distances for %d layers x %d neurons", len(gate), len(up), len(down), L, F)
	}
	if o.Permutations == 0 {
		o.Permutations = 10000
	}
	res := &DriftResult{Layers: L, DFF: F, Neurons: make([]NeuronDrift, L*F)}
	for i := range res.Neurons {
		res.Neurons[i] = NeuronDrift{Layer: i / F, Neuron: i % F, Gate: gate[i], Up: up[i], Down: down[i]}
	}
	res.MeanUp, res.SDUp = meanSD(up)
	res.MeanDown, res.SDDown = meanSD(down)
	scores := make([]float64, len(res.Neurons))
	for i := range res.Neurons {
		n := &res.Neurons[i]
		n.ZUp, n.ZDown = zscore(n.Up, res.MeanUp, res.SDUp), zscore(n.Down, res.MeanDown, res.SDDown)
		n.Score = (n.ZUp + n.ZDown) / 2
		scores[i] = n.Score
	}
	ranks := NormalizedRanks(scores)
	for i := range res.Neurons {
		res.Neurons[i].Rank = ranks[i]
	}
	var hIdx []int
	for _, h := range o.HNeurons {
		if h.Layer < 0 || h.Layer >= L || h.Neuron < 0 || h.Neuron >= F {
			return nil, fmt.Errorf("origin: H-Neuron %d/%d outside the models' %d layers x %d neurons", h.Layer, h.Neuron, L, F)
		}
		i := h.Layer*F + h.Neuron
		if !res.Neurons[i].H {
			res.Neurons[i].H = true
			hIdx = append(hIdx, i)
		}
	}
	res.HNeurons = len(hIdx)
	var hScores, restScores, hRanks, restRanks []float64
	for _, n := range res.Neurons {
		if n.H {
			hScores, hRanks = append(hScores, n.Score), append(hRanks, n.Rank)
		} else {
			restScores, restRanks = append(restScores, n.Score), append(restRanks, n.Rank)
		}
	}
	res.HMeanRank, res.RestMeanRank = probe.Float(mean(hRanks)), probe.Float(mean(restRanks))
	res.Welch = Welch(hScores, restScores)
	res.Permutation = PermutationGreater(ranks, hIdx, o.Permutations, o.Seed)
	layer := make([]int, len(ranks))
	for i := range layer {
		layer[i] = i / F
	}
	res.LayerMatched = PermutationGreaterStratified(ranks, layer, hIdx, o.Permutations, o.Seed+1)
	res.NormMatched = PermutationResult{Draws: o.Permutations, Observed: math.NaN(), NullMean: math.NaN(), NullSD: math.NaN(), P: math.NaN()}
	if len(o.DownNorms) == L*F {
		res.NormMatched = PermutationGreaterStratified(ranks, normStrata(o.DownNorms, L, F), hIdx, o.Permutations, o.Seed+2)
	}
	for l := 0; l < L; l++ {
		ld := LayerDrift{Layer: l}
		var hr []float64
		for _, n := range res.Neurons[l*F : (l+1)*F] {
			ld.MeanScore += n.Score
			ld.MeanRank += n.Rank
			if n.H {
				hr = append(hr, n.Rank)
			}
		}
		ld.MeanScore /= float64(F)
		ld.MeanRank /= float64(F)
		ld.HNeurons, ld.HMeanRank = len(hr), probe.Float(mean(hr))
		res.PerLayer = append(res.PerLayer, ld)
	}
	return res, nil
}

// normStrata gives every neuron the class layer*normDeciles + the decile of
// its norm within its layer.
func normStrata(norms []float64, L, F int) []int {
	strata := make([]int, L*F)
	for l := 0; l < L; l++ {
		idx := make([]int, F)
		for j := range idx {
			idx[j] = l*F + j
		}
		sort.SliceStable(idx, func(a, b int) bool { return norms[idx[a]] < norms[idx[b]] })
		for r, i := range idx {
			strata[i] = l*normDeciles + r*normDeciles/F
		}
	}
	return strata
}

// rowDistances returns 1 - cos between row j of a and of b (both [n, k]).
func rowDistances(a, b []float32, n, k int) []float64 {
	out := make([]float64, n)
	for j := range out {
		var dot, na, nb float64
		for i, x := range a[j*k : (j+1)*k] {
			y := float64(b[j*k+i])
			dot += float64(x) * y
			na += float64(x) * float64(x)
			nb += y * y
		}
		out[j] = cosDistance(dot, na, nb)
	}
	return out
}

// columnDistances returns 1 - cos between column j of a and of b (both
// [n, k]), reading the rows in order.
func columnDistances(a, b []float32, n, k int) []float64 {
	dot := make([]float64, k)
	na := make([]float64, k)
	nb := make([]float64, k)
	for i := 0; i < n; i++ {
		ra, rb := a[i*k:(i+1)*k], b[i*k:(i+1)*k]
		for j, x := range ra {
			y := float64(rb[j])
			dot[j] += float64(x) * y
			na[j] += float64(x) * float64(x)
			nb[j] += y * y
		}
	}
	out := make([]float64, k)
	for j := range out {
		out[j] = cosDistance(dot[j], na[j], nb[j])
	}
	return out
}

// cosDistance is 1 - dot/sqrt(na*nb): 0 when both vectors are zero, 1 when
// only one is.
func cosDistance(dot, na, nb float64) float64 {
	switch {
	case na == 0 && nb == 0:
		return 0
	case na == 0 || nb == 0:
		return 1
	}
	return 1 - dot/math.Sqrt(na*nb)
}

// meanSD returns the mean and population standard deviation of v.
func meanSD(v []float64) (float64, float64) {
	m := mean(v)
	var s float64
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return m, math.Sqrt(s / float64(max(len(v), 1)))
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// zscore returns (x - m) / sd, 0 when sd is 0.
func zscore(x, m, sd float64) float64 {
	if sd == 0 {
		return 0
	}
	return (x - m) / sd
}
