package datasets

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// NonExist question forms. Each asks about a fabricated entity, so any
// confident answer to it is a hallucination.
var nonExistForms = []struct {
	name string
	make func(g *nameGen) (entity, question string)
}{
	{"person-birthplace", func(g *nameGen) (string, string) {
		p := g.person()
		return p, fmt.Sprintf("Where was %s born?", p)
	}},
	{"book-author", func(g *nameGen) (string, string) {
		t := fmt.Sprintf("The %s of %s", g.pick(titleNouns), g.word(2, 3))
		return t, fmt.Sprintf("Who wrote the novel %q?", t)
	}},
	{"company-founder", func(g *nameGen) (string, string) {
		c := g.word(2, 3) + " " + g.pick(companySuffixes)
		return c, fmt.Sprintf("Who founded the company %s?", c)
	}},
	{"compound-formula", func(g *nameGen) (string, string) {
		c := strings.ToLower(g.stem(2, 3)) + g.pick(compoundEndings)
		return c, fmt.Sprintf("What is the chemical formula of %s?", c)
	}},
	{"city-country", func(g *nameGen) (string, string) {
		c := g.word(2, 3)
		return c, fmt.Sprintf("In which country is the city of %s?", c)
	}},
	{"film-director", func(g *nameGen) (string, string) {
		f := g.word(2, 3) + " " + g.pick(filmWords)
		return f, fmt.Sprintf("Who directed the film %q?", f)
	}},
	{"prize-year", func(g *nameGen) (string, string) {
		p := g.person()
		return p, fmt.Sprintf("In which year did %s win the %s?", p, g.pick(prizes))
	}},
	{"element-discoverer", func(g *nameGen) (string, string) {
		e := strings.ToLower(g.stem(2, 2)) + "rium"
		return e, fmt.Sprintf("Who discovered the element %s?", e)
	}},
}

// NonExistForms returns the names of the question forms, in generation order.
func NonExistForms() []string {
	out := make([]string, len(nonExistForms))
	for i, f := range nonExistForms {
		out[i] = f.name
	}
	return out
}

var (
	onsets          = []string{"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "h", "br", "dr", "kr", "tr", "st", "gr", "pl", "th", "sh"}
	vowels          = []string{"a", "e", "i", "o", "u", "a", "e", "o", "ai", "ei"}
	codas           = []string{"", "n", "r", "l", "s", "x", "m", "nd", "rk", "th", "v", "sk"}
	titleNouns      = []string{"Lanterns", "Orchard", "Silence", "Winter", "Harbour", "Mirror", "Garden", "Tower"}
	companySuffixes = []string{"Industries", "Systems", "Dynamics", "Labs", "Holdings", "Analytics"}
	compoundEndings = []string{"nine chloride", "lol", "xate", "nyl oxide", "ramide", "nic acid", "zole"}
	filmWords       = []string{"Rising", "Protocol", "Nights", "Legacy", "Horizon", "Affair"}
	prizes          = []string{"Nobel Prize in Physics", "Nobel Prize in Literature", "Pulitzer Prize for Fiction", "Fields Medal", "Turing Award"}
)

// realNames is a small list of real names, places and words that a generated
// name must not equal (lower-case). It cannot prove non-existence; it stops
// the syllable builder from producing the commonest real ones.
var realNames = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
anna maria john paul peter mark luke mary sara sarah david daniel thomas james robert michael
william richard joseph charles george edward henry arthur louis oscar victor hugo leon leo ivan
boris igor vera nina olga irina elena sofia lara mila tina dora nora rosa rita lena dana kara
tara mara sandra laura paula linda brenda teresa gloria diana marta berta greta dante bruno
marco mario sergio pedro pablo carlos diego juan jose luis rafael tomas andre pierre jean
smith jones brown taylor wilson davies evans thomas roberts walker wright thompson white
green hall wood martin jackson clark lewis harris scott moore king baker turner hill ward
morris cook bell murphy bailey cooper parker miller davis garcia rodriguez lopez martinez
gonzalez perez sanchez ramirez torres flores rivera gomez diaz muller schmidt schneider
fischer weber meyer wagner becker schulz hoffmann rossi russo ferrari esposito bianchi
romano ricci marino greco bruno gallo conti costa silva santos souza lima pereira ferreira
tanaka suzuki sato kato wang zhang chen yang zhao huang zhou
paris london berlin madrid rome moscow tokyo delhi lima quito bogota caracas havana dublin
oslo bern vienna prague warsaw sofia athens ankara tehran baghdad cairo tunis rabat dakar
accra lagos nairobi kampala luanda harare pretoria doha dubai riyadh kabul dhaka hanoi
manila jakarta seoul taipei sydney perth auckland toronto ottawa boston denver austin dallas
houston miami atlanta chicago detroit seattle portland phoenix tampa orlando nashville
memphis tulsa reno fresno salem dover trenton albany boise helena juneau topeka lansing
madison bismarck pierre lincoln
chad mali niger peru chile cuba iran iraq oman laos nepal japan china india italy spain
france kenya ghana benin togo gabon congo sudan libya egypt malta cyprus fiji tonga samoa
nauru palau brunei qatar yemen syria jordan israel lebanon turkey greece russia ukraine
poland latvia estonia serbia bosnia kosovo albania romania moldova belarus norway sweden
finland denmark iceland ireland wales scotland england canada mexico brazil bolivia
ecuador panama belize guyana uruguay paraguay angola zambia malawi rwanda burundi somalia
eritrea tuvalu kiribati vanuatu
sodium potassium calcium barium radium lithium helium neon argon xenon radon boron carbon
silicon iron copper zinc gold silver tin lead nickel cobalt titanium vanadium chromium
uranium thorium osmium iridium platinum palladium rhodium cerium erbium terbium yttrium
indium gallium germanium selenium tellurium polonium francium cesium rubidium strontium
tantalum tungsten rhenium hafnium niobium technetium ruthenium cadmium mercury bismuth
thallium lanthanum europium holmium thulium lutetium neodymium samarium gadolinium
dysprosium promethium praseodymium scandium magnesium aluminium aluminum manganese
sony nokia intel apple google amazon tesla honda toyota nissan mazda subaru suzuki yamaha
boeing airbus siemens bosch philips shell exxon pfizer bayer nestle danone zara ikea lego
audi fiat seat skoda volvo saab opel kodak canon nikon xerox oracle cisco adobe nvidia
tanza tarot sonata lotus bamboo banana tomato potato mango papaya guava kiwi lemon
melon dolor tempo torso torpedo tornado volcano casino piano radio video studio
`) {
		realNames[w] = true
	}
}

// nameGen builds pronounceable fabricated names from syllables.
type nameGen struct {
	r    *rand.Rand
	used map[string]bool
}

func (g *nameGen) pick(l []string) string { return l[g.r.IntN(len(l))] }

// open returns n open syllables (consonant(s) + vowel).
func (g *nameGen) open(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(g.pick(onsets))
		b.WriteString(g.pick(vowels))
	}
	return b.String()
}

// word returns a capitalised word of min..max syllables (open syllables, the
// last one possibly closed), at least 4 letters, not in realNames.
func (g *nameGen) word(min, max int) string {
	for {
		w := g.open(min+g.r.IntN(max-min+1)) + g.pick(codas)
		if len(w) < 4 || len(w) > 12 || realNames[w] {
			continue
		}
		return strings.ToUpper(w[:1]) + w[1:]
	}
}

// stem is word without a final consonant, for chemical-sounding names.
func (g *nameGen) stem(min, max int) string {
	for {
		w := g.open(min + g.r.IntN(max-min+1))
		if len(w) < 4 || len(w) > 10 || realNames[w] {
			continue
		}
		return strings.ToUpper(w[:1]) + w[1:]
	}
}

func (g *nameGen) person() string { return g.word(2, 3) + " " + g.word(2, 3) }

// IsRealName reports whether the lower-cased word is in the built-in list of
// real names that the generator avoids.
func IsRealName(w string) bool { return realNames[strings.ToLower(w)] }

// GenerateNonExist returns n questions about fabricated entities, cycling
// through the forms named in forms (all of NonExistForms when empty). The
// same seed gives the same questions; entities are unique within one call
// and every word is checked against the built-in list of real names.
// Records have no answers: any confident answer is a hallucination.
// Extra holds "form" and "entity".
func GenerateNonExist(n int, seed uint64, forms []string) ([]Record, error) {
	if n < 0 {
		return nil, fmt.Errorf("datasets: nonexist: negative count %d", n)
	}
	idx := []int{}
	if len(forms) == 0 {
		for i := range nonExistForms {
			idx = append(idx, i)
		}
	}
	for _, f := range forms {
		found := false
		for i, nf := range nonExistForms {
			if nf.name == f {
				idx = append(idx, i)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("datasets: nonexist: unknown form %q (have %s)", f, strings.Join(NonExistForms(), ", "))
		}
	}
	g := &nameGen{r: rand.New(rand.NewPCG(seed, 0x6e6f6e6578697374)), used: map[string]bool{}}
	recs := make([]Record, 0, n)
	for i := 0; i < n; i++ {
		form := nonExistForms[idx[i%len(idx)]]
		var ent, q string
		for tries := 0; ; tries++ {
			ent, q = form.make(g)
			if !g.used[strings.ToLower(ent)] {
				break
			}
			if tries > 1000 {
				return nil, fmt.Errorf("datasets: nonexist: cannot find a new %s entity after %d tries", form.name, tries)
			}
		}
		g.used[strings.ToLower(ent)] = true
		recs = append(recs, Record{ID: fmt.Sprintf("nonexist-%d-%d", seed, i), Question: q, Answers: []string{},
			Source: "nonexist", Extra: map[string]string{"form": form.name, "entity": ent}})
	}
	return recs, nil
}
