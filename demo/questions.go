package demo

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/organism/shipped"
	"github.com/hneurons/hneurons/organism/world"
)

// readQuestions reads the id and NonExist question sets of dir as pipeline
// records: the paper suffix removed from the text (collect adds it), the
// person as the group key (so that splits and cross-validation folds keep a
// person's questions together), and returns each id's attribute and the
// number of biographies that mention its person (0 for NonExist people).
func readQuestions(dir string, maxID, maxNE int) (recs []datasets.Record, attribute map[string]string, mentions map[string]int, err error) {
	attribute, mentions = map[string]string{}, map[string]int{}
	for _, set := range []struct {
		names []string
		limit int
		src   string
	}{
		{[]string{shipped.IDQuestions, "questions-id.jsonl"}, maxID, "organism-id"},
		{[]string{shipped.NonExistQuestions, "questions-nonexist.jsonl"}, maxNE, SourceNonExist},
	} {
		var qs []world.Question
		var err error
		for _, n := range set.names {
			p := filepath.Join(dir, n)
			if _, serr := os.Stat(p); serr != nil {
				err = fmt.Errorf("demo: %s: %w", p, serr)
				continue
			}
			qs, err = world.ReadQuestions(p)
			break
		}
		if err != nil {
			return nil, nil, nil, err
		}
		if set.limit > 0 && len(qs) > set.limit {
			qs = qs[:set.limit]
		}
		for _, q := range qs {
			text := strings.TrimSuffix(q.Question, datasets.PromptSuffix)
			recs = append(recs, datasets.Record{ID: q.ID, Question: text, Answers: q.Answers, Source: set.src, Group: q.Person})
			attribute[q.ID] = q.Attribute
			mentions[q.ID] = q.Mentions
		}
	}
	return recs, attribute, mentions, nil
}

// setOf maps a record source to its set name ("id" or "nonexist").
func setOf(source string) string {
	if source == SourceNonExist {
		return SetNonExist
	}
	return "id"
}
