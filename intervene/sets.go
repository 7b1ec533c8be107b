package intervene

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/probe"
)

// Set kinds.
const (
	KindHNeurons     = "h-neurons"
	KindLayerMatched = "layer-matched"
	KindRandom       = "random"
)

// Neuron locates one MLP neuron.
type Neuron struct {
	Layer  int `json:"layer"`
	Neuron int `json:"neuron"`
}

// Set is a named set of neurons to scale.
type Set struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Neurons []Neuron `json:"neurons"`
}

// HNeurons returns the probe's H-Neurons as a Set named "h-neurons". It
// fails when the probe has none or was not trained on model features.
func HNeurons(p *probe.Probe) (Set, error) {
	if p.Layers == 0 || p.DFF == 0 {
		return Set{}, fmt.Errorf("intervene: the probe was not trained on model features (no layers x d_ff shape)")
	}
	if len(p.HNeurons) == 0 {
		return Set{}, fmt.Errorf("intervene: the probe has no H-Neurons (no positive weight)")
	}
	s := Set{Name: KindHNeurons, Kind: KindHNeurons}
	for _, n := range p.HNeurons {
		s.Neurons = append(s.Neurons, Neuron{n.Layer, n.Neuron})
	}
	return s, nil
}

// Controls draws n layer-matched and n unconstrained random sets of h's
// size for a model of layers x dff neurons, none containing a neuron of h,
// seeded: "layer-matched-1".."layer-matched-n", "random-1".."random-n".
func Controls(h Set, n, layers, dff int, seed uint64) ([]Set, error) {
	in := map[Neuron]bool{}
	perLayer := make([]int, layers)
	for _, x := range h.Neurons {
		if x.Layer < 0 || x.Layer >= layers || x.Neuron < 0 || x.Neuron >= dff {
			return nil, fmt.Errorf("intervene: neuron (%d, %d) outside the model's %d x %d", x.Layer, x.Neuron, layers, dff)
		}
		in[x] = true
		perLayer[x.Layer]++
	}
	for l, k := range perLayer {
		if k > dff-k {
			return nil, fmt.Errorf("intervene: layer %d holds %d of %d neurons: too few others for a layer-matched control", l, k, dff)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x636f6e74726f6c))
	var out []Set
	for i := 1; i <= n; i++ {
		s := Set{Name: KindLayerMatched + "-" + strconv.Itoa(i), Kind: KindLayerMatched}
		for l, k := range perLayer {
			for _, j := range pickExcluding(rng, dff, k, func(j int) bool { return in[Neuron{l, j}] }) {
				s.Neurons = append(s.Neurons, Neuron{l, j})
			}
		}
		out = append(out, s)
	}
	for i := 1; i <= n; i++ {
		s := Set{Name: KindRandom + "-" + strconv.Itoa(i), Kind: KindRandom}
		for _, f := range pickExcluding(rng, layers*dff, len(h.Neurons), func(f int) bool { return in[Neuron{f / dff, f % dff}] }) {
			s.Neurons = append(s.Neurons, Neuron{f / dff, f % dff})
		}
		slices.SortFunc(s.Neurons, func(a, b Neuron) int { return (a.Layer*dff + a.Neuron) - (b.Layer*dff + b.Neuron) })
		out = append(out, s)
	}
	return out, nil
}

// pickExcluding draws k distinct integers of [0, n) for which skip is false,
// in increasing order.
func pickExcluding(rng *rand.Rand, n, k int, skip func(int) bool) []int {
	chosen := map[int]bool{}
	out := make([]int, 0, k)
	for len(out) < k {
		j := rng.IntN(n)
		if skip(j) || chosen[j] {
			continue
		}
		chosen[j] = true
		out = append(out, j)
	}
	slices.Sort(out)
	return out
}

// PerLayer returns the number of the set's neurons in each layer.
func (s Set) PerLayer(layers int) []int {
	out := make([]int, layers)
	for _, n := range s.Neurons {
		if n.Layer >= 0 && n.Layer < layers {
			out[n.Layer]++
		}
	}
	return out
}

// Scales returns the per-layer scale vectors that multiply the set's
// neurons by alpha: nil for a layer without any of them, else d_ff values,
// 1 everywhere but alpha at the set's neurons.
func (s Set) Scales(alpha float64, layers, dff int) [][]float32 {
	out := make([][]float32, layers)
	for _, n := range s.Neurons {
		if out[n.Layer] == nil {
			out[n.Layer] = make([]float32, dff)
			for j := range out[n.Layer] {
				out[n.Layer][j] = 1
			}
		}
		out[n.Layer][n.Neuron] = float32(alpha)
	}
	return out
}

// Apply sets r's neuron scales to s at alpha (every other layer unscaled).
func Apply(r *model.Runner, m *model.Model, s Set, alpha float64) error {
	c := &m.Config
	r.ClearScales()
	for l, v := range s.Scales(alpha, c.NLayers, c.DFF) {
		if v == nil {
			continue
		}
		if err := r.SetScale(l, v); err != nil {
			return fmt.Errorf("intervene: set %s: %w", s.Name, err)
		}
	}
	return nil
}

// FormatAlpha writes alpha as the shortest exact decimal ("0.5", "3").
func FormatAlpha(a float64) string { return strconv.FormatFloat(a, 'g', -1, 64) }

// ParseAlphas parses a comma-separated list of alphas (each in [0, 10],
// distinct, at least two), naming flag in errors.
func ParseAlphas(flag, s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		a, err := strconv.ParseFloat(f, 64)
		if err != nil || a < 0 || a > 10 || a != a {
			return nil, fmt.Errorf("--%s: %q is not a number in [0, 10]", flag, f)
		}
		if slices.Contains(out, a) {
			return nil, fmt.Errorf("--%s: %s given twice", flag, f)
		}
		out = append(out, a)
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("--%s %q: want at least two values for a slope", flag, s)
	}
	slices.Sort(out)
	return out, nil
}
