package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

func stories(t testing.TB) (*model.Model, *tokenizer.Tokenizer) {
	t.Helper()
	path := sharedtest.Path(t, "models", "stories260K", "stories260K.gguf")
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	tok, err := tokenizer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m, tok
}

// labelled makes a base-format labelled record whose response is the given
// text as the model would have generated it.
func labelled(t *testing.T, tok *tokenizer.Tokenizer, id, q, resp, answer, lab string) record.Labelled {
	text, err := collect.PromptText(tok, q, chat.FormatBase)
	if err != nil {
		t.Fatal(err)
	}
	prompt := collect.PromptTokens(tok, text, chat.FormatBase)
	ids := tok.Encode(resp, false)
	out := generate.Decoder(tok, prompt)(ids)
	rec := record.Labelled{ID: id, Question: q, Label: lab, Prompt: text, PromptFormat: chat.FormatBase,
		Response: out, ResponseTokens: ids}
	if answer != "" {
		i := bytes.Index([]byte(out), []byte(answer))
		if i < 0 {
			t.Fatalf("%q not in %q", answer, out)
		}
		rec.AnswerStart, rec.AnswerEnd, rec.AnswerText = i, i+len(answer), answer
	}
	return rec
}

func runRecords(t *testing.T, tok *tokenizer.Tokenizer) []record.Labelled {
	return []record.Labelled{
		labelled(t, tok, "a", "Who had the ball", "Lily had the red ball.", "Lily", record.Faithful),
		labelled(t, tok, "b", "What did Tom see", "Tom saw a big dog in the park.", "a big dog", record.Hallucinated),
		labelled(t, tok, "u", "Uncertain one", "I don't know.", "", record.LabelUncertain),
		labelled(t, tok, "c", "Where was the cat", "The cat was on the mat.", "", record.Faithful), // no answer span
		labelled(t, tok, "d", "Anything else", "", "", record.Hallucinated),                        // empty response
		labelled(t, tok, "e", "Who was sad", "Sue was sad because her toy broke.", "Sue", record.Hallucinated),
	}
}

// A run cancelled after its first batch, with a torn row appended to the
// matrix, or killed between two rows of one response, and rerun, gives the
// same store as an uninterrupted run; empty regions are stored as empty zero
// rows.
func TestRunResume(t *testing.T) {
	m, tok := stories(t)
	recs := runRecords(t, tok)
	dir := t.TempDir()
	full, part := filepath.Join(dir, "full"), filepath.Join(dir, "part")
	st, err := Run(context.Background(), m, tok, recs, full, Options{Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if st.Done != 5 || st.Rows != 20 || st.Unlabelled != 1 || st.EmptyAnswer != 2 || st.Mismatch != 0 {
		t.Errorf("stats %+v", st)
	}

	ctx, cancel := context.WithCancel(context.Background())
	_, err = Run(ctx, m, tok, recs, part, Options{Batch: 2, Progress: func(Progress) { cancel() }})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	idx, err := features.ReadIndex(part)
	if err != nil || len(idx.Rows) != 8 {
		t.Fatalf("after one batch of two: %v rows, %v", len(idx.Rows), err)
	}
	f, err := os.OpenFile(filepath.Join(part, features.MatrixFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 100)) // a row torn by a kill
	f.Close()
	st, err = Run(context.Background(), m, tok, recs, part, Options{Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped != 2 || st.Done != 3 {
		t.Errorf("resumed stats %+v", st)
	}
	sameStore(t, full, part)

	// A kill between two rows of one response, inside a batch: the store
	// as the writer leaves it, with the index cut after response b's
	// second row (batches are [a b] [c d] [e]).
	cut := filepath.Join(dir, "cut")
	os.MkdirAll(cut, 0o755)
	ix, err := features.ReadIndex(full)
	if err != nil {
		t.Fatal(err)
	}
	ix.Rows = ix.Rows[:6]
	b, _ := json.Marshal(ix)
	os.WriteFile(filepath.Join(cut, features.IndexFile), b, 0o644)
	mat, _ := os.ReadFile(filepath.Join(full, features.MatrixFile))
	os.WriteFile(filepath.Join(cut, features.MatrixFile), mat[:len(mat)*7/20], 0o644) // one row more than the index lists
	st, err = Run(context.Background(), m, tok, recs, cut, Options{Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if st.Done != 4 || st.Rows != 14 {
		t.Errorf("stats after a cut inside a response %+v", st)
	}
	sameStore(t, full, cut)

	rd, err := features.Open(full)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if rd.Index.Layers != m.Config.NLayers || rd.Index.DFF != m.Config.DFF {
		t.Errorf("index shape %d x %d", rd.Index.Layers, rd.Index.DFF)
	}
	wantEmpty := map[string]bool{"c/answer": true, "d/answer": true, "d/output": true}
	wantLabel := map[string]int{"a": 0, "b": 1, "c": 0, "d": 1, "e": 1}
	vec := make([]float32, rd.Index.Columns)
	for i, row := range rd.Index.Rows {
		key := row.ID + "/" + row.Region
		if row.Empty != wantEmpty[key] || row.Label != wantLabel[row.ID] {
			t.Errorf("row %d %s: empty %v label %d", i, key, row.Empty, row.Label)
		}
		if want := DefaultRegions[i%4]; row.Region != want {
			t.Errorf("row %d region %s, want %s", i, row.Region, want)
		}
		if err := rd.ReadRow(i, vec); err != nil {
			t.Fatal(err)
		}
		nonzero := 0
		for _, v := range vec {
			if v != 0 {
				nonzero++
			}
		}
		if row.Empty != (nonzero == 0) {
			t.Errorf("row %d %s: empty %v with %d non-zero values", i, key, row.Empty, nonzero)
		}
	}

	// Another model (same shape, other weights) cannot append to the store.
	other, err := model.RandomInit(m.Config, kernels.F32, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), other, tok, recs, full, Options{}); err == nil {
		t.Error("a store of another model was appended to")
	}
}

func sameStore(t *testing.T, want, got string) {
	t.Helper()
	for _, name := range []string{features.MatrixFile, features.IndexFile} {
		a, _ := os.ReadFile(filepath.Join(want, name))
		b, _ := os.ReadFile(filepath.Join(got, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s of the resumed run differs from the uninterrupted run (%d vs %d bytes)", name, len(b), len(a))
		}
	}
}
