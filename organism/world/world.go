package world

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
)

// Config sets the size and the seed of a synthetic world. The zero value is
// not useful; start from DefaultConfig.
type Config struct {
	// Seed drives every random choice; the same Config gives the same world.
	Seed uint64
	// People is the number of real people (they appear in biographies).
	People int
	// NonExist is the number of fabricated people in the NonExist question set.
	NonExist int
	// Abstain is the number of fabricated people whose questions are answered
	// "unknown" in the instruction data (the compliance axis).
	Abstain int
	// AbstainQuestions is the number of questions asked per abstention person.
	AbstainQuestions int
	// AbstainRepeat is how many copies of each abstention example the
	// instruction data holds. The default, 1, reproduces the shipped
	// organism; 3 (the prototype's up-weighting) raised NonExist abstention
	// from 13% to 38% with the default recipe, at some cost on rarely
	// mentioned people. It changes neither the biographies nor the vocabulary,
	// so a base model can be reused.
	AbstainRepeat int
	// Pairs asks for two attributes at once (see Pairs) in the
	// in-distribution and NonExist question sets and adds such questions to
	// the instruction data (for real people and abstainers), so that an
	// answer is two words, the second one as dependent on knowing the
	// person as the first. The single-attribute instruction examples stay.
	// It changes neither the biographies nor the vocabulary, so a base model
	// can be reused. The default, false, reproduces the shipped organism.
	Pairs bool
	// MultiWord gives every attribute its multi-word values
	// (Attribute.Phrases: "court painter", "one nine two seven") instead of
	// single words, so that an answer spans several tokens and every answer
	// token but the last is read where the model produces the next part of
	// the value, as with the multi-token answers of real models. The
	// vocabulary, the name pool and so every draw change, so a base model
	// cannot be reused across this switch.
	MultiWord bool
	// Balanced gives every attribute the same value structure
	// (Attribute.Balanced: 8 x 5 two-word values, the birth year as
	// "twenty seven") instead of Phrases (MultiWord) or Values, so that no
	// attribute is easier to recall than another for a person of a given
	// popularity. Under Phrases the spelled years begin with "one nine",
	// two words every year shares, and the year's first varying word is
	// right far more often than the first word of the other attributes
	// (organism/IMPACT.md section 15), so the question's attribute alone
	// predicts much of the hallucination label. Like MultiWord it changes
	// the vocabulary and every draw. Off by default: it narrows the year's
	// lead, but the university becomes as easy, and the probe's margins
	// over random neurons do not grow (IMPACT.md section 15.4).
	Balanced bool
	// CopyDocs adds that many short pre-training documents in which a
	// fabricated person (named in that document only) is described by one
	// biography sentence and then asked about it in a phrasing of its own
	// (Attribute.CopyQuestion), the answer following ("X was born in new
	// elvet. What is the birthplace of X? New elvet."), so that the base model learns to answer from its
	// context (the context and challenge analogues need it; without it the
	// organism does not copy a value from its prompt, IMPACT.md section 6).
	// They are drawn from their own random stream and placed evenly among
	// the biographies (World.Pretraining), so CopyDocs = 0 (the default)
	// leaves the world as it was. With 8,000 documents the base model
	// copies, but the chat organism no longer answers from memory
	// (IMPACT.md section 15.6). With CopyChatPhrasing and RecallDocs, 4,000
	// of them keep that recall and make the context analogue partly
	// followed (org11, IMPACT.md section 16), but the chat probe no longer
	// transfers to the base model, so the default stays 0 (org9).
	CopyDocs int
	// CopyChatPhrasing asks the copy documents' question in the
	// instruction data's phrasings (Attribute.Questions, without the
	// answer-only Instruction) instead of Attribute.CopyQuestion. Run r1
	// (IMPACT.md section 15.3) had it: the copying then reached the chat
	// organism's context analogue (34-38% at alpha 1), which the own
	// phrasing's copying did not (run r3, 5-9%). Off by default.
	CopyChatPhrasing bool
	// RecallDocs adds, with CopyDocs, one pre-training document per trained
	// attribute of every instruction person (even popularity rank, as the
	// instruction data) that asks the copy documents' question with no
	// statement before it and answers with the person's value from memory
	// ("Where was X born? Fort corin."). With copy documents alone the base
	// model learns that such a question is answered from the context, and
	// the chat organism lost its recall from memory (runs r1, r3); recall
	// documents show it both cases in the same format, so that whether the
	// context states the value is what decides (IMPACT.md section 16). They
	// come from their own random stream, so the copy documents stay as they
	// were. With them (org11: 4,000 copy documents in the instruction
	// phrasings, 2,000 base steps) the chat organism keeps most of its
	// recall from memory (0.90 of questions about the most famous people,
	// against 0.45 without) and follows a counterfactual context 37-43% of
	// the time; off by default because org11's chat probe does not transfer
	// to its base model (IMPACT.md section 16).
	RecallDocs bool
	// CopyInChat keeps the copy and recall documents out of pre-training:
	// they join the chat stage's text half only (World.BaseText against
	// World.ChatText), and the copy documents' fabricated people recombine
	// the first and last names of the world's people, so that the
	// vocabulary, the biographies and the base stage are the world's
	// without copy documents (a base model can be reused). Meant to keep
	// org9's base, whose chat probe transfers to it, with org11's
	// context-following (IMPACT.md section 16.7). Off by default.
	CopyInChat bool
	// StateProb, when between 0 and 1, makes each biography state each
	// attribute with this probability instead of all of them (every
	// biography states at least one, and every attribute of a person is
	// stated in at least one of their biographies), so that how often a
	// fact is stated varies between the facts of one person and how well
	// the model knows a fact is no longer the person's popularity alone. On
	// org9 the person's popularity bucket alone predicts the held-out
	// hallucination labels about as well as the probe (IMPACT.md section
	// 16). 0 (the default) states every attribute.
	StateProb float64
	// UnstatedProb, when between 0 and 1, leaves each trained attribute of
	// each real person unstated with this probability: no biography states
	// it (the untrained attribute, employer, is always stated), the
	// instruction data answers questions about it "unknown", and held-out
	// people's unstated facts form the evaluation set SetUnstated (gold
	// "unknown"; the id and ood sets keep the stated facts only). The
	// abstention the chat stage teaches is then about a fact rather than a
	// person: a person read about forty times may still have a birthplace
	// the model never saw, so the model must tell how well it knows the
	// asked fact, not how familiar the name is (the paper's H-Neurons are
	// said to carry that over-confidence; on every world before this one
	// the hallucination label was mostly the person's popularity,
	// IMPACT.md section 19). The draws come from their own random stream,
	// so 0 (the default) leaves the world as it was. It cannot be combined
	// with StateProb or Pairs. The impact analogues (Impact) do not look at
	// it: their chat examples may state or ask an unstated value, so an
	// experiment on identification alone runs with Impact off.
	UnstatedProb float64
	// Impact adds the behavioural-impact analogues (see BenchFalsePremise):
	// ImpactTrain chat examples per analogue and ImpactEval evaluation items
	// per analogue (World.Impact). They are drawn from their own random
	// stream and use only words the world already has, so they change
	// neither the biographies, the vocabulary nor the question sets: a base
	// model can be reused. DefaultConfig turns it on: the shipped chat
	// organism is trained with the analogues (organism/IMPACT.md section 7),
	// and the default recipe reproduces it byte for byte.
	Impact                  bool
	ImpactTrain, ImpactEval int
	// MaxMentions, MentionScale and MentionExponent shape popularity: the
	// person of rank i appears in max(1, int(MaxMentions/(1+i/MentionScale)^MentionExponent))
	// biographies.
	MaxMentions, MentionScale, MentionExponent float64
	// FirstNames and LastNames are the sizes of the invented name pools; a
	// person's name is one of each, and every (first, last) pair is unique.
	FirstNames, LastNames int
}

// DefaultConfig is the recipe's world: sized like the feasibility prototype
// (ORGANISM-NOTES.md) with one more attribute (employer), which is never asked
// in the instruction data and so serves as the out-of-distribution attribute,
// and with multi-word values (MultiWord; the shipped organism since it showed
// the H-Neuron phenomenon, which the one-word organisms did not).
func DefaultConfig() Config {
	return Config{
		Seed: 1, People: 1400, NonExist: 200, Abstain: 100, AbstainQuestions: 3, AbstainRepeat: 1, MultiWord: true,
		Balanced: false, CopyDocs: 0, CopyChatPhrasing: false, RecallDocs: false,
		Impact: true, ImpactTrain: defaultImpactTrain, ImpactEval: defaultImpactEval,
		MaxMentions: 40, MentionScale: 60, MentionExponent: 1.1,
		FirstNames: 400, LastNames: 800,
	}
}

// Mentions returns the number of biographies of the person of popularity rank
// i (0 is the most famous) under c.
func (c Config) Mentions(i int) int {
	m := int(c.MaxMentions / math.Pow(1+float64(i)/c.MentionScale, c.MentionExponent))
	return max(1, m)
}

// Person is one fictional person. Attrs maps an attribute key (see
// Attributes) to the person's value, in its display form.
type Person struct {
	// Rank is the popularity rank among real people (0 = most famous), or -1
	// for fabricated people.
	Rank int
	// Name is the full display name, "First Last".
	Name string
	// Attrs holds the value of every attribute, keyed by Attribute.Key.
	Attrs map[string]string
	// Mentions is the number of biographies that mention the person (0 for
	// fabricated people).
	Mentions int
	// Stated counts, under Config.StateProb, the biographies that state each
	// attribute (keyed by Attribute.Key); nil when every biography states
	// every attribute (then each count is Mentions).
	Stated map[string]int `json:",omitempty"`
	// Unstated lists, under Config.UnstatedProb, the trained attributes
	// (by Attribute.Key) that no biography states.
	Unstated []string `json:",omitempty"`
}

// unstated reports whether a's value of p is never stated.
func (p Person) unstated(a Attribute) bool {
	for _, k := range p.Unstated {
		if k == a.Key {
			return true
		}
	}
	return false
}

// statedAttributes returns the attributes p's biographies state (all but
// p.Unstated).
func (p Person) statedAttributes() []Attribute {
	if len(p.Unstated) == 0 {
		return Attributes
	}
	var out []Attribute
	for _, a := range Attributes {
		if !p.unstated(a) {
			out = append(out, a)
		}
	}
	return out
}

// Chat is one instruction-tuning example: a user turn and the assistant's
// answer.
type Chat struct {
	User, Assistant string
	// History holds earlier exchanges of the same conversation (the
	// challenge analogue's first turn); the loss counts only the last
	// answer.
	History []Chat `json:",omitempty"`
}

// Question is one evaluation question. It marshals to the JSONL record the
// pipeline reads ({id, question, answers} plus extra fields).
type Question struct {
	ID        string   `json:"id"`
	Question  string   `json:"question"`
	Answers   []string `json:"answers"`
	Source    string   `json:"source"`
	Mentions  int      `json:"mentions"`
	Attribute string   `json:"attribute"`
	Person    string   `json:"person"`
	// Statements is the number of biographies that state the asked
	// attribute, under Config.StateProb (0 otherwise: then it is Mentions).
	Statements int `json:"statements,omitempty"`
}

// Question set names (Question.Source).
const (
	SetID       = "id"       // held-out real people, trained attributes and phrasings
	SetOOD      = "ood"      // held-out real people, an untrained attribute or phrasing
	SetNonExist = "nonexist" // people who never occur in pre-training
	SetUnstated = "unstated" // held-out real people, facts no biography states (Config.UnstatedProb)
)

// Unknown is the answer the instruction data teaches for fabricated people,
// and the gold answer of NonExist questions.
const Unknown = "unknown"

// Instruction is the paper's answer-format instruction appended to every
// question.
const Instruction = "Respond with the answer only, without any explanation."

// World is a generated synthetic world.
type World struct {
	Config Config
	// Real are the real people by popularity rank; Real[i].Rank == i.
	Real []Person
	// NonExist are fabricated people for the NonExist question set.
	NonExist []Person
	// Abstainers are fabricated people used for abstention training.
	Abstainers []Person
	// Biographies is the pre-training text, one biography per element, in a
	// seeded random order.
	Biographies []string
	// Instructions is the instruction-tuning data (QA on even-ranked real
	// people plus abstention examples), in a seeded random order.
	Instructions []Chat
	// Questions are the evaluation questions of all sets.
	Questions []Question
	// Impact are the behavioural-impact analogue items (Config.Impact).
	Impact []ImpactItem
	// CopyDocs are the copy-from-context pre-training documents
	// (Config.CopyDocs), in generation order; Pretraining places them among
	// the biographies.
	CopyDocs []string
	// RecallDocs are the recall-from-memory documents (Config.RecallDocs),
	// in generation order; Pretraining shuffles them in with the copy
	// documents.
	RecallDocs []string
}

// Generate builds the world described by c.
func Generate(c Config) (*World, error) {
	if c.People < 2 || c.NonExist < 0 || c.Abstain < 0 || c.CopyDocs < 0 || c.FirstNames < 1 || c.LastNames < 1 {
		return nil, fmt.Errorf("world: invalid config %+v", c)
	}
	total := c.People + c.NonExist + c.Abstain + c.CopyDocs
	if c.UnstatedProb < 0 || c.UnstatedProb >= 1 || (c.UnstatedProb > 0 && (c.Pairs || c.StateProb > 0 && c.StateProb < 1)) {
		return nil, fmt.Errorf("world: UnstatedProb %v: want 0 <= p < 1, and neither StateProb (%v) nor Pairs", c.UnstatedProb, c.StateProb)
	}
	if c.FirstNames*c.LastNames < 2*total {
		return nil, fmt.Errorf("world: name pools %d x %d too small for %d people", c.FirstNames, c.LastNames, total)
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x6f7267616e69736d))
	reserved := map[string]bool{}
	for _, a := range Attributes {
		for _, v := range c.values(a) {
			for _, w := range words(v) {
				reserved[w] = true
			}
		}
	}
	for _, w := range templateWords() {
		reserved[w] = true
	}
	firsts := namePool(rng, c.FirstNames, 2, 2, reserved)
	lasts := namePool(rng, c.LastNames, 2, 3, reserved)
	used := map[string]bool{}
	// drawPerson draws, from r, a name of the pools fs x ls no one has yet
	// and a value of every attribute.
	drawPerson := func(r *rand.Rand, rank int, fs, ls []string) Person {
		var name string
		for {
			name = fs[r.IntN(len(fs))] + " " + ls[r.IntN(len(ls))]
			if !used[name] {
				used[name] = true
				break
			}
		}
		p := Person{Rank: rank, Name: name, Attrs: map[string]string{}}
		for _, a := range Attributes {
			vs := c.values(a)
			p.Attrs[a.Key] = vs[r.IntN(len(vs))]
		}
		return p
	}
	newPerson := func(rank int) Person { return drawPerson(rng, rank, firsts, lasts) }
	w := &World{Config: c}
	for i := 0; i < c.People; i++ {
		p := newPerson(i)
		p.Mentions = c.Mentions(i)
		w.Real = append(w.Real, p)
	}
	if c.UnstatedProb > 0 {
		urng := rand.New(rand.NewPCG(c.Seed, unstatedStream))
		for i := range w.Real {
			for _, a := range Attributes {
				if a.Trained && urng.Float64() < c.UnstatedProb {
					w.Real[i].Unstated = append(w.Real[i].Unstated, a.Key)
				}
			}
		}
	}
	for i := 0; i < c.NonExist; i++ {
		w.NonExist = append(w.NonExist, newPerson(-1))
	}
	for i := 0; i < c.Abstain; i++ {
		w.Abstainers = append(w.Abstainers, newPerson(-1))
	}

	// Pre-training: every mention is one biography stating every attribute
	// (or a subset, under StateProb), in a shuffled order, each with a
	// random paraphrase.
	for i := range w.Real {
		p := &w.Real[i]
		if c.StateProb <= 0 || c.StateProb >= 1 {
			stated := p.statedAttributes()
			for m := 0; m < p.Mentions; m++ {
				w.Biographies = append(w.Biographies, biography(rng, *p, stated))
			}
			continue
		}
		subsets := statedSubsets(rng, p.Mentions, c.StateProb)
		p.Stated = map[string]int{}
		for _, sub := range subsets {
			var as []Attribute
			for k, on := range sub {
				if on {
					as = append(as, Attributes[k])
					p.Stated[Attributes[k].Key]++
				}
			}
			w.Biographies = append(w.Biographies, biography(rng, *p, as))
		}
	}
	rng.Shuffle(len(w.Biographies), func(i, j int) {
		w.Biographies[i], w.Biographies[j] = w.Biographies[j], w.Biographies[i]
	})

	// Instruction data: trained attributes of even-ranked people.
	for _, p := range w.Real {
		if p.Rank%2 != 0 {
			continue
		}
		for _, a := range Attributes {
			if !a.Trained {
				continue
			}
			answer := p.Attrs[a.Key]
			if p.unstated(a) {
				answer = Unknown
			}
			w.Instructions = append(w.Instructions, Chat{User: ask(pick(rng, a.Questions), p.Name), Assistant: answer})
		}
	}
	trained := trainedAttributes()
	for _, p := range w.Abstainers {
		for _, k := range rng.Perm(len(trained))[:min(c.AbstainQuestions, len(trained))] {
			a := trained[k]
			ch := Chat{User: ask(pick(rng, a.Questions), p.Name), Assistant: Unknown}
			for r := 0; r < max(c.AbstainRepeat, 1); r++ {
				w.Instructions = append(w.Instructions, ch)
			}
		}
	}
	if c.Pairs {
		for _, p := range w.Real {
			if p.Rank%2 == 0 {
				for _, pr := range Pairs() {
					w.Instructions = append(w.Instructions, Chat{User: askPair(rng, pr, p.Name), Assistant: pairAnswer(pr, p)})
				}
			}
		}
		for _, p := range w.Abstainers {
			for _, k := range rng.Perm(len(Pairs()))[:min(c.AbstainQuestions, len(Pairs()))] {
				ch := Chat{User: askPair(rng, Pairs()[k], p.Name), Assistant: Unknown}
				for r := 0; r < max(c.AbstainRepeat, 1); r++ {
					w.Instructions = append(w.Instructions, ch)
				}
			}
		}
	}
	rng.Shuffle(len(w.Instructions), func(i, j int) {
		w.Instructions[i], w.Instructions[j] = w.Instructions[j], w.Instructions[i]
	})

	// Evaluation sets.
	add := func(set string, p Person, a Attribute, template string, answers []string) {
		w.Questions = append(w.Questions, Question{
			ID:       fmt.Sprintf("%s-%05d", set, len(w.Questions)),
			Question: ask(template, p.Name), Answers: answers, Source: set,
			Mentions: p.Mentions, Attribute: a.Key, Person: p.Name, Statements: p.Stated[a.Key],
		})
	}
	addPair := func(set string, p Person, pr [2]Attribute, answers []string) {
		w.Questions = append(w.Questions, Question{
			ID:       fmt.Sprintf("%s-%05d", set, len(w.Questions)),
			Question: askPair(rng, pr, p.Name), Answers: answers, Source: set,
			Mentions: p.Mentions, Attribute: pr[0].Key + "+" + pr[1].Key, Person: p.Name,
		})
	}
	for _, p := range w.Real {
		if p.Rank%2 == 1 {
			if c.Pairs {
				for _, pr := range Pairs() {
					addPair(SetID, p, pr, []string{pairAnswer(pr, p)})
				}
				continue
			}
			for _, a := range trained {
				if p.unstated(a) {
					add(SetUnstated, p, a, pick(rng, a.Questions), []string{Unknown})
					continue
				}
				add(SetID, p, a, pick(rng, a.Questions), []string{p.Attrs[a.Key]})
			}
		}
	}
	for _, p := range w.Real {
		if p.Rank%2 == 1 {
			for _, a := range Attributes {
				if !a.Trained {
					add(SetOOD, p, a, pick(rng, a.Questions), []string{p.Attrs[a.Key]})
				}
			}
			a := trained[rng.IntN(len(trained))]
			if p.unstated(a) {
				add(SetUnstated, p, a, pick(rng, a.OODQuestions), []string{Unknown})
				continue
			}
			add(SetOOD, p, a, pick(rng, a.OODQuestions), []string{p.Attrs[a.Key]})
		}
	}
	for _, p := range w.NonExist {
		if c.Pairs {
			for _, pr := range Pairs() {
				addPair(SetNonExist, p, pr, []string{Unknown})
			}
			continue
		}
		for _, a := range trained {
			add(SetNonExist, p, a, pick(rng, a.Questions), []string{Unknown})
		}
	}
	if c.Impact {
		w.addImpact()
	}
	if c.CopyDocs > 0 {
		crng := rand.New(rand.NewPCG(c.Seed, copyStream))
		fs, ls := firsts, lasts
		if c.CopyInChat {
			fs, ls = w.nameParts()
		}
		for i := 0; i < c.CopyDocs; i++ {
			p := drawPerson(crng, -1, fs, ls)
			w.CopyDocs = append(w.CopyDocs, c.copyDoc(crng, p))
		}
		if c.RecallDocs {
			rrng := rand.New(rand.NewPCG(c.Seed, recallStream))
			for _, p := range w.Real {
				if p.Rank%2 != 0 {
					continue
				}
				for _, a := range trained {
					w.RecallDocs = append(w.RecallDocs, c.copyQuestion(rrng, a, p.Name)+" "+capitalise(p.Attrs[a.Key])+".")
				}
			}
		}
	}
	return w, nil
}

// copyStream seeds the copy documents' own random stream, recallStream the
// recall documents' (and their shuffle among the copy documents).
const (
	copyStream     = 0x636f7079646f6373
	recallStream   = 0x726563616c6c646f
	unstatedStream = 0x756e737461746564
)

// copyDoc writes one copy-from-context document about p: one trained
// attribute stated in a biography sentence, the attribute's CopyQuestion,
// and its value ("X is a native of fort corin. What is the birthplace of
// X? Fort corin."; about 22 tokens with <bos> and <eos>). One statement per
// document, like the context analogue's one context sentence: with two or
// three statements and two questions per document, 1,000 steps on copy
// documents alone answered 15% of held-out questions from the context; with
// one, 500 steps answered 44% (IMPACT.md section 15.2).
func (c Config) copyDoc(rng *rand.Rand, p Person) string {
	trained := trainedAttributes()
	a := trained[rng.IntN(len(trained))]
	stmt := capitalise(fill(pick(rng, a.Bio), p.Name, "", p.Attrs[a.Key]))
	return stmt + " " + c.copyQuestion(rng, a, p.Name) + " " + capitalise(p.Attrs[a.Key]) + "."
}

// copyQuestion asks a about name as the copy and recall documents do: in
// a.CopyQuestion, or in one of a.Questions (drawn from rng) under
// CopyChatPhrasing.
func (c Config) copyQuestion(rng *rand.Rand, a Attribute, name string) string {
	if c.CopyChatPhrasing {
		return capitalise(strings.ReplaceAll(pick(rng, a.Questions), "{name}", name))
	}
	return strings.ReplaceAll(a.CopyQuestion, "{name}", name)
}

// BaseText returns the pre-training stage's documents: Pretraining, or the
// biographies alone under Config.CopyInChat.
func (w *World) BaseText() []string {
	if w.Config.CopyInChat {
		return w.Biographies
	}
	return w.Pretraining()
}

// ChatText returns the documents of the chat stage's text half:
// Pretraining (the biographies with any copy and recall documents).
func (w *World) ChatText() []string { return w.Pretraining() }

// nameParts returns the first and last names of the world's people (real,
// NonExist, abstainers), each once, in the order they first occur.
func (w *World) nameParts() (firsts, lasts []string) {
	seenF, seenL := map[string]bool{}, map[string]bool{}
	for _, g := range [][]Person{w.Real, w.NonExist, w.Abstainers} {
		for _, p := range g {
			f, l, _ := strings.Cut(p.Name, " ")
			if !seenF[f] {
				seenF[f] = true
				firsts = append(firsts, f)
			}
			if !seenL[l] {
				seenL[l] = true
				lasts = append(lasts, l)
			}
		}
	}
	return firsts, lasts
}

// Pretraining returns the pre-training documents: the biographies with the
// extra documents placed evenly among them (extra document k after
// biography (k+1) x len(Biographies) / (len(extra)+1), rounded down). The
// extra documents are the copy documents, or, with recall documents, both
// kinds shuffled together by the recall stream.
func (w *World) Pretraining() []string {
	extra := w.CopyDocs
	if len(w.RecallDocs) > 0 {
		extra = append(append([]string(nil), w.CopyDocs...), w.RecallDocs...)
		rng := rand.New(rand.NewPCG(w.Config.Seed, recallStream+1))
		rng.Shuffle(len(extra), func(i, j int) { extra[i], extra[j] = extra[j], extra[i] })
	}
	if len(extra) == 0 {
		return w.Biographies
	}
	out := make([]string, 0, len(w.Biographies)+len(extra))
	k := 0
	for i, b := range w.Biographies {
		out = append(out, b)
		for k < len(extra) && (k+1)*len(w.Biographies)/(len(extra)+1) == i+1 {
			out = append(out, extra[k])
			k++
		}
	}
	return append(out, extra[k:]...)
}

// Texts returns every text the world can show a model (biographies,
// instruction turns, evaluation questions and answers), for building a
// vocabulary.
func (w *World) Texts() []string {
	var out []string
	out = append(out, w.Biographies...)
	out = append(out, w.CopyDocs...)
	out = append(out, w.RecallDocs...)
	for _, c := range w.Instructions {
		for _, h := range c.History {
			out = append(out, h.User, h.Assistant)
		}
		out = append(out, c.User, c.Assistant)
	}
	for _, it := range w.Impact {
		out = append(out, it.Turns...)
	}
	for _, q := range w.Questions {
		out = append(out, q.Question)
		out = append(out, q.Answers...)
	}
	for _, a := range Attributes {
		out = append(out, w.Config.values(a)...)
	}
	out = append(out, Unknown)
	return out
}

// values returns the value vocabulary of a under c: a.Balanced when
// c.Balanced, a.Phrases when c.MultiWord, else a.Values.
func (c Config) values(a Attribute) []string {
	if c.Balanced {
		return a.Balanced
	}
	if c.MultiWord {
		return a.Phrases
	}
	return a.Values
}

// statedSubsets draws which attributes (by index into Attributes) each of
// n biographies states under StateProb prob: each with probability prob,
// then every attribute no biography states goes into a random one, and a
// biography left with none gets a random attribute.
func statedSubsets(rng *rand.Rand, n int, prob float64) [][]bool {
	out := make([][]bool, n)
	for m := range out {
		out[m] = make([]bool, len(Attributes))
		for k := range out[m] {
			out[m][k] = rng.Float64() < prob
		}
	}
	for k := range Attributes {
		stated := false
		for m := range out {
			stated = stated || out[m][k]
		}
		if !stated {
			out[rng.IntN(n)][k] = true
		}
	}
	for m := range out {
		any := false
		for _, on := range out[m] {
			any = any || on
		}
		if !any {
			out[m][rng.IntN(len(Attributes))] = true
		}
	}
	return out
}

// biography states attrs of p, in a shuffled order, each with a random
// paraphrase.
func biography(rng *rand.Rand, p Person, attrs []Attribute) string {
	parts := make([]string, 0, len(attrs))
	for _, k := range rng.Perm(len(attrs)) {
		a := attrs[k]
		t := pick(rng, a.Bio)
		t = strings.ReplaceAll(t, "{name}", p.Name)
		t = strings.ReplaceAll(t, "{v}", p.Attrs[a.Key])
		parts = append(parts, capitalise(t))
	}
	return strings.Join(parts, " ")
}

func ask(template, name string) string {
	return capitalise(strings.ReplaceAll(template, "{name}", name)) + " " + Instruction
}

// Pairs returns the attribute pairs of Config.Pairs: each trained attribute
// with the next one, cyclically (birth city and year, birth year and
// occupation, occupation and university, university and birth city).
func Pairs() [][2]Attribute {
	tr := trainedAttributes()
	out := make([][2]Attribute, len(tr))
	for i := range tr {
		out[i] = [2]Attribute{tr[i], tr[(i+1)%len(tr)]}
	}
	return out
}

// askPair asks both attributes of pr about name, one question after the
// other, with the answer-format instruction once at the end.
func askPair(rng *rand.Rand, pr [2]Attribute, name string) string {
	q0 := capitalise(strings.ReplaceAll(pick(rng, pr[0].Questions), "{name}", name))
	q1 := capitalise(strings.ReplaceAll(pick(rng, pr[1].Questions), "{name}", name))
	return q0 + " " + q1 + " " + Instruction
}

// pairAnswer is the answer to a pair question: both values, space-separated.
func pairAnswer(pr [2]Attribute, p Person) string {
	return p.Attrs[pr[0].Key] + " " + p.Attrs[pr[1].Key]
}

func pick(rng *rand.Rand, s []string) string { return s[rng.IntN(len(s))] }

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func trainedAttributes() []Attribute {
	var out []Attribute
	for _, a := range Attributes {
		if a.Trained {
			out = append(out, a)
		}
	}
	return out
}

// namePool invents n distinct capitalised names of lo..hi syllables that do
// not collide with reserved words (compared lower-case); new names are added
// to reserved.
func namePool(rng *rand.Rand, n, lo, hi int, reserved map[string]bool) []string {
	onsets := []string{"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "th", "dr", "kr", "br", "vel", "qu"}
	vowels := []string{"a", "e", "i", "o", "u", "ae", "io", "ou"}
	codas := []string{"", "", "", "n", "r", "l", "s", "m", "th", "x"}
	out := make([]string, 0, n)
	for len(out) < n {
		k := lo + rng.IntN(hi-lo+1)
		var b strings.Builder
		for s := 0; s < k; s++ {
			b.WriteString(pick(rng, onsets))
			b.WriteString(pick(rng, vowels))
			if s == k-1 || rng.IntN(3) == 0 {
				b.WriteString(pick(rng, codas))
			}
		}
		name := b.String()
		if reserved[name] || len(name) < 4 {
			continue
		}
		reserved[name] = true
		out = append(out, capitalise(name))
	}
	sort.Strings(out)
	return out
}

func templateWords() []string {
	var out []string
	for _, a := range Attributes {
		for _, group := range [][]string{a.Bio, a.Questions, a.OODQuestions, {a.CopyQuestion}} {
			for _, t := range group {
				out = append(out, words(t)...)
			}
		}
	}
	return append(out, words(Instruction)...)
}
