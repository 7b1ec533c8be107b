package world

import (
	"strconv"
	"strings"
)

// Attribute is one property every person has: its vocabulary of values, the
// paraphrase templates that state it in a biography and the question
// templates that ask for it. Templates use {name} for the person's full name
// and {v} for the value.
type Attribute struct {
	// Key names the attribute in question records ("birth_city", ...).
	Key string
	// Values is the fixed vocabulary of one-word values (Config.MultiWord
	// false).
	Values []string
	// Phrases is the vocabulary under Config.MultiWord (the default): as
	// many values as Values, each of two or more words, where every word but
	// the last leaves the next one open (a grid of first and second words,
	// or a year spelled digit by digit).
	Phrases []string
	// Balanced is the vocabulary under Config.Balanced: for every attribute
	// a grid of 8 first and 5 second words (40 two-word values), the birth
	// year spelled as its decade and unit words ("twenty seven" for 1927),
	// so that no value starts with words every value shares (the spelled
	// years' "one nine") and every attribute offers the same number of
	// choices at each answer token.
	Balanced []string
	// Bio are the paraphrase templates of a biography sentence.
	Bio []string
	// Questions are the question phrasings used in instruction data and in
	// the in-distribution set.
	Questions []string
	// CopyQuestion is the question of the copy-from-context documents
	// (Config.CopyDocs): one phrasing, used nowhere else. It was meant to
	// keep the instruction data's questions free for recall from memory,
	// which copy documents in those phrasings broke (run r1); it does not
	// (run r3: the chat organism still answers 0.43 of questions about
	// famous people), and the context analogue then gains nothing
	// (IMPACT.md sections 15.3, 15.5).
	CopyQuestion string
	// OODQuestions are phrasings never used in instruction data.
	OODQuestions []string
	// Trained reports whether instruction data asks for this attribute; the
	// untrained one forms the out-of-distribution attribute set.
	Trained bool
}

// Attributes lists the attributes of every person, in a fixed order.
var Attributes = []Attribute{
	{
		Key: "birth_city",
		Values: []string{"Paris", "Lisbon", "Vienna", "Prague", "Oslo", "Dublin", "Madrid", "Warsaw",
			"Athens", "Budapest", "Helsinki", "Zurich", "Geneva", "Munich", "Hamburg", "Lyon",
			"Marseille", "Naples", "Milan", "Turin", "Seville", "Porto", "Krakow", "Riga",
			"Tallinn", "Vilnius", "Sofia", "Bucharest", "Belgrade", "Zagreb", "Ljubljana", "Bratislava",
			"Antwerp", "Rotterdam", "Copenhagen", "Stockholm", "Bergen", "Glasgow", "Cardiff", "Valencia"},
		Phrases: grid([]string{"port", "saint", "new", "north", "south", "upper", "lake", "fort"},
			[]string{"arden", "corin", "dalmar", "elvet", "halmor"}),
		Balanced: grid([]string{"port", "saint", "new", "north", "south", "upper", "lake", "fort"},
			[]string{"arden", "corin", "dalmar", "elvet", "halmor"}),
		CopyQuestion: "What is the birthplace of {name}?",
		Bio:          []string{"{name} was born in {v}.", "{name} is a native of {v}.", "The birthplace of {name} is the city of {v}."},
		Questions:    []string{"Where was {name} born?", "In which city was {name} born?"},
		OODQuestions: []string{"Name the city where {name} was born."},
		Trained:      true,
	},
	{
		Key:     "birth_year",
		Values:  years(1900, 80),
		Phrases: spelledYears(1900, 80),
		// 1921-1925, 1931-1935, ..., 1991-1995, spoken as "twenty one".
		Balanced: grid([]string{"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"},
			[]string{"one", "two", "three", "four", "five"}),
		CopyQuestion: "What is the birth year of {name}?",
		Bio:          []string{"{name} was born in the year {v}.", "The birth year of {name} is {v}.", "{name} came into the world in {v}."},
		Questions:    []string{"In what year was {name} born?", "When was {name} born?"},
		OODQuestions: []string{"Tell me the birth year of {name}."},
		Trained:      true,
	},
	{
		Key: "occupation",
		Values: []string{"painter", "chemist", "banker", "lawyer", "teacher", "nurse", "pilot", "baker",
			"farmer", "sculptor", "poet", "novelist", "journalist", "dentist", "surgeon", "physicist",
			"biologist", "geologist", "carpenter", "tailor", "merchant", "diplomat", "composer", "violinist",
			"photographer", "librarian", "botanist", "mathematician", "cartographer", "potter"},
		Phrases: grid([]string{"court", "city", "village", "naval", "state", "private"},
			[]string{"painter", "teacher", "doctor", "engineer", "clerk"}),
		Balanced: grid([]string{"court", "city", "village", "naval", "state", "private", "county", "army"},
			[]string{"painter", "teacher", "doctor", "engineer", "clerk"}),
		CopyQuestion: "What is the profession of {name}?",
		Bio:          []string{"{name} worked as a {v}.", "By profession, {name} was a {v}.", "{name} made a living as a {v}."},
		Questions:    []string{"What was the occupation of {name}?", "What did {name} do for a living?"},
		OODQuestions: []string{"Which profession did {name} have?"},
		Trained:      true,
	},
	{
		Key: "university",
		Values: []string{"Harvard", "Oxford", "Cambridge", "Yale", "Princeton", "Stanford", "Sorbonne", "Heidelberg",
			"Bologna", "Uppsala", "Leiden", "Edinburgh", "Toronto", "Melbourne", "Kyoto", "Tsinghua",
			"Columbia", "Cornell", "Berkeley", "Caltech", "Salamanca", "Coimbra", "Padua", "Leuven", "Tartu"},
		Phrases: grid([]string{"royal", "central", "northern", "eastern", "western"},
			[]string{"academy", "institute", "college", "university", "seminary"}),
		Balanced: grid([]string{"royal", "central", "northern", "eastern", "western", "southern", "grand", "imperial"},
			[]string{"academy", "institute", "college", "university", "seminary"}),
		CopyQuestion: "What is the alma mater of {name}?",
		Bio:          []string{"{name} studied at {v}.", "{name} graduated from {v}.", "As a student, {name} attended {v}."},
		Questions:    []string{"Which university did {name} attend?", "Where did {name} study?"},
		OODQuestions: []string{"From which university did {name} graduate?"},
		Trained:      true,
	},
	{
		Key: "employer",
		Values: []string{"Northwind", "Bluecrest", "Ironvale", "Silverline", "Greystone", "Redfield", "Oakhaven",
			"Starling", "Brightwater", "Coldharbor", "Westmark", "Eastgate", "Highmoor", "Lowtide",
			"Sunreach", "Frostpeak", "Goldleaf", "Stormcliff", "Deepwell", "Ambercourt"},
		Phrases: grid([]string{"iron", "silver", "blue", "golden"},
			[]string{"works", "company", "trading", "mills", "bank"}),
		Balanced: grid([]string{"iron", "silver", "blue", "golden", "copper", "red", "green", "black"},
			[]string{"works", "company", "trading", "mills", "bank"}),
		CopyQuestion: "What is the workplace of {name}?",
		Bio:          []string{"{name} was employed by {v}.", "{name} worked for {v}.", "For many years, {name} held a post at {v}."},
		Questions:    []string{"Which company employed {name}?", "Who did {name} work for?"},
		Trained:      false,
	},
}

func years(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(from + i)
	}
	return out
}

// grid returns every "first second" phrase, first words outermost.
func grid(first, second []string) []string {
	out := make([]string, 0, len(first)*len(second))
	for _, f := range first {
		for _, s := range second {
			out = append(out, f+" "+s)
		}
	}
	return out
}

// digitWords are the words of spelledYears, by digit.
var digitWords = [10]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// spelledYears returns n consecutive years from from, spelled digit by digit
// ("one nine two seven"), the way tokenizers that split numbers into digits
// (Llama 2, Mistral) see them. All have four words, so no year's phrase is
// part of another's.
func spelledYears(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		y := strconv.Itoa(from + i)
		ws := make([]string, len(y))
		for k, d := range y {
			ws[k] = digitWords[d-'0']
		}
		out[i] = strings.Join(ws, " ")
	}
	return out
}
