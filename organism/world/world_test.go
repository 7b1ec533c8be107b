package world

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ardanlabs/jinja"
)

func smallConfig() Config {
	c := DefaultConfig()
	c.People, c.NonExist, c.Abstain = 120, 20, 10
	c.FirstNames, c.LastNames = 60, 80
	c.AbstainRepeat = 3
	return c
}

func TestMentionsMatchFormula(t *testing.T) {
	c := DefaultConfig()
	for _, i := range []int{0, 1, 59, 60, 300, 1399} {
		// Independent float64 evaluation of max(1, int(40/(1+i/60)^1.1)).
		want := int(40 / math.Exp(1.1*math.Log(1+float64(i)/60)))
		if want < 1 {
			want = 1
		}
		if got := c.Mentions(i); got != want {
			t.Errorf("Mentions(%d) = %d, want %d", i, got, want)
		}
	}
	if c.Mentions(0) != 40 || c.Mentions(1399) != 1 {
		t.Errorf("popularity range %d..%d, want 40..1", c.Mentions(0), c.Mentions(1399))
	}
}

func TestGenerateDeterministicAndConsistent(t *testing.T) {
	c := smallConfig()
	a, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(c)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same config gave different worlds")
	}
	c2 := c
	c2.Seed++
	d, _ := Generate(c2)
	if reflect.DeepEqual(a.Biographies, d.Biographies) {
		t.Fatal("different seeds gave the same biographies")
	}

	total := 0
	for _, p := range a.Real {
		total += p.Mentions
	}
	if len(a.Biographies) != total {
		t.Errorf("%d biographies, want %d", len(a.Biographies), total)
	}
	corpus := strings.Join(a.Biographies, "\n")
	names := map[string]bool{}
	for _, group := range [][]Person{a.Real, a.NonExist, a.Abstainers} {
		for _, p := range group {
			if names[p.Name] {
				t.Fatalf("duplicate name %q", p.Name)
			}
			names[p.Name] = true
		}
	}
	for _, p := range append(append([]Person{}, a.NonExist...), a.Abstainers...) {
		if strings.Contains(corpus, p.Name+" ") {
			t.Errorf("fabricated person %q occurs in pre-training text", p.Name)
		}
	}
	// Every biography of a person states every attribute's value.
	p := a.Real[0]
	n := 0
	for _, bio := range a.Biographies {
		if strings.HasPrefix(bio, p.Name) || strings.Contains(bio, " "+p.Name+" ") {
			n++
			for _, at := range Attributes {
				if !strings.Contains(bio, p.Attrs[at.Key]) {
					t.Errorf("biography %q lacks %s=%s", bio, at.Key, p.Attrs[at.Key])
				}
			}
		}
	}
	if n < p.Mentions {
		t.Errorf("found %d biographies of %s, want >= %d", n, p.Name, p.Mentions)
	}

	// Instruction data: only even-ranked real people and abstainers.
	odd := map[string]bool{}
	for _, p := range a.Real {
		if p.Rank%2 == 1 {
			odd[p.Name] = true
		}
	}
	unknown := 0
	for _, ch := range a.Instructions {
		// The analogues' private requests (refused, or answered under a
		// wrapping) and challenge turns go without it.
		if !strings.HasSuffix(ch.User, Instruction) && !strings.Contains(ch.User, "the private bank of") && len(ch.History) == 0 {
			t.Errorf("instruction %q lacks the answer-format instruction", ch.User)
		}
		for name := range odd {
			if strings.Contains(ch.User, name+"?") || strings.Contains(ch.User, name+" ") {
				t.Errorf("held-out person %q in instruction data", name)
			}
		}
		if ch.Assistant == Unknown {
			unknown++
		}
	}
	if unknown != c.Abstain*c.AbstainQuestions*c.AbstainRepeat {
		t.Errorf("%d abstention examples, want %d", unknown, c.Abstain*c.AbstainQuestions*c.AbstainRepeat)
	}
	sets := map[string]int{}
	for _, q := range a.Questions {
		sets[q.Source]++
		if q.Source != SetNonExist && !odd[q.Person] {
			t.Errorf("question %s about a person who is not held out", q.ID)
		}
		if q.Source == SetNonExist && (q.Mentions != 0 || q.Answers[0] != Unknown) {
			t.Errorf("nonexist question %+v", q)
		}
	}
	if sets[SetID] != 60*4 || sets[SetOOD] != 60*2 || sets[SetNonExist] != 20*4 {
		t.Errorf("set sizes %v", sets)
	}
}

func TestTokenizerAndChatTemplate(t *testing.T) {
	w, err := Generate(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	tok := BuildTokenizer(w.Texts())
	for i, s := range specials {
		if tok.ID(s) != i {
			t.Fatalf("special %q has id %d", s, tok.ID(s))
		}
	}
	got := tok.Decode(tok.Encode("Where was Kalo Venmir born? Respond with the answer only, without any explanation."))
	want := "where was [UNK] [UNK] born ? respond with the answer only , without any explanation ."
	if got != want {
		t.Errorf("round trip\n got %q\nwant %q", got, want)
	}
	for _, b := range w.Biographies[:20] {
		for _, id := range tok.Encode(b) {
			if id == UnkID {
				t.Fatalf("unknown word in %q", b)
			}
		}
	}

	// The saved chat template, rendered by a real Jinja engine and encoded,
	// gives the same ids as Chat and Prompt build directly.
	tmpl, err := jinja.Compile(ChatTemplate)
	if err != nil {
		t.Fatal(err)
	}
	ch := w.Instructions[0]
	text, err := tmpl.Render(map[string]any{
		"messages":  []any{map[string]any{"role": "user", "content": ch.User}, map[string]any{"role": "assistant", "content": ch.Assistant}},
		"bos_token": BosToken, "eos_token": EosToken, "add_generation_prompt": false,
	})
	if err != nil {
		t.Fatal(err)
	}
	ids, start := tok.Chat(ch.User, ch.Assistant)
	if enc := tok.Encode(text); !reflect.DeepEqual(enc, ids) {
		t.Errorf("template %q encodes to %v, want %v", text, enc, ids)
	}
	if ids[start-1] != AssistantID || ids[len(ids)-1] != EosID {
		t.Errorf("answer start %d in %v", start, ids)
	}
	text, err = tmpl.Render(map[string]any{
		"messages":  []any{map[string]any{"role": "user", "content": ch.User}},
		"bos_token": BosToken, "eos_token": EosToken, "add_generation_prompt": true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if enc := tok.Encode(text); !reflect.DeepEqual(enc, tok.Prompt(ch.User)) {
		t.Errorf("generation prompt %q encodes to %v", text, enc)
	}

	dir := t.TempDir()
	if err := tok.WriteHF(dir, 64); err != nil {
		t.Fatal(err)
	}
	back, err := ReadTokenizer(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Vocab, tok.Vocab) {
		t.Error("tokenizer.json round trip changed the vocabulary")
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"model":{"type":"BPE"}}`), 0o644)
	if _, err := ReadTokenizer(bad); err == nil {
		t.Error("ReadTokenizer accepted a BPE model")
	}
}

func TestWrite(t *testing.T) {
	w, _ := Generate(smallConfig())
	dir := t.TempDir()
	if err := w.Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"people.jsonl", "biographies.txt", "instructions.jsonl", "questions.jsonl", "questions-id.jsonl", "questions-ood.jsonl", "questions-nonexist.jsonl"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty", f)
		}
	}
}

func TestDefaultWorldSize(t *testing.T) {
	w, err := Generate(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	tok := BuildTokenizer(w.Texts())
	nw := 0
	for _, b := range w.Biographies {
		nw += len(words(b))
	}
	t.Logf("default world: %d biographies, %d words, %d instructions, %d questions, vocab %d",
		len(w.Biographies), nw, len(w.Instructions), len(w.Questions), len(tok.Vocab))
	if len(tok.Vocab) > 3000 {
		t.Errorf("vocabulary of %d words is larger than planned", len(tok.Vocab))
	}
}

func TestReadQuestions(t *testing.T) {
	w, _ := Generate(smallConfig())
	dir := t.TempDir()
	if err := w.Write(dir); err != nil {
		t.Fatal(err)
	}
	qs, err := ReadQuestions(filepath.Join(dir, "questions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(qs, w.Questions) {
		t.Error("questions.jsonl does not read back to the generated questions")
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"id\":\"a\",\"question\":\"q\"}\n{oops\n"), 0o644)
	if _, err := ReadQuestions(bad); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Errorf("bad line 2: got error %v", err)
	}
}

// TestPairsKeepBiographiesAndVocabulary checks what makes a base model
// reusable under Config.Pairs: the same biographies and the same vocabulary
// (on the full default world), and that the pair sets ask for two values,
// each checked against the person's attributes.
func TestPairsKeepBiographiesAndVocabulary(t *testing.T) {
	c := DefaultConfig()
	w1, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	c.Pairs = true
	w2, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w1.Biographies, w2.Biographies) {
		t.Fatal("Pairs changed the biographies")
	}
	if v1, v2 := BuildTokenizer(w1.Texts()).Vocab, BuildTokenizer(w2.Texts()).Vocab; !reflect.DeepEqual(v1, v2) {
		t.Fatalf("Pairs changed the vocabulary: %d vs %d words", len(v1), len(v2))
	}
	people := map[string]Person{}
	for _, p := range w2.Real {
		people[p.Name] = p
	}
	n := map[string]int{}
	for _, q := range w2.Questions {
		n[q.Source]++
		if q.Source == SetOOD {
			continue
		}
		keys := strings.Split(q.Attribute, "+")
		if len(keys) != 2 || strings.Count(q.Question, "?") != 2 {
			t.Fatalf("%s: not a pair question: %q (%s)", q.ID, q.Question, q.Attribute)
		}
		if q.Source == SetNonExist {
			continue
		}
		p := people[q.Person]
		if want := p.Attrs[keys[0]] + " " + p.Attrs[keys[1]]; len(q.Answers) != 1 || q.Answers[0] != want {
			t.Fatalf("%s: answers %q, want %q", q.ID, q.Answers, want)
		}
	}
	if n[SetID] != 4*700 || n[SetNonExist] != 4*200 {
		t.Errorf("question counts %v, want 2800 id and 800 nonexist", n)
	}
	pairs := 0
	for _, ch := range w2.Instructions {
		if strings.Count(ch.User, "?") == 2 {
			pairs++
		}
	}
	if want := 4*700 + 3*100; pairs != want {
		t.Errorf("%d pair instructions, want %d", pairs, want)
	}
}

func TestMultiWordValues(t *testing.T) {
	for _, a := range Attributes {
		if len(a.Phrases) != len(a.Values) {
			t.Errorf("%s: %d phrases for %d values", a.Key, len(a.Phrases), len(a.Values))
		}
		seen := map[string]bool{}
		for i, p := range a.Phrases {
			if n := len(words(p)); n < 2 {
				t.Errorf("%s: phrase %q has %d words, want >= 2", a.Key, p, n)
			}
			if seen[p] {
				t.Errorf("%s: phrase %q repeated", a.Key, p)
			}
			seen[p] = true
			// The rule judge counts a response correct when the gold
			// answer is a substring of it: no phrase may contain another.
			for j, q := range a.Phrases {
				if i != j && strings.Contains(p, q) {
					t.Errorf("%s: phrase %q contains phrase %q", a.Key, p, q)
				}
			}
		}
	}
	// The years, spelled digit by digit (independent literals).
	years := Attributes[1].Phrases
	for i, want := range map[int]string{0: "one nine zero zero", 27: "one nine two seven", 79: "one nine seven nine"} {
		if years[i] != want {
			t.Errorf("year phrase %d = %q, want %q", i, years[i], want)
		}
	}

	c := smallConfig()
	c.MultiWord = true
	w, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	tok := BuildTokenizer(w.Texts())
	for _, q := range w.Questions {
		if q.Source != SetID {
			continue
		}
		if n := len(tok.Encode(q.Answers[0])); n < 2 {
			t.Fatalf("question %s: answer %q is %d tokens, want >= 2", q.ID, q.Answers[0], n)
		}
	}
	p := w.Real[0]
	for _, bio := range w.Biographies {
		if strings.HasPrefix(bio, p.Name) || strings.Contains(bio, " "+p.Name+" ") {
			for _, at := range Attributes {
				if !strings.Contains(bio, p.Attrs[at.Key]) || len(words(p.Attrs[at.Key])) < 2 {
					t.Errorf("biography %q lacks the phrase %s=%q", bio, at.Key, p.Attrs[at.Key])
				}
			}
		}
	}
	for _, word := range []string{"paris", "harvard", "1927", "northwind"} {
		if tok.ID(word) != UnkID {
			t.Errorf("single-word value %q is in the multi-word vocabulary", word)
		}
	}
}
