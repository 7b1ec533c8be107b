package world

import (
	"reflect"
	"strings"
	"testing"
)

func TestBalancedValues(t *testing.T) {
	for _, a := range Attributes {
		if len(a.Balanced) != 40 {
			t.Errorf("%s: %d balanced values, want 40", a.Key, len(a.Balanced))
		}
		// Two words each, 8 distinct first and 5 distinct second words, no
		// word in both positions, every combination once.
		first, second, seen := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for i, v := range a.Balanced {
			ws := strings.Fields(v)
			if len(ws) != 2 {
				t.Fatalf("%s: value %q has %d words, want 2", a.Key, v, len(ws))
			}
			first[ws[0]], second[ws[1]] = true, true
			if seen[v] {
				t.Errorf("%s: value %q repeated", a.Key, v)
			}
			seen[v] = true
			for j, u := range a.Balanced {
				if i != j && strings.Contains(v, u) {
					t.Errorf("%s: value %q contains value %q", a.Key, v, u)
				}
			}
		}
		if len(first) != 8 || len(second) != 5 {
			t.Errorf("%s: %d first and %d second words, want 8 and 5", a.Key, len(first), len(second))
		}
		for w := range first {
			if second[w] {
				t.Errorf("%s: word %q in both positions", a.Key, w)
			}
		}
	}
	// The years, read back as numbers by an independent table.
	tens := map[string]int{"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
	units := map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
	got := map[int]bool{}
	for _, v := range attribute("birth_year").Balanced {
		ws := strings.Fields(v)
		got[1900+tens[ws[0]]+units[ws[1]]] = true
	}
	for d := 20; d <= 90; d += 10 {
		for u := 1; u <= 5; u++ {
			if !got[1900+d+u] {
				t.Errorf("year %d missing from the balanced years", 1900+d+u)
			}
		}
	}

	c := smallConfig()
	c.Balanced = true
	w, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range w.Real {
		for _, a := range Attributes {
			if !contains(a.Balanced, p.Attrs[a.Key]) {
				t.Fatalf("%s's %s %q is not a balanced value", p.Name, a.Key, p.Attrs[a.Key])
			}
		}
	}
	for _, b := range w.Biographies {
		if strings.Contains(b, "one nine") {
			t.Fatalf("biography %q spells a year digit by digit", b)
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestCopyDocs(t *testing.T) {
	c := smallConfig()
	c.Balanced = true
	plain, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	c.CopyDocs = 60
	w, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	// Their own stream: everything else is unchanged.
	if !reflect.DeepEqual(plain.Biographies, w.Biographies) || !reflect.DeepEqual(plain.Instructions, w.Instructions) ||
		!reflect.DeepEqual(plain.Questions, w.Questions) || !reflect.DeepEqual(plain.Impact, w.Impact) || !reflect.DeepEqual(plain.Real, w.Real) {
		t.Fatal("copy documents changed the rest of the world")
	}
	if len(w.CopyDocs) != 60 {
		t.Fatalf("%d copy documents, want 60", len(w.CopyDocs))
	}
	known := map[string]bool{}
	for _, g := range [][]Person{w.Real, w.NonExist, w.Abstainers} {
		for _, p := range g {
			known[p.Name] = true
		}
	}
	corpus := strings.Join(w.Biographies, "\n")
	tok := BuildTokenizer(w.Texts())
	names := map[string]bool{}
	asked := map[string]int{}
	for _, d := range w.CopyDocs {
		// "S. Q? A.": sentences end in ". " or
		// "? "; the statements are the sentences before the first question.
		var sents []string
		rest := d + " "
		for rest != "" {
			i := strings.IndexAny(rest, ".?")
			sents, rest = append(sents, rest[:i+1]), strings.TrimPrefix(rest[i+1:], " ")
		}
		nq := 0
		for nq < len(sents) && !strings.HasSuffix(sents[nq], "?") {
			nq++
		}
		stmts, qa := sents[:nq], sents[nq:]
		if len(stmts) != 1 || len(qa) != 2 {
			t.Fatalf("%d statements and %d question/answer sentences in %q, want 1 and 2", len(stmts), len(qa), d)
		}
		var name string
		for k := 0; k < len(qa); k += 2 {
			question, ans := strings.TrimSuffix(qa[k], "?"), strings.TrimSuffix(qa[k+1], ".")
			// The asked attribute and the person's name from the question
			// templates.
			var a Attribute
			for _, at := range Attributes {
				pre, post, _ := strings.Cut(at.CopyQuestion, "{name}")
				if strings.HasPrefix(question, pre) && strings.HasSuffix(question+"?", post) {
					a, name = at, strings.TrimSuffix(strings.TrimPrefix(question, pre), strings.TrimSuffix(post, "?"))
				}
				// The instruction data's phrasings are left to recall.
				for _, tq := range append(append([]string{}, at.Questions...), at.OODQuestions...) {
					if strings.Contains(d, capitalise(strings.Split(tq, "{name}")[0])) && strings.Split(tq, "{name}")[0] != "" {
						t.Errorf("copy document %q uses the question phrasing %q", d, tq)
					}
				}
			}
			if name == "" || !a.Trained {
				t.Fatalf("question %q of %q asks no trained attribute", question, d)
			}
			asked[a.Key]++
			// The answer is the value the asked attribute's statement gives.
			found := 0
			for _, s := range stmts {
				for _, tb := range a.Bio {
					pre, post, _ := strings.Cut(strings.ReplaceAll(tb, "{name}", name), "{v}")
					if strings.HasPrefix(s, capitalise(pre)) && strings.HasSuffix(s, post) {
						v := strings.TrimSuffix(strings.TrimPrefix(s, capitalise(pre)), post)
						if !contains(a.Balanced, v) {
							continue // "born in the year V" read as "born in V"
						}
						found++
						if capitalise(v) != ans {
							t.Errorf("%q: answer %q, statement gives %q", d, ans, v)
						}
					}
				}
			}
			if found != 1 {
				t.Errorf("%q: %d statements of the asked %s, want 1", d, found, a.Key)
			}
		}
		if known[name] || names[name] || strings.Contains(corpus, name) {
			t.Errorf("copy person %q is known, repeated or in a biography", name)
		}
		names[name] = true
		if n := len(tok.Document(d)); n > 64 {
			t.Errorf("copy document of %d tokens, want at most the 64-token context: %q", n, d)
		}
	}
	if len(asked) != 4 {
		t.Errorf("asked attributes %v, want all four trained ones", asked)
	}
	// Pretraining: every biography and every copy document, each in its
	// order, the copy documents spread out.
	pre := w.Pretraining()
	if len(pre) != len(w.Biographies)+len(w.CopyDocs) {
		t.Fatalf("%d pre-training documents, want %d", len(pre), len(w.Biographies)+len(w.CopyDocs))
	}
	var bios, copies []string
	last := -10
	isCopy := map[string]bool{}
	for _, d := range w.CopyDocs {
		isCopy[d] = true
	}
	for i, d := range pre {
		if isCopy[d] {
			copies = append(copies, d)
			if i-last < 2 {
				t.Errorf("copy documents at %d and %d are adjacent", last, i)
			}
			last = i
		} else {
			bios = append(bios, d)
		}
	}
	if !reflect.DeepEqual(bios, w.Biographies) || !reflect.DeepEqual(copies, w.CopyDocs) {
		t.Error("Pretraining reorders the documents")
	}
	if !reflect.DeepEqual(plain.Pretraining(), plain.Biographies) {
		t.Error("without copy documents Pretraining is not the biographies")
	}
}
