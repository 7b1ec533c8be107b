package serve

import (
	"fmt"
	"math"

	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/probe"
)

// Detector turns CETT values of a probe's neurons into a hallucination risk.
// It holds the probe's non-zero weights grouped by layer, with each
// neuron's ||W_down[:, j]|| (the CETT numerator's factor, extract's
// combine). It is read-only after NewDetector and safe for concurrent use.
type Detector struct {
	Probe *probe.Probe
	L, F  int
	// K neurons (the probe's non-zero weights), by flat index order.
	index  []int     // [K] flat column l*F+j
	weight []float64 // [K] probe weight
	norm   []float64 // [K] ||W_down[:, j]||
	// byLayer[l] lists the k whose neuron is in layer l.
	byLayer [][]int
}

// NewDetector checks that pr fits m (columns = layers x d_ff) and prepares
// its neurons. A probe with no non-zero weight is refused: its risk would be
// a constant.
func NewDetector(m *model.Model, pr *probe.Probe) (*Detector, error) {
	c := &m.Config
	id, err := m.Identity()
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if err := pr.CheckShape(probe.Shape{ModelFingerprint: id, Layers: c.NLayers, DFF: c.DFF, Columns: c.NLayers * c.DFF}); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if len(pr.Weights) == 0 {
		return nil, fmt.Errorf("serve: the probe has no non-zero weight")
	}
	d := &Detector{Probe: pr, L: c.NLayers, F: c.DFF, byLayer: make([][]int, c.NLayers)}
	for k, w := range pr.Weights {
		l, j := w.Index/c.DFF, w.Index%c.DFF
		d.index = append(d.index, w.Index)
		d.weight = append(d.weight, w.Weight)
		d.norm = append(d.norm, float64(m.DownColumnNorms(l)[j]))
		d.byLayer[l] = append(d.byLayer[l], k)
	}
	return d, nil
}

// K returns the number of probe neurons a token's CETT row holds.
func (d *Detector) K() int { return len(d.index) }

// cettScale is 1/(||h_t|| + 1e-8) for one row of h, in extract's arithmetic.
func cettScale(h []float32) float32 {
	return float32(1 / (math.Sqrt(float64(kernels.Dot(h, h))) + 1e-8))
}

// TokenScore returns a token's own logit term Σ_k w_k ||W_down[:,j_k]|| c_k
// for its CETT row c [K]: the amount the token adds to the logit, times the
// number of answer tokens, when it lies in the answer span.
func (d *Detector) TokenScore(c []float32) float64 {
	s := 0.0
	for k, v := range c {
		s += d.weight[k] * float64(float32(d.norm[k])*v)
	}
	return s
}

// Score returns the logit b + mean over the answer rows of TokenScore and
// its risk sigmoid(logit). An empty answer has the zero CETT vector, as in
// extract: its risk is sigmoid(b).
func (d *Detector) Score(rows [][]float32) (logit, risk float64) {
	logit = d.Probe.Intercept
	if len(rows) > 0 {
		s := 0.0
		for _, c := range rows {
			s += d.TokenScore(c)
		}
		logit += s / float64(len(rows))
	}
	return logit, probe.Sigmoid(logit)
}
