package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hneurons/hneurons/internal/atomicfile"
)

// TensorToWrite is one tensor for Write. Give either Data (raw little-endian
// bytes of DType, any known dtype) or F32 (values converted to DType, which
// must then be F32, F16 or BF16 and defaults to F32).
type TensorToWrite struct {
	Name  string
	DType DType
	Shape []int     // row-major, outermost first; empty for a scalar
	Data  []byte    // (elements * DType.Size()) bytes, or nil to use F32
	F32   []float32 // (elements) values, used when Data is nil
}

// Write writes a safetensors file to w. Tensors are stored by decreasing
// element size and then by name, so every tensor starts aligned to its element
// size; the JSON header (metadata first, then tensors in storage order) is
// padded with spaces to a multiple of 8 bytes. The same input always gives the
// same bytes.
func Write(w io.Writer, tensors []TensorToWrite, metadata map[string]string) error {
	if err := write(w, tensors, metadata); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	return nil
}

func write(w io.Writer, tensors []TensorToWrite, metadata map[string]string) error {
	type prepared struct {
		name  string
		dtype DType
		shape []int
		data  []byte
	}
	prep := make([]prepared, 0, len(tensors))
	seen := map[string]bool{}
	for _, t := range tensors {
		if t.Name == "" || t.Name == metadataKey {
			return fmt.Errorf("invalid tensor name %q", t.Name)
		}
		if seen[t.Name] {
			return fmt.Errorf("duplicate tensor %q", t.Name)
		}
		seen[t.Name] = true
		dt := t.DType
		if dt == "" {
			dt = F32
		}
		if !dt.Known() {
			return fmt.Errorf("tensor %q: unknown dtype %q", t.Name, dt)
		}
		elems := 1
		for _, d := range t.Shape {
			if d < 0 {
				return fmt.Errorf("tensor %q: negative dimension in shape %v", t.Name, t.Shape)
			}
			elems *= d
		}
		data := t.Data
		if data == nil {
			if len(t.F32) != elems {
				return fmt.Errorf("tensor %q: %d float32 values for shape %v (%d elements)", t.Name, len(t.F32), t.Shape, elems)
			}
			var err error
			if data, err = FromFloat32(t.F32, dt); err != nil {
				return fmt.Errorf("tensor %q: %w", t.Name, err)
			}
		} else if len(data) != elems*dt.Size() {
			return fmt.Errorf("tensor %q: %d bytes for shape %v of %s (want %d)", t.Name, len(data), t.Shape, dt, elems*dt.Size())
		}
		prep = append(prep, prepared{t.Name, dt, t.Shape, data})
	}
	slices.SortFunc(prep, func(a, b prepared) int {
		if a.dtype.Size() != b.dtype.Size() {
			return b.dtype.Size() - a.dtype.Size()
		}
		return strings.Compare(a.name, b.name)
	})

	// Header: compact JSON, keys in storage order, padded to 8 bytes.
	var hdr bytes.Buffer
	hdr.WriteByte('{')
	first := true
	comma := func() {
		if !first {
			hdr.WriteByte(',')
		}
		first = false
	}
	if len(metadata) > 0 {
		comma()
		hdr.Write(jsonString(metadataKey))
		hdr.WriteString(":{")
		for i, k := range slices.Sorted(maps.Keys(metadata)) {
			if i > 0 {
				hdr.WriteByte(',')
			}
			hdr.Write(jsonString(k))
			hdr.WriteByte(':')
			hdr.Write(jsonString(metadata[k]))
		}
		hdr.WriteByte('}')
	}
	var offset int64
	for _, p := range prep {
		comma()
		hdr.Write(jsonString(p.name))
		hdr.WriteString(`:{"dtype":`)
		hdr.Write(jsonString(string(p.dtype)))
		hdr.WriteString(`,"shape":[`)
		for i, d := range p.shape {
			if i > 0 {
				hdr.WriteByte(',')
			}
			hdr.WriteString(strconv.Itoa(d))
		}
		end := offset + int64(len(p.data))
		fmt.Fprintf(&hdr, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	hdr.WriteByte('}')
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}

	bw := bufio.NewWriterSize(w, 1<<20)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(hdr.Len()))
	bw.Write(n[:])
	bw.Write(hdr.Bytes())
	for _, p := range prep {
		bw.Write(p.data)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return nil
}

// Create writes a safetensors file at path (see Write) atomically
// (internal/atomicfile), so a failed write never leaves a partial file at
// path.
func Create(path string, tensors []TensorToWrite, metadata map[string]string) error {
	if err := atomicfile.Write(path, func(w io.Writer) error { return write(w, tensors, metadata) }); err != nil {
		return fmt.Errorf("safetensors: create: %w", err)
	}
	return nil
}

// jsonString encodes s as a JSON string literal,
// without HTML escaping (so "<" stays "<").
func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
