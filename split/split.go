package split

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/label"
	"github.com/hneurons/hneurons/record"
)

// Exclusion is a set of question ids and normalised question texts that new
// sets must not contain.
type Exclusion struct {
	ids       map[string]bool
	questions map[string]bool
}

// NewExclusion returns an empty exclusion.
func NewExclusion() *Exclusion {
	return &Exclusion{ids: map[string]bool{}, questions: map[string]bool{}}
}

// Add excludes an id (if not empty) and a question (if its normalisation is
// not empty).
func (e *Exclusion) Add(id, question string) {
	if id != "" {
		e.ids[id] = true
	}
	if q := QuestionKey(question); q != "" {
		e.questions[q] = true
	}
}

// Len returns the numbers of excluded ids and questions.
func (e *Exclusion) Len() (ids, questions int) { return len(e.ids), len(e.questions) }

// AddSpec excludes every record of a dataset spec (see datasets.Load): an
// earlier split's JSONL, a labelled file, an authors' qids or examples file.
func (e *Exclusion) AddSpec(spec string) (int, error) {
	recs, _, err := datasets.Load(spec, datasets.Options{})
	if err != nil {
		return 0, fmt.Errorf("split: exclude %s: %w", spec, err)
	}
	for _, r := range recs {
		e.Add(r.ID, r.Question)
	}
	return len(recs), nil
}

// excluded says why a record is excluded: "id", "question" or "".
func (e *Exclusion) excluded(id, question string) string {
	if e == nil {
		return ""
	}
	if e.ids[id] {
		return "id"
	}
	if q := QuestionKey(question); q != "" && e.questions[q] {
		return "question"
	}
	return ""
}

// QuestionKey is the text a question is compared by: the judge's
// normalisation (label.Normalize) with the paper's prompt suffix removed.
func QuestionKey(q string) string {
	return label.Normalize(trimSuffix(q, datasets.PromptSuffix))
}

func trimSuffix(s, suf string) string {
	if len(s) >= len(suf) && s[len(s)-len(suf):] == suf {
		return s[:len(s)-len(suf)]
	}
	return s
}

// Options configures Split.
type Options struct {
	// TestSize is the number of test questions; when 0, TestFrac of the
	// usable questions (rounded) is used.
	TestSize int
	// TestFrac is the test fraction, used when TestSize is 0. With Balance
	// it is the fraction of the records balancing can use (twice the
	// rarer label's count), so that any fraction below 1 fits.
	TestFrac float64
	// Seed seeds the shuffle: the same input, seed and options give the same sets.
	Seed uint64
	// Balance makes both sets balanced: the test set takes TestSize/2 of each
	// label, the train set as many of each label as the rarer one has left.
	Balance bool
}

// Report counts what Split did.
type Report struct {
	Input                              int // records read
	NotLabelled                        int // label uncertain (or not faithful/hallucinated)
	ExcludedByID, ExcludedByQuestion   int // removed by the exclusion
	DuplicateIDs, DuplicateQuestions   int // repeats within the input (first kept)
	Faithful, Hallucinated             int // usable after the filters above
	TrainFaithful, TrainHallucinated   int
	TestFaithful, TestHallucinated     int
	UnusedFaithful, UnusedHallucinated int // left out: to balance, or over the test quota
	// OverQuota counts the records of test-side groups beyond the test
	// quota (included in Unused*): a group is never split, so they are
	// left out rather than put on the train side.
	OverQuota int
	// TestGroups and TrainGroups count the groups (record.Labelled.GroupKey)
	// with records on each side.
	TestGroups, TrainGroups int
}

// Split divides the usable records (label faithful or hallucinated, not
// excluded, first of any repeat) into disjoint test and train sets that
// keep every group (record.Labelled.GroupKey: the group, else the id) on
// one side.
//
// The test side is filled group by group in a seeded order: the faithful
// and the hallucinated records are shuffled (with Balance; else all usable
// records together), and the test side repeatedly takes the group of the
// next record not yet on it (with Balance, of the label it holds fewer of),
// with all that group's records, until it holds TestSize (with Balance,
// TestSize/2 of each label). The first records of its groups, in shuffled
// order, up to that quota form the test set; the rest of those groups is
// left unused (Report.OverQuota), never put on the train side. The train
// set takes the records of the other groups (with Balance, as many of each
// label as the rarer has). Both sets are then shuffled. When every group
// is a single record (no record has a group), this is the split of the
// versions before groups, record for record.
func Split(recs []record.Labelled, ex *Exclusion, opt Options) (train, test []record.Labelled, rep Report, err error) {
	return split(recs, ex, opt, (*record.Labelled).GroupKey)
}

// usable filters recs as Split does and returns the faithful and the
// hallucinated records in input order.
func usable(recs []record.Labelled, ex *Exclusion, rep *Report) (fa, ha []record.Labelled) {
	rep.Input = len(recs)
	seenID := map[string]bool{}
	seenQ := map[string]bool{}
	for _, r := range recs {
		if r.Label != record.Faithful && r.Label != record.Hallucinated {
			rep.NotLabelled++
			continue
		}
		switch ex.excluded(r.ID, r.Question) {
		case "id":
			rep.ExcludedByID++
			continue
		case "question":
			rep.ExcludedByQuestion++
			continue
		}
		if seenID[r.ID] {
			rep.DuplicateIDs++
			continue
		}
		seenID[r.ID] = true
		q := QuestionKey(r.Question)
		if q != "" && seenQ[q] {
			rep.DuplicateQuestions++
			continue
		}
		seenQ[q] = true
		if r.Label == record.Faithful {
			fa = append(fa, r)
		} else {
			ha = append(ha, r)
		}
	}
	rep.Faithful, rep.Hallucinated = len(fa), len(ha)
	return fa, ha
}

// split is Split with the group key of a record given by key.
func split(recs []record.Labelled, ex *Exclusion, opt Options, key func(*record.Labelled) string) (train, test []record.Labelled, rep Report, err error) {
	fa, ha := usable(recs, ex, &rep)
	total := len(fa) + len(ha)
	n := opt.TestSize
	if n == 0 {
		if !(opt.TestFrac > 0 && opt.TestFrac < 1) {
			return nil, nil, rep, fmt.Errorf("split: need a test size or a test fraction in (0, 1), got size %d fraction %g", opt.TestSize, opt.TestFrac)
		}
		n = int(math.Round(opt.TestFrac * float64(total)))
		if opt.Balance {
			// Balanced sets can use only as many of each label as the
			// rarer one has: the fraction is of those, and even.
			n = 2 * int(math.Round(opt.TestFrac*float64(min(len(fa), len(ha)))))
		}
	}
	if n < 0 || n > total {
		return nil, nil, rep, fmt.Errorf("split: test size %d out of range: %d usable questions (%d faithful, %d hallucinated)", n, total, len(fa), len(ha))
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x73706c6974))
	onTest := map[string]bool{} // group key -> on the test side
	size := map[string][2]int{} // group key -> faithful, hallucinated records
	for l, rs := range [][]record.Labelled{fa, ha} {
		for i := range rs {
			c := size[key(&rs[i])]
			c[l]++
			size[key(&rs[i])] = c
		}
	}
	// take puts the group of the first record of q at or after *next that
	// is not on the test side there, and returns its counts.
	take := func(q []record.Labelled, next *int) [2]int {
		for ; *next < len(q); *next++ {
			if g := key(&q[*next]); !onTest[g] {
				onTest[g] = true
				return size[g]
			}
		}
		return [2]int{}
	}
	// quota returns the first k records of q on the test side (in q's
	// order), the test-side records beyond them, and the others.
	quota := func(q []record.Labelled, k int) (in, over, out []record.Labelled) {
		for _, r := range q {
			switch {
			case !onTest[key(&r)]:
				out = append(out, r)
			case len(in) < k:
				in = append(in, r)
			default:
				over = append(over, r)
			}
		}
		return in, over, out
	}
	if opt.Balance {
		if n%2 != 0 {
			return nil, nil, rep, fmt.Errorf("split: a balanced test set needs an even size, got %d", n)
		}
		k := n / 2
		if k > len(fa) || k > len(ha) {
			return nil, nil, rep, fmt.Errorf("split: a balanced test set of %d needs %d of each label; have %d faithful, %d hallucinated", n, k, len(fa), len(ha))
		}
		rng.Shuffle(len(fa), func(i, j int) { fa[i], fa[j] = fa[j], fa[i] })
		rng.Shuffle(len(ha), func(i, j int) { ha[i], ha[j] = ha[j], ha[i] })
		var have [2]int // faithful, hallucinated records of the test-side groups
		var next [2]int // next candidate in fa, ha
		for have[0] < k || have[1] < k {
			l := 0
			if have[0] >= k || have[1] < have[0] {
				l = 1
			}
			c := take([][]record.Labelled{fa, ha}[l], &next[l])
			if c == [2]int{} {
				break // cannot happen: k <= len(fa), len(ha)
			}
			have[0], have[1] = have[0]+c[0], have[1]+c[1]
		}
		tf, of, rf := quota(fa, k)
		th, oh, rh := quota(ha, k)
		m := min(len(rf), len(rh))
		test = append(append(test, tf...), th...)
		train = append(append(train, rf[:m]...), rh[:m]...)
		rep.OverQuota = len(of) + len(oh)
		rep.UnusedFaithful, rep.UnusedHallucinated = len(of)+len(rf)-m, len(oh)+len(rh)-m
	} else {
		pool := append(append([]record.Labelled{}, fa...), ha...)
		rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
		have, next := 0, 0
		for have < n {
			c := take(pool, &next)
			if c == [2]int{} {
				break // cannot happen: n <= len(pool)
			}
			have += c[0] + c[1]
		}
		in, over, out := quota(pool, n)
		test = append(test, in...)
		train = append(train, out...)
		rep.OverQuota = len(over)
		for _, r := range over {
			if r.Label == record.Faithful {
				rep.UnusedFaithful++
			} else {
				rep.UnusedHallucinated++
			}
		}
	}
	// Mix the labels within each set, reproducibly.
	rng.Shuffle(len(test), func(i, j int) { test[i], test[j] = test[j], test[i] })
	rng.Shuffle(len(train), func(i, j int) { train[i], train[j] = train[j], train[i] })
	groups := map[string]bool{}
	for _, r := range test {
		groups[key(&r)] = true
		if r.Label == record.Faithful {
			rep.TestFaithful++
		} else {
			rep.TestHallucinated++
		}
	}
	rep.TestGroups = len(groups)
	clear(groups)
	for _, r := range train {
		groups[key(&r)] = true
		if r.Label == record.Faithful {
			rep.TrainFaithful++
		} else {
			rep.TrainHallucinated++
		}
	}
	rep.TrainGroups = len(groups)
	return train, test, rep, nil
}

// Write writes recs as JSONL to path, with prov (when not nil) as its
// first line, through record.WriteJSONL: atomically (a temporary file in
// the same folder, renamed into place), or directly when path exists and is
// not a regular file (a device such as /dev/null, a pipe).
func Write(path string, prov *record.Provenance, recs []record.Labelled) error {
	if err := record.WriteJSONL(path, prov, recs); err != nil {
		return fmt.Errorf("split: %w", err)
	}
	return nil
}

// Provenance returns the provenances of the train and test files a split
// writes: command "split"; the options that change the content, seed,
// test-size, test-frac and balance (by their flag names), and side ("train"
// or "test", so that the two files, which come from the same run, are told
// apart as inputs of later stages); inputs: the labelled file in (role
// "labelled") and each exclude spec (roles "exclude 1", "exclude 2", ... in order; a generated
// "nonexist:N[:seed]" spec is identified by its records).
func Provenance(in string, excludes []string, opt Options) (train, test record.Provenance, err error) {
	li, err := record.InputOf("labelled", in)
	if err != nil {
		return train, test, fmt.Errorf("split: %w", err)
	}
	inputs := []record.Input{li}
	for n, spec := range excludes {
		var ei record.Input
		format, path := datasets.ParseSpec(spec)
		if format == "nonexist" {
			recs, _, err := datasets.Load(spec, datasets.Options{})
			if err != nil {
				return train, test, fmt.Errorf("split: exclude %s: %w", spec, err)
			}
			if ei, err = record.RecordsInput("exclude", recs); err != nil {
				return train, test, fmt.Errorf("split: exclude %s: %w", spec, err)
			}
		} else if ei, err = record.InputOf("exclude", path); err != nil {
			return train, test, fmt.Errorf("split: exclude %s: %w", spec, err)
		}
		// Roles are unique, so that record.Check compares each exclusion
		// with its own counterpart.
		ei.Path, ei.Role = spec, fmt.Sprintf("exclude %d", n+1)
		inputs = append(inputs, ei)
	}
	build := func(side string) record.Provenance {
		p := record.New("split", map[string]string{
			"seed":      strconv.FormatUint(opt.Seed, 10),
			"test-size": strconv.Itoa(opt.TestSize),
			"test-frac": strconv.FormatFloat(opt.TestFrac, 'g', -1, 64),
			"balance":   strconv.FormatBool(opt.Balance),
			"side":      side,
		})
		for _, i := range inputs {
			p = p.WithInput(i)
		}
		return p
	}
	return build("train"), build("test"), nil
}
