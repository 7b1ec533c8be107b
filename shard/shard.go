package shard

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/hneurons/hneurons/record"
)

// Option is the provenance option (and command-line flag) that names a
// shard.
const Option = "shard"

// Spec names one shard of a partition: shard Index of Count, 0-based. The
// zero Spec (Count 0) is the whole input.
type Spec struct {
	Index, Count int
}

// Parse reads "i/n" (0 <= i < n, n >= 1). The empty string is the whole
// input (the zero Spec), and so is "0/1".
func Parse(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Spec{}, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Spec{}, fmt.Errorf("--shard %q: want i/n, shard i of n counted from 0 (e.g. 0/4 to 3/4)", s)
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if err1 != nil || err2 != nil {
		return Spec{}, fmt.Errorf("--shard %q: want i/n with whole numbers i and n", s)
	}
	if n < 1 {
		return Spec{}, fmt.Errorf("--shard %q: the shard count must be at least 1", s)
	}
	if i < 0 || i >= n {
		return Spec{}, fmt.Errorf("--shard %q: the index counts from 0, so it must be in [0, %d] (Kubernetes' JOB_COMPLETION_INDEX is 0-based too)", s, n-1)
	}
	if n == 1 {
		return Spec{}, nil
	}
	return Spec{Index: i, Count: n}, nil
}

// String returns "i/n", or "" for the whole input.
func (s Spec) String() string {
	if s.Whole() {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Whole reports whether s is the whole input.
func (s Spec) Whole() bool { return s.Count <= 1 }

// Of returns the shard of n that id belongs to: the first 8 bytes of
// SHA-256("hneurons-shard\x00" + id), big-endian, modulo n.
func Of(id string, n int) int {
	if n <= 1 {
		return 0
	}
	h := sha256.New()
	h.Write([]byte("hneurons-shard\x00"))
	h.Write([]byte(id))
	var sum [sha256.Size]byte
	return int(binary.BigEndian.Uint64(h.Sum(sum[:0])[:8]) % uint64(n))
}

// Has reports whether id belongs to shard s (always, for the whole input).
func (s Spec) Has(id string) bool {
	return s.Whole() || Of(id, s.Count) == s.Index
}

// Tag records s in a provenance's options (nothing for the whole input, so
// that an unsharded output's provenance is what it was before sharding
// existed).
func (s Spec) Tag(options map[string]string) {
	if !s.Whole() {
		options[Option] = s.String()
	}
}

// Split returns the shard a provenance records (the zero Spec when none)
// and a copy of the provenance without it: what the unsharded run records.
func Split(p *record.Provenance) (Spec, record.Provenance, error) {
	q := *p
	q.Options = maps.Clone(p.Options)
	v, ok := q.Options[Option]
	if !ok {
		return Spec{}, q, nil
	}
	delete(q.Options, Option)
	s, err := Parse(v)
	if err != nil {
		return Spec{}, q, err
	}
	return s, q, nil
}
