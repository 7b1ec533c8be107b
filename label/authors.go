package label

import (
	"fmt"

	"github.com/hneurons/hneurons/record"

	"github.com/hneurons/hneurons/datasets"
)

// SpanAuthors marks an answer span taken from the H-Neurons authors' answer
// tokens (record.Labelled.SpanMethod).
const SpanAuthors = "authors-tokens"

// AuthorsReport counts what ImportAuthors did.
type AuthorsReport struct {
	// Examples is the number of responses in the examples file.
	Examples int
	// Faithful and Hallucinated count the labelled records made.
	Faithful, Hallucinated int
	// Unlabelled counts examples whose id is in neither qids list.
	Unlabelled int
	// Missing counts qids without an example.
	Missing int
	// Fallback counts records whose answer tokens could not be located (span
	// = whole response).
	Fallback int
}

// ImportAuthors turns the authors' examples file and its qids split file
// into record.Labelled records (t -> faithful, f -> hallucinated), in qids order
// (t then f, repeats dropped), with the authors' answer tokens as the answer
// span. The records have no gold answers: the files do not carry them.
func ImportAuthors(examplesPath, qidsPath string) ([]record.Labelled, AuthorsReport, error) {
	var rep AuthorsReport
	exs, _, err := datasets.ReadExamples(examplesPath, datasets.Options{})
	if err != nil {
		return nil, rep, err
	}
	q, err := datasets.ReadQIDs(qidsPath)
	if err != nil {
		return nil, rep, err
	}
	rep.Examples = len(exs)
	spell := datasets.DetectSpelling(exs)
	byID := make(map[string]datasets.Example, len(exs))
	for _, e := range exs {
		byID[e.ID] = e
	}
	var out []record.Labelled
	used := map[string]bool{}
	for _, p := range []struct {
		ids []string
		lab string
	}{{q.T, record.Faithful}, {q.F, record.Hallucinated}} {
		for _, id := range p.ids {
			if used[id] {
				continue
			}
			used[id] = true
			e, ok := byID[id]
			if !ok {
				rep.Missing++
				continue
			}
			l := FromExample(e, p.lab, spell)
			if l.SpanMethod == SpanFallbackAll {
				rep.Fallback++
			}
			if p.lab == record.Faithful {
				rep.Faithful++
			} else {
				rep.Hallucinated++
			}
			out = append(out, l)
		}
	}
	for _, e := range exs {
		if !used[e.ID] {
			rep.Unlabelled++
		}
	}
	if len(out) == 0 {
		return nil, rep, fmt.Errorf("label: %s and %s share no question ids", examplesPath, qidsPath)
	}
	return out, rep, nil
}

// FromExample makes a record.Labelled record from one of the authors' examples:
// label faithful or hallucinated, the example's response as the
// representative, prompt format "chat" with no rendered prompt, and the byte span of the authors' answer tokens
// (span_method authors-tokens; fallback-all when they cannot be located).
func FromExample(e datasets.Example, lab string, spell datasets.Spelling) record.Labelled {
	// No rendered prompt: the authors asked "{question}{PromptSuffix}" in one
	// chat turn, which is what the "chat" prompt format renders with the
	// model's own template when the record is used (see collect.PromptText).
	l := record.Labelled{ID: e.ID, Question: e.Question, Answers: []string{}, Source: "hneurons-examples",
		PromptFormat: "chat", Label: lab, Consistent: true, Response: e.Response}
	if s, en, err := e.AnswerByteSpan(spell); err == nil {
		l.AnswerStart, l.AnswerEnd, l.SpanMethod = s, en, SpanAuthors
	} else {
		l.AnswerStart, l.AnswerEnd, l.SpanMethod = 0, len(e.Response), SpanFallbackAll
	}
	l.AnswerText = e.Response[l.AnswerStart:l.AnswerEnd]
	return l
}
