package world

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestRecallDocs checks Config.RecallDocs and CopyChatPhrasing against the
// people they are written from: one document per trained attribute of every
// even-ranked real person, the question in an instruction phrasing with no
// statement before it, the answer the person's own value; the copy
// documents are the same documents whether or not recall documents are
// added, and Pretraining holds every document once.
func TestRecallDocs(t *testing.T) {
	c := smallConfig()
	c.CopyDocs = 40
	c.CopyChatPhrasing = true
	copyOnly, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	c.RecallDocs = true
	w, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(copyOnly.CopyDocs, w.CopyDocs) || !reflect.DeepEqual(copyOnly.Biographies, w.Biographies) ||
		!reflect.DeepEqual(copyOnly.Instructions, w.Instructions) || !reflect.DeepEqual(copyOnly.Questions, w.Questions) {
		t.Fatal("recall documents changed the rest of the world")
	}
	// Each copy document's question is an instruction phrasing (with no
	// answer-only instruction), not the attribute's CopyQuestion.
	phrasing := func(doc, name string) (Attribute, string, bool) {
		for _, a := range Attributes {
			for _, q := range a.Questions {
				s := capitalise(strings.ReplaceAll(q, "{name}", name)) + " "
				if i := strings.Index(doc, s); i >= 0 {
					return a, doc[:i] + "|" + doc[i+len(s):], true
				}
			}
		}
		return Attribute{}, "", false
	}
	for _, d := range w.CopyDocs {
		if strings.Contains(d, Instruction) {
			t.Errorf("copy document %q carries the answer-only instruction", d)
		}
		found := false
		for _, a := range Attributes {
			if pre, _, _ := strings.Cut(a.CopyQuestion, "{name}"); strings.Contains(d, pre) {
				t.Errorf("copy document %q uses CopyQuestion under CopyChatPhrasing", d)
			}
			for _, q := range a.Questions {
				pre, _, _ := strings.Cut(q, "{name}")
				found = found || strings.Contains(d, ". "+capitalise(pre))
			}
		}
		if !found {
			t.Errorf("copy document %q asks in no instruction phrasing", d)
		}
	}
	var want []string
	for _, p := range w.Real {
		if p.Rank%2 != 0 {
			continue
		}
		for _, a := range trainedAttributes() {
			want = append(want, p.Name+"|"+a.Key+"|"+capitalise(p.Attrs[a.Key]))
		}
	}
	var got []string
	for _, d := range w.RecallDocs {
		var name string
		for _, p := range w.Real {
			if strings.Contains(d, " "+p.Name+" ") || strings.Contains(d, " "+p.Name+"?") {
				if len(p.Name) > len(name) {
					name = p.Name
				}
			}
		}
		a, rest, ok := phrasing(d, name)
		if name == "" || !ok {
			t.Fatalf("recall document %q names no real person in an instruction phrasing", d)
		}
		// Nothing before the question: no statement to copy from.
		before, ans, _ := strings.Cut(rest, "|")
		if before != "" {
			t.Errorf("recall document %q has %q before its question", d, before)
		}
		got = append(got, name+"|"+a.Key+"|"+strings.TrimSuffix(ans, "."))
	}
	sort.Strings(want)
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("recall documents give %d (person, attribute, value) triples, want the %d of the even-ranked people; first got %v, want %v",
			len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
	}
	// Pretraining: the biographies in order, and every extra document once.
	pre := w.Pretraining()
	var bios []string
	extra := map[string]int{}
	isBio := map[string]bool{}
	for _, b := range w.Biographies {
		isBio[b] = true
	}
	for _, d := range pre {
		if isBio[d] {
			bios = append(bios, d)
		} else {
			extra[d]++
		}
	}
	if !reflect.DeepEqual(bios, w.Biographies) {
		t.Error("Pretraining reorders the biographies")
	}
	for _, d := range append(append([]string{}, w.CopyDocs...), w.RecallDocs...) {
		extra[d]--
	}
	for d, n := range extra {
		if n != 0 {
			t.Errorf("document %q appears %+d times more in Pretraining than in the world", d, n)
		}
	}
	// Shuffled together: recall documents are not all after the copy ones.
	firstRecall, lastCopy := -1, -1
	isRecall := map[string]bool{}
	for _, d := range w.RecallDocs {
		isRecall[d] = true
	}
	for i, d := range pre {
		if isRecall[d] && firstRecall < 0 {
			firstRecall = i
		}
		if !isRecall[d] && !isBio[d] {
			lastCopy = i
		}
	}
	if firstRecall > lastCopy {
		t.Error("recall documents all follow the copy documents")
	}
}

// TestCopyInChat checks Config.CopyInChat: the base stage's text and the
// vocabulary are the world's without copy documents, the chat stage's text
// holds the copy and recall documents, and every copy person is new but
// named with first and last names the world's people already have.
func TestCopyInChat(t *testing.T) {
	c := smallConfig()
	plain, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	c.CopyDocs, c.CopyChatPhrasing, c.RecallDocs, c.CopyInChat = 40, true, true, true
	w, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w.BaseText(), plain.Pretraining()) {
		t.Error("BaseText under CopyInChat is not the plain world's pre-training text")
	}
	if got, want := len(w.ChatText()), len(plain.Biographies)+len(w.CopyDocs)+len(w.RecallDocs); got != want || len(w.CopyDocs) != 40 {
		t.Errorf("ChatText holds %d documents, want %d (40 copy documents: %d)", got, want, len(w.CopyDocs))
	}
	if !reflect.DeepEqual(BuildTokenizer(w.Texts()).Vocab, BuildTokenizer(plain.Texts()).Vocab) {
		t.Error("CopyInChat changed the vocabulary")
	}
	firsts, lasts, names := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, g := range [][]Person{w.Real, w.NonExist, w.Abstainers} {
		for _, p := range g {
			f, l, _ := strings.Cut(p.Name, " ")
			firsts[f], lasts[l], names[p.Name] = true, true, true
		}
	}
	for _, d := range w.CopyDocs {
		// The person is the pair of adjacent words in the document's
		// question (the text after its statement, up to "?") that is a
		// first name followed by a last name of the world's people.
		q := d[strings.Index(d, ". ")+2:]
		q = q[:strings.Index(q, "?")]
		ws := strings.Fields(q)
		var name string
		for i := 0; i+1 < len(ws); i++ {
			if firsts[ws[i]] && lasts[ws[i+1]] {
				name = ws[i] + " " + ws[i+1]
			}
		}
		if name == "" {
			t.Errorf("copy document %q: no name from the world's name parts in its question", d)
			continue
		}
		if names[name] {
			t.Errorf("copy document %q names an existing or earlier copy person %q", d, name)
		}
		names[name] = true
	}
	// Tokenised with the plain world's vocabulary, no copy or recall
	// document has an unknown word.
	tok := BuildTokenizer(plain.Texts())
	for _, d := range append(append([]string{}, w.CopyDocs...), w.RecallDocs...) {
		for _, id := range tok.Document(d) {
			if id == UnkID {
				t.Fatalf("document %q has a word outside the plain vocabulary", d)
			}
		}
	}
}
