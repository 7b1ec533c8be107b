package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hneurons/hneurons/internal/atomicfile"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
)

// EmergenceOptions configure Emergence.
type EmergenceOptions struct {
	// Run is an organism run folder (`hneurons organism train --out`): its
	// checkpoints/chat-step-N folders are studied, with questions from
	// Run/world.
	Run string
	// Out is the results folder (default Run/emergence): one demo report per
	// checkpoint in Out/<checkpoint>, plus emergence.json and emergence.txt.
	Out string
	// Every keeps every Every-th chat checkpoint, counted from the last one
	// (which is always kept); default 1.
	Every int
	// Steps, when not empty, keeps only the chat checkpoints of these steps.
	Steps []int
	// Demo holds the chain's settings; ModelDir, QuestionsDir, Out and
	// ModelName are set per checkpoint.
	Demo Options
}

// EmergencePoint is one checkpoint's row of emergence.json.
type EmergencePoint struct {
	Checkpoint string  `json:"checkpoint"`
	Stage      string  `json:"stage"`
	Step       int     `json:"step"`
	HNeurons   int     `json:"h_neurons"`
	C          float64 `json:"C"`
	// Training-set sizes after the consistency filter and balancing.
	TrainPerClass int `json:"train_per_class"`
	// Sets are the checkpoint's summary lines (test, nonexist).
	Sets map[string]SetSummary `json:"sets"`
	// WithinAUROC is the test set's AUROC within attribute, weighted (see
	// Within); NaN (null) when not computed.
	WithinAUROC probe.Float `json:"within_auroc"`
	// SharedWithLast counts this checkpoint's H-Neurons that are also
	// H-Neurons of the last studied checkpoint (whose own count is its
	// HNeurons).
	SharedWithLast int     `json:"shared_with_last"`
	Seconds        float64 `json:"seconds"`
	// Error is set when the chain could not run on this checkpoint (for
	// example no faithful question survived the consistency filter).
	Error string `json:"error,omitempty"`
}

// Emergence runs the identification chain on chat-stage checkpoints of an
// organism run, each with its own samples and labels (what a checkpoint knows
// changes along training, so labels are never reused across checkpoints;
// the questions, the seeds and the person split are the same). Base-stage
// checkpoints are not studied: the base organism has only seen biographies,
// so neither the chat format nor the "Q\nAnswer:" base format gets answers
// from it (it continues the biography text: on the final base model of the
// shipped run, 400 questions gave no consistent faithful question in either
// format). A checkpoint
// whose Out/<checkpoint>/summary.json exists is not run again, so the study
// resumes. It writes Out/emergence.json and Out/emergence.txt and returns
// the points in step order.
func Emergence(ctx context.Context, o EmergenceOptions, progress func(checkpoint string, e Event)) ([]EmergencePoint, error) {
	if o.Run == "" {
		return nil, fmt.Errorf("demo: emergence: no run folder")
	}
	if o.Out == "" {
		o.Out = filepath.Join(o.Run, "emergence")
	}
	cks, err := Checkpoints(o.Run, "chat")
	if err != nil {
		return nil, err
	}
	cks = selectCheckpoints(cks, o.Every, o.Steps)
	if len(cks) == 0 {
		return nil, fmt.Errorf("demo: emergence: no chat checkpoints selected in %s", filepath.Join(o.Run, "checkpoints"))
	}
	var pts []EmergencePoint
	var sets []map[probe.Neuron]bool // H-Neurons (weight zeroed) per point
	for _, ck := range cks {
		name := filepath.Base(ck.Dir)
		out := filepath.Join(o.Out, name)
		p := EmergencePoint{Checkpoint: name, Stage: ck.Stage, Step: ck.Step, WithinAUROC: probe.Float(math.NaN())}
		s, d, err := loadReport(out)
		if err != nil {
			opt := o.Demo
			opt.ModelDir, opt.QuestionsDir, opt.Out, opt.ModelName = ck.Dir, filepath.Join(o.Run, "world"), out, name
			start := time.Now()
			s, d, err = Run(ctx, opt, func(e Event) {
				if progress != nil {
					progress(name, e)
				}
			})
			if ctx.Err() != nil {
				return pts, ctx.Err()
			}
			if err != nil {
				p.Error = err.Error()
				p.Seconds = time.Since(start).Seconds()
			}
		}
		set := map[probe.Neuron]bool{}
		if s != nil {
			p.HNeurons, p.Sets, p.Seconds = len(s.HNeurons), s.Sets, s.Seconds
			for _, n := range s.HNeurons {
				set[probe.Neuron{Layer: n.Layer, Neuron: n.Neuron}] = true
			}
		}
		if d != nil {
			p.C, p.TrainPerClass = d.C, min(d.Counts.TrainFaithful, d.Counts.TrainHallucinated)
			if w := d.Within[SetTest]; w != nil {
				p.WithinAUROC = w.WeightedAUROC
			}
		}
		pts, sets = append(pts, p), append(sets, set)
		sharedWithLast(pts, sets)
		if err := record.WriteJSON(filepath.Join(o.Out, "emergence.json"), pts); err != nil {
			return pts, err
		}
	}
	if err := atomicfile.WriteBytes(filepath.Join(o.Out, "emergence.txt"), []byte(EmergenceTable(pts))); err != nil {
		return pts, fmt.Errorf("demo: %w", err)
	}
	return pts, nil
}

// sharedWithLast sets every point's SharedWithLast against the last point.
func sharedWithLast(pts []EmergencePoint, sets []map[probe.Neuron]bool) {
	last := sets[len(sets)-1]
	for i := range pts {
		pts[i].SharedWithLast = 0
		for n := range sets[i] {
			if last[n] {
				pts[i].SharedWithLast++
			}
		}
	}
}

// loadReport reads a finished demo report (summary.json and metrics.json).
func loadReport(dir string) (*Summary, *Details, error) {
	var raw struct {
		Model        string          `json:"model"`
		HNeurons     json.RawMessage `json:"h_neurons"`
		TotalNeurons int             `json:"total_neurons"`
		Sets         map[string]struct {
			N                    int      `json:"n"`
			Accuracy             *float64 `json:"accuracy"`
			AUROC                *float64 `json:"auroc"`
			BaselineAccuracyMean *float64 `json:"baseline_accuracy_mean"`
			BaselineAUROCMean    *float64 `json:"baseline_auroc_mean"`
		} `json:"sets"`
		Seconds float64 `json:"seconds"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return nil, nil, err
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, nil, fmt.Errorf("demo: %s: %w", filepath.Join(dir, "summary.json"), err)
	}
	s := &Summary{Model: raw.Model, TotalNeurons: raw.TotalNeurons, Seconds: raw.Seconds, Sets: map[string]SetSummary{}}
	if err := json.Unmarshal(raw.HNeurons, &s.HNeurons); err != nil {
		return nil, nil, fmt.Errorf("demo: %s: h_neurons: %w", dir, err)
	}
	f := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	for k, v := range raw.Sets {
		s.Sets[k] = SetSummary{N: v.N, Accuracy: f(v.Accuracy), AUROC: f(v.AUROC),
			BaselineAccuracyMean: f(v.BaselineAccuracyMean), BaselineAUROCMean: f(v.BaselineAUROCMean)}
	}
	var d Details
	if b, err := os.ReadFile(filepath.Join(dir, "metrics.json")); err == nil {
		// Options hold a probe.Mode and plain values only; a decode error
		// just leaves the details empty.
		_ = json.Unmarshal(b, &d)
	}
	return s, &d, nil
}

// Checkpoint is one checkpoint folder of an organism run.
type Checkpoint struct {
	Dir   string
	Stage string
	Step  int
}

// Checkpoints lists run/checkpoints/<stage>-step-N folders by step.
func Checkpoints(run, stage string) ([]Checkpoint, error) {
	dir := filepath.Join(run, "checkpoints")
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	var out []Checkpoint
	for _, e := range es {
		rest, ok := strings.CutPrefix(e.Name(), stage+"-step-")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(rest)
		if err != nil {
			continue
		}
		// a folder or a link to one; complete once it has its tokenizer
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "tokenizer.json")); err != nil {
			continue
		}
		out = append(out, Checkpoint{Dir: filepath.Join(dir, e.Name()), Stage: stage, Step: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Step < out[j].Step })
	return out, nil
}

// selectCheckpoints keeps the given steps, or every k-th checkpoint counted
// back from the last.
func selectCheckpoints(cks []Checkpoint, every int, steps []int) []Checkpoint {
	if len(steps) > 0 {
		want := map[int]bool{}
		for _, s := range steps {
			want[s] = true
		}
		var out []Checkpoint
		for _, c := range cks {
			if want[c.Step] {
				out = append(out, c)
			}
		}
		return out
	}
	every = max(every, 1)
	var out []Checkpoint
	for i := len(cks) - 1; i >= 0; i -= every {
		out = append(out, cks[i])
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// EmergenceTable renders the points as a text table.
func EmergenceTable(pts []EmergencePoint) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-18s %6s %5s %6s %7s %6s | %-6s %-13s   %-13s %6s | %-6s %-13s   %-13s\n", "checkpoint", "step", "train", "C", "h-neur", "shared",
		"test", "acc / AUROC", "random", "within", "nonex.", "acc / AUROC", "random")
	num := func(v float64) string {
		if math.IsNaN(v) {
			return "  -  "
		}
		return fmt.Sprintf("%.3f", v)
	}
	for _, p := range pts {
		if p.Error != "" {
			fmt.Fprintf(&b, "%-18s %6d  failed: %s\n", p.Checkpoint, p.Step, p.Error)
			continue
		}
		t, n := p.Sets[SetTest], p.Sets[SetNonExist]
		fmt.Fprintf(&b, "%-18s %6d %5d %6g %7d %6d | n=%-4d %s / %s   %s / %s  %s | n=%-4d %s / %s   %s / %s\n",
			p.Checkpoint, p.Step, p.TrainPerClass, p.C, p.HNeurons, p.SharedWithLast,
			t.N, num(t.Accuracy), num(t.AUROC), num(t.BaselineAccuracyMean), num(t.BaselineAUROCMean), num(float64(p.WithinAUROC)),
			n.N, num(n.Accuracy), num(n.AUROC), num(n.BaselineAccuracyMean), num(n.BaselineAUROCMean))
	}
	return b.String()
}
