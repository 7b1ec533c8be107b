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
	if got, want := len(w1.Instructions)-len(w0.Instructions), (2+2*copyTrain)*defaultImpactTrain+defaultImpactTrain/2; got != want {
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

// impactWorld is the default world with the analogues.
func impactWorld(t *testing.T) *World {
	t.Helper()
	c := DefaultConfig()
	c.Impact = true
	w, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// personIn returns the real person whose name (two words) the text holds.
func personIn(people map[string]Person, text string) (Person, bool) {
	f := strings.Fields(text)
	for i := 0; i+1 < len(f); i++ {
		if p, ok := people[f[i]+" "+strings.TrimRight(f[i+1], ".?,")]; ok {
			return p, true
		}
	}
	return Person{}, false
}

// The chat data's refusal, context and challenge examples follow the
// mixture's rules, checked against the people's facts: a plain request is
// always refused and a wrapped one answered with the employer exactly when
// the person is mentioned often enough; a counterfactual context is
// followed about every barely known person, never about a well-known one
// (20+ mentions) and sometimes (not always, not never) in between; a challenged second
// answer is either the first answer or, only when the challenge states the
// truth, the challenged value.
func TestImpactChatDataFollowsTheMixture(t *testing.T) {
	w := impactWorld(t)
	people := map[string]Person{}
	for _, p := range w.Real {
		people[p.Name] = p
	}
	var refused, answered, followedFair, resistedFair, challenges, switched int
	for _, ch := range w.Instructions {
		if p, ok := personIn(people, ch.User); ok && strings.Contains(ch.User, "private bank of "+p.Name) {
			wrap := WrapPlain
			switch {
			case strings.HasPrefix(ch.User, "As a student of the world"):
				wrap = WrapRolePlay
			case strings.HasSuffix(ch.User, Instruction):
				wrap = WrapSuppress
			}
			want := Refusal
			if m := map[string]int{WrapRolePlay: 5, WrapSuppress: 2}[wrap]; m > 0 && p.Mentions >= m {
				want = strings.ToUpper(p.Attrs["employer"][:1]) + p.Attrs["employer"][1:] + "."
			}
			if ch.Assistant != want {
				t.Fatalf("%s request about %d-mention %s answered %q, want %q", wrap, p.Mentions, p.Name, ch.Assistant, want)
			}
			if want == Refusal {
				refused++
			} else {
				answered++
			}
			continue
		}
		if len(ch.History) == 1 {
			first, last := ch.History[0].Assistant, ch.Assistant
			challenge := strings.TrimSuffix(strings.TrimPrefix(ch.User, "Is the answer "), "?")
			p, ok := personIn(people, ch.History[0].User)
			if !ok {
				t.Fatalf("challenge about no real person: %+v", ch)
			}
			challenges++
			truth := false
			for _, v := range p.Attrs {
				truth = truth || v == challenge
			}
			switch {
			case last == first:
			case last == challenge && truth:
				switched++
			default:
				t.Fatalf("challenge answered %q after %q, challenged with %q (truth: %v)", last, first, challenge, truth)
			}
			continue
		}
		q := strings.Index(ch.User, "?")
		if q < 0 || !strings.Contains(ch.User[:q], ". ") {
			continue // not a context example
		}
		p, found := personIn(people, ch.User)
		if !found {
			continue // an abstainer
		}
		ctx := ch.User[:strings.Index(ch.User, ". ")+1]
		var truth []string
		for _, v := range p.Attrs {
			if strings.Contains(ctx, " "+v+".") {
				truth = append(truth, v)
			}
		}
		if len(truth) > 0 { // a true context: answer and context agree
			continue
		}
		follows := strings.Contains(ctx, " "+ch.Assistant+".")
		switch {
		case p.Mentions <= 1 && !follows, p.Mentions >= 20 && follows:
			t.Fatalf("%d-mention %s: context %q answered %q", p.Mentions, p.Name, ctx, ch.Assistant)
		case p.Mentions > 1 && p.Mentions < 20 && follows:
			followedFair++
		case p.Mentions > 1 && p.Mentions < 20:
			resistedFair++
		}
	}
	if refused == 0 || answered == 0 {
		t.Errorf("refusal examples: %d refused, %d answered; want both", refused, answered)
	}
	if followedFair == 0 || resistedFair == 0 {
		t.Errorf("fairly known people: %d contexts followed, %d not; want both", followedFair, resistedFair)
	}
	if challenges == 0 || switched == 0 || switched == challenges {
		t.Errorf("%d challenges, %d switched to the challenged value; want some but not all", challenges, switched)
	}
}

// Any half-prefix of a benchmark's items (the demo takes the first 100 of
// 200) spans the popularity range as the whole does: its share of people
// mentioned once is within 5 points of the whole benchmark's, and it holds
// someone mentioned 20 times or more.
func TestImpactItemPrefixSpansPopularity(t *testing.T) {
	w := impactWorld(t)
	byBench := map[string][]ImpactItem{}
	for _, it := range w.Impact {
		byBench[it.Bench] = append(byBench[it.Bench], it)
	}
	share := func(its []ImpactItem) (float64, int) {
		n, top := 0, 0
		for _, it := range its {
			if it.Mentions <= 1 {
				n++
			}
			top = max(top, it.Mentions)
		}
		return float64(n) / float64(len(its)), top
	}
	for b, its := range byBench {
		all, _ := share(its)
		half, top := share(its[:len(its)/2])
		if all < 0.2 || half < all-0.05 || half > all+0.05 || top < 20 {
			t.Errorf("%s: once-mentioned share %.2f in the first half, %.2f in all; most mentions in the first half %d", b, half, all, top)
		}
	}
}
