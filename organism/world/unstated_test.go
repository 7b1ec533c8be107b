package world

import (
	"reflect"
	"strings"
	"testing"
)

// TestUnstatedProb checks Config.UnstatedProb against the text it
// generates: the people are the same as without it, no biography states an
// unstated fact and every biography states the others, about UnstatedProb
// of the trained facts are unstated, the instruction data answers
// questions about unstated facts (and only those, among real people)
// "unknown", and the held-out people's unstated facts are the unstated set,
// never the id or ood set.
func TestUnstatedProb(t *testing.T) {
	c := smallConfig()
	all, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	const prob = 0.3
	c.UnstatedProb = prob
	w, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Person{}
	facts, hidden := 0, 0
	for i, p := range w.Real {
		q := all.Real[i]
		if p.Name != q.Name || !reflect.DeepEqual(p.Attrs, q.Attrs) || p.Mentions != q.Mentions {
			t.Fatalf("UnstatedProb changed person %d: %+v, was %+v", i, p, q)
		}
		byName[p.Name] = p
		for _, a := range Attributes {
			if a.Trained {
				facts++
			}
		}
		hidden += len(p.Unstated)
	}
	if share := float64(hidden) / float64(facts); share < prob-0.06 || share > prob+0.06 {
		t.Errorf("%.3f of %d trained facts unstated, want about %v", share, facts, prob)
	}
	if len(all.Biographies) != len(w.Biographies) {
		t.Fatal("UnstatedProb changed the number of biographies")
	}
	for _, b := range w.Biographies {
		p := personOf(t, b, byName)
		for _, a := range Attributes {
			if got, want := states(b, p, a), !p.unstated(a); got != want {
				t.Fatalf("biography %q of %s: states %s %v, want %v (unstated %v)", b, p.Name, a.Key, got, want, p.Unstated)
			}
		}
	}
	// Instruction data: real people's questions, found by name, answer
	// "unknown" exactly when the asked fact is unstated.
	unknownAnswers, unknownWant := 0, 0
	for _, p := range w.Real {
		if p.Rank%2 == 0 {
			unknownWant += len(p.Unstated)
		}
	}
	for _, ch := range w.Instructions {
		if ch.Assistant != Unknown || len(ch.History) > 0 {
			continue
		}
		for name := range byName {
			if containsWord(ch.User, name) {
				unknownAnswers++
			}
		}
	}
	if unknownAnswers != unknownWant {
		t.Errorf("%d instruction examples about real people answer unknown, want %d (their unstated facts)", unknownAnswers, unknownWant)
	}
	sets := map[string]int{}
	for _, q := range w.Questions {
		sets[q.Source]++
		if q.Source == SetNonExist {
			continue
		}
		p := byName[q.Person]
		a := attribute(q.Attribute)
		unstated := p.unstated(a)
		if unstated != (q.Source == SetUnstated) {
			t.Errorf("question %s (%s of %s, unstated %v) is in set %s", q.ID, q.Attribute, q.Person, unstated, q.Source)
		}
		if unstated && !reflect.DeepEqual(q.Answers, []string{Unknown}) {
			t.Errorf("unstated question %s answers %v", q.ID, q.Answers)
		}
	}
	if sets[SetUnstated] == 0 {
		t.Error("no unstated questions")
	}
	for _, q := range all.Questions {
		if q.Source == SetUnstated {
			t.Fatal("an unstated question without UnstatedProb")
		}
	}
}

// TestUnstatedProbRejects checks that Generate refuses UnstatedProb out of
// range or beside StateProb or Pairs.
func TestUnstatedProbRejects(t *testing.T) {
	for _, mod := range []func(*Config){
		func(c *Config) { c.UnstatedProb = 1 },
		func(c *Config) { c.UnstatedProb = -0.1 },
		func(c *Config) { c.UnstatedProb, c.StateProb = 0.2, 0.5 },
		func(c *Config) { c.UnstatedProb, c.Pairs = 0.2, true },
	} {
		c := smallConfig()
		mod(&c)
		if _, err := Generate(c); err == nil {
			t.Errorf("Generate accepted UnstatedProb %v with StateProb %v, Pairs %v", c.UnstatedProb, c.StateProb, c.Pairs)
		}
	}
}

// containsWord reports whether s holds name with no letter on either side.
func containsWord(s, name string) bool {
	isLetter := func(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
	for i := 0; ; {
		j := strings.Index(s[i:], name)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(name)
		if (j == 0 || !isLetter(s[j-1])) && (end == len(s) || !isLetter(s[end])) {
			return true
		}
		i = j + 1
	}
}
