package world

import (
	"reflect"
	"strings"
	"testing"
)

// TestStateProb checks Config.StateProb against the biographies' text:
// every biography names one person and states at least one attribute, every
// attribute of a person is stated somewhere, Person.Stated and
// Question.Statements count the statements the text holds, and about
// StateProb of the (person, attribute, biography) slots are stated.
func TestStateProb(t *testing.T) {
	c := smallConfig()
	all, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	c.StateProb = 0.4
	w, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	// The people are drawn before the biographies: the same people, as
	// many biographies (the later draws, phrasings included, differ).
	for i, p := range w.Real {
		q := all.Real[i]
		if p.Name != q.Name || !reflect.DeepEqual(p.Attrs, q.Attrs) || p.Mentions != q.Mentions {
			t.Fatalf("StateProb changed person %d: %+v, was %+v", i, p, q)
		}
	}
	if len(all.Biographies) != len(w.Biographies) {
		t.Fatal("StateProb changed the number of biographies")
	}
	// Count statements from the text: a biography sentence of attribute a
	// about p is one of a.Bio filled with p's name and value.
	byName := map[string]Person{}
	for _, p := range w.Real {
		byName[p.Name] = p
	}
	counted := map[string]map[string]int{}
	slots, stated := 0, 0
	for _, b := range w.Biographies {
		p := personOf(t, b, byName)
		n := 0
		for _, a := range Attributes {
			if states(b, p, a) {
				if counted[p.Name] == nil {
					counted[p.Name] = map[string]int{}
				}
				counted[p.Name][a.Key]++
				n++
			}
		}
		if n == 0 {
			t.Errorf("biography %q states no attribute", b)
		}
		slots += len(Attributes)
		stated += n
	}
	for _, p := range w.Real {
		for _, a := range Attributes {
			if counted[p.Name][a.Key] == 0 {
				t.Errorf("%s: %s never stated", p.Name, a.Key)
			}
		}
		if !reflect.DeepEqual(counted[p.Name], p.Stated) {
			t.Errorf("%s: Stated %v, the biographies state %v", p.Name, p.Stated, counted[p.Name])
		}
	}
	// The forced statements lift the share above StateProb a little.
	if share := float64(stated) / float64(slots); share < 0.4 || share > 0.55 {
		t.Errorf("%.3f of the attribute slots stated, want about 0.4 (at most 0.55 with the forced ones)", share)
	}
	for _, q := range w.Questions {
		if q.Source == SetNonExist {
			continue
		}
		if want := counted[q.Person][q.Attribute]; q.Statements != want {
			t.Errorf("question %s: Statements %d, the biographies state it %d times", q.ID, q.Statements, want)
		}
	}
	for _, q := range all.Questions {
		if q.Statements != 0 {
			t.Fatalf("question %s has Statements %d without StateProb", q.ID, q.Statements)
		}
	}
}

// personOf returns the real person biography b is about: the longest name
// of byName it holds as whole words.
func personOf(t *testing.T, b string, byName map[string]Person) Person {
	t.Helper()
	var p Person
	for name, q := range byName {
		if strings.HasPrefix(b, name+" ") || strings.Contains(b, " "+name+" ") {
			if len(name) > len(p.Name) {
				p = q
			}
		}
	}
	if p.Name == "" {
		t.Fatalf("biography %q names no real person", b)
	}
	return p
}

// states reports whether biography b holds a sentence stating p's value of
// a: one of a.Bio filled with p's name and value.
func states(b string, p Person, a Attribute) bool {
	for _, tb := range a.Bio {
		s := capitalise(strings.ReplaceAll(strings.ReplaceAll(tb, "{name}", p.Name), "{v}", p.Attrs[a.Key]))
		if strings.Contains(b, s) {
			return true
		}
	}
	return false
}
