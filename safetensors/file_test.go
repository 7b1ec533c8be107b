package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rawFile assembles a file from a literal header and n data bytes, so tests
// can build any (also invalid) layout.
func rawFile(header string, n int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, make([]byte, n)...)
}

func TestValidationErrors(t *testing.T) {
	valid := rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[2,2],"data_offsets":[8,16]}}`, 16)
	if _, err := Parse(valid); err != nil {
		t.Fatalf("valid file rejected: %v", err)
	}
	huge := binary.LittleEndian.AppendUint64(nil, 1<<40)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"short length", []byte{1, 2, 3}, "too short"},
		{"truncated data", valid[:len(valid)-3], "run past the end of the data section"},
		{"truncated header", valid[:20], "runs past the end of the file"},
		{"absurd header length", append(huge, "{}"...), "exceeds the limit"},
		{"bad JSON", rawFile(`{"a":{"dtype":"F32",`, 0), "header JSON"},
		{"not an object", rawFile(`[1,2]`, 0), "not a JSON object"},
		{"trailing garbage", rawFile(`{} x`, 0), "header"},
		{"entry not an object", rawFile(`{"a":3}`, 0), `tensor "a"`},
		{"out of range", rawFile(`{"a":{"dtype":"F32","shape":[25],"data_offsets":[0,100]}}`, 16), "run past the end"},
		{"overlap", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12), "overlap"},
		{"gap", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}`, 20), "gap"},
		{"leftover bytes", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 12), "cover only 8"},
		{"shape mismatch", rawFile(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8), "needs 12"},
		{"unknown dtype", rawFile(`{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}`, 8), `unknown dtype "F33"`},
		{"missing dtype", rawFile(`{"a":{"shape":[2],"data_offsets":[0,8]}}`, 8), "missing dtype"},
		{"missing shape", rawFile(`{"a":{"dtype":"F32","data_offsets":[0,8]}}`, 8), "missing shape"},
		{"missing offsets", rawFile(`{"a":{"dtype":"F32","shape":[2]}}`, 8), "missing data_offsets"},
		{"three offsets", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,9]}}`, 8), "want 2"},
		{"end before begin", rawFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}}`, 8), "end before begin"},
		{"negative dim", rawFile(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, 8), `tensor "a"`},
		{"element overflow", rawFile(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, 8), "too many elements"},
		{"wrapping product", rawFile(`{"a":{"dtype":"U8","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,0]}}`, 0), "too many elements"},
		{"duplicate name", rawFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 2), "duplicate"},
		{"metadata not strings", rawFile(`{"__metadata__":{"n":3}}`, 0), "__metadata__"},
	}
	dir := t.TempDir()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse: error %v, want one containing %q", err, tc.want)
			}
			path := filepath.Join(dir, "case"+string(rune('a'+i))+".safetensors")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = Open(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open: error %v, want one naming %s and containing %q", err, path, tc.want)
			}
		})
	}
}

func TestHeaderEdgeCases(t *testing.T) {
	// Empty file list, padding with spaces, zero-size and scalar tensors.
	f, err := Parse(rawFile(`{}      `, 0))
	if err != nil || f.Len() != 0 || f.Metadata() != nil {
		t.Fatalf("empty header: %v, %d tensors", err, f.Len())
	}
	f, err = Parse(rawFile(`{"z":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"__metadata__":{"k":"v"}}`, 8))
	if err != nil {
		t.Fatal(err)
	}
	if z, _ := f.Tensor("z"); z.Elements() != 0 || z.Bytes() != 0 {
		t.Fatalf("zero-size tensor: %+v", z)
	}
	if s, _ := f.Tensor("s"); s.Elements() != 1 || len(s.Shape) != 0 {
		t.Fatalf("scalar: %+v", s)
	}
	if f.Metadata()["k"] != "v" {
		t.Fatal("metadata lost")
	}
	if _, _, err := f.Data("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("missing tensor error %v", err)
	}
}

// randomTensors builds n tensors of random shapes in F32, F16 and BF16 with
// values exactly representable in their dtype (so round trips are exact).
func randomTensors(rng *rand.Rand, n int) []TensorToWrite {
	dts := []DType{F32, F16, BF16}
	var out []TensorToWrite
	for i := range n {
		shape := []int{1 + rng.IntN(7), 1 + rng.IntN(9)}
		if i%5 == 4 {
			shape = []int{1 + rng.IntN(30)}
		}
		dt := dts[rng.IntN(3)]
		elems := 1
		for _, d := range shape {
			elems *= d
		}
		vals := make([]float32, elems)
		for j := range vals {
			v := float32(rng.NormFloat64())
			switch dt { // make the value exact in dt
			case F16:
				v = F16ToF32(F32ToF16(v))
			case BF16:
				v = BF16ToF32(F32ToBF16(v))
			}
			vals[j] = v
		}
		out = append(out, TensorToWrite{Name: "blk." + string(rune('a'+i%26)) + "." + string(rune('0'+i/26)), DType: dt, Shape: shape, F32: vals})
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	tensors := randomTensors(rng, 40)
	tensors = append(tensors, TensorToWrite{Name: "tok", DType: I32, Shape: []int{3}, Data: []byte{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0}})
	meta := map[string]string{"format": "pt", "note": `quotes " and <html> & ünïcode`}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Create(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Len() != len(tensors) || f.Metadata()["note"] != meta["note"] {
		t.Fatalf("%d tensors, metadata %v", f.Len(), f.Metadata())
	}
	if f.DataOffset()%8 != 0 {
		t.Fatalf("data section starts at %d, not 8-aligned", f.DataOffset())
	}
	for _, tw := range tensors {
		info, ok := f.Tensor(tw.Name)
		if !ok || info.DType != tw.DType || !equalInts(info.Shape, tw.Shape) {
			t.Fatalf("tensor %q: %+v", tw.Name, info)
		}
		if (f.DataOffset()+info.Begin)%int64(info.DType.Size()) != 0 {
			t.Errorf("tensor %q misaligned", tw.Name)
		}
		if tw.Data != nil {
			b, _, _ := f.Data(tw.Name)
			if !bytes.Equal(b, tw.Data) {
				t.Errorf("tensor %q bytes differ", tw.Name)
			}
			continue
		}
		got, _, err := f.Float32s(tw.Name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != tw.F32[i] {
				t.Fatalf("tensor %q[%d] = %v, want %v", tw.Name, i, got[i], tw.F32[i])
			}
		}
	}
	// The header is valid JSON as a generic parser sees it, too.
	raw, _ := os.ReadFile(path)
	var generic map[string]any
	if err := json.Unmarshal(raw[8:f.DataOffset()], &generic); err != nil || len(generic) != len(tensors)+1 {
		t.Fatalf("header as JSON: %v (%d keys)", err, len(generic))
	}
	// Deterministic: the same tensors in another order give the same bytes.
	rng.Shuffle(len(tensors), func(i, j int) { tensors[i], tensors[j] = tensors[j], tensors[i] })
	var buf bytes.Buffer
	if err := Write(&buf, tensors, meta); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), raw) {
		t.Fatal("writing the same tensors in another order changed the bytes")
	}
}

func TestWriteErrors(t *testing.T) {
	cases := []struct {
		name string
		t    []TensorToWrite
		want string
	}{
		{"dup", []TensorToWrite{{Name: "a", F32: []float32{1}, Shape: []int{1}}, {Name: "a", F32: []float32{1}, Shape: []int{1}}}, "duplicate"},
		{"count", []TensorToWrite{{Name: "a", F32: []float32{1, 2}, Shape: []int{3}}}, "2 float32 values"},
		{"bytes", []TensorToWrite{{Name: "a", DType: U8, Data: []byte{1}, Shape: []int{2}}}, "1 bytes"},
		{"dtype", []TensorToWrite{{Name: "a", DType: I32, F32: []float32{1}, Shape: []int{1}}}, "cannot encode"},
		{"unknown", []TensorToWrite{{Name: "a", DType: "X", Data: []byte{1}, Shape: []int{1}}}, "unknown dtype"},
		{"reserved", []TensorToWrite{{Name: "__metadata__", F32: []float32{1}, Shape: []int{1}}}, "invalid tensor name"},
		{"negative", []TensorToWrite{{Name: "a", F32: nil, Shape: []int{-1}}}, "negative"},
	}
	for _, c := range cases {
		err := Write(&bytes.Buffer{}, c.t, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.safetensors")
	if err := Create(path, cases[0].t, nil); err == nil {
		t.Fatal("Create accepted duplicates")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("failed Create left files: %v", entries)
	}
}
