package extract

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/shard"
	"github.com/hneurons/hneurons/tokenizer"
)

// Options configure Run.
type Options struct {
	// Regions to store, in this order for each response (default: answer,
	// other, input, output).
	Regions []string
	// Agg aggregates over a region's positions (default AggMean).
	Agg Agg
	// Batch is the most responses per forward call (default 8) and
	// BatchTokens the most tokens (default 1024; a longer response runs
	// alone).
	Batch, BatchTokens int
	// Input identifies the labelled records in the store's provenance (for
	// example record.InputOf on their file); when empty, the records given
	// to Run are hashed (record.RecordsInput).
	Input record.Input
	// Fresh discards an existing store instead of resuming it.
	Fresh bool
	// Shard, when not the whole input, keeps only the records of that
	// shard (package shard) and is recorded in the provenance; the input
	// stays identified by every record given to Run.
	Shard shard.Spec
	// Progress, when set, is called after each batch is stored.
	Progress func(Progress)
}

// provenance is what Run records in the store: the aggregation (the only
// option that changes a stored row's meaning; regions are rows of their
// own, and batch sizes change only the last bits of float32 sums), the
// model and the input.
func (opt Options) provenance(m *model.Model, id string, recs []record.Labelled) (*record.Provenance, error) {
	in := opt.Input
	if in.Digest == "" {
		var err error
		if in, err = record.RecordsInput("labelled", recs); err != nil {
			return nil, fmt.Errorf("extract: %w", err)
		}
	}
	o := map[string]string{"agg": string(opt.Agg)}
	opt.Shard.Tag(o)
	p := record.New("extract", o).WithModel(id, m.Path).WithInput(in)
	return &p, nil
}

// Progress reports how far a run has come.
type Progress struct {
	Done, Total int // responses stored by this run, and to do
	Skipped     int // responses already in the store when the run started
	Tokens      int // tokens run through the model by this run
	Elapsed     time.Duration
}

// Rate returns responses per second.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Done) / p.Elapsed.Seconds()
}

// ETA estimates the time left at the current rate (0 when unknown).
func (p Progress) ETA() time.Duration {
	if r := p.Rate(); r > 0 {
		return time.Duration(float64(p.Total-p.Done) / r * float64(time.Second))
	}
	return 0
}

// Stats summarises a run.
type Stats struct {
	Input       int // records given
	Unlabelled  int // records not labelled faithful or hallucinated (skipped)
	Duplicates  int // records whose id came earlier (skipped)
	Skipped     int // responses whose rows were all stored already
	Done        int // responses extracted by this run
	Rows        int // rows appended by this run
	EmptyAnswer int // responses whose answer span covers no token
	Retokenised int // responses without stored tokens, re-encoded from text
	Mismatch    int // responses whose tokens do not decode to their text
	TooLong     int // responses longer than the model's context (skipped)
	Tokens      int // tokens run through the model
	OtherShards int // records left to the other shards (Options.Shard)
}

// DefaultRegions is the default region list.
var DefaultRegions = []string{features.RegionAnswer, features.RegionOther, features.RegionInput, features.RegionOutput}

// Run extracts the CETT vectors of every faithful or hallucinated record of
// recs into the feature store in dir (created if needed): for each record, in
// input order, one row per region of opt.Regions (label 1 for hallucinated, 0
// for faithful). Rows already in the store are skipped, so a run cancelled
// or killed at any point and rerun with the same records and batch options
// ends with the same bytes as an uninterrupted one: batch boundaries depend
// only on the records and options, and a partly stored batch is recomputed
// whole.
func Run(ctx context.Context, m *model.Model, tok *tokenizer.Tokenizer, recs []record.Labelled, dir string, opt Options) (Stats, error) {
	st := Stats{Input: len(recs)}
	if len(opt.Regions) == 0 {
		opt.Regions = DefaultRegions
	}
	regions := make([]int, len(opt.Regions))
	for i, name := range opt.Regions {
		g, err := RegionIndex(name)
		if err != nil {
			return st, err
		}
		regions[i] = g
	}
	if opt.Agg == "" {
		opt.Agg = AggMean
	}
	if opt.Batch <= 0 {
		opt.Batch = 8
	}
	if opt.BatchTokens <= 0 {
		opt.BatchTokens = 1024
	}
	ex, err := NewExtractor(m, opt.Agg)
	if err != nil {
		return st, err
	}
	fp, err := m.Identity()
	if err != nil {
		return st, fmt.Errorf("extract: %w", err)
	}
	prov, err := opt.provenance(m, fp, recs)
	if err != nil {
		return st, err
	}
	w, err := features.OpenWriter(dir, features.Meta{ModelFingerprint: fp, Layers: m.Config.NLayers, DFF: m.Config.DFF,
		Provenance: prov, Fresh: opt.Fresh})
	if err != nil {
		return st, fmt.Errorf("extract: %w", err)
	}
	defer func() {
		if w != nil {
			w.Close()
		}
	}()

	// Every usable record, done or not, in input order, cut into batches
	// that depend only on the records and the batch options: the engine's
	// float32 sums differ in the last bits with the batch's composition,
	// so a resumed run recomputes a partly stored batch whole rather than
	// batching its remaining responses differently.
	type job struct {
		rec  *record.Labelled
		item Item
		done bool // every region already stored
	}
	var jobs []job
	seen := make(map[string]bool, len(recs))
	todo := 0
	for i := range recs {
		rec := &recs[i]
		if rec.Label != record.Faithful && rec.Label != record.Hallucinated {
			st.Unlabelled++
			continue
		}
		if seen[rec.ID] {
			st.Duplicates++
			continue
		}
		seen[rec.ID] = true
		if !opt.Shard.Has(rec.ID) {
			st.OtherShards++
			continue
		}
		done := true
		for _, name := range opt.Regions {
			done = done && w.Has(rec.ID, name)
		}
		sq, err := BuildSequence(tok, *rec)
		if err != nil {
			return st, err
		}
		if max := m.Config.MaxSeq; max > 0 && len(sq.Tokens) > max {
			st.TooLong++
			slog.Warn("extract: sequence longer than the model's context; skipped", "id", rec.ID, "tokens", len(sq.Tokens), "context", max)
			continue
		}
		if done {
			st.Skipped++
		} else {
			todo++
			if sq.Retokenised {
				st.Retokenised++
			}
			if sq.TextMismatch {
				st.Mismatch++
				slog.Warn("extract: response tokens do not decode to the response text", "id", rec.ID)
			}
			if !sq.AnswerFound {
				st.EmptyAnswer++
			}
		}
		jobs = append(jobs, job{rec: rec, item: sq.Item, done: done})
	}

	start := time.Now()
	items := make([]Item, 0, opt.Batch)
	rows := make([]features.Row, 0, len(opt.Regions))
	vecs := make([][]float32, 0, len(opt.Regions)) // (regions, columns) views into the results
	run := func(batch []job) error {
		pending := false
		items = items[:0]
		for _, j := range batch {
			pending = pending || !j.done
			items = append(items, j.item)
		}
		if !pending {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := ex.Extract(ctx, items)
		if err != nil {
			return err
		}
		for i, j := range batch {
			if j.done {
				continue
			}
			lab := 0
			if j.rec.Label == record.Hallucinated {
				lab = 1
			}
			rows, vecs = rows[:0], vecs[:0]
			for k, name := range opt.Regions {
				if w.Has(j.rec.ID, name) {
					continue
				}
				g := regions[k]
				rows = append(rows, features.Row{ID: j.rec.ID, Label: lab, Region: name, Empty: res[i].Count[g] == 0, Group: j.rec.Group})
				vecs = append(vecs, res[i].Vec[g])
			}
			if err := w.AppendBatch(rows, vecs); err != nil {
				return fmt.Errorf("extract: %w", err)
			}
			st.Rows += len(rows)
			st.Done++
			st.Tokens += len(j.item.Tokens)
		}
		if opt.Progress != nil {
			opt.Progress(Progress{Done: st.Done, Total: todo, Skipped: st.Skipped, Tokens: st.Tokens, Elapsed: time.Since(start)})
		}
		return nil
	}
	first, tokens := 0, 0
	for i, j := range jobs {
		if i > first && (i-first >= opt.Batch || tokens+len(j.item.Tokens) > opt.BatchTokens) {
			if err := run(jobs[first:i]); err != nil {
				return st, err
			}
			first, tokens = i, 0
		}
		tokens += len(j.item.Tokens)
	}
	if err := run(jobs[first:]); err != nil {
		return st, err
	}
	if st.Retokenised > 0 {
		slog.Warn("extract: responses without stored token ids were re-encoded from their text", "count", st.Retokenised)
	}
	err = w.Close()
	w = nil
	if err != nil {
		return st, fmt.Errorf("extract: %w", err)
	}
	return st, nil
}
