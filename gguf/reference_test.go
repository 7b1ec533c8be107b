package gguf

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
)

// The testdata files come from testdata/make_reference.py, a GGUF reader and
// writer written in Python from the format description.

type summaryKV struct {
	Key    string `json:"key"`
	Type   string `json:"type"`
	Value  any    `json:"value"`
	SHA256 string `json:"sha256"`
}

type summaryTensor struct {
	Name   string   `json:"name"`
	Dims   []uint64 `json:"dims"`
	Type   uint32   `json:"type"`
	Offset uint64   `json:"offset"`
	Bytes  uint64   `json:"bytes"`
	SHA256 string   `json:"sha256"`
}

type summaryFile struct {
	Version    uint32          `json:"version"`
	Alignment  uint64          `json:"alignment"`
	DataOffset int64           `json:"data_offset"`
	Metadata   []summaryKV     `json:"metadata"`
	Tensors    []summaryTensor `json:"tensors"`
}

// goTypeName names the GGUF value type a Go metadata value stands for, as
// the Python summary spells it.
func goTypeName(v any) string {
	switch v.(type) {
	case uint8:
		return "u8"
	case int8:
		return "i8"
	case uint16:
		return "u16"
	case int16:
		return "i16"
	case uint32:
		return "u32"
	case int32:
		return "i32"
	case uint64:
		return "u64"
	case int64:
		return "i64"
	case float32:
		return "f32"
	case float64:
		return "f64"
	case bool:
		return "bool"
	case string:
		return "string"
	}
	return "array"
}

// scalarMatches compares a Go scalar with its JSON form from the summary
// (floats as the bits of their float64 value).
func scalarMatches(v any, j any) bool {
	switch x := v.(type) {
	case float32, float64:
		m, ok := j.(map[string]any)
		if !ok {
			return false
		}
		var f float64
		if y, ok := x.(float32); ok {
			f = float64(y)
		} else {
			f = x.(float64)
		}
		return m["f64_bits"] == strconv.FormatUint(math.Float64bits(f), 10)
	case string:
		return j == x
	case bool:
		return j == x
	}
	return fmt.Sprint(v) == strings.TrimSuffix(fmt.Sprint(jsonNumber(j)), ".0")
}

func jsonNumber(j any) any {
	if n, ok := j.(json.Number); ok {
		return n.String()
	}
	return j
}

// TestSharedFilesMatchPythonReader opens the real GGUF files under
// ../shared and compares every metadata value and tensor with what the
// Python reader saw.
func TestSharedFilesMatchPythonReader(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "shared_summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var summary map[string]summaryFile
	if err := dec.Decode(&summary); err != nil {
		t.Fatal(err)
	}
	if len(summary) < 12 {
		t.Fatalf("summary lists %d files", len(summary))
	}
	for rel, want := range summary {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			f, err := Open(sharedtest.Path(t, strings.Split(rel, "/")...))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Version != want.Version || f.Alignment != want.Alignment || f.DataOffset != want.DataOffset {
				t.Errorf("version %d alignment %d data offset %d, want %d %d %d",
					f.Version, f.Alignment, f.DataOffset, want.Version, want.Alignment, want.DataOffset)
			}
			keys := f.Keys()
			if len(keys) != len(want.Metadata) {
				t.Fatalf("%d keys, want %d", len(keys), len(want.Metadata))
			}
			for i, kv := range want.Metadata {
				if keys[i] != kv.Key {
					t.Fatalf("key %d = %q, want %q", i, keys[i], kv.Key)
				}
				v, _ := f.Value(kv.Key)
				if got := goTypeName(v); got != kv.Type {
					t.Errorf("%s: type %s (%T), want %s", kv.Key, got, v, kv.Type)
				}
				enc, err := encodeValue(nil, v, 0)
				if err != nil {
					t.Fatalf("%s: %v", kv.Key, err)
				}
				if sum := sha256.Sum256(enc); hex.EncodeToString(sum[:]) != kv.SHA256 {
					t.Errorf("%s: value differs from the bytes the Python reader hashed", kv.Key)
				}
				if kv.Type != "array" && !scalarMatches(v, kv.Value) {
					t.Errorf("%s = %v, want %v", kv.Key, v, kv.Value)
				}
			}
			if len(f.Tensors) != len(want.Tensors) {
				t.Fatalf("%d tensors, want %d", len(f.Tensors), len(want.Tensors))
			}
			for i, wt := range want.Tensors {
				ti := f.Tensors[i]
				if ti.Name != wt.Name || uint32(ti.Type) != wt.Type || ti.Offset != wt.Offset || fmt.Sprint(ti.Dims) != fmt.Sprint(wt.Dims) {
					t.Errorf("tensor %d: %+v, want %+v", i, ti, wt)
					continue
				}
				data, _, err := f.TensorData(ti.Name)
				if err != nil {
					t.Fatal(err)
				}
				if sum := sha256.Sum256(data); uint64(len(data)) != wt.Bytes || hex.EncodeToString(sum[:]) != wt.SHA256 {
					t.Errorf("tensor %q: %d bytes, data differ from the Python reader's", ti.Name, len(data))
				}
			}
		})
	}
}

// writerSpec is testdata/writer_input.json: what python_written.gguf holds.
type writerSpec struct {
	Metadata []struct {
		Key   string `json:"key"`
		Type  string `json:"type"`
		Value any    `json:"value"`
	} `json:"metadata"`
	Tensors []struct {
		Name string   `json:"name"`
		Type uint32   `json:"type"`
		Dims []uint64 `json:"dims"`
		Hex  string   `json:"hex"`
	} `json:"tensors"`
}

// specValue turns the JSON description of a value into the Go value the
// Writer takes (and the reader returns).
func specValue(t *testing.T, typ string, j any) any {
	t.Helper()
	num := func() string { return fmt.Sprint(jsonNumber(j)) }
	u := func(bits int) uint64 {
		v, err := strconv.ParseUint(num(), 10, bits)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	i := func(bits int) int64 {
		v, err := strconv.ParseInt(num(), 10, bits)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	switch typ {
	case "u8":
		return uint8(u(8))
	case "i8":
		return int8(i(8))
	case "u16":
		return uint16(u(16))
	case "i16":
		return int16(i(16))
	case "u32":
		return uint32(u(32))
	case "i32":
		return int32(i(32))
	case "u64":
		return u(64)
	case "i64":
		return i(64)
	case "f32":
		return math.Float32frombits(uint32(u(32)))
	case "f64":
		return math.Float64frombits(u(64))
	case "bool":
		return j.(bool)
	case "string":
		return j.(string)
	case "array":
		m := j.(map[string]any)
		et := m["elem"].(string)
		items := m["items"].([]any)
		var vals []any
		for _, it := range items {
			vals = append(vals, specValue(t, et, it))
		}
		return typedSlice(et, vals)
	}
	t.Fatalf("unknown type %q", typ)
	return nil
}

// typedSlice builds the typed slice for element type et from vals.
func typedSlice(et string, vals []any) any {
	switch et {
	case "u8":
		return collect[uint8](vals)
	case "i8":
		return collect[int8](vals)
	case "u16":
		return collect[uint16](vals)
	case "i16":
		return collect[int16](vals)
	case "u32":
		return collect[uint32](vals)
	case "i32":
		return collect[int32](vals)
	case "u64":
		return collect[uint64](vals)
	case "i64":
		return collect[int64](vals)
	case "f32":
		return collect[float32](vals)
	case "f64":
		return collect[float64](vals)
	case "bool":
		return collect[bool](vals)
	case "string":
		return collect[string](vals)
	}
	out := make([]any, len(vals))
	copy(out, vals)
	return out
}

func collect[T any](vals []any) []T {
	out := make([]T, len(vals))
	for i, v := range vals {
		out[i] = v.(T)
	}
	return out
}

func TestWriterMatchesPythonBytes(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("testdata", "python_written.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "writer_input.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var spec writerSpec
	if err := dec.Decode(&spec); err != nil {
		t.Fatal(err)
	}
	w := NewWriter()
	values := map[string]any{}
	for _, kv := range spec.Metadata {
		v := specValue(t, kv.Type, kv.Value)
		values[kv.Key] = v
		if err := w.Add(kv.Key, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, ts := range spec.Tensors {
		data, err := hex.DecodeString(ts.Hex)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddTensor(ts.Name, Type(ts.Type), ts.Dims, data); err != nil {
			t.Fatal(err)
		}
	}
	got, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Fatalf("Writer output (%d bytes) differs from the Python file (%d bytes) first at byte %d", len(got), len(want), i)
	}

	// The reader returns exactly the values the Python writer stored.
	f, err := Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	if f.Alignment != 64 {
		t.Errorf("alignment %d, want 64", f.Alignment)
	}
	for _, kv := range spec.Metadata {
		v, ok := f.Value(kv.Key)
		if !ok || fmt.Sprintf("%T %v", v, v) != fmt.Sprintf("%T %v", values[kv.Key], values[kv.Key]) {
			t.Errorf("%s = %T %v, want %T %v", kv.Key, v, v, values[kv.Key], values[kv.Key])
		}
	}
	for _, ts := range spec.Tensors {
		data, _, err := f.TensorData(ts.Name)
		if err != nil || hex.EncodeToString(data) != ts.Hex {
			t.Errorf("tensor %q: %x (%v), want %s", ts.Name, data, err, ts.Hex)
		}
	}
}
