package label

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hneurons/hneurons/record"
)

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
	// Fresh discards an existing Out instead of resuming it.
	Fresh bool
	// Progress, when set, is called after each written record.
	Progress func(c Counts, elapsed time.Duration)
}

// Provenance returns the provenance Run writes to opt.Out: the judge, the
// consistency threshold (MinAgree 0 is "all"), the refusal rule and the
// judge-error policy, and the input file.
func (opt RunOptions) Provenance() (record.Provenance, error) {
	minAgree := "all"
	if opt.MinAgree > 0 {
		minAgree = strconv.Itoa(opt.MinAgree)
	}
	errs := "fail"
	if opt.JudgeErrorsUncertain {
		errs = "uncertain"
	}
	judge := ""
	if opt.Judge != nil {
		judge = opt.Judge.Name()
	}
	in, err := record.InputOf("responses", opt.In)
	if err != nil {
		return record.Provenance{}, fmt.Errorf("label: %w", err)
	}
	return record.New("label", map[string]string{
		"judge": judge, "min-agree": minAgree, "refusal-correct": strconv.FormatBool(opt.RefusalCorrect),
		"judge-errors": errs,
	}).WithInput(in), nil
}

// Run labels every record of In that is not yet in Out, appending one
// labelled record per question to Out. It can be stopped and rerun: it skips
// the ids already in Out and cuts a torn last line; a rerun whose judge,
// threshold or input differ from those Out was written with stops with an
// error naming the difference (see record.OpenAppender), unless Fresh.
func Run(ctx context.Context, opt RunOptions) (Counts, error) {
	cnt := Counts{Spans: map[string]int{}}
	if opt.Judge == nil {
		return cnt, fmt.Errorf("label: no judge")
	}
	if opt.MinAgree < 0 {
		return cnt, fmt.Errorf("label: min-agree %d: want 0 (all samples) or more", opt.MinAgree)
	}
	prov, err := opt.Provenance()
	if err != nil {
		return cnt, err
	}
	app, done, err := record.OpenAppender(opt.Out, prov, opt.Fresh)
	if err != nil {
		return cnt, fmt.Errorf("label: %w", err)
	}
	start := time.Now()
	_, err = record.EachCollected(opt.In, func(line int, c record.Collected) error {
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
		case record.Faithful:
			cnt.Faithful++
		case record.Hallucinated:
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
