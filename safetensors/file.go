package safetensors

import (
	"fmt"
	"maps"

	"github.com/hneurons/hneurons/internal/mmap"
)

// File is an open, validated safetensors file. Tensor data are slices of the
// read-only mapping and stay valid until Close.
type File struct {
	path string
	m    *mmap.Map // nil for a File made by Parse
	data []byte    // whole file: (8 + header + data section) bytes
	hdr  *header
}

// Open memory-maps the safetensors file at path read-only and validates its
// header and layout. Errors name the file.
func Open(path string) (*File, error) {
	m, err := mmap.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := parse(path, m.Bytes())
	if err != nil {
		m.Close()
		return nil, err
	}
	f.m = m
	return f, nil
}

// Parse validates a whole safetensors file held in data. The File refers to
// data, which must not be modified while the File is used.
func Parse(data []byte) (*File, error) { return parse("", data) }

func parse(path string, data []byte) (*File, error) {
	h, err := parseHeader(data)
	if err != nil {
		if path != "" {
			return nil, fmt.Errorf("safetensors: %s: %w", path, err)
		}
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return &File{path: path, data: data, hdr: h}, nil
}

// Path returns the path the file was opened from ("" for Parse).
func (f *File) Path() string { return f.path }

// Close releases the mapping. Slices returned by Data must not be used
// afterwards.
func (f *File) Close() error {
	if f.m == nil {
		return nil
	}
	err := f.m.Close()
	f.m, f.data = nil, nil
	return err
}

// Names returns the tensor names in data order (by offset).
func (f *File) Names() []string {
	names := make([]string, len(f.hdr.tensors))
	for i, t := range f.hdr.tensors {
		names[i] = t.Name
	}
	return names
}

// Infos returns every tensor's description in data order (by offset).
func (f *File) Infos() []Info {
	out := make([]Info, len(f.hdr.tensors))
	for i, t := range f.hdr.tensors {
		out[i] = t
		out[i].Shape = append([]int(nil), t.Shape...)
	}
	return out
}

// Len returns the number of tensors.
func (f *File) Len() int { return len(f.hdr.tensors) }

// Tensor returns the description of the named tensor.
func (f *File) Tensor(name string) (Info, bool) {
	i, ok := f.hdr.byName[name]
	if !ok {
		return Info{}, false
	}
	t := f.hdr.tensors[i]
	t.Shape = append([]int(nil), t.Shape...)
	return t, true
}

// Metadata returns a copy of the "__metadata__" string map (nil if absent).
func (f *File) Metadata() map[string]string {
	if f.hdr.metadata == nil {
		return nil
	}
	return maps.Clone(f.hdr.metadata)
}

// DataOffset returns the file offset where the data section starts (8 plus
// the header length).
func (f *File) DataOffset() int64 { return 8 + f.hdr.size }

// Data returns the raw little-endian bytes of the named tensor, a slice of
// the mapping that must not be modified, with its description.
func (f *File) Data(name string) ([]byte, Info, error) {
	t, ok := f.Tensor(name)
	if !ok {
		return nil, Info{}, fmt.Errorf("safetensors: %s: no tensor %q", f.describe(), name)
	}
	if f.data == nil {
		return nil, Info{}, fmt.Errorf("safetensors: %s: tensor %q: file is closed", f.describe(), name)
	}
	start := f.DataOffset()
	return f.data[start+t.Begin : start+t.End : start+t.End], t, nil
}

// Float32s returns the named tensor converted to a new float32 slice, one
// element per value in row-major order. The dtype must be F32, F16, BF16 or
// F64.
func (f *File) Float32s(name string) ([]float32, Info, error) {
	b, t, err := f.Data(name)
	if err != nil {
		return nil, Info{}, err
	}
	if !t.DType.IsFloat() {
		return nil, Info{}, fmt.Errorf("safetensors: %s: tensor %q: dtype %s is not a float type", f.describe(), name, t.DType)
	}
	out := make([]float32, t.Elements()) // (elements)
	if err := ToFloat32(out, b, t.DType); err != nil {
		return nil, Info{}, err // unreachable: the header check guarantees the length
	}
	return out, t, nil
}

func (f *File) describe() string {
	if f.path == "" {
		return "(in memory)"
	}
	return f.path
}
