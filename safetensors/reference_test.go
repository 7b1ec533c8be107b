package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// refTensor is one entry of testdata/reference.json, written by
// testdata/make_reference.py with numpy and torch.
type refTensor struct {
	Name           string   `json:"name"`
	DType          DType    `json:"dtype"`
	Shape          []int    `json:"shape"`
	SourceF32Bits  []uint32 `json:"source_f32_bits"`
	DecodedF32Bits []uint32 `json:"decoded_f32_bits"`
	Ints           []int64  `json:"ints"`
	F64Bits        []string `json:"f64_bits"`
}

type refFile struct {
	Tensors  []refTensor       `json:"tensors"`
	Metadata map[string]string `json:"metadata"`
}

func loadReference(t *testing.T) refFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref refFile
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// rawBytes returns the little-endian bytes the reference says a tensor holds,
// for the non-float tensors.
func (r refTensor) rawBytes(t *testing.T) []byte {
	t.Helper()
	var b []byte
	switch {
	case r.F64Bits != nil:
		for _, s := range r.F64Bits {
			u, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			b = binary.LittleEndian.AppendUint64(b, u)
		}
	case r.Ints != nil:
		for _, v := range r.Ints {
			switch r.DType.Size() {
			case 8:
				b = binary.LittleEndian.AppendUint64(b, uint64(v))
			case 4:
				b = binary.LittleEndian.AppendUint32(b, uint32(v))
			case 2:
				b = binary.LittleEndian.AppendUint16(b, uint16(v))
			case 1:
				b = append(b, byte(v))
			}
		}
	default:
		t.Fatalf("tensor %q has no raw values", r.Name)
	}
	return b
}

// TestReadNumpyWritten reads a file laid out by hand with numpy and compares
// every tensor with the values numpy and torch decoded.
func TestReadNumpyWritten(t *testing.T) {
	ref := loadReference(t)
	path := filepath.Join("testdata", "numpy_written.safetensors")
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Len() != len(ref.Tensors) {
		t.Fatalf("%d tensors, reference has %d", f.Len(), len(ref.Tensors))
	}
	md := f.Metadata()
	if len(md) != len(ref.Metadata) {
		t.Fatalf("metadata %v, want %v", md, ref.Metadata)
	}
	for k, v := range ref.Metadata {
		if md[k] != v {
			t.Errorf("metadata[%q] = %q, want %q", k, md[k], v)
		}
	}
	for _, r := range ref.Tensors {
		info, ok := f.Tensor(r.Name)
		if !ok {
			t.Errorf("tensor %q missing", r.Name)
			continue
		}
		if info.DType != r.DType || !equalInts(info.Shape, r.Shape) {
			t.Errorf("tensor %q: %s %v, want %s %v", r.Name, info.DType, info.Shape, r.DType, r.Shape)
		}
		// Everything starts aligned to its element size in this layout.
		if (f.DataOffset()+info.Begin)%int64(info.DType.Size()) != 0 {
			t.Errorf("tensor %q: file offset %d not aligned", r.Name, f.DataOffset()+info.Begin)
		}
		if r.DecodedF32Bits != nil {
			vals, _, err := f.Float32s(r.Name)
			if err != nil {
				t.Errorf("tensor %q: %v", r.Name, err)
				continue
			}
			if len(vals) != len(r.DecodedF32Bits) {
				t.Errorf("tensor %q: %d values, want %d", r.Name, len(vals), len(r.DecodedF32Bits))
				continue
			}
			for i, v := range vals {
				if math.Float32bits(v) != r.DecodedF32Bits[i] {
					t.Errorf("tensor %q[%d] = %v (%#08x), numpy/torch say %v (%#08x)", r.Name, i,
						v, math.Float32bits(v), math.Float32frombits(r.DecodedF32Bits[i]), r.DecodedF32Bits[i])
				}
			}
		}
		if r.Ints != nil || r.F64Bits != nil {
			b, _, err := f.Data(r.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, r.rawBytes(t)) {
				t.Errorf("tensor %q: bytes %x, want %x", r.Name, b, r.rawBytes(t))
			}
		}
	}
	if _, _, err := f.Float32s("ids.i64"); err == nil {
		t.Error("Float32s of an I64 tensor should fail")
	}
}

// TestWriteMatchesNumpyBytes writes the reference tensors with Write from
// their float32 sources and checks the bytes equal the numpy-written file:
// layout, header and float16/bfloat16 rounding all come from independent code.
func TestWriteMatchesNumpyBytes(t *testing.T) {
	ref := loadReference(t)
	want, err := os.ReadFile(filepath.Join("testdata", "numpy_written.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	var tensors []TensorToWrite
	for _, r := range ref.Tensors {
		tw := TensorToWrite{Name: r.Name, DType: r.DType, Shape: r.Shape}
		if r.SourceF32Bits != nil {
			tw.F32 = make([]float32, len(r.SourceF32Bits))
			for i, b := range r.SourceF32Bits {
				tw.F32[i] = math.Float32frombits(b)
			}
		} else {
			tw.Data = r.rawBytes(t)
		}
		tensors = append(tensors, tw)
	}
	var buf bytes.Buffer
	if err := Write(&buf, tensors, ref.Metadata); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	if bytes.Equal(got, want) {
		return
	}
	// NaN bit patterns are implementation-specific (torch 1.13 stores a
	// bfloat16 NaN as 0xffff, newer versions as 0x7fc0): accept any NaN for
	// a NaN, and demand every other byte be equal.
	gf, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	wf, err := Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	if gh, wh := got[:gf.DataOffset()], want[:wf.DataOffset()]; !bytes.Equal(gh, wh) {
		t.Fatalf("header differs from the numpy file:\n got %s\nwant %s", gh, wh)
	}
	for _, name := range wf.Names() {
		gb, info, _ := gf.Data(name)
		wb, _, _ := wf.Data(name)
		if bytes.Equal(gb, wb) {
			continue
		}
		if info.DType != BF16 && info.DType != F16 {
			t.Errorf("tensor %q: bytes %x, numpy wrote %x", name, gb, wb)
			continue
		}
		gv := make([]float32, info.Elements())
		wv := make([]float32, info.Elements())
		ToFloat32(gv, gb, info.DType)
		ToFloat32(wv, wb, info.DType)
		for i := range gv {
			g, w := binary.LittleEndian.Uint16(gb[2*i:]), binary.LittleEndian.Uint16(wb[2*i:])
			if g != w && !(gv[i] != gv[i] && wv[i] != wv[i]) {
				t.Errorf("tensor %q[%d]: %#04x, numpy/torch wrote %#04x", name, i, g, w)
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
