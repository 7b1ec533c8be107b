package label

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/record"
)

// Defect 3 of the foundations issue: a valid last line without a newline in
// a read-only input is a record, not a torn line.
func TestRunReadsLastLineWithoutNewline(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "responses.jsonl"), filepath.Join(dir, "labelled.jsonl")
	recs := []record.Collected{
		{ID: "a", Question: "Red planet?", Answers: []string{"Mars"}, Samples: samples("Mars", "Mars")},
		{ID: "b", Question: "Capital of France?", Answers: []string{"Paris"}, Samples: samples("Lyon", "Lyon")},
	}
	writeCollected(t, in, recs)
	b, _ := os.ReadFile(in)
	os.WriteFile(in, []byte(strings.TrimSuffix(string(b), "\n")), 0o644)
	cnt, err := Run(t.Context(), RunOptions{In: in, Out: out, Judge: RuleJudge{}})
	if err != nil || cnt.Seen != 2 || cnt.Labelled != 2 {
		t.Fatalf("labelled %+v, %v; want both records", cnt, err)
	}
}

// Defect 4: rerunning label with another --min-agree must not keep the
// labels made with the old threshold.
func TestRunRefusesOtherMinAgree(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "responses.jsonl"), filepath.Join(dir, "labelled.jsonl")
	writeCollected(t, in, []record.Collected{
		{ID: "a", Question: "Red planet?", Answers: []string{"Mars"}, Samples: samples("Mars", "Mars", "Venus")},
	})
	if _, err := Run(t.Context(), RunOptions{In: in, Out: out, Judge: RuleJudge{}, Options: Options{MinAgree: 3}}); err != nil {
		t.Fatal(err)
	}
	_, err := Run(t.Context(), RunOptions{In: in, Out: out, Judge: RuleJudge{}, Options: Options{MinAgree: 2}})
	if err == nil || !strings.Contains(err.Error(), "--min-agree") {
		t.Fatalf("rerun with another --min-agree: %v; want an error naming --min-agree", err)
	}
}

// The group key (the organism's person) travels from the collected record
// to the labelled one, so that splits and folds can keep groups whole.
func TestLabelOneKeepsGroup(t *testing.T) {
	c := record.Collected{ID: "a", Question: "Red planet?", Answers: []string{"Mars"}, Group: "p1", Samples: samples("Mars")}
	l, err := LabelOne(t.Context(), RuleJudge{}, c, Options{})
	if err != nil || l.Group != "p1" {
		t.Fatalf("labelled group %q, %v; want p1", l.Group, err)
	}
}
