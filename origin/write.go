package origin

import (
	"bufio"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hneurons/hneurons/internal/atomicfile"
	"github.com/hneurons/hneurons/npy"
	"github.com/hneurons/hneurons/record"
)

// Files WriteDrift writes into its folder.
const (
	DriftJSON = "drift.json" // DriftReport: the summary, the tests, the per-layer table
	DriftCSV  = "drift.csv"  // one row per neuron, with a header
	DriftNPY  = "drift.npy"  // (neurons, 10) float64, the CSV's columns
)

// DriftColumns names the columns of drift.csv and drift.npy.
var DriftColumns = []string{"layer", "neuron", "d_gate", "d_up", "d_down", "z_up", "z_down", "score", "rank", "h_neuron"}

// DriftReport is drift.json.
type DriftReport struct {
	Provenance record.Provenance `json:"provenance"`
	*DriftResult
}

// WriteDrift writes the report, the per-neuron table as CSV and as .npy
// into dir.
func WriteDrift(dir string, prov record.Provenance, res *DriftResult) error {
	if err := record.WriteJSON(filepath.Join(dir, DriftJSON), DriftReport{Provenance: prov, DriftResult: res}); err != nil {
		return fmt.Errorf("origin: %w", err)
	}
	row := func(n NeuronDrift) []float64 {
		h := 0.0
		if n.H {
			h = 1
		}
		return []float64{float64(n.Layer), float64(n.Neuron), n.Gate, n.Up, n.Down, n.ZUp, n.ZDown, n.Score, n.Rank, h}
	}
	err := atomicfile.Write(filepath.Join(dir, DriftCSV), func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(DriftColumns); err != nil {
			return err
		}
		rec := make([]string, len(DriftColumns))
		for _, n := range res.Neurons {
			for i, v := range row(n) {
				if i < 2 || i == 9 {
					rec[i] = strconv.Itoa(int(v))
				} else {
					rec[i] = strconv.FormatFloat(v, 'g', -1, 64)
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return fmt.Errorf("origin: %w", err)
	}
	shape := []int{len(res.Neurons), len(DriftColumns)}
	err = npy.WriteStream(filepath.Join(dir, DriftNPY), "<f8", shape, func(w *bufio.Writer) error {
		var b [8]byte
		for _, n := range res.Neurons {
			for _, v := range row(n) {
				binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
				if _, err := w.Write(b[:]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("origin: %w", err)
	}
	return nil
}

// DriftText renders the study as plain text: the summary, both tests and
// the per-layer table.
func DriftText(r *DriftResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "weight drift over %d layers x %d neurons (d = 1 - cos of W_gate/W_up rows and W_down columns; score = mean of z(d_up), z(d_down))\n",
		r.Layers, r.DFF)
	fmt.Fprintf(&b, "d_up mean %.4g sd %.4g; d_down mean %.4g sd %.4g\n", r.MeanUp, r.SDUp, r.MeanDown, r.SDDown)
	if r.HNeurons == 0 {
		b.WriteString("no H-Neurons given (--probe): only the per-neuron table\n")
	} else {
		fmt.Fprintf(&b, "H-Neurons: %d, mean normalised rank %.3f (0 = changed most, 1 = least; the rest %.3f; paper: 0.58-0.97)\n",
			r.HNeurons, float64(r.HMeanRank), float64(r.RestMeanRank))
		fmt.Fprintf(&b, "Welch t-test (H-Neurons' scores lower, one-sided): t = %.3f, df = %.1f, p = %.3g\n", r.Welch.T, r.Welch.DF, r.Welch.P)
		fmt.Fprintf(&b, "permutation test (mean rank higher than %d random sets of %d, one-sided): null %.3f ± %.3f, p = %.3g\n",
			r.Permutation.Draws, r.HNeurons, r.Permutation.NullMean, r.Permutation.NullSD, r.Permutation.P)
		fmt.Fprintf(&b, "layer-matched permutation test (as many random neurons in each layer, beyond the paper): null %.3f ± %.3f, p = %.3g\n",
			r.LayerMatched.NullMean, r.LayerMatched.NullSD, r.LayerMatched.P)
		if !math.IsNaN(r.NormMatched.P) {
			fmt.Fprintf(&b, "norm-matched permutation test (as many random neurons in each layer and W_down-norm decile, beyond the paper): null %.3f ± %.3f, p = %.3g\n",
				r.NormMatched.NullMean, r.NormMatched.NullSD, r.NormMatched.P)
		}
	}
	fmt.Fprintf(&b, "%6s %10s %9s %9s %11s\n", "layer", "mean score", "mean rank", "H-Neurons", "H mean rank")
	for _, l := range r.PerLayer {
		h := "-"
		if l.HNeurons > 0 {
			h = fmt.Sprintf("%.3f", float64(l.HMeanRank))
		}
		fmt.Fprintf(&b, "%6d %10.4f %9.3f %9d %11s\n", l.Layer, l.MeanScore, l.MeanRank, l.HNeurons, h)
	}
	return b.String()
}
