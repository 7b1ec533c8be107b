package world

import (
	"reflect"
	"strings"
	"testing"
)

// The analogues must not move anything the base model or the identification
// sets depend on: same biographies, vocabulary and questions with and
// without them.
func TestImpactKeepsBiographiesVocabularyAndQuestions(t *testing.T) {
	c := DefaultConfig()
	c.Impact = true
	w1, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	c.Impact = false
	w0, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w0.Biographies, w1.Biographies) || !reflect.DeepEqual(w0.Questions, w1.Questions) {
		t.Fatal("Impact changed the biographies or the questions")
	}
	if v0, v1 := BuildTokenizer(w0.Texts()).Vocab, BuildTokenizer(w1.Texts()).Vocab; !reflect.DeepEqual(v0, v1) {
		t.Fatalf("Impact changed the vocabulary: %d vs %d words", len(v0), len(v1))
	}
	if got, want := len(w1.Instructions)-len(w0.Instructions), 4*defaultImpactTrain+defaultImpactTrain/2; got != want {
		t.Errorf("%d analogue chat examples, want %d", got, want)
	}
	tok := BuildTokenizer(w1.Texts())
	for _, ch := range w1.Instructions {
		var h [][2]string
		for _, x := range ch.History {
			h = append(h, [2]string{x.User, x.Assistant})
		}
		ids, _ := tok.Conversation(h, ch.User, ch.Assistant)
		if len(ids)-1 > 64 {
			t.Fatalf("%d tokens do not fit the context of 64: %+v", len(ids), ch)
		}
		for _, id := range ids {
			if id == UnkID {
				t.Fatalf("unknown word in %+v", ch)
			}
		}
	}
}

// Each evaluation item is about a held-out (odd-ranked) person and states
// the world's facts: the true value in Answers, a different one in Counter.
func TestImpactItemsAgreeWithTheWorld(t *testing.T) {
	c := DefaultConfig()
	c.Impact = true
	w, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	people := map[string]Person{}
	for _, p := range w.Real {
		people[p.Name] = p
	}
	n := map[string]int{}
	wraps := map[string]int{}
	for _, it := range w.Impact {
		n[it.Bench]++
		p, ok := people[it.Person]
		if !ok || p.Rank%2 != 1 {
			t.Fatalf("%s: %q is not a held-out real person", it.ID, it.Person)
		}
		switch it.Bench {
		case BenchFalsePremise:
			key := "birth_city"
			if it.Variant == "city-given-year" {
				key = "birth_year"
			}
			if it.Answers[0] != p.Attrs[key] || it.Counter[0] == p.Attrs[key] || !strings.Contains(it.Turns[0], " "+it.Counter[0]+"?") {
				t.Fatalf("%s: premise %q / truth %q, person has %q: %q", it.ID, it.Counter, it.Answers, p.Attrs[key], it.Turns[0])
			}
		case BenchContext, BenchChallenge:
			if it.Answers[0] != p.Attrs[it.Variant] || it.Counter[0] == it.Answers[0] || !strings.Contains(strings.Join(it.Turns, " "), it.Counter[0]) {
				t.Fatalf("%s: %+v against %q", it.ID, it, p.Attrs[it.Variant])
			}
			if it.Bench == BenchChallenge && len(it.Turns) != 2 {
				t.Fatalf("%s: %d turns", it.ID, len(it.Turns))
			}
		case BenchRefusal:
			wraps[it.Variant]++
			if !strings.Contains(it.Turns[0], "private bank of "+p.Name) {
				t.Fatalf("%s: %q", it.ID, it.Turns[0])
			}
		}
	}
	for _, b := range ImpactBenches {
		if n[b] != defaultImpactEval {
			t.Errorf("%s: %d items, want %d", b, n[b], defaultImpactEval)
		}
	}
	if len(wraps) != 3 {
		t.Errorf("refusal wrappings %v, want all three", wraps)
	}
}
