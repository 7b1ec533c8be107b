package jsonpos

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	cases := []struct {
		data string
		into any
		want string
	}{
		// the stray 'x' is the 5th byte of line 2
		{"{\n\"a\":x}", &map[string]int{}, "line 2, column 5"},
		// a type error points at the last byte of the wrong value: the closing
		// quote of "s" (columns 6-8 of line 3)
		{"{\n\n\"a\": \"s\"}", &struct{ A int }{}, "line 3, column 8"},
		{"[1,\n2,\n3,", &[]int{}, ""}, // unexpected end: offset at the end
	}
	for _, c := range cases {
		err := json.Unmarshal([]byte(c.data), c.into)
		if err == nil {
			t.Fatalf("%q decoded", c.data)
		}
		got := Wrap([]byte(c.data), err)
		if !errors.Is(got, err) && !strings.Contains(got.Error(), err.Error()) {
			t.Errorf("%q: %v lost the cause %v", c.data, got, err)
		}
		if c.want != "" && !strings.HasPrefix(got.Error(), c.want+":") {
			t.Errorf("%q: got %q, want prefix %q", c.data, got, c.want)
		}
	}
	plain := errors.New("not json")
	if Wrap(nil, plain) != plain {
		t.Error("a non-JSON error was changed")
	}
}
