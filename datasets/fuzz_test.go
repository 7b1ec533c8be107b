package datasets

import (
	"strings"
	"testing"
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
