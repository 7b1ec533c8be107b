package npy

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadDtypes(t *testing.T) {
	want := []float32{0, 1, 0, 1, 1, 0}
	for _, dt := range []string{"float32", "float64", "int64", "int32", "int8", "uint8", "bool"} {
		data, rows, cols, err := ReadMatrix(filepath.Join("testdata", "m_"+dt+".npy"))
		if err != nil {
			t.Fatalf("%s: %v", dt, err)
		}
		if rows != 2 || cols != 3 {
			t.Fatalf("%s: shape %dx%d, want 2x3", dt, rows, cols)
		}
		for i := range want {
			if data[i] != want[i] {
				t.Fatalf("%s: data %v, want %v", dt, data, want)
			}
		}
		if dt != "float32" && dt != "float64" {
			// a 2-D label array is refused, a 1-D one elsewhere accepted.
			if _, err := ReadLabels(filepath.Join("testdata", "m_"+dt+".npy")); err == nil {
				t.Fatalf("%s: ReadLabels accepted a 2x3 array", dt)
			}
		}
	}
}

func TestVersions(t *testing.T) {
	for _, v := range []string{"v1", "v2", "v3"} {
		h, data, err := Read(filepath.Join("testdata", v+".npy"))
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if len(h.Shape) != 2 || h.Shape[0] != 1 || h.Shape[1] != 3 {
			t.Fatalf("%s: shape %v", v, h.Shape)
		}
		if data[0] != 1.5 || data[1] != -2.25 || data[2] != float32(3e-8) {
			t.Fatalf("%s: data %v", v, data)
		}
	}
}

func TestErrors(t *testing.T) {
	cases := map[string]string{
		"fortran.npy":    "Fortran",
		"big_endian.npy": "big-endian",
		"labels_bad.npy": "want 0 or 1",
	}
	for name, msg := range cases {
		var err error
		if name == "labels_bad.npy" {
			_, err = ReadLabels(filepath.Join("testdata", name))
		} else {
			_, _, err = Read(filepath.Join("testdata", name))
		}
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, msg)
		}
	}
	y, err := ReadLabels(filepath.Join("testdata", "labels_f.npy"))
	if err != nil || len(y) != 3 || y[0] != 0 || y[1] != 1 || y[2] != 1 {
		t.Fatalf("labels_f: %v %v", y, err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "trunc.npy")
	b, _ := os.ReadFile(filepath.Join("testdata", "m_float32.npy"))
	os.WriteFile(bad, b[:len(b)-3], 0o644)
	if _, _, err := Read(bad); err == nil {
		t.Fatal("truncated file accepted")
	}
	os.WriteFile(bad, []byte("hello world, not npy"), 0o644)
	if _, _, err := Read(bad); err == nil {
		t.Fatal("garbage accepted")
	}
}

// TestWriteMatchesNumPy compares Go's output byte for byte with np.save's.
func TestWriteMatchesNumPy(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.npy")
	if err := Write(p, []float32{0, 1, 0, 1, 1, 0}, 2, 3); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	want, err := os.ReadFile(filepath.Join("testdata", "m_float32.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Go wrote\n%q\nNumPy wrote\n%q", got, want)
	}
	p2 := filepath.Join(dir, "y.npy")
	if err := WriteInt64(p2, []int64{0, 1, 1}); err != nil {
		t.Fatal(err)
	}
	y, err := ReadLabels(p2)
	if err != nil || len(y) != 3 || y[2] != 1 {
		t.Fatalf("%v %v", y, err)
	}
}

func FuzzReadHeader(f *testing.F) {
	for _, n := range []string{"v1.npy", "v2.npy", "v3.npy", "fortran.npy"} {
		b, _ := os.ReadFile(filepath.Join("testdata", n))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ReadHeader(bytes.NewReader(b))
		if err == nil && h.ItemSize() == 0 {
			t.Fatalf("accepted header with zero item size: %+v", h)
		}
	})
}
