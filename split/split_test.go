package split

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/record"
)

func synth(nf, nh int) []record.Labelled {
	var out []record.Labelled
	for i := 0; i < nf; i++ {
		out = append(out, record.Labelled{ID: fmt.Sprintf("f%d", i), Question: fmt.Sprintf("Faithful question %d?", i), Label: record.Faithful})
	}
	for i := 0; i < nh; i++ {
		out = append(out, record.Labelled{ID: fmt.Sprintf("h%d", i), Question: fmt.Sprintf("Hallucinated question %d?", i), Label: record.Hallucinated})
	}
	return out
}

func ids(l []record.Labelled) []string {
	out := make([]string, len(l))
	for i, r := range l {
		out[i] = r.ID
	}
	return out
}

func TestSplitBalancedDeterministic(t *testing.T) {
	recs := append(synth(30, 50), record.Labelled{ID: "u", Question: "Unsure?", Label: record.LabelUncertain})
	train, test, rep, err := Split(recs, nil, Options{TestSize: 20, Seed: 3, Balance: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.TestFaithful != 10 || rep.TestHallucinated != 10 || rep.TrainFaithful != 20 || rep.TrainHallucinated != 20 ||
		rep.UnusedHallucinated != 20 || rep.NotLabelled != 1 || len(test) != 20 || len(train) != 40 {
		t.Fatalf("report %+v", rep)
	}
	seen := map[string]bool{}
	for _, r := range append(append([]record.Labelled{}, test...), train...) {
		if seen[r.ID] {
			t.Fatalf("%s in both sets", r.ID)
		}
		seen[r.ID] = true
	}
	train2, test2, _, _ := Split(synth(30, 50), nil, Options{TestSize: 20, Seed: 3, Balance: true})
	if !reflect.DeepEqual(ids(test), ids(test2)) || !reflect.DeepEqual(ids(train), ids(train2)) {
		t.Fatal("same seed, different split")
	}
	_, test3, _, _ := Split(synth(30, 50), nil, Options{TestSize: 20, Seed: 4, Balance: true})
	if reflect.DeepEqual(ids(test), ids(test3)) {
		t.Fatal("different seeds, same split")
	}
	for _, o := range []Options{{TestSize: 21, Balance: true}, {TestSize: 62, Balance: true}, {}, {TestFrac: 1.5}, {TestSize: 81}} {
		if _, _, _, err := Split(synth(30, 50), nil, o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	train, test, rep, err = Split(synth(30, 50), nil, Options{TestFrac: 0.25, Seed: 1})
	if err != nil || len(test) != 20 || len(train) != 60 {
		t.Fatalf("fraction: %d/%d %v %+v", len(test), len(train), err, rep)
	}
	// A balanced fraction is of the records balancing can use, rounded to
	// an even size: 0.3 of 2 x 33 is 19.8, so 20 (it used to fail: "needs
	// an even size", or "needs N of each label" when one label was rare).
	train, test, _, err = Split(synth(33, 140), nil, Options{TestFrac: 0.3, Seed: 1, Balance: true})
	if err != nil || len(test) != 20 || len(train) != 46 {
		t.Fatalf("balanced fraction: %d test, %d train records, %v; want 20 and 46", len(test), len(train), err)
	}
}

func TestSplitExcludeAndDuplicates(t *testing.T) {
	recs := synth(10, 10)
	recs = append(recs,
		record.Labelled{ID: "f0", Question: "Repeat id?", Label: record.Faithful},
		record.Labelled{ID: "dupq", Question: "  FAITHFUL question, 1 ", Label: record.Hallucinated})
	ex := NewExclusion()
	ex.Add("f2", "")
	ex.Add("", "the hallucinated question 3") // same question after normalisation
	_, _, rep, err := Split(recs, ex, Options{TestSize: 4, Balance: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ExcludedByID != 1 || rep.ExcludedByQuestion != 1 || rep.DuplicateIDs != 1 || rep.DuplicateQuestions != 1 ||
		rep.Faithful != 9 || rep.Hallucinated != 9 {
		t.Fatalf("report %+v", rep)
	}
}

// TestAuthorsSplitOverlap rebuilds the authors' gemma27b test set from their
// files, shows that it shares 107 question ids with their train set, and
// that --exclude with the train qids removes exactly those.
func TestAuthorsSplitOverlap(t *testing.T) {
	dir := func(name string) string { return sharedtest.Path(t, "datasets", "hneurons_examples", name) }
	for _, c := range []struct {
		model   string
		overlap int
	}{{"gemma27b", 107}, {"Mistral24b", 86}, {"Llama33", 0}} {
		testQ, err := datasets.ReadQIDs(dir(c.model + "_TriviaQA_test_qids.json"))
		if err != nil {
			t.Fatal(err)
		}
		exs, _, err := datasets.ReadExamples(dir(c.model+"_TriviaQA_answer_tokens_test.jsonl"), datasets.Options{})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]datasets.Example{}
		for _, e := range exs {
			byID[e.ID] = e
		}
		var recs []record.Labelled
		for _, p := range []struct {
			ids []string
			lab string
		}{{testQ.T, record.Faithful}, {testQ.F, record.Hallucinated}} {
			for _, id := range p.ids {
				e := byID[id]
				recs = append(recs, record.Labelled{ID: id, Question: e.Question, Response: e.Response, Label: p.lab})
			}
		}
		trainQ := dir(c.model + "_TriviaQA_train_qids.json")
		ex := NewExclusion()
		if _, err := ex.AddSpec(trainQ); err != nil {
			t.Fatal(err)
		}
		_, test, rep, err := Split(recs, ex, Options{TestFrac: 0.999, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if rep.ExcludedByID != c.overlap {
			t.Errorf("%s: excluded %d test ids found in the train qids, want %d", c.model, rep.ExcludedByID, c.overlap)
		}
		trainIDs, _ := datasets.ReadQIDs(trainQ)
		in := map[string]bool{}
		for _, id := range trainIDs.IDs() {
			in[id] = true
		}
		for _, r := range test {
			if in[r.ID] {
				t.Fatalf("%s: %s still in both", c.model, r.ID)
			}
		}
		// Excluding by the train examples (ids and question texts) as well
		// catches repeated questions under other ids.
		if _, err := ex.AddSpec(dir(c.model + "_TriviaQA_answer_tokens_train.jsonl")); err != nil {
			t.Fatal(err)
		}
		_, _, rep2, err := Split(recs, ex, Options{TestFrac: 0.5, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d test questions; excluded by train qids: %d ids; with train examples: %d ids + %d same question text; duplicate questions within test: %d",
			c.model, rep.Input, rep.ExcludedByID, rep2.ExcludedByID, rep2.ExcludedByQuestion, rep2.DuplicateQuestions)
		if rep2.ExcludedByID < c.overlap {
			t.Errorf("%s: excluding train examples removed %d ids", c.model, rep2.ExcludedByID)
		}
	}
}

func TestWriteRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.jsonl")
	recs := synth(2, 2)
	if err := Write(path, nil, recs); err != nil {
		t.Fatal(err)
	}
	back, _, err := record.ReadLabelled(path)
	if err != nil || !reflect.DeepEqual(ids(back), ids(recs)) {
		t.Fatalf("%v %v", ids(back), err)
	}
	// A split's output reads as a dataset (for --exclude).
	got, _, err := datasets.Load(path, datasets.Options{})
	if err != nil || len(got) != 4 || got[0].ID != "f0" || got[0].Question != recs[0].Question {
		t.Fatalf("as dataset: %+v %v", got, err)
	}
}

func TestWriteDevice(t *testing.T) {
	// Writing to a device must not replace it with a regular file.
	if err := Write(os.DevNull, nil, synth(1, 1)); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(os.DevNull)
	if err != nil || st.Mode().IsRegular() {
		t.Fatalf("%s is now a regular file (%v)", os.DevNull, err)
	}
}
