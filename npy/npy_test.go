package npy

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
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
		} else if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "offset") {
			t.Errorf("%s: error %v does not name the file and an offset", name, err)
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
		if err != nil {
			if !strings.Contains(err.Error(), "offset") {
				t.Fatalf("error %q does not say where", err)
			}
			return
		}
		if h.ItemSize() == 0 {
			t.Fatalf("accepted header with zero item size: %+v", h)
		}
		if h.DataOffset > int64(len(b)) {
			t.Fatalf("data offset %d beyond the %d bytes read", h.DataOffset, len(b))
		}
	})
}

// FuzzRead feeds arbitrary file contents through the readers behind Read,
// ReadMatrix and ReadLabels (everything Open does but the system call). No
// input may panic or allocate more than a small multiple of its size; errors
// name the file and an offset; what is accepted has the declared size, and
// labels are 0 or 1.
func FuzzRead(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*.npy"))
	for _, n := range names {
		b, _ := os.ReadFile(n)
		f.Add(b)
	}
	f.Add([]byte("\x93NUMPY\x01\x00\x30\x00{'descr': '<i8', 'fortran_order': False, 'shape': (1099511627776,), }"))
	const name = "dir/x.npy"
	open := func(t *testing.T, b []byte) *File {
		fl, err := newFile(name, bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "npy: "+name+": ") || !strings.Contains(err.Error(), "offset") {
				t.Fatalf("error %q does not name the file and an offset", err)
			}
			return nil
		}
		return fl
	}
	check := func(t *testing.T, err error) {
		if err != nil && (!strings.HasPrefix(err.Error(), "npy: "+name+": ") || !strings.Contains(err.Error(), "offset")) {
			t.Fatalf("error %q does not name the file and an offset", err)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		limit := 16*uint64(len(b)) + 1<<16
		if n := allocated(func() {
			if fl := open(t, b); fl != nil {
				h, data, err := fl.read()
				check(t, err)
				if err == nil && len(data) != h.Len() {
					t.Fatalf("%d values for shape %v", len(data), h.Shape)
				}
			}
		}); n > limit {
			t.Fatalf("Read of %d bytes allocated %d bytes", len(b), n)
		}
		if n := allocated(func() {
			if fl := open(t, b); fl != nil {
				data, rows, cols, err := fl.readMatrix()
				check(t, err)
				if err == nil && (len(data) != rows*cols || rows*cols != fl.Len()) {
					t.Fatalf("%d values for %dx%d, shape %v", len(data), rows, cols, fl.Shape)
				}
			}
		}); n > limit {
			t.Fatalf("ReadMatrix of %d bytes allocated %d bytes", len(b), n)
		}
		if n := allocated(func() {
			if fl := open(t, b); fl != nil {
				y, err := fl.readLabels()
				check(t, err)
				if err == nil {
					if len(y) != fl.Shape[0] {
						t.Fatalf("%d labels for shape %v", len(y), fl.Shape)
					}
					for _, v := range y {
						if v != 0 && v != 1 {
							t.Fatalf("label %d", v)
						}
					}
				}
			}
		}); n > limit {
			t.Fatalf("ReadLabels of %d bytes allocated %d bytes", len(b), n)
		}
	})
}

// allocated runs fn and returns the bytes it allocated on the heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A write that fails part-way leaves the earlier file whole (it used to
// truncate it) and no temporary file behind.
func TestFailedWriteKeepsEarlierFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.npy")
	if err := WriteFloat32(path, []float32{1, 2, 3}, 3); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = WriteStream(path, "<f4", []int{1 << 20}, func(w *bufio.Writer) error {
		w.Write(make([]byte, 1<<21)) // more than the buffers hold: bytes reach the disk
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want boom naming %s", err, path)
	}
	after, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("earlier file changed: %d bytes -> %d (%v)", len(before), len(after), err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d entries left in the folder, want 1", len(ents))
	}
}
