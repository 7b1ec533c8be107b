package label

import (
	"strings"
	"testing"

	"github.com/hneurons/hneurons/record"

	"github.com/hneurons/hneurons/internal/sharedtest"
)

func TestImportAuthors(t *testing.T) {
	ex := sharedtest.Path(t, "datasets", "hneurons_examples", "gemma27b_TriviaQA_answer_tokens_train.jsonl")
	qids := sharedtest.Path(t, "datasets", "hneurons_examples", "gemma27b_TriviaQA_train_qids.json")
	recs, rep, err := ImportAuthors(ex, qids)
	if err != nil {
		t.Fatal(err)
	}
	// 2,600 responses, 2,000 labelled ids (1,000 t + 1,000 f), all with an
	// example (figures from datasets/testdata/reference.py).
	if rep.Examples != 2600 || rep.Faithful != 1000 || rep.Hallucinated != 1000 || rep.Missing != 0 || rep.Unlabelled != 600 || len(recs) != 2000 {
		t.Fatalf("report %+v", rep)
	}
	t.Logf("gemma27b train: %+v", rep)
	// wh_3953 is the first example; its answer tokens spell the whole answer.
	for _, r := range recs {
		if r.ID == "wh_3953" {
			if r.AnswerText != "The Naked Civil Servant" || r.SpanMethod != SpanAuthors || r.Label == record.LabelUncertain {
				t.Errorf("wh_3953: %+v", r)
			}
		}
		if r.Response[r.AnswerStart:r.AnswerEnd] != r.AnswerText || strings.HasSuffix(r.Question, "explanation.") {
			t.Fatalf("%s: inconsistent record %+v", r.ID, r)
		}
	}
}
