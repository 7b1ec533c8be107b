package compliance

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

// Every rule against hand-labelled responses (testdata/judge_fixtures.jsonl:
// each line an item, its responses, the verdict a person gave and why).
func TestJudgeFixtures(t *testing.T) {
	f, err := os.Open("testdata/judge_fixtures.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	benches := map[string]bool{}
	verdicts := map[Verdict]bool{}
	for sc.Scan() {
		var fx struct {
			Note      string   `json:"note"`
			Item      Item     `json:"item"`
			Responses []string `json:"responses"`
			Want      Verdict  `json:"want"`
		}
		if err := json.Unmarshal(sc.Bytes(), &fx); err != nil {
			t.Fatal(err)
		}
		n++
		benches[fx.Item.Bench] = true
		verdicts[fx.Want] = true
		if err := fx.Item.Validate(); err != nil {
			t.Errorf("%s: %v", fx.Note, err)
		}
		if got := Judge(&fx.Item, fx.Responses); got.Verdict != fx.Want {
			t.Errorf("%s: %q judged %s (%s), hand label %s", fx.Note, fx.Responses, got.Verdict, got.Rule, fx.Want)
		}
	}
	for _, b := range Benches {
		if !benches[b] {
			t.Errorf("no fixture for %s", b)
		}
	}
	for _, v := range []Verdict{Compliant, Resistant, Correct, Wrong, Unjudged, Skipped} {
		if !verdicts[v] {
			t.Errorf("no fixture with verdict %s", v)
		}
	}
	t.Logf("%d fixtures", n)
}
