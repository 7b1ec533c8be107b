package shard

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/record"
)

// The partition against values computed independently in Python:
//
//	h = int.from_bytes(hashlib.sha256(b"hneurons-shard\x00" + id.encode()).digest()[:8], "big")
//	h % 2, h % 3, h % 8, h % 1000
func TestOfReference(t *testing.T) {
	for _, c := range []struct {
		id   string
		want [4]int // n = 2, 3, 8, 1000
	}{
		{"q1", [4]int{1, 1, 3, 171}},
		{"q2", [4]int{0, 2, 0, 216}},
		{"q17", [4]int{1, 1, 5, 245}},
		{"nq-dev-0042", [4]int{0, 2, 0, 808}},
		{"", [4]int{1, 0, 1, 65}},
		{" émigré", [4]int{1, 2, 3, 203}},
	} {
		for k, n := range []int{2, 3, 8, 1000} {
			if got := Of(c.id, n); got != c.want[k] {
				t.Errorf("Of(%q, %d) = %d, want %d", c.id, n, got, c.want[k])
			}
		}
		if Of(c.id, 1) != 0 || Of(c.id, 0) != 0 {
			t.Errorf("Of(%q, 1 or 0) is not 0", c.id)
		}
	}
}

// Every id is in exactly one shard of n, and the shards are of about equal
// size.
func TestPartition(t *testing.T) {
	const ids, n = 3000, 3
	count := make([]int, n)
	for k := range ids {
		id := fmt.Sprintf("q%d", k)
		in := 0
		for i := range n {
			if (Spec{Index: i, Count: n}).Has(id) {
				in++
				count[i]++
			}
		}
		if in != 1 {
			t.Fatalf("%s is in %d shards of %d", id, in, n)
		}
		if !(Spec{}).Has(id) {
			t.Fatalf("the whole input lacks %s", id)
		}
	}
	for i, c := range count {
		// Binomial(3000, 1/3): sd ~ 26; 150 is over 5 sd.
		if c < ids/n-150 || c > ids/n+150 {
			t.Errorf("shard %d/%d holds %d of %d ids", i, n, c, ids)
		}
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Spec{"": {}, "0/1": {}, "0/3": {0, 3}, "2/3": {2, 3}, " 1 / 4 ": {1, 4}} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
		if again, err := Parse(got.String()); err != nil || again != got {
			t.Errorf("Parse(String()) of %q = %v, %v", in, again, err)
		}
	}
	for _, in := range []string{"3/3", "-1/3", "1/0", "3", "a/b", "1/3/4", "1-3"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		} else if !strings.Contains(err.Error(), "--shard") {
			t.Errorf("Parse(%q): error does not name the flag: %v", in, err)
		}
	}
}

func TestSplitProvenance(t *testing.T) {
	o := map[string]string{"seed": "1"}
	Spec{Index: 1, Count: 3}.Tag(o)
	Spec{}.Tag(map[string]string{}) // the whole input adds nothing
	p := record.New("collect", o)
	s, q, err := Split(&p)
	if err != nil || s != (Spec{1, 3}) {
		t.Fatalf("Split = %v, %v", s, err)
	}
	if _, ok := q.Options[Option]; ok || q.Options["seed"] != "1" {
		t.Fatalf("stripped options %v", q.Options)
	}
	if p.Options[Option] != "1/3" {
		t.Fatalf("Split changed its argument: %v", p.Options)
	}
	w := map[string]string{}
	Spec{}.Tag(w)
	if len(w) != 0 {
		t.Fatalf("the whole input tagged %v", w)
	}
}
