package datasets

import (
	"encoding/json"
	"fmt"
	"io"
)

// Record is one question with its gold answers, whatever file it came from.
type Record struct {
	// ID identifies the question within its source; readers of files without
	// ids make one from the file stem and line number.
	ID string `json:"id"`
	// Question is the question text as written in the source.
	Question string `json:"question"`
	// Answers are the gold answer aliases (may be empty, e.g. for NonExist,
	// where no answer is correct).
	Answers []string `json:"answers"`
	// Source names the dataset format the record was read from ("nq",
	// "triviaqa", "nonexist", ...).
	Source string `json:"source,omitempty"`
	// Group is a key that questions sharing an entity have in common (the
	// organism's person), when the source gives one: the pipeline keeps a
	// group on one side of every split and cross-validation fold. Empty
	// means the question is its own group.
	Group string `json:"group,omitempty"`
	// NormalizedAnswers are the source's own normalised aliases, when it has
	// them (TriviaQA).
	NormalizedAnswers []string `json:"normalized_answers,omitempty"`
	// Incorrect are known wrong answers, when the source has them (TruthfulQA).
	Incorrect []string `json:"incorrect,omitempty"`
	// Extra holds further per-source fields (e.g. "label", "category", "form").
	Extra map[string]string `json:"extra,omitempty"`
}

// Options controls how readers treat bad rows.
type Options struct {
	// SkipBad skips rows that cannot be read (counting them in Stats.Skipped)
	// instead of failing with an error naming the file and line.
	SkipBad bool
	// DedupeIDs drops a record whose ID was already read with the same
	// question (counting it in Stats.Duplicates); the same ID with a different
	// question is then a bad row. TriviaQA's rc.* files repeat each question
	// once per evidence source. Without it every row is returned.
	DedupeIDs bool
	// Limit, when positive, stops reading after this many good records.
	Limit int
}

// Stats counts what a reader did.
type Stats struct {
	// Read is the number of records returned.
	Read int
	// Duplicates is the number of repeated records dropped (DedupeIDs).
	Duplicates int
	// Skipped is the number of bad rows skipped (only with Options.SkipBad).
	Skipped int
	// FirstSkip describes the first skipped row, for logging.
	FirstSkip string

	seen map[string]string // id -> question, for DedupeIDs
}

// bad handles one bad row: with SkipBad it is counted and reading goes on
// (nil is returned); otherwise the error is returned with its location.
func (s *Stats) bad(opt Options, where string, err error) error {
	e := fmt.Errorf("datasets: %s: %w", where, err)
	if !opt.SkipBad {
		return e
	}
	s.Skipped++
	if s.FirstSkip == "" {
		s.FirstSkip = e.Error()
	}
	return nil
}

// dedupe reports whether rec repeats an earlier record (and should be
// dropped); a repeated ID with another question is a bad row.
func (s *Stats) dedupe(opt Options, where string, rec Record) (bool, error) {
	if !opt.DedupeIDs {
		return false, nil
	}
	if s.seen == nil {
		s.seen = map[string]string{}
	}
	q, ok := s.seen[rec.ID]
	if !ok {
		s.seen[rec.ID] = rec.Question
		return false, nil
	}
	if q == rec.Question {
		s.Duplicates++
		return true, nil
	}
	return true, s.bad(opt, where, fmt.Errorf("id %q repeats with a different question", rec.ID))
}

// full reports whether Limit has been reached.
func (o Options) full(n int) bool { return o.Limit > 0 && n >= o.Limit }

// WriteJSONL writes records as generic JSONL, one record per line, which the
// jsonl reader reads back.
func WriteJSONL(w io.Writer, recs []Record) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			return fmt.Errorf("datasets: writing record %d (%s): %w", i, recs[i].ID, err)
		}
	}
	return nil
}
