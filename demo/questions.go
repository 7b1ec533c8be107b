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

// questionFacts is what the confound checks know of each question, by id,
// from the world (never from the model).
type questionFacts struct {
	attribute map[string]string // the asked attribute
	mentions  map[string]int    // biographies that mention the person (0 for NonExist people)
	// statements counts the biographies that state the asked fact, in a
	// world with world.Config.StateProb; empty otherwise (then every
	// biography of the person states it, and it is mentions).
	statements map[string]int
}

// readQuestions reads the id and NonExist question sets of dir as pipeline
// records: the paper suffix removed from the text (collect adds it), the
// person as the group key (so that splits and cross-validation folds keep a
// person's questions together), and returns what the world says of each
// question (questionFacts).
func readQuestions(dir string, maxID, maxNE int) (recs []datasets.Record, facts questionFacts, err error) {
	facts = questionFacts{attribute: map[string]string{}, mentions: map[string]int{}, statements: map[string]int{}}
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
			return nil, questionFacts{}, err
		}
		if set.limit > 0 && len(qs) > set.limit {
			qs = qs[:set.limit]
		}
		for _, q := range qs {
			text := strings.TrimSuffix(q.Question, datasets.PromptSuffix)
			recs = append(recs, datasets.Record{ID: q.ID, Question: text, Answers: q.Answers, Source: set.src, Group: q.Person})
			facts.attribute[q.ID] = q.Attribute
			facts.mentions[q.ID] = q.Mentions
			if q.Statements > 0 {
				facts.statements[q.ID] = q.Statements
			}
		}
	}
	return recs, facts, nil
}

// setOf maps a record source to its set name ("id" or "nonexist").
func setOf(source string) string {
	if source == SourceNonExist {
		return SetNonExist
	}
	return "id"
}
