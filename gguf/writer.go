package gguf

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/hneurons/hneurons/internal/atomicfile"
)

// Writer builds a GGUF file: metadata key/value pairs and tensors, kept in
// the order they are added, then written by WriteTo or WriteFile. Tensor data
// are placed one after another, each at a multiple of the alignment
// (general.alignment when set, else DefaultAlignment) and padded with zeros.
// The same calls always give the same bytes.
type Writer struct {
	// Version is the GGUF version written: 3 (the default when zero) or 2,
	// which has the same layout.
	Version uint32

	keys    []string
	values  map[string]any
	tensors []writerTensor
	names   map[string]bool
}

type writerTensor struct {
	info TensorInfo
	data []byte // (info.Bytes()) bytes
}

// NewWriter returns an empty Writer for a GGUF v3 file.
func NewWriter() *Writer { return &Writer{Version: 3} }

// Add appends a metadata pair. value must be one of uint8, int8, uint16,
// int16, uint32, int32, uint64, int64, float32, float64, bool, string, a slice
// of one of those (an array), or []any whose elements are themselves such
// slices (an array of arrays) — the same types File.Value returns. Go's int
// and uint are rejected because their GGUF width would be a guess.
func (w *Writer) Add(key string, value any) error {
	if w.values == nil {
		w.values = map[string]any{}
	}
	if _, dup := w.values[key]; dup {
		return fmt.Errorf("gguf: write: metadata key %q added twice", key)
	}
	if _, err := encodeValue(nil, value, 0); err != nil {
		return fmt.Errorf("gguf: write: metadata %q: %w", key, err)
	}
	if key == "general.alignment" {
		a, ok := asUint(value)
		if !ok || a == 0 || a&(a-1) != 0 || a > 1<<20 {
			return fmt.Errorf("gguf: write: general.alignment %v must be a power of two up to 1 MiB", value)
		}
	}
	w.keys = append(w.keys, key)
	w.values[key] = value
	return nil
}

// AddTensor appends a tensor. dims are in ggml order (dims[0] varies
// fastest); data must hold exactly the tensor's bytes of type t and is not
// copied, so it must stay unchanged until the file is written.
func (w *Writer) AddTensor(name string, t Type, dims []uint64, data []byte) error {
	if w.names == nil {
		w.names = map[string]bool{}
	}
	if w.names[name] {
		return fmt.Errorf("gguf: write: tensor %q added twice", name)
	}
	if len(dims) > maxDims {
		return fmt.Errorf("gguf: write: tensor %q: %d dimensions (at most %d)", name, len(dims), maxDims)
	}
	info := TensorInfo{Name: name, Dims: append([]uint64(nil), dims...), Type: t}
	size, err := info.Bytes()
	if err != nil {
		return fmt.Errorf("gguf: write: %w", err)
	}
	if uint64(len(data)) != size {
		return fmt.Errorf("gguf: write: tensor %q: %d bytes of data, %s %v needs %d", name, len(data), t, dims, size)
	}
	w.names[name] = true
	w.tensors = append(w.tensors, writerTensor{info, data})
	return nil
}

// AddTensorF32 appends an F32 tensor holding vals (encoded at once).
func (w *Writer) AddTensorF32(name string, dims []uint64, vals []float32) error {
	data := make([]byte, 4*len(vals)) // (elements * 4) bytes
	for i, v := range vals {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
	}
	return w.AddTensor(name, TypeF32, dims, data)
}

// alignment returns the data alignment the file will declare.
func (w *Writer) alignment() uint64 {
	if a, ok := asUint(w.values["general.alignment"]); ok {
		return a
	}
	return DefaultAlignment
}

// WriteTo writes the file to out and returns the number of bytes written.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	n, err := w.writeTo(out)
	if err != nil {
		return n, fmt.Errorf("gguf: write: %w", err)
	}
	return n, nil
}

func (w *Writer) writeTo(out io.Writer) (int64, error) {
	version := w.Version
	if version == 0 {
		version = 3
	}
	if version != 2 && version != 3 {
		return 0, fmt.Errorf("version %d (want 2 or 3)", version)
	}
	align := w.alignment()
	var hdr []byte
	hdr = append(hdr, Magic...)
	hdr = binary.LittleEndian.AppendUint32(hdr, version)
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(w.tensors)))
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(w.keys)))
	for _, k := range w.keys {
		hdr = appendString(hdr, k)
		var err error
		if hdr, err = encodeValue(hdr, w.values[k], 0); err != nil {
			return 0, fmt.Errorf("metadata %q: %w", k, err) // unreachable: checked by Add
		}
	}
	var offset uint64
	for _, t := range w.tensors {
		hdr = appendString(hdr, t.info.Name)
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(t.info.Dims)))
		for _, d := range t.info.Dims {
			hdr = binary.LittleEndian.AppendUint64(hdr, d)
		}
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(t.info.Type))
		hdr = binary.LittleEndian.AppendUint64(hdr, offset)
		offset += padTo(uint64(len(t.data)), align)
	}
	hdr = append(hdr, make([]byte, padTo(uint64(len(hdr)), align)-uint64(len(hdr)))...)

	bw := bufio.NewWriterSize(out, 1<<20)
	n, _ := bw.Write(hdr)
	total := int64(n)
	zeros := make([]byte, align)
	for _, t := range w.tensors {
		n, _ = bw.Write(t.data)
		total += int64(n)
		n, _ = bw.Write(zeros[:padTo(uint64(len(t.data)), align)-uint64(len(t.data))])
		total += int64(n)
	}
	if err := bw.Flush(); err != nil {
		return total, err
	}
	return total, nil
}

// Bytes returns the encoded file.
func (w *Writer) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteFile writes the file at path atomically (internal/atomicfile), so a
// failed write leaves no partial file.
func (w *Writer) WriteFile(path string) error {
	if err := atomicfile.Write(path, func(f io.Writer) error {
		_, err := w.writeTo(f)
		return err
	}); err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	return nil
}

func padTo(n, align uint64) uint64 { return (n + align - 1) / align * align }

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

func asUint(v any) (uint64, bool) {
	if u, ok := v.(uint64); ok {
		return u, true
	}
	i, ok := asInt(v)
	return uint64(i), ok && i >= 0
}

// encodeValue appends the value type and the encoding of v to b. With b nil
// it only validates (and still returns the bytes).
func encodeValue(b []byte, v any, depth int) ([]byte, error) {
	le := binary.LittleEndian
	typ := func(t uint32) { b = le.AppendUint32(b, t) }
	arr := func(et uint32, n int) { typ(mvArray); b = le.AppendUint32(b, et); b = le.AppendUint64(b, uint64(n)) }
	switch x := v.(type) {
	case uint8:
		typ(mvUint8)
		b = append(b, x)
	case int8:
		typ(mvInt8)
		b = append(b, byte(x))
	case uint16:
		typ(mvUint16)
		b = le.AppendUint16(b, x)
	case int16:
		typ(mvInt16)
		b = le.AppendUint16(b, uint16(x))
	case uint32:
		typ(mvUint32)
		b = le.AppendUint32(b, x)
	case int32:
		typ(mvInt32)
		b = le.AppendUint32(b, uint32(x))
	case uint64:
		typ(mvUint64)
		b = le.AppendUint64(b, x)
	case int64:
		typ(mvInt64)
		b = le.AppendUint64(b, uint64(x))
	case float32:
		typ(mvFloat32)
		b = le.AppendUint32(b, math.Float32bits(x))
	case float64:
		typ(mvFloat64)
		b = le.AppendUint64(b, math.Float64bits(x))
	case bool:
		typ(mvBool)
		b = append(b, boolByte(x))
	case string:
		typ(mvString)
		b = appendString(b, x)
	case []uint8:
		arr(mvUint8, len(x))
		b = append(b, x...)
	case []int8:
		arr(mvInt8, len(x))
		for _, e := range x {
			b = append(b, byte(e))
		}
	case []uint16:
		arr(mvUint16, len(x))
		for _, e := range x {
			b = le.AppendUint16(b, e)
		}
	case []int16:
		arr(mvInt16, len(x))
		for _, e := range x {
			b = le.AppendUint16(b, uint16(e))
		}
	case []uint32:
		arr(mvUint32, len(x))
		for _, e := range x {
			b = le.AppendUint32(b, e)
		}
	case []int32:
		arr(mvInt32, len(x))
		for _, e := range x {
			b = le.AppendUint32(b, uint32(e))
		}
	case []uint64:
		arr(mvUint64, len(x))
		for _, e := range x {
			b = le.AppendUint64(b, e)
		}
	case []int64:
		arr(mvInt64, len(x))
		for _, e := range x {
			b = le.AppendUint64(b, uint64(e))
		}
	case []float32:
		arr(mvFloat32, len(x))
		for _, e := range x {
			b = le.AppendUint32(b, math.Float32bits(e))
		}
	case []float64:
		arr(mvFloat64, len(x))
		for _, e := range x {
			b = le.AppendUint64(b, math.Float64bits(e))
		}
	case []bool:
		arr(mvBool, len(x))
		for _, e := range x {
			b = append(b, boolByte(e))
		}
	case []string:
		arr(mvString, len(x))
		for _, e := range x {
			b = appendString(b, e)
		}
	case []any:
		if depth+1 >= maxNesting {
			return nil, fmt.Errorf("arrays nested deeper than %d", maxNesting)
		}
		arr(mvArray, len(x))
		for i, e := range x {
			start := len(b)
			var err error
			if b, err = encodeValue(b, e, depth+1); err != nil {
				return nil, fmt.Errorf("array element %d: %w", i, err)
			}
			// Elements of an array of arrays carry no type of their own
			// beyond the ARRAY tag: drop it and check the element is an
			// array.
			if le.Uint32(b[start:]) != mvArray {
				return nil, fmt.Errorf("array element %d: %T is not a slice", i, e)
			}
			b = append(b[:start], b[start+4:]...)
		}
	default:
		return nil, fmt.Errorf("unsupported value type %T", v)
	}
	return b, nil
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}
