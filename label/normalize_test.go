package label

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hneurons/hneurons/record"
)

// cases is testdata/normalize_cases.json, written by testdata/squad_normalize.py
// from the official SQuAD normalize_answer rule.
type cases struct {
	Normalize []struct {
		In, Squad, Judge string
	}
	Match []struct {
		Response string
		Aliases  []string
		Correct  bool
	}
}

func loadCases(t *testing.T) cases {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "normalize_cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c cases
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Normalize) < 50 || len(c.Match) < 10 {
		t.Fatalf("reference table too small: %d/%d", len(c.Normalize), len(c.Match))
	}
	return c
}

func TestNormalizeMatchesSQuADReference(t *testing.T) {
	c := loadCases(t)
	for _, k := range c.Normalize {
		if got := NormalizeSQuAD(k.In); got != k.Squad {
			t.Errorf("NormalizeSQuAD(%q) = %q, official rule gives %q", k.In, got, k.Squad)
		}
		if got := Normalize(k.In); got != k.Judge {
			t.Errorf("Normalize(%q) = %q, reference gives %q", k.In, got, k.Judge)
		}
	}
}

func TestRuleJudgeMatchesReference(t *testing.T) {
	c := loadCases(t)
	for _, k := range c.Match {
		j, err := RuleJudge{}.Judge(t.Context(), "", k.Aliases, k.Response)
		if err != nil {
			t.Fatal(err)
		}
		if (j.Verdict == record.True) != k.Correct {
			t.Errorf("response %q aliases %q: verdict %s, reference correct=%v", k.Response, k.Aliases, j.Verdict, k.Correct)
		}
	}
}

func TestNormalizeMappedOffsets(t *testing.T) {
	// Every normalised rune must point at original bytes that produce it.
	c := loadCases(t)
	for _, k := range c.Normalize {
		for _, x := range normalizeMapped(k.In, true) {
			if x.s < 0 || x.e > len(k.In) || x.s >= x.e {
				t.Errorf("%q: rune %q has span [%d,%d)", k.In, x.r, x.s, x.e)
			}
		}
	}
}

func TestIsUncertain(t *testing.T) {
	for s, want := range map[string]bool{
		"I don't know.":                          true,
		"I DON’T KNOW":                           true,
		"I cannot answer that":                   true,
		"The information is not provided.":       true,
		"There is No Information about this.":    true,
		"Paris":                                  false,
		"I do not know":                          false, // not one of the paper's phrases
		"dont know":                              false,
		"The answer cannot be determined here.":  true,
		"Canon":                                  false,
		"no info":                                false,
		"This is not provided in the question.":  true,
		"I don\u2018t know (reversed quote too)": true,
	} {
		if got := IsUncertain(s); got != want {
			t.Errorf("IsUncertain(%q) = %v, want %v", s, got, want)
		}
	}
}
