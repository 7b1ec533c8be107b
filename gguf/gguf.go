package gguf

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Magic is the first four bytes of every GGUF file.
const Magic = "GGUF"

// DefaultAlignment is the data alignment used when general.alignment is absent.
const DefaultAlignment = 32

// TensorInfo describes one tensor of a GGUF file.
type TensorInfo struct {
	Name string
	// Dims are in ggml order: Dims[0] varies fastest (the K of an [N,K] matrix).
	Dims []uint64
	Type Type
	// Offset is the tensor's start relative to the beginning of the data section.
	Offset uint64
}

// Elements returns the number of values in the tensor.
func (t TensorInfo) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// Bytes returns the tensor's size in bytes. It fails for unknown types, for a
// first dimension that is not a whole number of blocks, and on overflow.
func (t TensorInfo) Bytes() (uint64, error) {
	be, bb, ok := QuantBlockInfo(t.Type)
	if !ok {
		return 0, fmt.Errorf("gguf: tensor %q: unknown type %d", t.Name, uint32(t.Type))
	}
	dims := t.Dims
	if len(dims) == 0 {
		dims = []uint64{1} // a scalar
	}
	if dims[0]%uint64(be) != 0 {
		return 0, fmt.Errorf("gguf: tensor %q: first dimension %d is not a multiple of the %s block size %d", t.Name, dims[0], t.Type, be)
	}
	n := dims[0] / uint64(be)
	for _, d := range append(dims[1:len(dims):len(dims)], uint64(bb)) {
		hi, lo := bits.Mul64(n, d)
		if hi != 0 || lo > math.MaxInt64 {
			return 0, fmt.Errorf("gguf: tensor %q: dimensions %v of %s overflow the size", t.Name, t.Dims, t.Type)
		}
		n = lo
	}
	return n, nil
}

// File is a parsed GGUF file. Its tensor data are slices of the underlying
// bytes (a read-only memory mapping when opened with Open): do not modify them,
// and do not use them after Close.
type File struct {
	Version   uint32
	Alignment uint64
	// DataOffset is the absolute file offset of the tensor data section.
	DataOffset int64
	Tensors    []TensorInfo

	keys    []string
	values  map[string]any
	tensors map[string]int
	data    []byte
	closer  func() error
}

// span is the data range [begin, end) of one tensor, relative to the data
// section.
type span struct {
	begin, end uint64
	name       string
}

// maxDims bounds the number of dimensions of a tensor (ggml uses 4).
const maxDims = 8

// Parse parses a GGUF file held in data. The returned File keeps data.
func Parse(data []byte) (*File, error) {
	r := &reader{buf: data}
	magic, err := r.bytes(4)
	if err != nil {
		return nil, fmt.Errorf("gguf: reading magic: %w", err)
	}
	if string(magic) != Magic {
		return nil, fmt.Errorf("gguf: bad magic %q at offset 0 (not a GGUF file)", magic)
	}
	f := &File{values: map[string]any{}, tensors: map[string]int{}, data: data}
	if f.Version, err = r.u32(); err != nil {
		return nil, fmt.Errorf("gguf: reading version: %w", err)
	}
	if f.Version != 2 && f.Version != 3 {
		return nil, fmt.Errorf("gguf: unsupported version %d at offset 4 (want 2 or 3)", f.Version)
	}
	nTensors, err := r.u64()
	if err != nil {
		return nil, fmt.Errorf("gguf: reading tensor count: %w", err)
	}
	nKV, err := r.u64()
	if err != nil {
		return nil, fmt.Errorf("gguf: reading metadata count: %w", err)
	}
	// Every key/value pair takes at least 12 bytes, every tensor info at least 24.
	if nKV > uint64(r.remaining())/12 {
		return nil, fmt.Errorf("gguf: metadata count %d at offset 16 exceeds what %d bytes can hold", nKV, len(data))
	}
	if nTensors > uint64(r.remaining())/24 {
		return nil, fmt.Errorf("gguf: tensor count %d at offset 8 exceeds what %d bytes can hold", nTensors, len(data))
	}
	alignAt := 0 // file offset of general.alignment, for its error
	for i := uint64(0); i < nKV; i++ {
		at := r.off
		key, err := r.str()
		if err != nil {
			return nil, fmt.Errorf("gguf: metadata %d at offset %d: key: %w", i, at, err)
		}
		vt, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("gguf: metadata %q: value type: %w", key, err)
		}
		v, err := r.value(vt, 0)
		if err != nil {
			return nil, fmt.Errorf("gguf: metadata %q: %w", key, err)
		}
		if _, dup := f.values[key]; dup {
			return nil, fmt.Errorf("gguf: metadata key %q appears twice (again at offset %d)", key, at)
		}
		if key == "general.alignment" {
			alignAt = at
		}
		f.keys = append(f.keys, key)
		f.values[key] = v
	}
	f.Alignment = DefaultAlignment
	if v, present := f.values["general.alignment"]; present {
		a, ok := asUint(v)
		if !ok || a == 0 || a&(a-1) != 0 || a > 1<<20 {
			return nil, fmt.Errorf("gguf: general.alignment %v (%T) at offset %d is not a power of two up to 1 MiB", v, v, alignAt)
		}
		f.Alignment = a
	}
	f.Tensors = make([]TensorInfo, 0, nTensors)
	infoAt := make([]int, 0, nTensors) // file offset of each tensor info, for errors
	for i := uint64(0); i < nTensors; i++ {
		at := r.off
		name, err := r.str()
		if err != nil {
			return nil, fmt.Errorf("gguf: tensor %d at offset %d: name: %w", i, at, err)
		}
		nd, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("gguf: tensor %q: dimension count: %w", name, err)
		}
		if nd > maxDims {
			return nil, fmt.Errorf("gguf: tensor %q at offset %d: %d dimensions (at most %d)", name, at, nd, maxDims)
		}
		t := TensorInfo{Name: name, Dims: make([]uint64, nd)}
		for d := range t.Dims {
			if t.Dims[d], err = r.u64(); err != nil {
				return nil, fmt.Errorf("gguf: tensor %q: dimension %d: %w", name, d, err)
			}
		}
		ty, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("gguf: tensor %q: type: %w", name, err)
		}
		t.Type = Type(ty)
		if t.Offset, err = r.u64(); err != nil {
			return nil, fmt.Errorf("gguf: tensor %q: offset: %w", name, err)
		}
		if _, dup := f.tensors[name]; dup {
			return nil, fmt.Errorf("gguf: tensor %q appears twice (again at offset %d)", name, at)
		}
		infoAt = append(infoAt, at)
		f.tensors[name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}
	start := uint64(r.off)
	if rem := start % f.Alignment; rem != 0 {
		start += f.Alignment - rem
	}
	if len(f.Tensors) > 0 && start > uint64(len(data)) {
		return nil, fmt.Errorf("gguf: data section starts at offset %d, beyond the end of the file (%d bytes)", start, len(data))
	}
	f.DataOffset = int64(start)
	spans := make([]span, 0, len(f.Tensors)) // (tensors) data ranges, for the overlap check
	for i, t := range f.Tensors {
		size, err := t.Bytes()
		if err != nil {
			return nil, fmt.Errorf("%w (tensor info at offset %d)", err, infoAt[i])
		}
		if t.Offset%f.Alignment != 0 {
			return nil, fmt.Errorf("gguf: tensor %q (info at offset %d): data offset %d is not aligned to %d", t.Name, infoAt[i], t.Offset, f.Alignment)
		}
		// Every term is at most len(data) <= MaxInt64 before adding, so the
		// sums cannot wrap.
		if size > uint64(len(data)) || t.Offset > uint64(len(data)) || start+t.Offset+size > uint64(len(data)) {
			return nil, fmt.Errorf("gguf: tensor %q: %d bytes of %s at data offset %d (file offset %d) lie beyond the end of the file (%d bytes); truncated?",
				t.Name, size, t.Type, t.Offset, start+t.Offset, len(data))
		}
		spans = append(spans, span{t.Offset, t.Offset + size, t.Name})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.begin, b.begin) })
	var reach span // the non-empty span reaching furthest so far
	for _, c := range spans {
		if c.begin == c.end {
			continue // an empty tensor overlaps nothing
		}
		if c.begin < reach.end {
			return nil, fmt.Errorf("gguf: tensor %q (data [%d, %d), file offset %d) overlaps tensor %q (data [%d, %d))", c.name, c.begin, c.end, start+c.begin, reach.name, reach.begin, reach.end)
		}
		reach = c
	}
	return f, nil
}

// Close releases the file's memory mapping, if any.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	c := f.closer
	f.closer, f.data = nil, nil
	return c()
}

// Keys returns the metadata keys in file order.
func (f *File) Keys() []string { return append([]string(nil), f.keys...) }

// Value returns a metadata value: one of uint8, int8, uint16, int16, uint32,
// int32, uint64, int64, float32, float64, bool, string, a typed slice of one
// of those, or []any for arrays of arrays.
func (f *File) Value(key string) (any, bool) {
	v, ok := f.values[key]
	return v, ok
}

// String returns a string metadata value.
func (f *File) String(key string) (string, bool) {
	v, ok := f.values[key].(string)
	return v, ok
}

// Uint returns a metadata value of any integer type as uint64; negative values
// are reported as absent.
func (f *File) Uint(key string) (uint64, bool) {
	i, ok := asInt(f.values[key])
	if !ok || i < 0 {
		if u, isU := f.values[key].(uint64); isU {
			return u, true
		}
		return 0, false
	}
	return uint64(i), true
}

// Int returns a metadata value of any integer type as int64 (a uint64 above
// math.MaxInt64 is reported as absent).
func (f *File) Int(key string) (int64, bool) { return asInt(f.values[key]) }

// Float returns a metadata value of any float or integer type as float64.
func (f *File) Float(key string) (float64, bool) {
	switch v := f.values[key].(type) {
	case float32:
		return float64(v), true
	case float64:
		return v, true
	}
	if i, ok := asInt(f.values[key]); ok {
		return float64(i), true
	}
	return 0, false
}

// Bool returns a boolean metadata value.
func (f *File) Bool(key string) (bool, bool) {
	v, ok := f.values[key].(bool)
	return v, ok
}

// Strings returns a string-array metadata value.
func (f *File) Strings(key string) ([]string, bool) {
	v, ok := f.values[key].([]string)
	return v, ok
}

// Float32s returns a float32-array metadata value.
func (f *File) Float32s(key string) ([]float32, bool) {
	v, ok := f.values[key].([]float32)
	return v, ok
}

// Int32s returns an integer-array metadata value converted to int32; it is
// absent when a value does not fit.
func (f *File) Int32s(key string) ([]int32, bool) {
	switch v := f.values[key].(type) {
	case []int32:
		return v, true
	case []uint8, []int8, []uint16, []int16, []uint32, []uint64, []int64:
		n := sliceLen(v)
		out := make([]int32, n)
		for i := 0; i < n; i++ {
			x, ok := asInt(sliceAt(v, i))
			if !ok || x < math.MinInt32 || x > math.MaxInt32 {
				return nil, false
			}
			out[i] = int32(x)
		}
		return out, true
	}
	return nil, false
}

// Arch returns general.architecture ("" when absent).
func (f *File) Arch() string {
	s, _ := f.String("general.architecture")
	return s
}

// Tensor returns the description of the named tensor.
func (f *File) Tensor(name string) (TensorInfo, bool) {
	i, ok := f.tensors[name]
	if !ok {
		return TensorInfo{}, false
	}
	return f.Tensors[i], true
}

// TensorData returns the named tensor's bytes, a slice of the file's data:
// do not modify it.
func (f *File) TensorData(name string) ([]byte, TensorInfo, error) {
	t, ok := f.Tensor(name)
	if !ok {
		return nil, TensorInfo{}, fmt.Errorf("gguf: no tensor %q", name)
	}
	if f.data == nil {
		return nil, t, fmt.Errorf("gguf: tensor %q: file is closed", name)
	}
	size, err := t.Bytes()
	if err != nil {
		return nil, t, err
	}
	start := uint64(f.DataOffset) + t.Offset
	return f.data[start : start+size : start+size], t, nil
}

// AsInt returns a metadata value of any GGUF integer type as an int64;
// false for another type or a uint64 beyond the int64 range.
func AsInt(v any) (int64, bool) { return asInt(v) }

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case uint8:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case int16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	}
	return 0, false
}

func sliceLen(v any) int {
	switch s := v.(type) {
	case []uint8:
		return len(s)
	case []int8:
		return len(s)
	case []uint16:
		return len(s)
	case []int16:
		return len(s)
	case []uint32:
		return len(s)
	case []uint64:
		return len(s)
	case []int64:
		return len(s)
	}
	return 0
}

func sliceAt(v any, i int) any {
	switch s := v.(type) {
	case []uint8:
		return s[i]
	case []int8:
		return s[i]
	case []uint16:
		return s[i]
	case []int16:
		return s[i]
	case []uint32:
		return s[i]
	case []uint64:
		return s[i]
	case []int64:
		return s[i]
	}
	return nil
}

var errShort = errors.New("unexpected end of data")

// reader decodes little-endian values from a byte slice, checking bounds.
type reader struct {
	buf []byte
	off int
}

func (r *reader) remaining() int { return len(r.buf) - r.off }

func (r *reader) bytes(n uint64) ([]byte, error) {
	if n > uint64(r.remaining()) {
		return nil, fmt.Errorf("%w at offset %d (need %d bytes, %d left)", errShort, r.off, n, r.remaining())
	}
	b := r.buf[r.off : r.off+int(n)]
	r.off += int(n)
	return b, nil
}

func (r *reader) u8() (uint8, error) {
	b, err := r.bytes(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (r *reader) u16() (uint16, error) {
	b, err := r.bytes(2)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(b), nil
}

func (r *reader) u32() (uint32, error) {
	b, err := r.bytes(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (r *reader) u64() (uint64, error) {
	b, err := r.bytes(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (r *reader) str() (string, error) {
	n, err := r.u64()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(n)
	if err != nil {
		return "", fmt.Errorf("string of length %d: %w", n, err)
	}
	return string(b), nil
}

// maxNesting bounds arrays of arrays.
const maxNesting = 4

func (r *reader) value(vt uint32, depth int) (any, error) {
	switch vt {
	case mvUint8:
		return r.u8()
	case mvInt8:
		v, err := r.u8()
		return int8(v), err
	case mvUint16:
		return r.u16()
	case mvInt16:
		v, err := r.u16()
		return int16(v), err
	case mvUint32:
		return r.u32()
	case mvInt32:
		v, err := r.u32()
		return int32(v), err
	case mvUint64:
		return r.u64()
	case mvInt64:
		v, err := r.u64()
		return int64(v), err
	case mvFloat32:
		v, err := r.u32()
		return math.Float32frombits(v), err
	case mvFloat64:
		v, err := r.u64()
		return math.Float64frombits(v), err
	case mvBool:
		v, err := r.u8()
		if err != nil {
			return nil, err
		}
		if v > 1 {
			return nil, fmt.Errorf("bool value %d at offset %d", v, r.off-1)
		}
		return v == 1, nil
	case mvString:
		return r.str()
	case mvArray:
		if depth >= maxNesting {
			return nil, fmt.Errorf("arrays nested deeper than %d at offset %d", maxNesting, r.off)
		}
		et, err := r.u32()
		if err != nil {
			return nil, err
		}
		n, err := r.u64()
		if err != nil {
			return nil, err
		}
		return r.array(et, n, depth)
	}
	return nil, fmt.Errorf("unknown value type %d at offset %d", vt, r.off-4)
}

// elemMinSize is the smallest encoding of one element of each type.
func elemMinSize(et uint32) int {
	switch et {
	case mvUint8, mvInt8, mvBool:
		return 1
	case mvUint16, mvInt16:
		return 2
	case mvUint32, mvInt32, mvFloat32:
		return 4
	case mvUint64, mvInt64, mvFloat64, mvString:
		return 8
	case mvArray:
		return 12
	}
	return 1
}

func (r *reader) array(et uint32, n uint64, depth int) (any, error) {
	at := r.off // the first element
	if n > uint64(r.remaining()/elemMinSize(et)) {
		return nil, fmt.Errorf("array of %d elements of type %d exceeds the %d bytes left at offset %d", n, et, r.remaining(), r.off)
	}
	cnt := int(n)
	switch et {
	case mvUint8:
		b, err := r.bytes(n)
		return append([]uint8(nil), b...), err
	case mvInt8:
		b, err := r.bytes(n)
		out := make([]int8, cnt)
		for i := range out {
			out[i] = int8(b[i])
		}
		return out, err
	case mvUint16, mvInt16:
		b, err := r.bytes(n * 2)
		if err != nil {
			return nil, err
		}
		if et == mvUint16 {
			out := make([]uint16, cnt)
			for i := range out {
				out[i] = binary.LittleEndian.Uint16(b[2*i:])
			}
			return out, nil
		}
		out := make([]int16, cnt)
		for i := range out {
			out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
		}
		return out, nil
	case mvUint32, mvInt32, mvFloat32:
		b, err := r.bytes(n * 4)
		if err != nil {
			return nil, err
		}
		switch et {
		case mvUint32:
			out := make([]uint32, cnt)
			for i := range out {
				out[i] = binary.LittleEndian.Uint32(b[4*i:])
			}
			return out, nil
		case mvInt32:
			out := make([]int32, cnt)
			for i := range out {
				out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
			}
			return out, nil
		}
		out := make([]float32, cnt)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return out, nil
	case mvUint64, mvInt64, mvFloat64:
		b, err := r.bytes(n * 8)
		if err != nil {
			return nil, err
		}
		switch et {
		case mvUint64:
			out := make([]uint64, cnt)
			for i := range out {
				out[i] = binary.LittleEndian.Uint64(b[8*i:])
			}
			return out, nil
		case mvInt64:
			out := make([]int64, cnt)
			for i := range out {
				out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
			}
			return out, nil
		}
		out := make([]float64, cnt)
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
		return out, nil
	case mvBool:
		b, err := r.bytes(n)
		if err != nil {
			return nil, err
		}
		out := make([]bool, cnt)
		for i := range out {
			if b[i] > 1 {
				return nil, fmt.Errorf("bool value %d in array at offset %d", b[i], at+i)
			}
			out[i] = b[i] == 1
		}
		return out, nil
	case mvString:
		out := make([]string, cnt)
		for i := range out {
			s, err := r.str()
			if err != nil {
				return nil, fmt.Errorf("array element %d: %w", i, err)
			}
			out[i] = s
		}
		return out, nil
	case mvArray:
		out := make([]any, cnt)
		for i := range out {
			v, err := r.value(mvArray, depth+1)
			if err != nil {
				return nil, fmt.Errorf("array element %d: %w", i, err)
			}
			out[i] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown array element type %d at offset %d", et, at-12)
}
