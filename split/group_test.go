package split

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/record"
)

// grouped returns n records in groups of per (group "p<i/per>"), labels
// mixed within each group (two of every three hallucinated).
func grouped(n, per int) []record.Labelled {
	var out []record.Labelled
	for i := range n {
		lab := record.Hallucinated
		if i%3 == 0 {
			lab = record.Faithful
		}
		out = append(out, record.Labelled{ID: fmt.Sprintf("q%d", i), Question: fmt.Sprintf("Question %d?", i),
			Group: fmt.Sprintf("p%d", i/per), Label: lab})
	}
	return out
}

// checkSides fails when a group has records on both sides.
func checkSides(t *testing.T, train, test []record.Labelled) {
	t.Helper()
	side := map[string]string{}
	for _, s := range []struct {
		name string
		recs []record.Labelled
	}{{"test", test}, {"train", train}} {
		for _, r := range s.recs {
			g := r.GroupKey()
			if other, ok := side[g]; ok && other != s.name {
				t.Errorf("group %s on both sides (record %s)", g, r.ID)
				return
			}
			side[g] = s.name
		}
	}
}

// count returns the faithful and hallucinated records of recs.
func count(recs []record.Labelled) (f, h int) {
	for _, r := range recs {
		if r.Label == record.Faithful {
			f++
		} else {
			h++
		}
	}
	return f, h
}

// TestSplitKeepsGroupsWhole: every group (the organism's person) lies on
// one side, balanced or not, and the quotas still hold.
func TestSplitKeepsGroupsWhole(t *testing.T) {
	recs := grouped(120, 5) // 24 groups: 40 faithful, 80 hallucinated
	for _, opt := range []Options{
		{TestSize: 20, Seed: 3, Balance: true},
		{TestSize: 30, Seed: 4},
		{TestFrac: 0.25, Seed: 5},
	} {
		train, test, rep, err := Split(recs, nil, opt)
		if err != nil {
			t.Fatal(err)
		}
		checkSides(t, train, test)
		tf, th := count(test)
		rf, rh := count(train)
		t.Logf("%+v: test %d+%d, train %d+%d, unused %d+%d (%d over the test quota), groups %d test / %d train",
			opt, tf, th, rf, rh, rep.UnusedFaithful, rep.UnusedHallucinated, rep.OverQuota, rep.TestGroups, rep.TrainGroups)
		if opt.Balance && (tf != 10 || th != 10 || rf != rh) {
			t.Errorf("%+v: test %d+%d, train %d+%d: not balanced", opt, tf, th, rf, rh)
		}
		want := opt.TestSize
		if want == 0 {
			want = 30 // 0.25 of 120
		}
		if tf+th != want {
			t.Errorf("%+v: test holds %d, want %d", opt, tf+th, want)
		}
		if tf+th+rf+rh+rep.UnusedFaithful+rep.UnusedHallucinated != len(recs) ||
			rep.TestFaithful != tf || rep.TrainHallucinated != rh {
			t.Errorf("%+v: report %+v does not account for every record", opt, rep)
		}
	}
}

// TestSplitUngroupedUnchanged: without groups (every key is the id) Split
// gives the sets it gave before groups existed (testdata/golden.json,
// written by the previous version for these inputs and seeds).
func TestSplitUngroupedUnchanged(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		NF, NH      int
		Opt         Options
		Train, Test []string
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		train, test, _, err := Split(synth(c.NF, c.NH), nil, c.Opt)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids(test), c.Test) || !reflect.DeepEqual(ids(train), c.Train) {
			t.Errorf("%d+%d %+v: sets differ from the previous version's", c.NF, c.NH, c.Opt)
		}
	}
}

// TestByGroupHashMatchesDemo compares ByGroupHash with values of the
// demo's personHash (demo/demo.go), computed by a verbatim copy of it.
func TestByGroupHashMatchesDemo(t *testing.T) {
	for _, c := range []struct {
		key  string
		seed uint64
		want float64
	}{
		{"", 0, 0.6593012926533469},
		{"Ada Lovelace", 1, 0.24628603625158785},
		{"Ada Lovelace", 2, 0.705716041329473},
		{"Zorvath Quill", 12345, 0.5509439731242927},
		{"q17", 1 << 63, 0.21936301528104551},
	} {
		if got := ByGroupHash(c.key, c.seed); got != c.want {
			t.Errorf("ByGroupHash(%q, %d) = %v, demo %v", c.key, c.seed, got, c.want)
		}
	}
	recs := grouped(200, 4)
	train, test := SplitByGroupHash(recs, 0.3, 9)
	checkSides(t, train, test)
	if len(train)+len(test) != 200 || len(test) < 30 || len(test) > 90 {
		t.Fatalf("SplitByGroupHash: %d test, %d train", len(test), len(train))
	}
	for _, r := range test {
		if ByGroupHash(r.GroupKey(), 9) >= 0.3 {
			t.Fatalf("%s on the test side with hash %v", r.ID, ByGroupHash(r.GroupKey(), 9))
		}
	}
}

// TestBalanceMatchesDemo: Balance gives the demo's balance (Split's
// balanced test side, TestSize twice the rarer class) as the previous Split
// gave it (golden cases 3 and 4), and ignores groups.
func TestBalanceMatchesDemo(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		NF, NH int
		Opt    Options
		Test   []string
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases[2:4] {
		got, err := Balance(synth(c.NF, c.NH), c.Opt.Seed)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids(got), c.Test) {
			t.Errorf("Balance(%d+%d, %d) differs from the demo's balance", c.NF, c.NH, c.Opt.Seed)
		}
	}
	recs := grouped(60, 5)
	plain := make([]record.Labelled, len(recs))
	for i, r := range recs {
		r.Group = ""
		plain[i] = r
	}
	a, err := Balance(recs, 4)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Balance(plain, 4)
	if !reflect.DeepEqual(ids(a), ids(p)) || len(a) != 40 {
		t.Errorf("Balance depends on groups, or kept %d records, want 40", len(a))
	}
	if _, err := Balance(synth(3, 0), 1); err == nil {
		t.Error("Balance without hallucinated records succeeded")
	}
}

// TestWriteProvenance: Write puts the provenance first (read back by
// record.ReadLabelled), writes a device in place, and Provenance records
// the content options, the side and every input.
func TestWriteProvenance(t *testing.T) {
	dir := t.TempDir()
	in, ex := filepath.Join(dir, "labelled.jsonl"), filepath.Join(dir, "old-test.jsonl")
	lp := record.New("label", map[string]string{"min-agree": "all"})
	if err := record.WriteJSONL(in, &lp, synth(4, 4)); err != nil {
		t.Fatal(err)
	}
	if err := Write(ex, nil, synth(1, 1)); err != nil { // no provenance: identified by content
		t.Fatal(err)
	}
	opt := Options{TestSize: 4, Seed: 7, Balance: true}
	trp, tep, err := Provenance(in, []string{ex, "nonexist:5:2"}, opt)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"seed": "7", "test-size": "4", "test-frac": "0", "balance": "true", "side": "test"}
	if tep.Command != "split" || !reflect.DeepEqual(tep.Options, want) || trp.Options["side"] != "train" {
		t.Fatalf("provenance %+v / %+v", tep, trp)
	}
	if len(tep.Inputs) != 3 || tep.Inputs[0].Role != "labelled" || tep.Inputs[0].Digest != "provenance:"+lp.Digest() ||
		tep.Inputs[1].Role != "exclude 1" || tep.Inputs[1].Path != ex || tep.Inputs[1].Digest[:7] != "sha256:" ||
		tep.Inputs[2].Role != "exclude 2" || tep.Inputs[2].Path != "nonexist:5:2" || tep.Inputs[2].Digest[:8] != "records:" {
		t.Fatalf("inputs %+v", tep.Inputs)
	}
	if trp.Digest() == tep.Digest() {
		t.Fatal("train and test files have the same provenance digest")
	}
	recs, _, _ := record.ReadLabelled(in)
	train, test, _, err := Split(recs, nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "test.jsonl")
	if err := Write(out, &tep, test); err != nil {
		t.Fatal(err)
	}
	back, prov, err := record.ReadLabelled(out)
	if err != nil || prov == nil || prov.Digest() != tep.Digest() || !reflect.DeepEqual(ids(back), ids(test)) {
		t.Fatalf("read back %v, provenance %+v, %v", ids(back), prov, err)
	}
	// It reads as a dataset too (for a later --exclude).
	if got, _, err := datasets.Load(out, datasets.Options{}); err != nil || len(got) != len(test) {
		t.Fatalf("as dataset: %d records, %v", len(got), err)
	}
	if err := Write(os.DevNull, &trp, train); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode().IsRegular() {
		t.Fatalf("%s is now a regular file (%v)", os.DevNull, err)
	}
	if _, _, err := Provenance(filepath.Join(dir, "missing.jsonl"), nil, opt); err == nil {
		t.Error("provenance of a missing input")
	}
}
