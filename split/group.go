package split

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	"github.com/hneurons/hneurons/record"
)

// ByGroupHash maps a group key and a seed to [0, 1): the FNV-64a hash of
// the seed (8 bytes, little-endian) followed by the key, its top 53 bits
// divided by 2^53. It is the demo's person hash, bit for bit, so that the
// demo's sets do not change.
func ByGroupHash(groupKey string, seed uint64) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(groupKey))
	return float64(h.Sum64()>>11) / (1 << 53)
}

// SplitByGroupHash divides recs by group without shuffling: a record goes
// to test when ByGroupHash(r.GroupKey(), seed) < frac, else to train, so a
// group is on one side and its side depends on its key and the seed only
// (not on the other records). Every record is placed, in input order;
// nothing is filtered or balanced (see Balance).
func SplitByGroupHash(recs []record.Labelled, frac float64, seed uint64) (train, test []record.Labelled) {
	for _, r := range recs {
		if ByGroupHash(r.GroupKey(), seed) < frac {
			test = append(test, r)
		} else {
			train = append(train, r)
		}
	}
	return train, test
}

// Balance keeps as many faithful as hallucinated records: the rarer class
// whole and a seeded sample of the other, in a seeded order. It is Split's
// balanced test side with TestSize twice the rarer class, with the records'
// groups ignored (all the records are on one side already), and so the
// demo's balance bit for bit. Records Split would not use (uncertain
// labels, repeated ids or questions) are dropped. It fails when a class is
// missing.
func Balance(recs []record.Labelled, seed uint64) ([]record.Labelled, error) {
	var rep Report
	fa, ha := usable(recs, nil, &rep)
	k := min(len(fa), len(ha))
	if k == 0 {
		return nil, fmt.Errorf("split: balance: %d faithful and %d hallucinated questions: need both", len(fa), len(ha))
	}
	_, sel, _, err := split(recs, nil, Options{TestSize: 2 * k, Seed: seed, Balance: true},
		func(r *record.Labelled) string { return r.ID })
	return sel, err
}
