package datasets

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// PromptSuffix is the instruction the paper appends to every TriviaQA
// question; the authors' example files store questions with it.
const PromptSuffix = " Respond with the answer only, without any explanation."

// Example is one labelled response from the H-Neurons authors' example files.
type Example struct {
	// ID is the TriviaQA question id.
	ID string `json:"id"`
	// Question is the question with PromptSuffix removed.
	Question string `json:"question"`
	// Prompt is the question as stored in the file (with PromptSuffix).
	Prompt string `json:"prompt"`
	// Response is the model's response text.
	Response string `json:"response"`
	// Tokens is the tokenized response (token strings in the model's
	// vocabulary spelling, e.g. "Ġ" for a leading space).
	Tokens []string `json:"tokenized_response"`
	// AnswerTokens are the tokens the authors marked as the answer.
	AnswerTokens []string `json:"answer_tokens"`
}

// AnswerSpan returns the first position where AnswerTokens occur as a
// contiguous run of Tokens: tokens [start, end). ok is false when they do not
// occur (or are empty).
func (e Example) AnswerSpan() (start, end int, ok bool) {
	n := len(e.AnswerTokens)
	if n == 0 || n > len(e.Tokens) {
		return 0, 0, false
	}
outer:
	for i := 0; i+n <= len(e.Tokens); i++ {
		for j := 0; j < n; j++ {
			if e.Tokens[i+j] != e.AnswerTokens[j] {
				continue outer
			}
		}
		return i, i + n, true
	}
	return 0, 0, false
}

// ReadExamples reads one of the authors' *_answer_tokens_*.jsonl files: each
// line is {"<qid>": {"question", "response", "tokenized_response",
// "answer_tokens"}}. A line with other than one key, or without a question or
// response, is bad.
func ReadExamples(path string, opt Options) ([]Example, Stats, error) {
	var exs []Example
	var st Stats
	err := eachLine(path, func(line int, b []byte) error {
		where := fmt.Sprintf("%s line %d", path, line)
		var m map[string]struct {
			Question     *string  `json:"question"`
			Response     *string  `json:"response"`
			Tokens       []string `json:"tokenized_response"`
			AnswerTokens []string `json:"answer_tokens"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return st.bad(opt, where, err)
		}
		if len(m) != 1 {
			return st.bad(opt, where, fmt.Errorf("want one question id per line, found %d keys", len(m)))
		}
		for id, v := range m {
			if v.Question == nil || v.Response == nil {
				return st.bad(opt, where, fmt.Errorf("id %q: missing question or response", id))
			}
			exs = append(exs, Example{ID: id, Question: strings.TrimSuffix(*v.Question, PromptSuffix), Prompt: *v.Question,
				Response: *v.Response, Tokens: v.Tokens, AnswerTokens: v.AnswerTokens})
		}
		if opt.full(len(exs)) {
			return errStop
		}
		return nil
	})
	st.Read = len(exs)
	return exs, st, err
}

// ReadExampleRecords reads an examples file as Records (no gold answers; the
// response is kept in Extra["response"]).
func ReadExampleRecords(path string, opt Options) ([]Record, Stats, error) {
	exs, st, err := ReadExamples(path, opt)
	recs := make([]Record, len(exs))
	for i, e := range exs {
		recs[i] = Record{ID: e.ID, Question: e.Question, Answers: []string{}, Source: "hneurons-examples",
			Extra: map[string]string{"response": e.Response}}
	}
	return recs, st, err
}

// QIDs is one of the authors' split files: question ids of faithful ("t")
// and hallucinated ("f") responses.
type QIDs struct {
	T []string `json:"t"`
	F []string `json:"f"`
}

// ReadQIDs reads a *_qids.json split file. Ids listed twice are kept as
// listed (the authors' Mistral24b train file repeats some); an id listed
// under both t and f is an error.
func ReadQIDs(path string) (QIDs, error) {
	var q QIDs
	b, err := os.ReadFile(path)
	if err != nil {
		return q, fmt.Errorf("datasets: %w", err)
	}
	if err := json.Unmarshal(b, &q); err != nil {
		return q, fmt.Errorf("datasets: %s: %w", path, err)
	}
	if q.T == nil && q.F == nil {
		return q, fmt.Errorf("datasets: %s: no \"t\" or \"f\" id lists", path)
	}
	inT := make(map[string]bool, len(q.T))
	for _, id := range q.T {
		inT[id] = true
	}
	for _, id := range q.F {
		if inT[id] {
			return q, fmt.Errorf("datasets: %s: id %q is listed as both t and f", path, id)
		}
	}
	return q, nil
}

// IDs returns the distinct ids of both lists, sorted.
func (q QIDs) IDs() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range [][]string{q.T, q.F} {
		for _, id := range l {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Duplicates returns how many ids are listed more than once.
func (q QIDs) Duplicates() int {
	n := len(q.T) + len(q.F)
	return n - len(q.IDs())
}

// ReadQIDRecords reads a split file as Records with empty questions and
// Extra["label"] "t" or "f" (distinct ids only).
func ReadQIDRecords(path string) ([]Record, Stats, error) {
	q, err := ReadQIDs(path)
	if err != nil {
		return nil, Stats{}, err
	}
	seen := map[string]bool{}
	var recs []Record
	for _, p := range []struct {
		l   []string
		lab string
	}{{q.T, "t"}, {q.F, "f"}} {
		for _, id := range p.l {
			if id == "" {
				return nil, Stats{}, fmt.Errorf("datasets: %s: empty id", path)
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			recs = append(recs, Record{ID: id, Answers: []string{}, Source: "hneurons-qids", Extra: map[string]string{"label": p.lab}})
		}
	}
	return recs, Stats{Read: len(recs)}, nil
}
