package train

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
)

// stTensor is one float32 tensor to write or read in safetensors format.
type stTensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// writeSafetensors writes tensors as F32 in the safetensors format: an
// 8-byte little-endian header length, a JSON header mapping each name to
// {dtype, shape, data_offsets}, then the raw little-endian data.
func writeSafetensors(path string, tensors []stTensor, meta map[string]string) error {
	header := map[string]any{}
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	off := 0
	for _, t := range tensors {
		n := 4 * len(t.Data)
		header[t.Name] = map[string]any{"dtype": "F32", "shape": t.Shape, "data_offsets": []int{off, off + n}}
		off += n
	}
	h, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("train: safetensors header: %w", err)
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	buf := make([]byte, 8+len(h)+off)
	binary.LittleEndian.PutUint64(buf, uint64(len(h)))
	copy(buf[8:], h)
	p := 8 + len(h)
	for _, t := range tensors {
		for _, v := range t.Data {
			binary.LittleEndian.PutUint32(buf[p:], math.Float32bits(v))
			p += 4
		}
	}
	return writeFileAtomic(path, buf)
}

// readSafetensors reads every F32 tensor of a safetensors file.
func readSafetensors(path string) (map[string]stTensor, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if len(buf) < 8 {
		return nil, fmt.Errorf("train: %s: %d bytes, too short for a safetensors header", path, len(buf))
	}
	hl := binary.LittleEndian.Uint64(buf)
	if hl > uint64(len(buf)-8) {
		return nil, fmt.Errorf("train: %s: header length %d exceeds file size %d", path, hl, len(buf))
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(buf[8:8+hl], &header); err != nil {
		return nil, fmt.Errorf("train: %s: header: %w", path, err)
	}
	data := buf[8+hl:]
	out := map[string]stTensor{}
	names := make([]string, 0, len(header))
	for name := range header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "__metadata__" {
			continue
		}
		var e struct {
			Dtype       string `json:"dtype"`
			Shape       []int  `json:"shape"`
			DataOffsets []int  `json:"data_offsets"`
		}
		if err := json.Unmarshal(header[name], &e); err != nil {
			return nil, fmt.Errorf("train: %s: tensor %s: %w", path, name, err)
		}
		if e.Dtype != "F32" {
			return nil, fmt.Errorf("train: %s: tensor %s has dtype %s, want F32", path, name, e.Dtype)
		}
		n := 1
		for _, s := range e.Shape {
			if s < 0 {
				return nil, fmt.Errorf("train: %s: tensor %s has negative dimension", path, name)
			}
			n *= s
		}
		if len(e.DataOffsets) != 2 || e.DataOffsets[0] < 0 || e.DataOffsets[1] > len(data) || e.DataOffsets[1]-e.DataOffsets[0] != 4*n {
			return nil, fmt.Errorf("train: %s: tensor %s: offsets %v do not hold %d floats in %d data bytes", path, name, e.DataOffsets, n, len(data))
		}
		t := stTensor{Name: name, Shape: e.Shape, Data: make([]float32, n)}
		raw := data[e.DataOffsets[0]:e.DataOffsets[1]]
		for i := range t.Data {
			t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		out[name] = t
	}
	return out, nil
}

// writeFileAtomic writes data to path through a temporary file and a rename.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}
