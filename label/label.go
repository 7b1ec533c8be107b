package label

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hneurons/hneurons/record"
)

// Options controls LabelOne.
type Options struct {
	// MinAgree is the number of judgements that must share the majority
	// verdict for a question to be consistent; 0 means all samples.
	MinAgree int
	// JudgeErrorsUncertain records a judge error as an uncertain judgement
	// (with the error in Note) instead of failing.
	JudgeErrorsUncertain bool
	// Workers is the number of distinct responses of one question judged
	// at the same time (default 1); the judge must be safe for concurrent use.
	Workers int
	// RefusalCorrect judges every question as one about a fabricated entity
	// (always so for Source "nonexist"): a response that declines
	// (IsUncertain) is true, any other is false; the judge is not asked.
	RefusalCorrect bool
}

// LabelOne judges every sample of c (each distinct text once), applies the consistency filter, picks
// the representative response and locates its answer span.
func LabelOne(ctx context.Context, j Judge, c record.Collected, opt Options) (record.Labelled, error) {
	out := record.Labelled{ID: c.ID, Question: c.Question, Answers: c.Answers, Source: c.Source, Group: c.Group, Model: c.Model,
		Prompt: c.Prompt, PromptFormat: c.PromptFormat, Label: record.LabelUncertain}
	if out.Answers == nil {
		out.Answers = []string{}
	}
	if len(c.Samples) == 0 {
		return out, fmt.Errorf("label: question %s: no samples", c.ID)
	}
	// Judge each distinct text once (the samples often repeat), up to
	// Workers at a time.
	type result struct {
		j   record.Judgement
		err error
	}
	memo := map[string]*result{}
	var distinct []string
	for _, s := range c.Samples {
		if _, ok := memo[s.Text]; !ok {
			memo[s.Text] = &result{}
			distinct = append(distinct, s.Text)
		}
	}
	refusal := opt.RefusalCorrect || c.Source == "nonexist"
	workers := max(1, opt.Workers)
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for _, text := range distinct {
		r := memo[text]
		if refusal {
			// Questions about things that do not exist: declining is the
			// right answer, any confident answer is a hallucination.
			if IsUncertain(text) {
				r.j = record.Judgement{Verdict: record.True, Judge: "refusal-rule"}
			} else {
				r.j = record.Judgement{Verdict: record.False, Judge: "refusal-rule"}
			}
			continue
		}
		if IsUncertain(text) {
			r.j = record.Judgement{Verdict: record.Uncertain, Judge: "uncertainty-rule"}
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r.j, r.err = j.Judge(ctx, c.Question, c.Answers, text)
		}()
	}
	wg.Wait()
	counts := map[record.Verdict]int{}
	for i, s := range c.Samples {
		r := memo[s.Text]
		jd := r.j
		if r.err != nil {
			if !opt.JudgeErrorsUncertain || errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded) {
				return out, fmt.Errorf("label: question %s sample %d: %w", c.ID, i, r.err)
			}
			jd = record.Judgement{Verdict: record.Uncertain, Judge: j.Name(), Note: "judge error: " + r.err.Error()}
		}
		out.Judgements = append(out.Judgements, jd)
		counts[jd.Verdict]++
	}
	maj := record.True
	if counts[record.False] > counts[record.True] {
		maj = record.False
	}
	out.Agree = counts[maj]
	need := opt.MinAgree
	if need <= 0 {
		need = len(c.Samples)
	}
	out.Consistent = counts[record.Uncertain] == 0 && counts[record.True] != counts[record.False] && out.Agree >= need
	if out.Consistent {
		if maj == record.True {
			out.Label = record.Faithful
		} else {
			out.Label = record.Hallucinated
		}
	}
	// Representative: most frequent text among the samples with the label's
	// verdict (all samples when the question is not consistent).
	idx := representative(c.Samples, out.Judgements, maj, out.Consistent)
	rep := c.Samples[idx]
	out.Response, out.ResponseIndex, out.ResponseTokens = rep.Text, idx, rep.Tokens
	out.AnswerStart, out.AnswerEnd, out.SpanMethod = FindSpan(rep.Text, c.Answers, out.Judgements[idx].Verdict == record.True)
	out.AnswerText = rep.Text[out.AnswerStart:out.AnswerEnd]
	return out, nil
}

// representative returns the index of the most frequent sample text among
// the samples whose verdict is want (or all samples when !filter); ties go to
// the text that occurs first.
func representative(samples []record.Sample, js []record.Judgement, want record.Verdict, filter bool) int {
	count := map[string]int{}
	first := map[string]int{}
	var order []string
	for i, s := range samples {
		if filter && js[i].Verdict != want {
			continue
		}
		if _, ok := first[s.Text]; !ok {
			first[s.Text] = i
			order = append(order, s.Text)
		}
		count[s.Text]++
	}
	best := order[0]
	for _, t := range order[1:] {
		if count[t] > count[best] {
			best = t
		}
	}
	return first[best]
}

// FindSpan returns the answer span of a response in byte offsets and the
// method that found it: the gold alias (when correct and an alias occurs),
// else the content rule, else the whole response.
func FindSpan(response string, answers []string, correct bool) (start, end int, method string) {
	if correct {
		if s, e, _, ok := AliasSpan(response, answers); ok {
			return s, e, SpanGoldAlias
		}
	}
	if s, e, ok := ContentSpan(response); ok {
		return s, e, SpanContentRule
	}
	return 0, len(response), SpanFallbackAll
}
