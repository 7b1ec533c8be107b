package report

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/hneurons/hneurons/origin"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
)

// run is what Render reads from a run folder. Every part but the probe may
// be missing; its section then says which command makes it.
type run struct {
	dir     string
	probe   *probe.Probe
	details *details
	model   string
	roc     map[string]rocCurve // by evaluation set
	drift   []driftRow          // per neuron
	pretain []pretrainPoint
	impact  *impactSummary // impact/summary.json (intervene.Summary)
}

// impactSummary is the part of an intervention summary (intervene.Summary,
// impact/summary.json) the report draws. Undefined rates and slopes are
// null there and NaN here.
type impactSummary struct {
	Alphas  []float64 `json:"alphas"`
	Benches []struct {
		Bench    string        `json:"bench"`
		Items    int           `json:"items"`
		Curves   []impactCurve `json:"curves"`
		Controls []struct {
			Kind string       `json:"kind"`
			Mean nullInterval `json:"mean"`
			Diff nullInterval `json:"h_minus_controls"`
		} `json:"controls"`
	} `json:"benches"`
}

// impactCurve is one neuron set's compliance over alpha on one benchmark.
type impactCurve struct {
	Set    string `json:"set"`
	Kind   string `json:"kind"`
	Points []struct {
		Alpha     float64      `json:"alpha"`
		Rate      nullInterval `json:"rate"`
		Truncated float64      `json:"truncated"`
	} `json:"points"`
	Slope nullInterval `json:"slope"`
}

// nullInterval is an interval whose null parts read as NaN.
type nullInterval struct{ Value, Lo, Hi float64 }

func (iv *nullInterval) UnmarshalJSON(b []byte) error {
	var raw struct{ Value, Lo, Hi *float64 }
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	get := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	iv.Value, iv.Lo, iv.Hi = get(raw.Value), get(raw.Lo), get(raw.Hi)
	return nil
}

// details is the part of metrics.json (demo.Details) the report reads.
type details struct {
	Provenance *record.Provenance          `json:"provenance"`
	Options    map[string]any              `json:"options"`
	Counts     map[string]json.RawMessage  `json:"counts"`
	C          float64                     `json:"C"`
	CV         []probe.CVPoint             `json:"cv"`
	Reports    map[string]*probe.Report    `json:"reports"`
	Notes      map[string]string           `json:"baseline_notes"`
	Transfer   map[string]*probe.Transfer  `json:"transfer"`
	Within     map[string]*withinAttribute `json:"within_attribute"`
	Origin     *struct {
		BaseModel string                            `json:"base_model"`
		Transfer  map[string]*origin.TransferResult `json:"transfer"`
		Drift     *origin.DriftResult               `json:"drift"`
	} `json:"origin"`
}

type withinAttribute struct {
	WeightedAUROC      probe.Float   `json:"weighted_auroc"`
	AttributeOnlyAUROC probe.Float   `json:"attribute_only_auroc"`
	Popularity         *exposureRule `json:"popularity_only"`
	Statements         *exposureRule `json:"statements_only"`
}

// exposureRule is a no-model reference of the confound checks
// (demo.PopularityOnly).
type exposureRule struct {
	Threshold int         `json:"threshold"`
	Accuracy  probe.Float `json:"accuracy"`
	AUROC     probe.Float `json:"auroc"`
}

// driftRow is one line of origin/drift/drift.csv.
type driftRow struct {
	layer, neuron int
	rank          float64
	h             bool
}

// pretrainPoint is the part of a pre-training emergence point the report
// draws (demo.PretrainPoint).
type pretrainPoint struct {
	Checkpoint string `json:"checkpoint"`
	Step       int    `json:"step"`
	Sets       map[string]struct {
		Transfer        probe.Interval `json:"transfer_auroc"`
		HNeuronAUROC    float64        `json:"h_neuron_auroc"`
		RandomAUROCMean float64        `json:"random_auroc_mean"`
		RandomAUROCSD   float64        `json:"random_auroc_sd"`
	} `json:"sets"`
	Error string `json:"error"`
}

// rocCurve is the probe's ROC on one evaluation set's answer rows.
type rocCurve struct {
	fpr, tpr []float64
	auc      float64
	n        int
}

// load reads the run folder.
func load(dir string) (*run, error) {
	r := &run{dir: dir, roc: map[string]rocCurve{}}
	var err error
	if r.probe, err = probe.Load(filepath.Join(dir, "probe.json")); err != nil {
		return nil, fmt.Errorf("report: %s is not a run folder (it needs at least probe.json): %w", dir, err)
	}
	var d details
	if ok, err := readJSON(filepath.Join(dir, "metrics.json"), &d); err != nil {
		return nil, err
	} else if ok {
		r.details = &d
	}
	var sum struct {
		Model string `json:"model"`
	}
	if _, err := readJSON(filepath.Join(dir, "summary.json"), &sum); err != nil {
		return nil, err
	}
	r.model = sum.Model
	for _, set := range []string{"test", "nonexist"} {
		fdir := filepath.Join(dir, "features", set)
		if _, err := os.Stat(filepath.Join(fdir, "index.json")); err != nil {
			continue
		}
		ds, err := probe.LoadEvalDataset(fdir)
		if err != nil {
			return nil, err
		}
		s, err := r.probe.Scores(ds.X)
		if err != nil {
			return nil, fmt.Errorf("report: scoring %s: %w", fdir, err)
		}
		r.roc[set] = roc(s, ds.Labels)
	}
	if r.drift, err = readDriftCSV(filepath.Join(dir, "origin", "drift", origin.DriftCSV)); err != nil {
		return nil, err
	}
	if _, err := readJSON(filepath.Join(dir, "origin", "pretrain", "pretrain.json"), &r.pretain); err != nil {
		return nil, err
	}
	var imp impactSummary
	if ok, err := readJSON(filepath.Join(dir, "impact", "summary.json"), &imp); err != nil {
		return nil, err
	} else if ok {
		r.impact = &imp
	}
	return r, nil
}

// readJSON decodes path into v; a missing file is not an error (false).
func readJSON(path string, v any) (bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("report: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("report: %s: %w", path, err)
	}
	return true, nil
}

// readDriftCSV reads the per-neuron drift table (nil when absent).
func readDriftCSV(path string) ([]driftRow, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("report: %s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for _, k := range []string{"layer", "neuron", "rank", "h_neuron"} {
		if _, ok := col[k]; !ok {
			return nil, fmt.Errorf("report: %s: no %q column", path, k)
		}
	}
	var rows []driftRow
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("report: %s: %w", path, err)
		}
		l, e1 := strconv.Atoi(rec[col["layer"]])
		n, e2 := strconv.Atoi(rec[col["neuron"]])
		rk, e3 := strconv.ParseFloat(rec[col["rank"]], 64)
		if err := errors.Join(e1, e2, e3); err != nil {
			return nil, fmt.Errorf("report: %s line %d: %w", path, line, err)
		}
		rows = append(rows, driftRow{layer: l, neuron: n, rank: rk, h: rec[col["h_neuron"]] == "1"})
	}
}
