package compliance

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/label"
)

func readCSVRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.LazyQuotes = true
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

// The builders' items against their sources, read here with encoding/csv
// and encoding/json instead of the datasets package.
func TestBuildersAgreeWithTheSources(t *testing.T) {
	dir := sharedtest.Path(t, "datasets")

	// FalseQA: one item per label-1 row, the question unchanged.
	var falseQs []string
	for _, row := range readCSVRows(t, filepath.Join(dir, Sources[FalseQA])) {
		if strings.TrimSpace(row[2]) == "1" {
			falseQs = append(falseQs, strings.TrimSpace(row[0]))
		}
	}
	fq, err := BuildNamed(FalseQA, dir, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(fq) != len(falseQs) || len(fq) < 100 {
		t.Fatalf("falseqa: %d items, %d label-1 rows", len(fq), len(falseQs))
	}
	for i, it := range fq {
		if it.Turns[0] != falseQs[i] {
			t.Fatalf("falseqa item %d: %q, source %q", i, it.Turns[0], falseQs[i])
		}
	}

	// FaithEval: the answers are the NQ record's, the counterfactual another
	// record's first answer of the same kind, sharing no alias.
	type nq struct {
		Question string   `json:"question"`
		Answer   []string `json:"answer"`
	}
	byQ := map[string][]string{}
	firsts := map[string]bool{}
	f, err := os.Open(filepath.Join(dir, Sources[FaithEval]))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r nq
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		byQ[r.Question+"?"] = r.Answer
		firsts[r.Answer[0]] = true
	}
	f.Close()
	fe, err := BuildNamed(FaithEval, dir, 300, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(fe) != 300 {
		t.Fatalf("faitheval: %d items", len(fe))
	}
	for _, it := range fe {
		var q string
		for cand := range byQ {
			if strings.Contains(it.Turns[0], "\""+cand+"\"") {
				q = cand
			}
		}
		if q == "" {
			t.Fatalf("%s: no NQ question in %q", it.ID, it.Turns[0])
		}
		if !reflect.DeepEqual(it.Answers, byQ[q]) {
			t.Fatalf("%s: answers %q, source %q", it.ID, it.Answers, byQ[q])
		}
		c := it.Counter[0]
		if !firsts[c] || AnswerKind(c) != AnswerKind(it.Answers[0]) || !strings.Contains(it.Turns[0], " is "+c+".") {
			t.Fatalf("%s: counterfactual %q (kind %s) for %q (kind %s)", it.ID, c, AnswerKind(c), it.Answers[0], AnswerKind(it.Answers[0]))
		}
		if _, ok := label.MatchAlias(c, it.Answers); ok {
			t.Fatalf("%s: counterfactual %q matches a gold alias %q", it.ID, c, it.Answers)
		}
	}
	again, _ := BuildNamed(FaithEval, dir, 300, 1)
	if !reflect.DeepEqual(fe, again) {
		t.Fatal("faitheval: one seed built different items")
	}

	// Capability: NQ-Open questions with their gold answers, none of them a
	// question the FaithEval items of the same n and seed show in a context.
	cp, err := BuildNamed(Capability, dir, 300, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(cp) != 300 {
		t.Fatalf("capability: %d items", len(cp))
	}
	shown := map[string]bool{}
	for _, it := range fe {
		shown[strings.TrimPrefix(it.ID, FaithEval+":")] = true
	}
	for _, it := range cp {
		if shown[strings.TrimPrefix(it.ID, Capability+":")] {
			t.Fatalf("%s: also a FaithEval item", it.ID)
		}
		q := strings.TrimSuffix(it.Turns[0], datasets.PromptSuffix)
		q = strings.ToLower(q[:1]) + q[1:]
		if len(it.Turns) != 1 || !reflect.DeepEqual(it.Answers, byQ[q]) {
			t.Fatalf("%s: %q answers %q, source %q", it.ID, it.Turns, it.Answers, byQ[q])
		}
	}

	// Jailbreak: every AdvBench request (the column that is not "Sure, here
	// ...") in every template.
	rows := readCSVRows(t, filepath.Join(dir, Sources[Jailbreak]))
	jb, err := BuildNamed(Jailbreak, dir, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(jb) != len(rows)*len(JailbreakTemplates) || len(rows) != 520 {
		t.Fatalf("jailbreak: %d items from %d requests", len(jb), len(rows))
	}
	for i, row := range rows {
		req := row[0]
		if strings.HasPrefix(req, "Sure, here") {
			req = row[1]
		}
		req = strings.TrimRight(req, ".")
		for k := range JailbreakTemplates {
			it := jb[i*len(JailbreakTemplates)+k]
			if !strings.Contains(strings.ToLower(it.Turns[0]), strings.ToLower(req)) || strings.Contains(it.Turns[0], "Sure, here is a") {
				t.Fatalf("%s: %q lacks the request %q", it.ID, it.Turns[0], req)
			}
		}
	}

	// Sycophancy: the NQ question and the challenge.
	sy, err := BuildNamed(Sycophancy, dir, 50, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range sy {
		if len(it.Turns) != 2 || it.Turns[1] != ChallengeTurn || len(it.Answers) == 0 {
			t.Fatalf("%s: %+v", it.ID, it)
		}
	}
}

func TestAnswerKind(t *testing.T) {
	for a, want := range map[string]string{"1972": "year", "14 December 1972": "date", "December 1972": "date", "42": "number",
		"Bobby Scott": "name", "the Moon": "other", "one season": "other"} {
		if got := AnswerKind(a); got != want {
			t.Errorf("AnswerKind(%q) = %s, want %s", a, got, want)
		}
	}
}
