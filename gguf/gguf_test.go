package gguf

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
)

func TestStories260K(t *testing.T) {
	f, err := Open(sharedtest.Path(t, "models", "stories260K", "stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Version != 3 || f.Arch() != "llama" {
		t.Fatalf("version %d arch %q, want 3 llama", f.Version, f.Arch())
	}
	// Hyper-parameters from the model's README.
	for key, want := range map[string]uint64{
		"llama.embedding_length":        64,
		"llama.feed_forward_length":     172,
		"llama.block_count":             5,
		"llama.attention.head_count":    8,
		"llama.attention.head_count_kv": 4,
	} {
		got, ok := f.Uint(key)
		if !ok || got != want {
			t.Errorf("%s = %d (present %v), want %d", key, got, ok, want)
		}
	}
	toks, ok := f.Strings("tokenizer.ggml.tokens")
	if !ok || len(toks) != 512 {
		t.Fatalf("tokenizer.ggml.tokens: %d tokens (present %v), want 512", len(toks), ok)
	}
	data, ti, err := f.TensorData("token_embd.weight")
	if err != nil {
		t.Fatal(err)
	}
	if ti.Type != TypeF32 || len(ti.Dims) != 2 || ti.Dims[0] != 64 || ti.Dims[1] != 512 || len(data) != 64*512*4 {
		t.Fatalf("token_embd.weight: %+v, %d bytes", ti, len(data))
	}
	var sum float64
	for i := 0; i < len(data); i += 4 {
		v := math.Float32frombits(binary.LittleEndian.Uint32(data[i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("non-finite embedding value at %d", i/4)
		}
		sum += math.Abs(float64(v))
	}
	if sum == 0 {
		t.Fatal("embedding is all zeros")
	}
}

// handFile encodes a small GGUF file with an encoder written independently of
// the parser, straight from the format description.
func handFile(t *testing.T) []byte {
	var b bytes.Buffer
	w := func(v any) {
		if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	str := func(s string) { w(uint64(len(s))); b.WriteString(s) }
	b.WriteString("GGUF")
	w(uint32(3))
	w(uint64(2)) // tensors
	w(uint64(5)) // kv
	str("general.architecture")
	w(uint32(mvString))
	str("llama")
	str("llama.block_count")
	w(uint32(mvUint32))
	w(uint32(7))
	str("x.scores")
	w(uint32(mvArray))
	w(uint32(mvFloat32))
	w(uint64(3))
	w([]float32{1.5, -2, 0.25})
	str("x.types")
	w(uint32(mvArray))
	w(uint32(mvInt8))
	w(uint64(2))
	w([]int8{-1, 3})
	str("x.flag")
	w(uint32(mvBool))
	w(uint8(1))
	// tensor a: F32 [3,2]
	str("a")
	w(uint32(2))
	w([]uint64{3, 2})
	w(uint32(TypeF32))
	w(uint64(0))
	// tensor b: Q8_0 [32]
	str("b")
	w(uint32(1))
	w([]uint64{32})
	w(uint32(TypeQ8_0))
	w(uint64(32))
	for b.Len()%32 != 0 {
		b.WriteByte(0)
	}
	w([]float32{1, 2, 3, 4, 5, 6})
	for b.Len()%32 != 0 {
		b.WriteByte(0)
	}
	b.Write(make([]byte, 34))
	return b.Bytes()
}

func TestParseHandWritten(t *testing.T) {
	data := handFile(t)
	f, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if f.Arch() != "llama" {
		t.Errorf("arch %q", f.Arch())
	}
	if n, ok := f.Uint("llama.block_count"); !ok || n != 7 {
		t.Errorf("block_count %d %v", n, ok)
	}
	if fs, ok := f.Float32s("x.scores"); !ok || len(fs) != 3 || fs[1] != -2 {
		t.Errorf("scores %v %v", fs, ok)
	}
	if is, ok := f.Int32s("x.types"); !ok || len(is) != 2 || is[0] != -1 || is[1] != 3 {
		t.Errorf("types %v %v", is, ok)
	}
	if v, ok := f.Bool("x.flag"); !ok || !v {
		t.Errorf("flag %v %v", v, ok)
	}
	if got := f.Keys(); len(got) != 5 || got[0] != "general.architecture" {
		t.Errorf("keys %v", got)
	}
	a, ti, err := f.TensorData("a")
	if err != nil || len(a) != 24 || ti.Elements() != 6 {
		t.Fatalf("a: %d bytes, %+v, %v", len(a), ti, err)
	}
	if v := math.Float32frombits(binary.LittleEndian.Uint32(a[20:])); v != 6 {
		t.Errorf("a[5] = %v", v)
	}
	if bb, _, err := f.TensorData("b"); err != nil || len(bb) != 34 {
		t.Errorf("b: %d bytes, %v", len(bb), err)
	}
	if _, _, err := f.TensorData("nope"); err == nil {
		t.Error("missing tensor: no error")
	}
}

// Every truncation of a valid file must give an error, never a panic.
func TestParseTruncated(t *testing.T) {
	data := handFile(t)
	for n := 0; n < len(data); n++ {
		if _, err := Parse(data[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(data))
		}
	}
}

func TestParseRejectsCorrupt(t *testing.T) {
	good := handFile(t)
	cases := map[string]func([]byte){
		"magic":   func(b []byte) { b[0] = 'X' },
		"version": func(b []byte) { b[4] = 9 },
		"huge kv count": func(b []byte) {
			binary.LittleEndian.PutUint64(b[16:], math.MaxUint64)
		},
		"huge key length": func(b []byte) {
			binary.LittleEndian.PutUint64(b[24:], 1<<62)
		},
	}
	for name, mutate := range cases {
		b := append([]byte(nil), good...)
		mutate(b)
		if _, err := Parse(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// AsInt takes every GGUF integer type, and refuses a uint64 beyond int64
// (the tokenizer's copy of it used to wrap such a value to a negative one).
func TestAsInt(t *testing.T) {
	for _, c := range []struct {
		v    any
		want int64
		ok   bool
	}{
		{uint8(200), 200, true}, {int8(-3), -3, true}, {uint16(65535), 65535, true}, {int16(-300), -300, true},
		{uint32(4000000000), 4000000000, true}, {int32(-7), -7, true}, {int64(-1 << 40), -1 << 40, true},
		{uint64(1 << 62), 1 << 62, true}, {uint64(1 << 63), 0, false}, {float32(1), 0, false}, {"1", 0, false},
	} {
		got, ok := AsInt(c.v)
		if got != c.want || ok != c.ok {
			t.Errorf("AsInt(%T %v) = %d, %v; want %d, %v", c.v, c.v, got, ok, c.want, c.ok)
		}
	}
}
