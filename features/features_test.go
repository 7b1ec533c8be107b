package features

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/npy"
)

func vec(seed, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(seed*100+i) / 7
	}
	return v
}

func TestWriteResumeRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	meta := Meta{ModelFingerprint: "fp1", Layers: 2, DFF: 3}
	w, err := OpenWriter(dir, meta)
	if err != nil {
		t.Fatal(err)
	}
	rows := []Row{{"a", 1, "answer", false}, {"a", 1, "other", false}, {"b", 0, "answer", true}}
	for i, r := range rows[:2] {
		if err := w.Append(r, vec(i, 6)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Append(Row{"x", 2, "answer", false}, vec(9, 6)); err == nil {
		t.Fatal("label 2 accepted")
	}
	if err := w.Append(Row{"x", 1, "answer", false}, vec(9, 5)); err == nil {
		t.Fatal("short vector accepted")
	}
	w.Close()
	// Simulate a crash after writing half a row's data.
	f, _ := os.OpenFile(filepath.Join(dir, MatrixFile), os.O_APPEND|os.O_WRONLY, 0)
	f.Write(make([]byte, 10))
	f.Close()
	if _, err := OpenWriter(dir, Meta{ModelFingerprint: "other", Layers: 2, DFF: 3}); err == nil ||
		!strings.Contains(err.Error(), "other") {
		t.Fatalf("fingerprint mismatch: %v", err)
	}
	w, err = OpenWriter(dir, meta)
	if err != nil {
		t.Fatal(err)
	}
	if !w.Has("a", "other") || w.Has("b", "answer") || w.Len() != 2 {
		t.Fatalf("resume state wrong: len %d", w.Len())
	}
	if err := w.Append(rows[2], vec(2, 6)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	st, _ := os.Stat(filepath.Join(dir, MatrixFile))
	if st.Size() != 3*6*4 {
		t.Fatalf("matrix has %d bytes, want %d", st.Size(), 3*6*4)
	}
	// Check the raw bytes independently of Reader.
	raw, _ := os.ReadFile(filepath.Join(dir, MatrixFile))
	for r := 0; r < 3; r++ {
		want := vec(r, 6)
		for c := 0; c < 6; c++ {
			got := math.Float32frombits(binary.LittleEndian.Uint32(raw[(r*6+c)*4:]))
			if got != want[c] {
				t.Fatalf("raw row %d col %d: %v want %v", r, c, got, want[c])
			}
		}
	}
	rd, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if len(rd.Index.Rows) != 3 || rd.Index.Rows[2] != rows[2] || rd.Index.Columns != 6 {
		t.Fatalf("index %+v", rd.Index)
	}
	got := make([]float32, 6)
	if err := rd.ReadRow(1, got); err != nil || got[5] != vec(1, 6)[5] {
		t.Fatalf("row 1: %v %v", got, err)
	}
	if err := rd.ReadRow(3, got); err == nil {
		t.Fatal("row 3 of 3 read")
	}

	out := filepath.Join(t.TempDir(), "npy")
	n, err := ExportNPY(dir, out, func(r Row) bool { return r.Region == "answer" })
	if err != nil || n != 2 {
		t.Fatalf("export: %d %v", n, err)
	}
	x, nr, nc, err := npy.ReadMatrix(filepath.Join(out, "X.npy"))
	if err != nil || nr != 2 || nc != 6 || x[6] != vec(2, 6)[0] {
		t.Fatalf("X.npy: %v %d %d %v", x, nr, nc, err)
	}
	y, err := npy.ReadLabels(filepath.Join(out, "y.npy"))
	if err != nil || y[0] != 1 || y[1] != 0 {
		t.Fatalf("y.npy: %v %v", y, err)
	}
	ids, _ := os.ReadFile(filepath.Join(out, "ids.txt"))
	if string(ids) != "a\tanswer\nb\tanswer\n" {
		t.Fatalf("ids.txt %q", ids)
	}
}

func TestBadIndex(t *testing.T) {
	dir := t.TempDir()
	for _, s := range []string{
		`{"layers":2,"d_ff":3,"columns":5,"rows":[]}`,
		`{"layers":2,"d_ff":3,"columns":6,"rows":[{"id":"a","label":1,"region":"nowhere"}]}`,
		`{"layers":2,"d_ff":3,"columns":6,"rows":[{"id":"a","label":1,"region":"answer"}]}`, // matrix missing
		`not json`,
	} {
		os.WriteFile(filepath.Join(dir, IndexFile), []byte(s), 0o644)
		if _, err := Open(dir); err == nil {
			t.Errorf("index %s accepted", s)
		}
	}
}

func FuzzReadIndex(f *testing.F) {
	f.Add([]byte(`{"version":1,"model_fingerprint":"x","layers":2,"d_ff":3,"columns":6,"rows":[{"id":"a","label":1,"region":"answer","empty":false}]}`))
	f.Add([]byte(`{"layers":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, IndexFile), b, 0o644)
		ix, err := ReadIndex(dir)
		if err != nil {
			return
		}
		if ix.Columns != ix.Layers*ix.DFF || ix.Layers <= 0 {
			t.Fatalf("accepted inconsistent index %+v", ix)
		}
		for _, r := range ix.Rows {
			if (r.Label != 0 && r.Label != 1) || !validRegion(r.Region) {
				t.Fatalf("accepted bad row %+v", r)
			}
		}
	})
}
