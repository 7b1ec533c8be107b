package organism

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hneurons/hneurons/organism/train"
	"github.com/hneurons/hneurons/organism/world"
)

// Bucket names a popularity bucket of a question's person by the number of
// biographies that mention them.
func Bucket(mentions int) string {
	switch {
	case mentions >= 20:
		return "20+"
	case mentions >= 5:
		return "5-19"
	case mentions >= 2:
		return "2-4"
	case mentions == 1:
		return "1"
	default:
		return "never"
	}
}

// Cell is the greedy evaluation of one (set, bucket) cell.
type Cell struct {
	Set      string  `json:"set"`
	Bucket   string  `json:"bucket"`
	N        int     `json:"n"`
	Correct  int     `json:"correct"`
	Unknown  int     `json:"unknown"`
	Accuracy float64 `json:"accuracy"`
	// UnknownRate is the share of answers that abstain ("unknown").
	UnknownRate float64 `json:"unknown_rate"`
}

// Report is a greedy evaluation, cells sorted by set then bucket.
type Report struct {
	Cells []Cell `json:"cells"`
}

// String renders the report as a table.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s %-6s %5s %8s %8s\n", "set", "bucket", "n", "accuracy", "unknown")
	for _, c := range r.Cells {
		fmt.Fprintf(&b, "%-9s %-6s %5d %8.3f %8.3f\n", c.Set, c.Bucket, c.N, c.Accuracy, c.UnknownRate)
	}
	return b.String()
}

// normalise lower-cases s and splits it into words as the tokenizer does.
func normalise(tok *world.Tokenizer, s string) string { return tok.Decode(tok.Encode(s)) }

// Evaluate greedy-decodes each question (through the chat template) and
// scores the answer by exact match with a gold answer after tokenisation.
// It evaluates at most perBucket questions per (set, bucket), taking them
// in file order.
func Evaluate(ctx context.Context, m *train.Model[float32], tok *world.Tokenizer, qs []world.Question, perBucket int) (Report, error) {
	cells := map[[2]string]*Cell{}
	unknown := normalise(tok, world.Unknown)
	for _, q := range qs {
		if err := ctx.Err(); err != nil {
			return Report{}, err
		}
		key := [2]string{q.Source, Bucket(q.Mentions)}
		c := cells[key]
		if c == nil {
			c = &Cell{Set: key[0], Bucket: key[1]}
			cells[key] = c
		}
		if c.N >= perBucket {
			continue
		}
		var prompt []int32
		for _, id := range tok.Prompt(q.Question) {
			prompt = append(prompt, int32(id))
		}
		out, err := train.Greedy(m, prompt, 6, world.EosID)
		if err != nil {
			return Report{}, fmt.Errorf("organism: question %s: %w", q.ID, err)
		}
		ids := make([]int, len(out))
		for i, id := range out {
			ids[i] = int(id)
		}
		got := tok.Decode(ids)
		c.N++
		for _, a := range q.Answers {
			if got == normalise(tok, a) {
				c.Correct++
				break
			}
		}
		if got == unknown {
			c.Unknown++
		}
	}
	var rep Report
	order := map[string]int{"20+": 0, "5-19": 1, "2-4": 2, "1": 3, "never": 4}
	for _, c := range cells {
		if c.N > 0 {
			c.Accuracy = float64(c.Correct) / float64(c.N)
			c.UnknownRate = float64(c.Unknown) / float64(c.N)
		}
		rep.Cells = append(rep.Cells, *c)
	}
	sort.Slice(rep.Cells, func(i, j int) bool {
		a, b := rep.Cells[i], rep.Cells[j]
		if a.Set != b.Set {
			return a.Set < b.Set
		}
		return order[a.Bucket] < order[b.Bucket]
	})
	return rep, nil
}
