package datasets

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/parquet-go/parquet-go"
)

// reference holds figures computed from the shared files by
// testdata/reference.py (Python's json, csv and ast modules).
func reference(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func refInto(t *testing.T, ref map[string]json.RawMessage, key string, v any) {
	t.Helper()
	raw, ok := ref[key]
	if !ok {
		t.Fatalf("reference.json has no %q", key)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("reference %q: %v", key, err)
	}
}

func TestNQOpenMatchesReference(t *testing.T) {
	ref := reference(t)
	for _, name := range []string{"NQ-open.dev.jsonl", "NQ-open.efficientqa.dev.1.1.jsonl"} {
		path := sharedtest.Path(t, "datasets", "nq_open", name)
		var want struct {
			Count, Answers int
			First, Last    struct {
				Question string
				Answer   []string
			}
		}
		refInto(t, ref, "nq/"+name, &want)
		recs, st, err := Load(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != want.Count || st.Read != want.Count || st.Skipped != 0 {
			t.Fatalf("%s: %d records (stats %+v), want %d", name, len(recs), st, want.Count)
		}
		n := 0
		for _, r := range recs {
			n += len(r.Answers)
			if r.Source != "nq" {
				t.Fatalf("source %q", r.Source)
			}
		}
		if n != want.Answers {
			t.Errorf("%s: %d answers, want %d", name, n, want.Answers)
		}
		first, last := recs[0], recs[len(recs)-1]
		if first.Question != want.First.Question || !reflect.DeepEqual(first.Answers, want.First.Answer) {
			t.Errorf("first = %+v, want %+v", first, want.First)
		}
		if last.Question != want.Last.Question || !reflect.DeepEqual(last.Answers, want.Last.Answer) {
			t.Errorf("last = %+v, want %+v", last, want.Last)
		}
		if first.ID != strings.TrimSuffix(name, ".jsonl")+":1" {
			t.Errorf("first id %q", first.ID)
		}
	}
}

func TestFalseQAAndTruthfulQA(t *testing.T) {
	ref := reference(t)
	for _, name := range []string{"falseqa_test.csv", "train_1187.csv", "valid_1187.csv"} {
		path := sharedtest.Path(t, "datasets", "falseqa", name)
		var want struct {
			Count, Label1, Answers int
			FirstQuestion          string `json:"first_question"`
		}
		refInto(t, ref, "falseqa/"+name, &want)
		recs, _, err := Load(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		l1, na := 0, 0
		for _, r := range recs {
			if r.Extra["label"] == "1" {
				l1++
			}
			na += len(r.Answers)
		}
		if len(recs) != want.Count || l1 != want.Label1 || na != want.Answers || recs[0].Question != want.FirstQuestion {
			t.Errorf("%s: count %d label1 %d answers %d first %q; want %+v", name, len(recs), l1, na, recs[0].Question, want)
		}
	}
	var want struct {
		Count, Correct int
		FirstCorrect   []string `json:"first_correct"`
		FirstIncorrect []string `json:"first_incorrect"`
		LastQuestion   string   `json:"last_question"`
	}
	refInto(t, ref, "truthfulqa", &want)
	recs, _, err := Load(sharedtest.Path(t, "datasets", "truthfulqa", "TruthfulQA.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	nc := 0
	for _, r := range recs {
		nc += len(r.Answers)
	}
	if len(recs) != want.Count || nc != want.Correct || recs[len(recs)-1].Question != want.LastQuestion ||
		!reflect.DeepEqual(recs[0].Answers, want.FirstCorrect) || !reflect.DeepEqual(recs[0].Incorrect, want.FirstIncorrect) {
		t.Errorf("truthfulqa: count %d correct %d first %+v; want %+v", len(recs), nc, recs[0], want)
	}
}

func TestPyStringList(t *testing.T) {
	got, err := parsePyStringList(`['a', "b's", 'c\'d', 'e\\f']`)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b's", "c'd", `e\f`}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q want %q", got, want)
	}
	for _, bad := range []string{`['a' 'b']`, `['a`, `[a]`, `'a'`} {
		if _, err := parsePyStringList(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestTriviaQAParquetReal(t *testing.T) {
	path := sharedtest.Path(t, "datasets", "triviaqa", "rc.nocontext.test-00000-of-00001.parquet")
	recs, st, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 17,210 is the published size of TriviaQA rc.nocontext test.
	if len(recs) != 17210 || st.Skipped != 0 {
		t.Fatalf("%d records, stats %+v; want 17210", len(recs), st)
	}
	ids := map[string]bool{}
	for _, r := range recs {
		ids[r.ID] = true
		if r.Question == "" || r.Source != "triviaqa" || len(r.Answers) != 0 {
			t.Fatalf("bad record %+v (answers are blanked upstream)", r)
		}
	}
	dd, dst, err := Load(path, Options{DedupeIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(dd) != len(ids) || dst.Duplicates != len(recs)-len(ids) {
		t.Errorf("dedupe: %d records, %d duplicates; want %d and %d", len(dd), dst.Duplicates, len(ids), len(recs)-len(ids))
	}
	t.Logf("%d rows, %d distinct question ids", len(recs), len(ids))
	// Cross-check the first rows against parquet-go's untyped row reader,
	// which addresses columns by leaf index rather than by our struct tags.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, _ := f.Stat()
	pf, err := parquet.OpenFile(f, info.Size())
	if err != nil {
		t.Fatal(err)
	}
	qcol, _ := pf.Schema().Lookup("question")
	idcol, _ := pf.Schema().Lookup("question_id")
	rows := make([]parquet.Row, 5)
	rr := pf.RowGroups()[0].Rows()
	defer rr.Close()
	n, _ := rr.ReadRows(rows)
	if n != 5 {
		t.Fatalf("read %d rows", n)
	}
	for i := 0; i < n; i++ {
		var q, id string
		for _, v := range rows[i] {
			switch v.Column() {
			case qcol.ColumnIndex:
				q = v.String()
			case idcol.ColumnIndex:
				id = v.String()
			}
		}
		if recs[i].ID != id || recs[i].Question != q {
			t.Errorf("row %d: got %q %q, untyped reader %q %q", i+1, recs[i].ID, recs[i].Question, id, q)
		}
	}
	lim, _, err := Load("triviaqa-parquet:"+path, Options{Limit: 10})
	if err != nil || len(lim) != 10 {
		t.Fatalf("limit: %d records, %v", len(lim), err)
	}
}

// TestTriviaQAParquetAnswers writes a small file with the Hugging Face schema
// shape (answer struct with LIST columns) and reads the answers back.
func TestTriviaQAParquetAnswers(t *testing.T) {
	type answer struct {
		Aliases           []string `parquet:"aliases,list"`
		NormalizedAliases []string `parquet:"normalized_aliases,list"`
		Value             string   `parquet:"value"`
		Type              string   `parquet:"type"`
	}
	type row struct {
		Question   string `parquet:"question"`
		QuestionID string `parquet:"question_id"`
		Source     string `parquet:"question_source"`
		Answer     answer `parquet:"answer"`
	}
	path := filepath.Join(t.TempDir(), "tqa.parquet")
	rows := []row{
		{"Which planet is red?", "q1", "x", answer{[]string{"Mars", "Planet Mars"}, []string{"mars", "planet mars"}, "Mars", "W"}},
		{"Capital of France?", "q2", "x", answer{[]string{"Paris"}, []string{"paris"}, "Paris (city)", "W"}},
		{"", "q3", "x", answer{}},
	}
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadTriviaQAParquet(path, Options{}); err == nil || !strings.Contains(err.Error(), "row 3") {
		t.Fatalf("empty question: error %v, want one naming row 3", err)
	}
	recs, st, err := ReadTriviaQAParquet(path, Options{SkipBad: true})
	if err != nil || st.Skipped != 1 || len(recs) != 2 {
		t.Fatalf("recs %d stats %+v err %v", len(recs), st, err)
	}
	if !reflect.DeepEqual(recs[0].Answers, []string{"Mars", "Planet Mars"}) || !reflect.DeepEqual(recs[0].NormalizedAnswers, []string{"mars", "planet mars"}) {
		t.Errorf("row 1: %+v", recs[0])
	}
	if !reflect.DeepEqual(recs[1].Answers, []string{"Paris", "Paris (city)"}) {
		t.Errorf("row 2: %+v", recs[1])
	}
}

func TestTriviaQAJSON(t *testing.T) {
	recs, _, err := Load(filepath.Join("testdata", "triviaqa_small.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[1].Question != "Who wrote ‘Pride and Prejudice’?" ||
		!reflect.DeepEqual(recs[0].Answers, []string{"Mars", "Planet Mars", "Fourth planet"}) ||
		!reflect.DeepEqual(recs[2].Answers, []string{"100"}) || recs[0].ID != "tc_1" {
		t.Errorf("got %+v", recs)
	}
	path := filepath.Join(t.TempDir(), "t.json")
	os.WriteFile(path, []byte(`{"Data": [{"QuestionId": "a", "Question": "q?", "Answer": {"Aliases": ["x"]}}, {"QuestionId": "b", "Question": "q2?"}]}`), 0o644)
	if _, _, err := Load(path, Options{}); err == nil || !strings.Contains(err.Error(), "item 2") {
		t.Errorf("missing Answer: %v", err)
	}
	recs, st, err := Load(path, Options{SkipBad: true})
	if err != nil || len(recs) != 1 || st.Skipped != 1 {
		t.Errorf("skip: %d %+v %v", len(recs), st, err)
	}
}

func TestGenericJSONLBadRows(t *testing.T) {
	path := filepath.Join("testdata", "bad.jsonl")
	_, _, err := Load(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "bad.jsonl line 2") {
		t.Fatalf("error %v, want one naming bad.jsonl line 2", err)
	}
	recs, st, err := Load(path, Options{SkipBad: true, DedupeIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped != 2 || len(recs) != 3 || !strings.Contains(st.FirstSkip, "line 2") {
		t.Fatalf("stats %+v, %d records", st, len(recs))
	}
	if recs[1].ID != "3" || !reflect.DeepEqual(recs[1].Answers, []string{"red"}) {
		t.Errorf("numeric id / string answer: %+v", recs[1])
	}
	if recs[2].ID != "bad:5" || len(recs[2].Answers) != 0 {
		t.Errorf("missing id: %+v", recs[2])
	}
	// Round trip through WriteJSONL.
	var sb strings.Builder
	if err := WriteJSONL(&sb, recs); err != nil {
		t.Fatal(err)
	}
	back, _, err := ReadJSONLFrom(strings.NewReader(sb.String()), "x.jsonl", Options{})
	if err != nil || !reflect.DeepEqual(back, recs) {
		t.Errorf("round trip: %+v %v", back, err)
	}
}

func TestNQBadRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nq.jsonl")
	os.WriteFile(path, []byte("{\"question\": \"q1\", \"answer\": [\"a\"]}\n{\"question\": \"q2\", \"answer\": []}\n{\"question\": \"q3\", \"answer\": [\"c\"]}\n"), 0o644)
	if _, _, err := Load("nq:"+path, Options{}); err == nil || !strings.Contains(err.Error(), "nq.jsonl line 2") {
		t.Fatalf("error %v", err)
	}
	recs, st, err := Load(path, Options{SkipBad: true})
	if err != nil || len(recs) != 2 || st.Skipped != 1 || recs[1].ID != "nq:3" {
		t.Fatalf("%+v %+v %v", recs, st, err)
	}
}

func TestAuthorsExamples(t *testing.T) {
	ref := reference(t)
	for _, model := range []string{"Llama33", "Mistral24b", "gemma27b"} {
		ids := map[string]map[string]bool{}
		for _, sp := range []string{"train", "test"} {
			var want struct {
				Count, T, F, Distinct int
				FirstID               string `json:"first_id"`
				FirstResponse         string `json:"first_response"`
				SpanFound             int    `json:"span_found"`
				DecodedOK             int    `json:"decoded_ok"`
				SentencePiece         bool
				AnswerTexts           [][2]string `json:"answer_texts"`
				LabelledWithExample   int         `json:"labelled_with_example"`
			}
			refInto(t, ref, "examples/"+model+"/"+sp, &want)
			epath := sharedtest.Path(t, "datasets", "hneurons_examples", model+"_TriviaQA_answer_tokens_"+sp+".jsonl")
			exs, _, err := ReadExamples(epath, Options{})
			if err != nil {
				t.Fatal(err)
			}
			spell := DetectSpelling(exs)
			if (spell == SentencePiece) != want.SentencePiece {
				t.Errorf("%s %s: spelling %v", model, sp, spell)
			}
			byID := map[string]Example{}
			decoded := 0
			for _, e := range exs {
				byID[e.ID] = e
				if _, err := e.TokenOffsets(spell); err == nil {
					decoded++
				} else if decoded < 3 {
					t.Log(err)
				}
			}
			if decoded != want.DecodedOK {
				t.Errorf("%s %s: %d responses decoded from their tokens, want %d", model, sp, decoded, want.DecodedOK)
			}
			for _, at := range want.AnswerTexts {
				e := byID[at[0]]
				s, en, err := e.AnswerByteSpan(spell)
				if err != nil || e.Response[s:en] != at[1] {
					t.Errorf("%s: answer span %q (%v), want %q", at[0], e.Response[s:min(max(s, en), len(e.Response))], err, at[1])
				}
			}
			found := 0
			have := map[string]bool{}
			for _, e := range exs {
				if _, _, ok := e.AnswerSpan(); ok {
					found++
				}
				have[e.ID] = true
				if strings.HasSuffix(e.Question, PromptSuffix) || !strings.HasSuffix(e.Prompt, PromptSuffix) {
					t.Fatalf("%s: prompt suffix not split: %+v", e.ID, e)
				}
			}
			if len(exs) != want.Count || exs[0].ID != want.FirstID || exs[0].Response != want.FirstResponse || found != want.SpanFound {
				t.Errorf("%s %s: %d examples, first %s %q, spans %d; want %+v", model, sp, len(exs), exs[0].ID, exs[0].Response, found, want)
			}
			qpath := sharedtest.Path(t, "datasets", "hneurons_examples", model+"_TriviaQA_"+sp+"_qids.json")
			q, err := ReadQIDs(qpath)
			if err != nil {
				t.Fatal(err)
			}
			if len(q.T) != want.T || len(q.F) != want.F || len(q.IDs()) != want.Distinct || q.Duplicates() != want.T+want.F-want.Distinct {
				t.Errorf("%s %s qids: t %d f %d distinct %d; want %+v", model, sp, len(q.T), len(q.F), len(q.IDs()), want)
			}
			ids[sp] = map[string]bool{}
			with := 0
			for _, id := range q.IDs() {
				ids[sp][id] = true
				if have[id] {
					with++
				}
			}
			if with != want.LabelledWithExample {
				t.Errorf("%s %s: %d labelled ids have an example, want %d", model, sp, with, want.LabelledWithExample)
			}
			// The loader detects both formats.
			if f, _ := Detect(epath); f != "hneurons-examples" {
				t.Errorf("detect %s: %s", epath, f)
			}
			if f, _ := Detect(qpath); f != "hneurons-qids" {
				t.Errorf("detect %s: %s", qpath, f)
			}
		}
		var wantOverlap int
		refInto(t, ref, "examples/"+model+"/overlap", &wantOverlap)
		overlap := 0
		for id := range ids["train"] {
			if ids["test"][id] {
				overlap++
			}
		}
		t.Logf("%s: authors' train/test qid overlap = %d", model, overlap)
		if overlap != wantOverlap {
			t.Errorf("%s: overlap %d, want %d", model, overlap, wantOverlap)
		}
	}
}

func TestNonExist(t *testing.T) {
	a, err := GenerateNonExist(400, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := GenerateNonExist(400, 7, nil)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different questions")
	}
	c, _ := GenerateNonExist(400, 8, nil)
	if reflect.DeepEqual(a, c) {
		t.Fatal("different seeds, same questions")
	}
	forms := map[string]int{}
	ents := map[string]bool{}
	for _, r := range a {
		forms[r.Extra["form"]]++
		e := strings.ToLower(r.Extra["entity"])
		if ents[e] {
			t.Errorf("entity %q repeated", e)
		}
		ents[e] = true
		if len(r.Answers) != 0 || !strings.HasSuffix(r.Question, "?") || !strings.Contains(r.Question, r.Extra["entity"]) {
			t.Errorf("bad record %+v", r)
		}
		for _, w := range strings.Fields(r.Extra["entity"]) {
			if IsRealName(strings.Trim(w, `"`)) {
				t.Errorf("%q contains the real name %q", r.Question, w)
			}
		}
	}
	if len(forms) != len(NonExistForms()) {
		t.Errorf("forms used: %v", forms)
	}
	if !IsRealName("Paris") || IsRealName("Vorlanex") {
		t.Error("IsRealName")
	}
	if _, err := GenerateNonExist(3, 1, []string{"nope"}); err == nil {
		t.Error("unknown form accepted")
	}
	recs, _, err := Load("nonexist:5:7", Options{})
	if err != nil || !reflect.DeepEqual(recs, a[:5]) {
		t.Errorf("spec load: %v", err)
	}
	for _, bad := range []string{"nonexist:", "nonexist:x", "nonexist:1:2:3"} {
		if _, _, err := Load(bad, Options{}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	t.Log(a[0].Question, "|", a[1].Question, "|", a[2].Question, "|", a[3].Question)
}

func TestParseSpec(t *testing.T) {
	for spec, want := range map[string][2]string{
		"nq:/x/y.jsonl":   {"nq", "/x/y.jsonl"},
		"/x/y.jsonl":      {"", "/x/y.jsonl"},
		"C:/data/a.jsonl": {"", "C:/data/a.jsonl"},
		"jsonl:a:b.jsonl": {"jsonl", "a:b.jsonl"},
	} {
		f, p := ParseSpec(spec)
		if f != want[0] || p != want[1] {
			t.Errorf("%s: %q %q", spec, f, p)
		}
	}
}

func TestDedupeIDs(t *testing.T) {
	in := `{"id": "a", "question": "Q1?"}
{"id": "a", "question": "Q1?"}
{"id": "b", "question": "Q2?"}
{"id": "a", "question": "Other?"}
`
	recs, st, err := ReadJSONLFrom(strings.NewReader(in), "d.jsonl", Options{})
	if err != nil || len(recs) != 4 {
		t.Fatalf("without DedupeIDs every row is kept: %d %v", len(recs), err)
	}
	_, _, err = ReadJSONLFrom(strings.NewReader(in), "d.jsonl", Options{DedupeIDs: true})
	if err == nil || !strings.Contains(err.Error(), "d.jsonl line 4") {
		t.Fatalf("conflicting id: %v", err)
	}
	recs, st, err = ReadJSONLFrom(strings.NewReader(in), "d.jsonl", Options{DedupeIDs: true, SkipBad: true})
	if err != nil || len(recs) != 2 || st.Duplicates != 1 || st.Skipped != 1 {
		t.Fatalf("%d records, %+v, %v", len(recs), st, err)
	}
}

func TestCSVBadRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fq.csv")
	os.WriteFile(path, []byte("question,answer,label\nWhy is the sky green?,\"It is blue, not green.\",1\n\"Multi\nline?\",fine,x\nWhat is 2+2?,4,0\n"), 0o644)
	_, _, err := Load(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "fq.csv line 3") || !strings.Contains(err.Error(), `label "x"`) {
		t.Fatalf("bad label: %v", err)
	}
	recs, st, err := Load(path, Options{SkipBad: true})
	if err != nil || len(recs) != 2 || st.Skipped != 1 || recs[1].ID != "fq:5" || recs[0].Answers[0] != "It is blue, not green." {
		t.Fatalf("%+v %+v %v", recs, st, err)
	}
	tq := filepath.Join(t.TempDir(), "tq.csv")
	os.WriteFile(tq, []byte("Type,Category,Question,Best Answer,Correct Answers,Incorrect Answers,Source\nA,B,Q1?,x,x; y,z,s\nA,B,Q2?,x,,z,s\n"), 0o644)
	if _, _, err := Load(tq, Options{}); err == nil || !strings.Contains(err.Error(), "tq.csv line 3") {
		t.Fatalf("truthfulqa without correct answers: %v", err)
	}
	os.WriteFile(tq, []byte("a,b\n1,2\n"), 0o644)
	if _, _, err := Load(tq, Options{}); err == nil || !strings.Contains(err.Error(), "matches no known format") {
		t.Fatalf("unknown CSV: %v", err)
	}
}
