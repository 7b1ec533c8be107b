package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
)

// MaxHeaderSize bounds the JSON header length a file may declare (100 MB, the
// limit of the reference implementation); larger values are taken as corrupt.
const MaxHeaderSize = 100_000_000

// metadataKey is the reserved header entry that holds free-form string
// metadata.
const metadataKey = "__metadata__"

// Info describes one tensor of a safetensors file.
type Info struct {
	Name  string
	DType DType
	Shape []int // row-major, outermost first; empty for a scalar
	// Begin and End are byte offsets of the tensor data relative to the
	// start of the data section (just after the header).
	Begin, End int64
}

// Elements returns the number of elements (1 for a scalar).
func (i Info) Elements() int64 {
	n := int64(1)
	for _, d := range i.Shape {
		n *= int64(d)
	}
	return n
}

// Bytes returns the size of the tensor data in bytes.
func (i Info) Bytes() int64 { return i.End - i.Begin }

// header is a parsed and validated safetensors header.
type header struct {
	size     int64          // N, the JSON length in bytes
	tensors  []Info         // sorted by Begin (then name)
	byName   map[string]int // name -> index into tensors
	metadata map[string]string
}

// parseHeader parses and validates the 8-byte length, the JSON header and the
// layout of the data section of a whole file held in data.
func parseHeader(data []byte) (*header, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("file of %d bytes is too short for the 8-byte header length at offset 0", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("header length %d at offset 0 exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	if n > uint64(len(data)-8) {
		return nil, fmt.Errorf("header length %d at offset 0 runs past the end of the file (%d bytes after the length field); file truncated?", n, len(data)-8)
	}
	h := &header{size: int64(n)}
	raw := data[8 : 8+n]
	dataSize := int64(len(data)) - 8 - int64(n)
	if err := h.parseJSON(raw); err != nil {
		return nil, err
	}
	if err := h.checkLayout(dataSize); err != nil {
		return nil, err
	}
	return h, nil
}

// tensorEntry is one tensor's JSON record. Pointers tell a missing field from
// a zero one.
type tensorEntry struct {
	DType       *string   `json:"dtype"`
	Shape       *[]uint64 `json:"shape"`
	DataOffsets *[]uint64 `json:"data_offsets"`
}

// headerStart is the file offset of the JSON header (after its length).
const headerStart = 8

// parseJSON decodes the header object, rejecting duplicate names and
// malformed entries. Errors give file offsets.
func (h *header) parseJSON(raw []byte) error {
	raw = bytes.TrimRight(raw, " \t\r\n")
	if len(raw) == 0 || raw[0] != '{' {
		return errors.New("header at offset 8 is not a JSON object (must start with '{')")
	}
	if !json.Valid(raw) {
		// json.Valid gives no position; decode to get the message.
		var v any
		err := json.Unmarshal(raw, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("header JSON at file offset %d: %w", headerStart+se.Offset, err)
		}
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return fmt.Errorf("header JSON at offset 8: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // '{'
		return fmt.Errorf("header JSON: %w", err)
	}
	h.byName = map[string]int{}
	seen := map[string]bool{}
	for dec.More() {
		at := headerStart + skipSeparators(raw, dec.InputOffset()) // the entry's name
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("header JSON at file offset %d: %w", at, err)
		}
		name, _ := tok.(string)
		if seen[name] {
			return fmt.Errorf("header: duplicate entry %q at file offset %d", name, at)
		}
		seen[name] = true
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return fmt.Errorf("header entry %q at file offset %d: %w", name, at, err)
		}
		if name == metadataKey {
			if err := json.Unmarshal(value, &h.metadata); err != nil {
				return fmt.Errorf("header: %s at file offset %d must map strings to strings: %w", metadataKey, at, err)
			}
			continue
		}
		info, err := parseEntry(name, value)
		if err != nil {
			return fmt.Errorf("header entry at file offset %d: %w", at, err)
		}
		h.tensors = append(h.tensors, info)
	}
	if _, err := dec.Token(); err != nil { // '}'
		return fmt.Errorf("header JSON at file offset %d: %w", headerStart+dec.InputOffset(), err)
	}
	if dec.InputOffset() != int64(len(raw)) {
		return fmt.Errorf("header: unexpected bytes after the JSON object at file offset %d", headerStart+dec.InputOffset())
	}
	return nil
}

// skipSeparators returns the offset of the first byte at or after off in raw
// that is not JSON white space, a comma or a colon.
func skipSeparators(raw []byte, off int64) int64 {
	for off < int64(len(raw)) && bytes.IndexByte([]byte(" \t\r\n,:"), raw[off]) >= 0 {
		off++
	}
	return off
}

// parseEntry validates one tensor record on its own (dtype, shape, offsets and
// their agreement).
func parseEntry(name string, value json.RawMessage) (Info, error) {
	var e tensorEntry
	if err := json.Unmarshal(value, &e); err != nil {
		return Info{}, fmt.Errorf("tensor %q: %w", name, err)
	}
	switch {
	case e.DType == nil:
		return Info{}, fmt.Errorf("tensor %q: missing dtype", name)
	case e.Shape == nil:
		return Info{}, fmt.Errorf("tensor %q: missing shape", name)
	case e.DataOffsets == nil:
		return Info{}, fmt.Errorf("tensor %q: missing data_offsets", name)
	}
	dt := DType(*e.DType)
	if !dt.Known() {
		return Info{}, fmt.Errorf("tensor %q: unknown dtype %q", name, *e.DType)
	}
	offs := *e.DataOffsets
	if len(offs) != 2 {
		return Info{}, fmt.Errorf("tensor %q: data_offsets has %d values, want 2 [begin, end]", name, len(offs))
	}
	if offs[0] > offs[1] {
		return Info{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] end before begin", name, offs[0], offs[1])
	}
	if offs[1] > math.MaxInt64 {
		return Info{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] out of range", name, offs[0], offs[1])
	}
	shape := make([]int, len(*e.Shape))
	elems, overflow, zero := uint64(1), false, false
	for i, d := range *e.Shape {
		if d > math.MaxInt {
			return Info{}, fmt.Errorf("tensor %q: dimension %d of shape %v is out of range", name, i, *e.Shape)
		}
		shape[i] = int(d)
		if d == 0 {
			zero = true
		} else if elems > math.MaxInt64/d {
			overflow = true
		}
		elems *= d
	}
	if zero {
		elems = 0
	} else if overflow {
		return Info{}, fmt.Errorf("tensor %q: shape %v has too many elements", name, *e.Shape)
	}
	size := uint64(dt.Size())
	if elems > math.MaxInt64/size {
		return Info{}, fmt.Errorf("tensor %q: shape %v has too many elements", name, *e.Shape)
	}
	if want := elems * size; offs[1]-offs[0] != want {
		return Info{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] hold %d bytes, but shape %v of %s needs %d",
			name, offs[0], offs[1], offs[1]-offs[0], *e.Shape, dt, want)
	}
	return Info{Name: name, DType: dt, Shape: shape, Begin: int64(offs[0]), End: int64(offs[1])}, nil
}

// checkLayout verifies that the tensors tile the data section exactly: no
// gaps, no overlaps, nothing past its end and nothing left over.
func (h *header) checkLayout(dataSize int64) error {
	start := headerStart + h.size // file offset of the data section
	sort.Slice(h.tensors, func(a, b int) bool {
		ta, tb := h.tensors[a], h.tensors[b]
		if ta.Begin != tb.Begin {
			return ta.Begin < tb.Begin
		}
		if ta.End != tb.End {
			return ta.End < tb.End
		}
		return ta.Name < tb.Name
	})
	var end int64
	for i, t := range h.tensors {
		if t.End > dataSize {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] (file offset %d) run past the end of the data section (%d bytes); file truncated?",
				t.Name, t.Begin, t.End, start+t.Begin, dataSize)
		}
		switch {
		case t.Begin < end:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] (file offset %d) overlap tensor %q ending at %d",
				t.Name, t.Begin, t.End, start+t.Begin, h.tensors[i-1].Name, end)
		case t.Begin > end:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a gap after byte %d, at file offset %d (the data must be contiguous)",
				t.Name, t.Begin, t.End, end, start+end)
		}
		end = t.End
		h.byName[t.Name] = i
	}
	if end != dataSize {
		return fmt.Errorf("data section has %d bytes but the tensors cover only %d, up to file offset %d", dataSize, end, start+end)
	}
	return nil
}
