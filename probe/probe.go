package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"

	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/record"
)

// Mode selects which feature-store rows form the training set.
type Mode string

// The modes of METHOD.md section 4.
const (
	// OneVsOne: hallucinated answer regions (1) vs faithful answer regions (0).
	OneVsOne Mode = "1-vs-1"
	// ThreeVsOne: hallucinated answer regions (1) vs faithful answer regions
	// and the "other" regions of both classes (0). The paper's choice.
	ThreeVsOne Mode = "3-vs-1"
)

// ParseMode parses "1-vs-1" or "3-vs-1".
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case OneVsOne, ThreeVsOne:
		return Mode(s), nil
	}
	return "", fmt.Errorf("probe: unknown mode %q (want 1-vs-1 or 3-vs-1)", s)
}

// SelectRows returns the store rows that mode uses and their labels. Empty
// rows (regions without tokens) are skipped.
func SelectRows(ix *features.Index, mode Mode) (rows, labels []int, err error) {
	for i, r := range ix.Rows {
		if r.Empty {
			continue
		}
		switch {
		case r.Region == features.RegionAnswer:
			rows, labels = append(rows, i), append(labels, r.Label)
		case r.Region == features.RegionOther && mode == ThreeVsOne:
			rows, labels = append(rows, i), append(labels, 0)
		}
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("probe: no non-empty rows for mode %s", mode)
	}
	return rows, labels, nil
}

// Neuron is one H-Neuron: a neuron with a positive probe weight.
type Neuron struct {
	// Layer and Neuron locate it (flat column = Layer*d_ff + Neuron).
	Layer  int `json:"layer"`
	Neuron int `json:"neuron"`
	// Weight is its probe weight.
	Weight float64 `json:"weight"`
}

// Weight is one non-zero probe weight by flat column index.
type Weight struct {
	Index  int     `json:"index"`
	Weight float64 `json:"weight"`
}

// Probe is a trained probe as stored in probe.json.
type Probe struct {
	// Version is the file format version, 1.
	Version int `json:"version"`
	// ModelFingerprint, Layers and DFF describe the model the features came
	// from; they are empty/0 for a probe trained on a plain matrix (--X).
	ModelFingerprint string `json:"model_fingerprint,omitempty"`
	Layers           int    `json:"layers,omitempty"`
	DFF              int    `json:"d_ff,omitempty"`
	// Columns is the feature vector length (Layers*DFF for model features).
	Columns int `json:"columns"`
	// Mode, Penalty, C and Tol are the training settings.
	Mode    Mode    `json:"mode,omitempty"`
	Penalty Penalty `json:"penalty"`
	C       float64 `json:"C"`
	Tol     float64 `json:"tol"`
	// Intercept is the bias b of P(hallucination) = Sigmoid(w·x + b).
	Intercept float64 `json:"intercept"`
	// Objective is the liblinear objective at the solution.
	Objective float64 `json:"objective"`
	// Converged reports whether the solver met its tolerance.
	Converged bool `json:"converged"`
	// Weights lists the non-zero weights by flat index.
	Weights []Weight `json:"weights"`
	// HNeurons lists the positive weights as (layer, neuron), largest first.
	// Without a model shape, layer is 0 and neuron the column.
	HNeurons []Neuron `json:"h_neurons"`
	// Train and Test are the metrics on the training and test sets.
	Train *Metrics `json:"train,omitempty"`
	Test  *Metrics `json:"test,omitempty"`
	// CV holds the cross-validation results when C was chosen from a grid.
	CV []CVPoint `json:"cv,omitempty"`
	// Provenance says how the probe was made (the command, its options and
	// the feature stores), when the caller recorded it.
	Provenance *record.Provenance `json:"provenance,omitempty"`
}

// Shape describes the columns of a feature matrix.
type Shape struct {
	ModelFingerprint string
	Layers, DFF      int
	Columns          int
}

// ShapeOf returns the shape of a feature store.
func ShapeOf(ix *features.Index) Shape {
	return Shape{ModelFingerprint: ix.ModelFingerprint, Layers: ix.Layers, DFF: ix.DFF, Columns: ix.Columns}
}

// NewProbe wraps a fitted model as a probe for features of shape sh.
func NewProbe(m *Model, sh Shape, mode Mode, opt Options) *Probe {
	p := &Probe{Version: 1, ModelFingerprint: sh.ModelFingerprint, Layers: sh.Layers, DFF: sh.DFF,
		Columns: len(m.W), Mode: mode, Penalty: opt.Penalty, C: opt.C, Tol: opt.Tol,
		Intercept: m.Bias, Objective: m.Objective, Converged: m.Converged, Weights: []Weight{}}
	for i, w := range m.W {
		if w != 0 {
			p.Weights = append(p.Weights, Weight{Index: i, Weight: w})
		}
	}
	p.HNeurons = HNeurons(m.W, sh.DFF)
	return p
}

// HNeurons maps the positive weights of w (columns,) to neurons, largest
// weight first; dff 0 means no model shape (layer 0, neuron = column).
func HNeurons(w []float64, dff int) []Neuron {
	out := []Neuron{}
	for i, v := range w {
		if v > 0 {
			n := Neuron{Neuron: i, Weight: v}
			if dff > 0 {
				n.Layer, n.Neuron = i/dff, i%dff
			}
			out = append(out, n)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Weight > out[b].Weight })
	return out
}

// CheckShape returns an error unless the probe fits features of shape sh.
func (p *Probe) CheckShape(sh Shape) error {
	if p.Columns != sh.Columns {
		return fmt.Errorf("probe: probe has %d columns (%d layers x %d d_ff), features have %d (%d x %d)",
			p.Columns, p.Layers, p.DFF, sh.Columns, sh.Layers, sh.DFF)
	}
	if p.Layers != 0 && sh.Layers != 0 && (p.Layers != sh.Layers || p.DFF != sh.DFF) {
		return fmt.Errorf("probe: probe is for %d layers x %d d_ff, features have %d x %d",
			p.Layers, p.DFF, sh.Layers, sh.DFF)
	}
	if p.ModelFingerprint != "" && sh.ModelFingerprint != "" && p.ModelFingerprint != sh.ModelFingerprint {
		return fmt.Errorf("probe: probe was trained on model %q, features come from %q", p.ModelFingerprint, sh.ModelFingerprint)
	}
	return nil
}

// Dense returns the weights as a dense vector (columns,).
func (p *Probe) Dense() []float64 {
	w := make([]float64, p.Columns)
	for _, x := range p.Weights {
		w[x.Index] = x.Weight
	}
	return w
}

// Scores returns the margins w·x_i + b of every row of x (rows,).
func (p *Probe) Scores(x *Matrix) ([]float64, error) {
	if x.Cols != p.Columns {
		return nil, fmt.Errorf("probe: matrix has %d columns, probe %d", x.Cols, p.Columns)
	}
	s := make([]float64, x.Rows)
	for i := range s {
		s[i] = p.Intercept
	}
	for _, w := range p.Weights {
		axpy(w.Weight, x.Col(w.Index), s)
	}
	return s, nil
}

// Save writes the probe as JSON to path atomically.
func (p *Probe) Save(path string) error {
	if err := record.WriteJSON(path, p); err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	return nil
}

// Load reads a probe.json.
func Load(path string) (*Probe, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	var p Probe
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("probe: %s: %w", path, err)
	}
	if p.Columns <= 0 {
		return nil, fmt.Errorf("probe: %s: columns %d, want > 0", path, p.Columns)
	}
	if p.Layers*p.DFF != 0 && p.Layers*p.DFF != p.Columns {
		return nil, fmt.Errorf("probe: %s: columns %d != layers %d x d_ff %d", path, p.Columns, p.Layers, p.DFF)
	}
	if _, err := ParsePenalty(string(p.Penalty)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, w := range p.Weights {
		if w.Index < 0 || w.Index >= p.Columns {
			return nil, fmt.Errorf("probe: %s: weight index %d out of range [0,%d)", path, w.Index, p.Columns)
		}
	}
	return &p, nil
}

// Dataset is a labelled column-major matrix with the shape of its columns
// and, for every row, what the evaluation protocol needs: whether it is an
// answer row, its response id and its group key.
//
// The protocol (METHOD.md section 4): the training mode (1-vs-1 or 3-vs-1)
// decides which rows a probe is fitted on, but every metric (Train's and
// TrainCV's train and test metrics, cross-validation scores, Assess and its
// baseline) counts the answer rows only, hallucinated answer (1) vs faithful
// answer (0); the "other" rows that 3-vs-1 adds as label 0 are easy
// negatives that would inflate them.
type Dataset struct {
	X      *Matrix
	Labels []int
	Shape  Shape
	// IDs names the response of each row (rows,); nil when the source has
	// no ids (a plain matrix).
	IDs []string
	// Groups holds each row's group key (rows,), features.Row.GroupKey (the
	// row's group, else its response id): rows with one key are kept in one
	// cross-validation fold, so the answer and other rows of a response, and
	// the questions of one group, are never split. nil: the key is the id,
	// or, without ids, every row is its own group.
	Groups []string
	// Answer marks the answer rows (rows,), the rows every metric counts.
	// nil: every row is an answer row.
	Answer []bool
}

// IsAnswer reports whether row i is an answer row.
func (d *Dataset) IsAnswer(i int) bool { return d.Answer == nil || d.Answer[i] }

// AnswerRows returns the indices of the answer rows in increasing order.
func (d *Dataset) AnswerRows() []int {
	var out []int
	for i := range d.Labels {
		if d.IsAnswer(i) {
			out = append(out, i)
		}
	}
	return out
}

// GroupKey returns the group key of row i: Groups[i], else IDs[i], else a
// key of its own.
func (d *Dataset) GroupKey(i int) string {
	switch {
	case d.Groups != nil && d.Groups[i] != "":
		return d.Groups[i]
	case d.IDs != nil:
		return d.IDs[i]
	}
	return "\x00row " + strconv.Itoa(i)
}

// groupKeys returns GroupKey of every row (rows,).
func (d *Dataset) groupKeys() []string {
	out := make([]string, len(d.Labels))
	for i := range out {
		out[i] = d.GroupKey(i)
	}
	return out
}

// check returns an error unless the per-row slices match the matrix and
// some row is an answer row.
func (d *Dataset) check() error {
	n := d.X.Rows
	if len(d.Labels) != n {
		return fmt.Errorf("%d labels for %d rows", len(d.Labels), n)
	}
	for _, c := range []struct {
		name string
		len  int
		set  bool
	}{{"ids", len(d.IDs), d.IDs != nil}, {"groups", len(d.Groups), d.Groups != nil}, {"answer flags", len(d.Answer), d.Answer != nil}} {
		if c.set && c.len != n {
			return fmt.Errorf("%d %s for %d rows", c.len, c.name, n)
		}
	}
	if len(d.AnswerRows()) == 0 {
		return fmt.Errorf("no answer rows among %d rows (metrics count answer rows only)", n)
	}
	return nil
}

// LoadDataset reads the rows of the store in dir that mode selects, with
// their ids, group keys and answer flags.
func LoadDataset(dir string, mode Mode) (*Dataset, error) {
	r, err := features.Open(dir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rows, labels, err := SelectRows(r.Index, mode)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	x, err := LoadFeatures(r, rows)
	if err != nil {
		return nil, err
	}
	ds := &Dataset{X: x, Labels: labels, Shape: ShapeOf(r.Index),
		IDs: make([]string, len(rows)), Groups: make([]string, len(rows)), Answer: make([]bool, len(rows))}
	for k, i := range rows {
		row := &r.Index.Rows[i]
		ds.IDs[k], ds.Groups[k], ds.Answer[k] = row.ID, row.GroupKey(), row.Region == features.RegionAnswer
	}
	return ds, nil
}

// LoadEvalDataset reads the evaluation rows of the store in dir: its
// non-empty answer rows, hallucinated (1) vs faithful (0), whatever mode a
// probe was trained in.
func LoadEvalDataset(dir string) (*Dataset, error) { return LoadDataset(dir, OneVsOne) }

// Train fits the probe on every row of train (the rows its mode selected)
// and scores it on the answer rows of train and of test (when not nil), with
// boot bootstrap resamples for the intervals.
func Train(ctx context.Context, train, test *Dataset, mode Mode, opt Options, boot int) (*Probe, error) {
	if err := checkPair(train, test); err != nil {
		return nil, err
	}
	p, err := NewProblem(train.X, train.Labels, nil, nil)
	if err != nil {
		return nil, err
	}
	m, err := Fit(ctx, p, opt, nil)
	if err != nil {
		return nil, err
	}
	return finish(m, train, test, mode, opt, boot)
}

// finish wraps a fitted model as a probe and scores it on the answer rows
// of train and test.
func finish(m *Model, train, test *Dataset, mode Mode, opt Options, boot int) (*Probe, error) {
	if err := checkPair(train, test); err != nil {
		return nil, err
	}
	if opt.Tol == 0 {
		opt.Tol = 1e-4
	}
	if !m.Converged {
		slog.Warn("probe: solver stopped before reaching its tolerance; the weights are approximate",
			"C", opt.C, "newton_iterations", m.Iterations)
	}
	pr := NewProbe(m, train.Shape, mode, opt)
	tm, err := evaluateAnswers(pr, train, boot, opt.Seed)
	if err != nil {
		return nil, err
	}
	pr.Train = tm
	if test != nil {
		if pr.Test, err = evaluateAnswers(pr, test, boot, opt.Seed+1); err != nil {
			return nil, err
		}
	}
	return pr, nil
}

// evaluateAnswers scores pr on the answer rows of ds (see Evaluate).
func evaluateAnswers(pr *Probe, ds *Dataset, boot int, seed uint64) (*Metrics, error) {
	s, err := pr.Scores(ds.X)
	if err != nil {
		return nil, err
	}
	ss, ls := pick(s, ds.Labels, ds.AnswerRows())
	m := Evaluate(ss, ls, boot, seed)
	return &m, nil
}

// pick returns the scores and labels of rows.
func pick(scores []float64, labels []int, rows []int) ([]float64, []int) {
	ss := make([]float64, len(rows)) // (rows,)
	ls := make([]int, len(rows))
	for j, i := range rows {
		ss[j], ls[j] = scores[i], labels[i]
	}
	return ss, ls
}

// checkPair returns an error when a data set is malformed or test (if any)
// does not match train's columns.
func checkPair(train, test *Dataset) error {
	if err := train.check(); err != nil {
		return fmt.Errorf("probe: training set: %w", err)
	}
	if test == nil {
		return nil
	}
	if err := test.check(); err != nil {
		return fmt.Errorf("probe: test set: %w", err)
	}
	err := (&Probe{Columns: train.X.Cols, Layers: train.Shape.Layers, DFF: train.Shape.DFF,
		ModelFingerprint: train.Shape.ModelFingerprint}).CheckShape(test.Shape)
	if err != nil {
		return fmt.Errorf("probe: test features do not match training features: %w", err)
	}
	return nil
}
