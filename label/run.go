package label

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Appender appends JSON records to a JSONL file, one Write call per line,
// so that an interrupted run leaves at most one torn last line.
type Appender struct {
	f    *os.File
	path string
}

// OpenAppender opens path for resuming: a torn last line (no newline) is cut
// off, and the ids of the complete records already in the file are returned.
// A complete line that is not a JSON object with a string "id" is an error.
func OpenAppender(path string) (*Appender, map[string]bool, error) {
	done := map[string]bool{}
	valid, err := scanJSONL(path, func(line int, b []byte) error {
		var r struct {
			ID *string `json:"id"`
		}
		if err := json.Unmarshal(b, &r); err != nil || r.ID == nil {
			return fmt.Errorf("label: %s line %d: not a record with an \"id\" (%v)", path, line, err)
		}
		done[*r.ID] = true
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	f, err := openTruncated(path, valid)
	if err != nil {
		return nil, nil, err
	}
	return &Appender{f: f, path: path}, done, nil
}

// Append writes v as one JSON line with a single Write.
func (a *Appender) Append(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("label: encoding record for %s: %w", a.path, err)
	}
	if _, err := a.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("label: writing %s: %w", a.path, err)
	}
	return nil
}

// Close syncs and closes the file.
func (a *Appender) Close() error {
	serr := a.f.Sync()
	if err := a.f.Close(); err != nil {
		return fmt.Errorf("label: closing %s: %w", a.path, err)
	}
	if serr != nil {
		return fmt.Errorf("label: syncing %s: %w", a.path, serr)
	}
	return nil
}

// EachCollected calls fn with every Collected record of a JSONL file, in
// order. A line that is not a record with an id is an error naming the line.
func EachCollected(path string, fn func(line int, c Collected) error) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("label: %w", err)
	}
	_, err := scanJSONL(path, func(line int, b []byte) error {
		var c Collected
		if err := json.Unmarshal(b, &c); err != nil {
			return fmt.Errorf("label: %s line %d: %w", path, line, err)
		}
		if c.ID == "" {
			return fmt.Errorf("label: %s line %d: record has no \"id\"", path, line)
		}
		return fn(line, c)
	})
	return err
}

// ReadLabelled reads a labelled JSONL file. A torn last line is ignored
// (with a warning); any other bad line is an error naming it.
func ReadLabelled(path string) ([]Labelled, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("label: %w", err)
	}
	var out []Labelled
	_, err := scanJSONL(path, func(line int, b []byte) error {
		var l Labelled
		if err := json.Unmarshal(b, &l); err != nil {
			return fmt.Errorf("label: %s line %d: %w", path, line, err)
		}
		if l.ID == "" {
			return fmt.Errorf("label: %s line %d: record has no \"id\"", path, line)
		}
		out = append(out, l)
		return nil
	})
	return out, err
}

// Counts summarises a labelling run.
type Counts struct {
	// Seen is the number of input records; Resumed of them were already in
	// the output and skipped.
	Seen, Resumed int
	// Labelled is the number of records written by this run.
	Labelled int
	// Faithful, Hallucinated and Uncertain count the written labels.
	Faithful, Hallucinated, Uncertain int
	// JudgeErrors counts judgements recorded as uncertain after a judge error.
	JudgeErrors int
	// TooFewSamples counts questions with fewer samples than MinAgree (they
	// can never be consistent).
	TooFewSamples int
	// Spans counts the span methods of the written records.
	Spans map[string]int
}

// RunOptions configures Run.
type RunOptions struct {
	In, Out string
	Judge   Judge
	Options
	// Progress, when set, is called after each written record.
	Progress func(c Counts, elapsed time.Duration)
}

// Run labels every record of In that is not yet in Out, appending one
// labelled record per question to Out. It can be stopped and rerun: it skips
// the ids already in Out and cuts a torn last line.
func Run(ctx context.Context, opt RunOptions) (Counts, error) {
	cnt := Counts{Spans: map[string]int{}}
	app, done, err := OpenAppender(opt.Out)
	if err != nil {
		return cnt, err
	}
	start := time.Now()
	err = EachCollected(opt.In, func(line int, c Collected) error {
		cnt.Seen++
		if done[c.ID] {
			cnt.Resumed++
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		l, err := LabelOne(ctx, opt.Judge, c, opt.Options)
		if err != nil {
			return fmt.Errorf("%s line %d: %w", opt.In, line, err)
		}
		if err := app.Append(l); err != nil {
			return err
		}
		done[c.ID] = true
		cnt.Labelled++
		if opt.MinAgree > len(c.Samples) {
			cnt.TooFewSamples++
		}
		switch l.Label {
		case Faithful:
			cnt.Faithful++
		case Hallucinated:
			cnt.Hallucinated++
		default:
			cnt.Uncertain++
		}
		for _, j := range l.Judgements {
			if j.Note != "" {
				cnt.JudgeErrors++
			}
		}
		cnt.Spans[l.SpanMethod]++
		if opt.Progress != nil {
			opt.Progress(cnt, time.Since(start))
		}
		return nil
	})
	if cerr := app.Close(); err == nil {
		err = cerr
	}
	return cnt, err
}
