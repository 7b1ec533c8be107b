package compliance

import (
	"fmt"
	"reflect"
	"testing"
)

// The capability sample covers every attribute of a file that lists four
// questions per person (evenly spaced picks, as the demo once took them, did not), holds no item twice,
// keeps file order, and depends only on the seed.
func TestSampleItemsSpreadsOverAttributes(t *testing.T) {
	attrs := []string{"birth_city", "birth_year", "occupation", "university"}
	var items []Item
	for i := range 2800 {
		items = append(items, Item{ID: fmt.Sprint(i), Variant: attrs[i%4]})
	}
	got := SampleItems(items, 100, 1)
	if len(got) != 100 {
		t.Fatalf("%d items, want 100", len(got))
	}
	count := map[string]int{}
	last := -1
	for _, it := range got {
		var i int
		fmt.Sscan(it.ID, &i)
		if i <= last {
			t.Fatalf("item %d after %d: not in file order or repeated", i, last)
		}
		last = i
		count[it.Variant]++
	}
	for _, a := range attrs {
		if count[a] < 10 {
			t.Errorf("attribute %s: %d of 100 items (%v)", a, count[a], count)
		}
	}
	if !reflect.DeepEqual(got, SampleItems(items, 100, 1)) {
		t.Error("one seed gave two samples")
	}
	if reflect.DeepEqual(got, SampleItems(items, 100, 2)) {
		t.Error("seeds 1 and 2 gave the same sample")
	}
	if len(SampleItems(items[:50], 100, 1)) != 50 {
		t.Error("n above the items' count did not return them all")
	}
}
