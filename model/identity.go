package model

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
)

// identitySample is the number of bytes Identity reads from the start, the
// middle and the end of every tensor.
const identitySample = 4096

// Identity names the model's weights for provenance records: the hex
// SHA-256 of its configuration (as JSON), every tensor's name, type and
// shape in name order, and identitySample bytes from the start, the middle
// and the end of each tensor's data. It reads a few pages per tensor (a
// few MB for an 8B model), so it is cheap enough to compute on every run,
// and it tells apart two fine-tunes of one architecture (a base and an
// instruct model share config and tensor index but no weights), though not
// two files that differ only in a few weights away from the sampled bytes.
// The same weights in two formats (GGUF, safetensors) have different
// identities. A model from RandomInit is named by its configuration, dtype
// and seed.
func (m *Model) Identity() (string, error) {
	if m.randomID != "" {
		return m.randomID, nil
	}
	m.idOnce.Do(func() { m.id, m.idErr = m.computeIdentity() })
	return m.id, m.idErr
}

func (m *Model) computeIdentity() (string, error) {
	h := sha256.New()
	cfg, err := json.Marshal(m.Config)
	if err != nil {
		return "", fmt.Errorf("model: identity: %w", err)
	}
	h.Write([]byte("hneurons model identity v1\x00"))
	h.Write(cfg)
	if m.src == nil {
		return "", fmt.Errorf("model: identity: model %q has no tensors", m.Path)
	}
	names := slices.Clone(m.src.names())
	slices.Sort(names)
	var b [8]byte
	for _, name := range names {
		t, ok, err := m.src.tensor(name)
		if err != nil {
			return "", fmt.Errorf("model: identity: %w", err)
		}
		if !ok {
			continue
		}
		fmt.Fprintf(h, "\x00%s\x00%v\x00%v\x00", name, t.dt, t.shape)
		binary.LittleEndian.PutUint64(b[:], uint64(len(t.data)))
		h.Write(b[:])
		for _, part := range sampleParts(len(t.data)) {
			h.Write(t.data[part[0]:part[1]])
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sampleParts returns the byte ranges Identity hashes of an n-byte tensor:
// all of it when short, else identitySample bytes at its start, middle and
// end.
func sampleParts(n int) [][2]int {
	if n <= 3*identitySample {
		return [][2]int{{0, n}}
	}
	mid := n/2 - identitySample/2
	return [][2]int{{0, identitySample}, {mid, mid + identitySample}, {n - identitySample, n}}
}

// randomIdentity names a RandomInit model.
func randomIdentity(cfg Config, dtype fmt.Stringer, seed uint64) string {
	b, _ := json.Marshal(cfg)
	sum := sha256.Sum256(fmt.Appendf(nil, "hneurons random model v1\x00%s\x00%v\x00%d", b, dtype, seed))
	return hex.EncodeToString(sum[:])
}
