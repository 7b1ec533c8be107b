package world

import "strconv"

// Attribute is one property every person has: its vocabulary of values, the
// paraphrase templates that state it in a biography and the question
// templates that ask for it. Templates use {name} for the person's full name
// and {v} for the value.
type Attribute struct {
	// Key names the attribute in question records ("birth_city", ...).
	Key string
	// Values is the fixed vocabulary of plausible values.
	Values []string
	// Bio are the paraphrase templates of a biography sentence.
	Bio []string
	// Questions are the question phrasings used in instruction data and in
	// the in-distribution set.
	Questions []string
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
		Bio:          []string{"{name} was born in {v}.", "{name} is a native of {v}.", "The birthplace of {name} is the city of {v}."},
		Questions:    []string{"Where was {name} born?", "In which city was {name} born?"},
		OODQuestions: []string{"Name the city where {name} was born."},
		Trained:      true,
	},
	{
		Key:          "birth_year",
		Values:       years(1900, 80),
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
		Bio:       []string{"{name} was employed by {v}.", "{name} worked for {v}.", "For many years, {name} held a post at {v}."},
		Questions: []string{"Which company employed {name}?", "Who did {name} work for?"},
		Trained:   false,
	},
}

func years(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(from + i)
	}
	return out
}
