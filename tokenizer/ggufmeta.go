package tokenizer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Metadata is the part of a GGUF file the tokenizer reads: typed metadata
// values by key. *gguf.File satisfies it; so does the small reader that Load
// uses (readGGUFMeta), which parses only the header and never maps tensors.
//
// Value returns uint8 ... int64, float32, float64, bool, string, or a typed
// slice ([]string, []float32, []int32, ...) for arrays.
type Metadata interface {
	Value(key string) (any, bool)
}

// ggufMeta is a metadata-only view of a GGUF file (private adapter, so that
// this package does not depend on the weight-loading gguf package).
type ggufMeta struct {
	kv map[string]any
}

func (m *ggufMeta) Value(key string) (any, bool) {
	v, ok := m.kv[key]
	return v, ok
}

const ggufMagic = 0x46554747 // "GGUF" little-endian

// maxGGUFCount bounds array lengths and string sizes read from a file so that
// a corrupt header cannot make us allocate without limit.
const maxGGUFCount = 1 << 28

type ggufReader struct {
	r   io.Reader
	off int64
	buf [8]byte
}

func (g *ggufReader) read(n int) ([]byte, error) {
	if _, err := io.ReadFull(g.r, g.buf[:n]); err != nil {
		return nil, fmt.Errorf("offset %d: %w", g.off, err)
	}
	g.off += int64(n)
	return g.buf[:n], nil
}

func (g *ggufReader) u32() (uint32, error) {
	b, err := g.read(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (g *ggufReader) u64() (uint64, error) {
	b, err := g.read(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (g *ggufReader) str() (string, error) {
	n, err := g.u64()
	if err != nil {
		return "", err
	}
	if n > maxGGUFCount {
		return "", fmt.Errorf("offset %d: string length %d too large", g.off, n)
	}
	// read in chunks so that a corrupt length cannot allocate beyond the file
	var b []byte
	for rest := n; rest > 0; {
		k := min(rest, 1<<20)
		chunk := make([]byte, k)
		if _, err := io.ReadFull(g.r, chunk); err != nil {
			return "", fmt.Errorf("offset %d: %w", g.off, err)
		}
		b = append(b, chunk...)
		rest -= k
	}
	g.off += int64(n)
	return string(b), nil
}

// GGUF metadata value types.
const (
	gtUint8 = iota
	gtInt8
	gtUint16
	gtInt16
	gtUint32
	gtInt32
	gtFloat32
	gtBool
	gtString
	gtArray
	gtUint64
	gtInt64
	gtFloat64
)

func (g *ggufReader) scalar(t uint32) (any, error) {
	switch t {
	case gtUint8, gtInt8, gtBool:
		b, err := g.read(1)
		if err != nil {
			return nil, err
		}
		switch t {
		case gtUint8:
			return b[0], nil
		case gtInt8:
			return int8(b[0]), nil
		}
		return b[0] != 0, nil
	case gtUint16, gtInt16:
		b, err := g.read(2)
		if err != nil {
			return nil, err
		}
		v := binary.LittleEndian.Uint16(b)
		if t == gtInt16 {
			return int16(v), nil
		}
		return v, nil
	case gtUint32, gtInt32, gtFloat32:
		v, err := g.u32()
		if err != nil {
			return nil, err
		}
		switch t {
		case gtInt32:
			return int32(v), nil
		case gtFloat32:
			return math.Float32frombits(v), nil
		}
		return v, nil
	case gtUint64, gtInt64, gtFloat64:
		v, err := g.u64()
		if err != nil {
			return nil, err
		}
		switch t {
		case gtInt64:
			return int64(v), nil
		case gtFloat64:
			return math.Float64frombits(v), nil
		}
		return v, nil
	case gtString:
		return g.str()
	}
	return nil, fmt.Errorf("offset %d: unknown value type %d", g.off, t)
}

func (g *ggufReader) value(t uint32, depth int) (any, error) {
	if t != gtArray {
		return g.scalar(t)
	}
	if depth > 4 {
		return nil, fmt.Errorf("offset %d: arrays nested too deeply", g.off)
	}
	et, err := g.u32()
	if err != nil {
		return nil, err
	}
	n, err := g.u64()
	if err != nil {
		return nil, err
	}
	if n > maxGGUFCount {
		return nil, fmt.Errorf("offset %d: array length %d too large", g.off, n)
	}
	// preallocate at most 64Ki elements: a corrupt count must not allocate
	// more than the file can actually fill
	pre := int(min(n, 1<<16))
	switch et {
	case gtString:
		out := make([]string, 0, pre)
		for range n {
			s, err := g.str()
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	case gtFloat32:
		out := make([]float32, 0, pre)
		for range n {
			v, err := g.u32()
			if err != nil {
				return nil, err
			}
			out = append(out, math.Float32frombits(v))
		}
		return out, nil
	case gtInt32, gtUint32:
		out := make([]int32, 0, pre)
		for range n {
			v, err := g.u32()
			if err != nil {
				return nil, err
			}
			out = append(out, int32(v))
		}
		return out, nil
	}
	out := make([]any, 0, min(n, 1<<16))
	for range n {
		v, err := g.value(et, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// readGGUFMeta reads the metadata key/value section of a GGUF (v2 or v3)
// file; tensors are not read.
func readGGUFMeta(path string) (*ggufMeta, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	defer f.Close()
	m, err := parseGGUFMeta(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("tokenizer: gguf %s: %w", path, err)
	}
	return m, nil
}

func parseGGUFMeta(r io.Reader) (*ggufMeta, error) {
	g := &ggufReader{r: r}
	magic, err := g.u32()
	if err != nil {
		return nil, err
	}
	if magic != ggufMagic {
		return nil, errors.New("not a GGUF file (bad magic)")
	}
	version, err := g.u32()
	if err != nil {
		return nil, err
	}
	if version < 2 || version > 3 {
		return nil, fmt.Errorf("unsupported GGUF version %d", version)
	}
	if _, err := g.u64(); err != nil { // tensor count
		return nil, err
	}
	nkv, err := g.u64()
	if err != nil {
		return nil, err
	}
	if nkv > maxGGUFCount {
		return nil, fmt.Errorf("metadata count %d too large", nkv)
	}
	m := &ggufMeta{kv: make(map[string]any, int(min(nkv, 1024)))}
	for range nkv {
		key, err := g.str()
		if err != nil {
			return nil, err
		}
		t, err := g.u32()
		if err != nil {
			return nil, err
		}
		v, err := g.value(t, 0)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		m.kv[key] = v
	}
	return m, nil
}
