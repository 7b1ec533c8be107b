package collect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/datasets"
)

// Defect 4 of the foundations issue: resuming with another seed, sample
// count or temperature must stop with an error naming the option.
func TestResumeRefusesOtherOptions(t *testing.T) {
	m, tok := stories(t)
	out := filepath.Join(t.TempDir(), "r.jsonl")
	if _, err := Run(context.Background(), m, tok, questions[:2], out, small); err != nil {
		t.Fatal(err)
	}
	for flag, change := range map[string]func(*Options){
		"--seed":        func(o *Options) { o.Seed++ },
		"--samples":     func(o *Options) { o.Samples++ },
		"--temperature": func(o *Options) { o.Decoding.Temperature = 0.5 },
	} {
		opt := small
		change(&opt)
		_, err := Run(context.Background(), m, tok, questions, out, opt)
		if err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("resume with another %s: %v; want an error naming it", flag, err)
		}
	}
}

// Defect 5: one question whose prompt does not fit the context is skipped
// and counted; the others are collected.
func TestTooLongQuestionSkipped(t *testing.T) {
	m, tok := stories(t)
	out := filepath.Join(t.TempDir(), "r.jsonl")
	long := datasets.Record{ID: "long", Question: strings.Repeat("the little dog ran and ran ", 200), Answers: []string{"x"}}
	qs := append([]datasets.Record{questions[0], long}, questions[1])
	st, err := Run(context.Background(), m, tok, qs, out, small)
	if err != nil {
		t.Fatalf("a too-long question aborted the run: %v", err)
	}
	if st.Written != 2 || st.TooLong != 1 {
		t.Fatalf("stats %+v: want 2 written, 1 too long", st)
	}
}

// Defect 5: invalid options fail before the output file exists.
func TestInvalidOptionsCreateNoFile(t *testing.T) {
	m, tok := stories(t)
	out := filepath.Join(t.TempDir(), "r.jsonl")
	opt := small
	opt.PromptFormat = "nonsense"
	if _, err := Run(context.Background(), m, tok, questions, out, opt); err == nil {
		t.Fatal("bad prompt format accepted")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("output exists after refused options: %v", err)
	}
}
