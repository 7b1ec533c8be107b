package intervene

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hneurons/hneurons/compliance"
	"github.com/hneurons/hneurons/internal/atomicfile"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

// Files an Experiment writes into its folder.
const (
	RecordsFile     = "records.jsonl"
	SetsFile        = "sets.json"
	SummaryFile     = "summary.json"
	SummaryTextFile = "summary.txt"
)

// Experiment is a whole intervention study: the probe's H-Neurons and
// Controls random sets of each kind, every alpha, the items, Boot
// bootstrap resamples.
type Experiment struct {
	Options
	Controls int
	Boot     int
}

// RunExperiment draws the sets (seeded by opt.Seed), writes them to
// dir/sets.json, runs (resumably) into dir/records.jsonl, and writes the
// summary to dir/summary.json and dir/summary.txt.
func RunExperiment(ctx context.Context, m *model.Model, tok *tokenizer.Tokenizer, pr *probe.Probe, items []compliance.Item, dir string, e Experiment) (*Summary, error) {
	if e.Controls < 0 {
		return nil, fmt.Errorf("intervene: --controls %d: want 0 or more", e.Controls)
	}
	if pr.Layers != m.Config.NLayers || pr.DFF != m.Config.DFF {
		return nil, fmt.Errorf("intervene: the probe is for %d x %d neurons, the model has %d x %d", pr.Layers, pr.DFF, m.Config.NLayers, m.Config.DFF)
	}
	h, err := HNeurons(pr)
	if err != nil {
		return nil, err
	}
	ctl, err := Controls(h, e.Controls, m.Config.NLayers, m.Config.DFF, e.Seed)
	if err != nil {
		return nil, err
	}
	sets := append([]Set{h}, ctl...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("intervene: %w", err)
	}
	if err := record.WriteJSON(filepath.Join(dir, SetsFile), sets); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, RecordsFile)
	if _, err := Run(ctx, m, tok, items, sets, out, e.Options); err != nil {
		return nil, err
	}
	recs, prov, err := ReadRecords(out)
	if err != nil {
		return nil, err
	}
	s, err := Summarize(recs, e.Boot, e.Seed)
	if err != nil {
		return nil, err
	}
	s.Provenance = prov
	if err := record.WriteJSON(filepath.Join(dir, SummaryFile), s); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := s.WriteText(&b); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, SummaryTextFile), b.Bytes()); err != nil {
		return nil, fmt.Errorf("intervene: %w", err)
	}
	return s, nil
}
