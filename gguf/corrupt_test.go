package gguf

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallFile writes a small valid file whose fields the corruption tests
// patch in place.
func smallFile(t testing.TB) []byte {
	w := NewWriter()
	for _, kv := range []struct {
		k string
		v any
	}{
		{"general.architecture", "llama"},
		{"general.alignment", uint32(32)},
		{"test.string", "hello"},
		{"test.array", []int32{1, 2, 3}},
		{"test.bool", true},
	} {
		if err := w.Add(kv.k, kv.v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.AddTensorF32("weight.w", []uint64{4, 2}, []float32{1, 2, 3, 4, 5, 6, 7, 8}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTensor("weight.q", TypeQ8_0, []uint64{32}, make([]byte, 34)); err != nil {
		t.Fatal(err)
	}
	b, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// after returns the offset just past the encoded string s in b.
func after(t *testing.T, b []byte, s string) int {
	t.Helper()
	enc := appendString(nil, s)
	i := bytes.Index(b, enc)
	if i < 0 {
		t.Fatalf("%q not found", s)
	}
	return i + len(enc)
}

func TestParseRejectsCorruptFields(t *testing.T) {
	put32 := func(b []byte, at int, v uint32) { binary.LittleEndian.PutUint32(b[at:], v) }
	put64 := func(b []byte, at int, v uint64) { binary.LittleEndian.PutUint64(b[at:], v) }
	cases := []struct {
		name   string
		mutate func(t *testing.T, b []byte) []byte
		want   string
	}{
		{"bad magic", func(t *testing.T, b []byte) []byte { copy(b, "GGML"); return b }, "bad magic"},
		{"version 1", func(t *testing.T, b []byte) []byte { put32(b, 4, 1); return b }, "unsupported version 1"},
		{"big-endian version", func(t *testing.T, b []byte) []byte { put32(b, 4, 3<<24); return b }, "unsupported version"},
		{"absurd tensor count", func(t *testing.T, b []byte) []byte { put64(b, 8, 1<<40); return b }, "tensor count"},
		{"absurd metadata count", func(t *testing.T, b []byte) []byte { put64(b, 16, math.MaxUint64); return b }, "metadata count"},
		{"key length beyond file", func(t *testing.T, b []byte) []byte { put64(b, 24, 1<<50); return b }, "string of length"},
		{"string length beyond file", func(t *testing.T, b []byte) []byte {
			put64(b, after(t, b, "test.string")+4, uint64(len(b)))
			return b
		}, "string of length"},
		{"absurd array count", func(t *testing.T, b []byte) []byte {
			put64(b, after(t, b, "test.array")+8, 1<<60)
			return b
		}, "array of 1152921504606846976 elements"},
		{"unknown value type", func(t *testing.T, b []byte) []byte {
			put32(b, after(t, b, "test.string"), 99)
			return b
		}, "unknown value type 99"},
		{"unknown array element type", func(t *testing.T, b []byte) []byte {
			put32(b, after(t, b, "test.array")+4, 77)
			return b
		}, "unknown array element type 77"},
		{"bool out of range", func(t *testing.T, b []byte) []byte {
			b[after(t, b, "test.bool")+4] = 2
			return b
		}, "bool value 2"},
		{"alignment not a power of two", func(t *testing.T, b []byte) []byte {
			put32(b, after(t, b, "general.alignment")+4, 48)
			return b
		}, "general.alignment 48"},
		{"alignment of wrong type", func(t *testing.T, b []byte) []byte {
			put32(b, after(t, b, "general.alignment"), mvFloat32)
			return b
		}, "general.alignment"},
		{"too many dims", func(t *testing.T, b []byte) []byte {
			put32(b, after(t, b, "weight.w"), 9)
			return b
		}, "9 dimensions"},
		{"dims overflow", func(t *testing.T, b []byte) []byte {
			at := after(t, b, "weight.w") + 4
			put64(b, at, 1<<62)
			put64(b, at+8, 1<<10)
			return b
		}, "overflow"},
		{"block size mismatch", func(t *testing.T, b []byte) []byte {
			put64(b, after(t, b, "weight.q")+4, 31)
			return b
		}, "not a multiple"},
		{"unknown tensor type", func(t *testing.T, b []byte) []byte {
			put32(b, after(t, b, "weight.w")+4+16, 99)
			return b
		}, "unknown type 99"},
		{"misaligned offset", func(t *testing.T, b []byte) []byte {
			put64(b, after(t, b, "weight.q")+4+8+4, 36)
			return b
		}, "not aligned to 32"},
		{"offset beyond file", func(t *testing.T, b []byte) []byte {
			put64(b, after(t, b, "weight.q")+4+8+4, 1<<40)
			return b
		}, "beyond the end of the file"},
		{"offset wrapping", func(t *testing.T, b []byte) []byte {
			put64(b, after(t, b, "weight.q")+4+8+4, math.MaxUint64-31)
			return b
		}, "beyond the end of the file"},
		{"size wrapping", func(t *testing.T, b []byte) []byte {
			at := after(t, b, "weight.w") + 4
			put64(b, at, (1<<62)-8) // 4 bytes each: 2^64 - 32, which would wrap
			put64(b, at+8, 1)
			return b
		}, "overflow"},
		{"size wrapping onto the data", func(t *testing.T, b []byte) []byte {
			// The first reader accepted this and TensorData then panicked:
			// 32 + (2^64 - 32) wraps to 0.
			at := after(t, b, "weight.w") + 4
			put64(b, at, (1<<62)-8)
			put64(b, at+8, 1)
			put64(b, at+16+4, 32)
			return b
		}, "overflow"},
		{"data truncated", func(t *testing.T, b []byte) []byte { return b[:len(b)-40] }, "beyond the end of the file"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.mutate(t, smallFile(t))
			_, err := Parse(b)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Parse: error %v, want one containing %q", err, c.want)
			}
			if !strings.Contains(err.Error(), "offset") {
				t.Errorf("Parse: error %v does not say at which offset", err)
			}
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".gguf")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = Open(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Open: error %v, want one naming %s and containing %q", err, path, c.want)
			}
		})
	}
}

func TestParseRejectsDuplicates(t *testing.T) {
	w := NewWriter()
	w.Add("key.a", uint8(1))
	w.Add("key.b", uint8(2))
	w.AddTensorF32("tensor.a", []uint64{1}, []float32{1})
	w.AddTensorF32("tensor.b", []uint64{1}, []float32{2})
	b, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	dupKey := bytes.Replace(b, []byte("key.b"), []byte("key.a"), 1)
	if _, err := Parse(dupKey); err == nil || !strings.Contains(err.Error(), `"key.a" appears twice`) {
		t.Errorf("duplicate key: %v", err)
	}
	dupTensor := bytes.Replace(b, []byte("tensor.b"), []byte("tensor.a"), 1)
	if _, err := Parse(dupTensor); err == nil || !strings.Contains(err.Error(), `"tensor.a" appears twice`) {
		t.Errorf("duplicate tensor: %v", err)
	}
}

func TestParseWriterFileTruncated(t *testing.T) {
	data := smallFile(t)
	f, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	// Cutting the last tensor's trailing padding is harmless; every cut
	// before the end of its data must be caught.
	last := f.Tensors[len(f.Tensors)-1]
	size, _ := last.Bytes()
	end := int(f.DataOffset) + int(last.Offset) + int(size)
	if _, err := Parse(data[:end]); err != nil {
		t.Fatalf("file without trailing padding: %v", err)
	}
	for n := 0; n < end; n++ {
		if _, err := Parse(data[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(data))
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.gguf")); err == nil || !strings.Contains(err.Error(), "missing.gguf") {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseRejectsOverlap(t *testing.T) {
	w := NewWriter()
	w.Add("general.alignment", uint32(16))
	w.AddTensorF32("a", []uint64{16}, make([]float32, 16)) // [0, 64)
	w.AddTensor("empty", TypeF32, []uint64{0}, nil)        // [64, 64)
	w.AddTensorF32("b", []uint64{16}, make([]float32, 16)) // [64, 128)
	b, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(b); err != nil {
		t.Fatalf("valid file: %v", err)
	}
	// Move the empty tensor to 16 and b to 32, both inside a: sorted by
	// offset, the empty one lies between a and b.
	binary.LittleEndian.PutUint64(b[after(t, b, "empty")+4+8+4:], 16)
	binary.LittleEndian.PutUint64(b[after(t, b, "b")+4+8+4:], 32)
	if _, err := Parse(b); err == nil || !strings.Contains(err.Error(), `"b" (data [32, 96), file offset `) || !strings.Contains(err.Error(), `overlaps tensor "a"`) {
		t.Fatalf("overlap: %v", err)
	}
}
