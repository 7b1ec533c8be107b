package gguf

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// allTypesWriter returns a Writer holding a value of every metadata type
// and a few tensors, with the values it was given.
func allTypesWriter(t testing.TB) (*Writer, map[string]any) {
	values := map[string]any{
		"general.architecture": "llama",
		"u8":                   uint8(250),
		"i8":                   int8(-3),
		"u16":                  uint16(65535),
		"i16":                  int16(-32768),
		"u32":                  uint32(1 << 31),
		"i32":                  int32(-5),
		"u64":                  uint64(math.MaxUint64),
		"i64":                  int64(math.MinInt64),
		"f32":                  float32(-1.5e-7),
		"f64":                  math.Pi,
		"bool":                 true,
		"string":               "ünïcode \x00 bytes",
		"[]u8":                 []uint8{1, 2, 3},
		"[]i8":                 []int8{-1, 0, 1},
		"[]u16":                []uint16{9},
		"[]i16":                []int16{-9, 9},
		"[]u32":                []uint32{},
		"[]i32":                []int32{math.MinInt32, math.MaxInt32},
		"[]u64":                []uint64{0, 1 << 63},
		"[]i64":                []int64{-1},
		"[]f32":                []float32{float32(math.Inf(1)), 0.5},
		"[]f64":                []float64{-0.0, 1e-310},
		"[]bool":               []bool{false, true},
		"[]string":             []string{"", "a", "bc"},
		"[][]":                 []any{[]int32{1}, []string{"x", "y"}, []any{[]bool{true}}, []any{}},
	}
	order := []string{"general.architecture", "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "bool", "string",
		"[]u8", "[]i8", "[]u16", "[]i16", "[]u32", "[]i32", "[]u64", "[]i64", "[]f32", "[]f64", "[]bool", "[]string", "[][]"}
	w := NewWriter()
	for _, k := range order {
		if err := w.Add(k, values[k]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.AddTensorF32("a", []uint64{3, 2}, []float32{1, 2, 3, 4, 5, 6}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTensor("q", TypeQ8_0, []uint64{64}, bytes.Repeat([]byte{7}, 68)); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTensor("h", TypeF16, []uint64{5, 1, 1}, []byte{0, 0x3c, 0, 0x40, 0, 0x42, 0, 0x44, 0, 0x45}); err != nil {
		t.Fatal(err)
	}
	return w, values
}

func TestWriterRoundTrip(t *testing.T) {
	w, values := allTypesWriter(t)
	path := filepath.Join(t.TempDir(), "all.gguf")
	if err := w.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if len(f.Keys()) != len(values) || f.Keys()[0] != "general.architecture" || f.Keys()[len(values)-1] != "[][]" {
		t.Fatalf("keys %v", f.Keys())
	}
	for k, want := range values {
		got, ok := f.Value(k)
		if !ok {
			t.Errorf("%s missing", k)
			continue
		}
		if k == "[]f64" { // -0.0 must keep its sign: compare bits
			g := got.([]float64)
			if len(g) != 2 || math.Float64bits(g[0]) != math.Float64bits(-0.0) || g[1] != 1e-310 {
				t.Errorf("%s = %v", k, g)
			}
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", k, got, want)
		}
	}
	if f.DataOffset%DefaultAlignment != 0 || f.Alignment != DefaultAlignment {
		t.Errorf("data offset %d, alignment %d", f.DataOffset, f.Alignment)
	}
	a, ti, err := f.TensorData("a")
	if err != nil || ti.Elements() != 6 || math.Float32frombits(binary.LittleEndian.Uint32(a[12:])) != 4 {
		t.Fatalf("a: %+v %v", ti, err)
	}
	q, ti, err := f.TensorData("q")
	if err != nil || len(q) != 68 || ti.Type != TypeQ8_0 || ti.Offset%32 != 0 {
		t.Fatalf("q: %+v %v", ti, err)
	}
	if h, ti, err := f.TensorData("h"); err != nil || len(h) != 10 || len(ti.Dims) != 3 || h[9] != 0x45 {
		t.Fatalf("h: %+v %v", ti, err)
	}
	// Version 2 has the same layout.
	w.Version = 2
	b, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if f2, err := Parse(b); err != nil || f2.Version != 2 || len(f2.Tensors) != 3 {
		t.Fatalf("v2: %v", err)
	}
}

func TestWriterAlignment(t *testing.T) {
	w := NewWriter()
	if err := w.Add("general.alignment", uint32(256)); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"x", "y", "z"} {
		if err := w.AddTensorF32(n, []uint64{3}, []float32{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if f.Alignment != 256 || f.DataOffset%256 != 0 || len(b)%256 != 0 {
		t.Fatalf("alignment %d data offset %d size %d", f.Alignment, f.DataOffset, len(b))
	}
	for i, ti := range f.Tensors {
		if ti.Offset != uint64(256*i) {
			t.Errorf("%s at %d", ti.Name, ti.Offset)
		}
	}
}

func TestWriterErrors(t *testing.T) {
	w := NewWriter()
	w.Add("k", uint8(1))
	for _, c := range []struct {
		err  error
		want string
	}{
		{w.Add("k", uint8(2)), "added twice"},
		{w.Add("int", 3), "unsupported value type int"},
		{w.Add("nested", []any{uint8(3)}), "not a slice"},
		{w.Add("deep", []any{[]any{[]any{[]any{[]int8{1}}}}}), "nested deeper"},
		{w.Add("general.alignment", uint32(48)), "power of two"},
		{w.AddTensor("t", TypeQ4_0, []uint64{31}, make([]byte, 18)), "multiple of the Q4_0 block size"},
		{w.AddTensor("t", Type(99), []uint64{1}, make([]byte, 1)), "unknown type 99"},
		{w.AddTensor("t", TypeF32, []uint64{2}, make([]byte, 4)), "needs 8"},
		{w.AddTensor("t", TypeF32, make([]uint64, 9), nil), "dimensions"},
		{w.AddTensor("t", TypeF32, []uint64{1 << 62, 8}, nil), "overflow"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error %v, want %q", c.err, c.want)
		}
	}
	w.AddTensorF32("t", []uint64{1}, []float32{1})
	if err := w.AddTensorF32("t", []uint64{1}, []float32{1}); err == nil {
		t.Error("duplicate tensor accepted")
	}
	w.Version = 1
	if _, err := w.Bytes(); err == nil {
		t.Error("version 1 accepted")
	}
	dir := t.TempDir()
	if err := w.WriteFile(filepath.Join(dir, "x.gguf")); err == nil {
		t.Error("WriteFile with version 1 accepted")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed WriteFile left %v", entries)
	}
}

// TestQuantBlockInfo derives each block size from the ggml block layouts
// (field by field) rather than from the table.
func TestQuantBlockInfo(t *testing.T) {
	const qk, qkK, half, f32 = 32, 256, 2, 4
	want := map[Type][2]int{
		TypeF32:  {1, 4},
		TypeF16:  {1, 2},
		TypeBF16: {1, 2},
		TypeQ4_0: {qk, half + qk/2},                    // d, 4-bit quants
		TypeQ4_1: {qk, 2*half + qk/2},                  // d, m, quants
		TypeQ5_0: {qk, half + 4 + qk/2},                // d, high bits, quants
		TypeQ5_1: {qk, 2*half + 4 + qk/2},              // d, m, high bits, quants
		TypeQ8_0: {qk, half + qk},                      // d, 8-bit quants
		TypeQ8_1: {qk, 2*half + qk},                    // d, s, quants
		TypeQ2_K: {qkK, qkK/16 + qkK/4 + 2*half},       // scales, 2-bit quants, d, dmin
		TypeQ3_K: {qkK, qkK/8 + qkK/4 + 12 + half},     // hmask, quants, scales, d
		TypeQ4_K: {qkK, 2*half + 12 + qkK/2},           // d, dmin, scales, quants
		TypeQ5_K: {qkK, 2*half + 12 + qkK/8 + qkK/2},   // d, dmin, scales, high bits, quants
		TypeQ6_K: {qkK, qkK/2 + qkK/4 + qkK/16 + half}, // low 4 bits, high 2 bits, scales, d
		TypeQ8_K: {qkK, f32 + qkK + qkK/16*2},          // d, quants, block sums
		TypeI8:   {1, 1}, TypeI16: {1, 2}, TypeI32: {1, 4}, TypeI64: {1, 8}, TypeF64: {1, 8},
	}
	for typ, w := range want {
		be, bb, ok := QuantBlockInfo(typ)
		if !ok || be != w[0] || bb != w[1] {
			t.Errorf("%s: %d values in %d bytes (%v), want %d in %d", typ, be, bb, ok, w[0], w[1])
		}
	}
	if _, _, ok := QuantBlockInfo(Type(4)); ok { // removed Q4_2
		t.Error("type 4 should be unknown")
	}
	if Type(4).String() != "type(4)" || TypeQ6_K.String() != "Q6_K" {
		t.Error("String names")
	}
}
