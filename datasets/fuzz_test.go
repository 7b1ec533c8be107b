package datasets

import (
	"bytes"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

func FuzzReadJSONL(f *testing.F) {
	f.Add(`{"id": "a", "question": "q?", "answers": ["x"]}` + "\n" + `{"question": "r", "answer": "y"}`)
	f.Add(`{"id": 1.5e3, "question": "q", "answers": "s"}`)
	f.Add("\n\n{\"question\": null}")
	f.Fuzz(func(t *testing.T, in string) {
		recs, st, err := ReadJSONLFrom(strings.NewReader(in), "f.jsonl", Options{SkipBad: true, DedupeIDs: true})
		if err != nil {
			t.Fatalf("SkipBad still failed: %v", err)
		}
		if st.Read != len(recs) {
			t.Fatalf("stats %+v for %d records", st, len(recs))
		}
		for _, r := range recs {
			if strings.TrimSpace(r.Question) == "" || r.ID == "" || r.Answers == nil {
				t.Fatalf("bad record kept: %+v", r)
			}
		}
	})
}

func FuzzPyStringList(f *testing.F) {
	f.Add(`['a', "b's", 'c\'d']`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, in string) {
		parsePyStringList(in) // must not panic
	})
}

// FuzzTriviaQAParquet feeds arbitrary bytes, seeded with well-formed
// TriviaQA-schema parquet files, to the parquet reader: records or an error
// naming the file, never a panic, and every record kept is usable.
func FuzzTriviaQAParquet(f *testing.F) {
	q := func(s string) *string { return &s }
	for _, rows := range [][]triviaRow{
		{{Question: q("Who?"), QuestionID: q("tc_1"), Answer: &struct {
			Aliases           []string `parquet:"aliases,optional,list"`
			NormalizedAliases []string `parquet:"normalized_aliases,optional,list"`
			Value             *string  `parquet:"value,optional"`
		}{Aliases: []string{"A", "B"}, NormalizedAliases: []string{"a", "b"}, Value: q("A")}}},
		{{Question: q("Where?"), QuestionID: q("tc_2")}, {QuestionID: q("tc_3")}, {Question: q("x")}},
	} {
		var buf bytes.Buffer
		w := parquet.NewGenericWriter[triviaRow](&buf)
		if _, err := w.Write(rows); err != nil {
			f.Fatal(err)
		}
		if err := w.Close(); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, st, err := readTriviaQA(bytes.NewReader(data), int64(len(data)), "t.parquet", Options{SkipBad: true, DedupeIDs: true})
		if err != nil {
			if !strings.Contains(err.Error(), "t.parquet") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if st.Read != len(recs) {
			t.Fatalf("stats %+v for %d records", st, len(recs))
		}
		for _, r := range recs {
			if strings.TrimSpace(r.Question) == "" || r.ID == "" || r.Answers == nil {
				t.Fatalf("bad record kept: %+v", r)
			}
		}
	})
}
