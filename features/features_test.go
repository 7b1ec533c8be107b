package features

import (
	"encoding/binary"
	"fmt"
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
	rows := []Row{{ID: "a", Label: 1, Region: "answer"}, {ID: "a", Label: 1, Region: "other"}, {ID: "b", Region: "answer", Empty: true}}
	for i, r := range rows[:2] {
		if err := w.Append(r, vec(i, 6)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Append(Row{ID: "x", Label: 2, Region: "answer"}, vec(9, 6)); err == nil {
		t.Fatal("label 2 accepted")
	}
	if err := w.Append(Row{ID: "x", Label: 1, Region: "answer"}, vec(9, 5)); err == nil {
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

// abandon closes w's files without flushing, as a killed process leaves them.
func abandon(w *Writer) {
	w.f.Close()
	w.rf.Close()
}

// Appends go to rows.jsonl, not index.json; a writer killed before Close
// leaves a store that readers and a reopened writer recover from the matrix
// and rows.jsonl, dropping a torn line and a row the lines do not list.
func TestRowsSideFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	meta := Meta{ModelFingerprint: "fp", Layers: 1, DFF: 4}
	w, err := OpenWriter(dir, meta)
	if err != nil {
		t.Fatal(err)
	}
	rows := []Row{{ID: "a", Label: 1, Region: "answer"}, {ID: "b", Region: "answer"}, {ID: "c", Label: 1, Region: "other", Empty: true}, {ID: "d", Region: "input"}}
	if err := w.Append(rows[0], vec(0, 4)); err != nil {
		t.Fatal(err)
	}
	if err := w.AppendBatch(rows[1:3], [][]float32{vec(1, 4), vec(2, 4)}); err != nil {
		t.Fatal(err)
	}
	if err := w.AppendBatch(rows[3:], [][]float32{vec(3, 4), vec(3, 3)}); err == nil {
		t.Fatal("short vector in a batch accepted")
	}
	if w.Len() != 3 {
		t.Fatalf("failed batch changed the length to %d", w.Len())
	}
	// index.json is not rewritten per row.
	b, _ := os.ReadFile(filepath.Join(dir, IndexFile))
	if strings.Contains(string(b), `"a"`) {
		t.Fatalf("index.json rewritten by Append: %s", b)
	}
	lines, _ := os.ReadFile(filepath.Join(dir, RowsFile))
	want := `{"id":"a","label":1,"region":"answer","empty":false}` + "\n" +
		`{"id":"b","label":0,"region":"answer","empty":false}` + "\n" +
		`{"id":"c","label":1,"region":"other","empty":true}` + "\n"
	if string(lines) != want {
		t.Fatalf("rows.jsonl\n%s\nwant\n%s", lines, want)
	}
	// Kill: row d's vector is written whole but its line is torn, and a
	// partial row follows.
	abandon(w)
	mf, _ := os.OpenFile(filepath.Join(dir, MatrixFile), os.O_APPEND|os.O_WRONLY, 0)
	mf.Write(make([]byte, 4*4+6))
	mf.Close()
	rf, _ := os.OpenFile(filepath.Join(dir, RowsFile), os.O_APPEND|os.O_WRONLY, 0)
	rf.WriteString(`{"id":"d","label":0,"reg`)
	rf.Close()

	// A reader sees the three recorded rows though index.json lists none.
	rd, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, 4)
	if len(rd.Index.Rows) != 3 || rd.ReadRow(2, got) != nil || got[3] != vec(2, 4)[3] {
		t.Fatalf("reader after a kill: %+v %v", rd.Index.Rows, got)
	}
	rd.Close()

	w, err = OpenWriter(dir, meta)
	if err != nil {
		t.Fatal(err)
	}
	if w.Len() != 3 || !w.Has("c", "other") || w.Has("d", "input") {
		t.Fatalf("recovered %d rows", w.Len())
	}
	if err := w.Append(rows[3], vec(3, 4)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lines, _ = os.ReadFile(filepath.Join(dir, RowsFile))
	if want += `{"id":"d","label":0,"region":"input","empty":false}` + "\n"; string(lines) != want {
		t.Fatalf("rows.jsonl after resume\n%s", lines)
	}
	st, _ := os.Stat(filepath.Join(dir, MatrixFile))
	if st.Size() != 4*4*4 {
		t.Fatalf("matrix has %d bytes", st.Size())
	}
	// index.json alone now lists every row (readers of the old format).
	ix, err := readIndexFile(dir)
	if err != nil || len(ix.Rows) != 4 || ix.Rows[3] != rows[3] {
		t.Fatalf("index.json after Close: %+v %v", ix, err)
	}

	// More lines than whole rows (lines synced, rows lost): cut to the rows.
	os.Truncate(filepath.Join(dir, MatrixFile), 3*4*4+5)
	w, err = OpenWriter(dir, meta)
	if err != nil || w.Len() != 3 {
		t.Fatalf("lines beyond the matrix: %v rows, %v", w.Len(), err)
	}
	w.Close()

	// A store with only index.json (older writer) gets its rows.jsonl.
	os.Remove(filepath.Join(dir, RowsFile))
	w, err = OpenWriter(dir, meta)
	if err != nil || w.Len() != 3 {
		t.Fatalf("index-only store: %v", err)
	}
	w.Close()
	lines, _ = os.ReadFile(filepath.Join(dir, RowsFile))
	if strings.Count(string(lines), "\n") != 3 {
		t.Fatalf("rows.jsonl rebuilt from the index: %q", lines)
	}

	// A corrupt complete line is an error, not silently dropped.
	os.WriteFile(filepath.Join(dir, RowsFile), []byte("{\"id\":\"a\",\"label\":7,\"region\":\"answer\"}\n"), 0o644)
	if _, err := Open(dir); err == nil {
		t.Fatal("label 7 in rows.jsonl accepted")
	}
}

// BenchmarkAppend appends rows of 4096 columns to a store that already holds
// 2000 rows (b.N rows per run); the cost must not grow with the store.
func BenchmarkAppend(b *testing.B) {
	dir := b.TempDir()
	meta := Meta{ModelFingerprint: "fp", Layers: 4, DFF: 1024}
	w, err := OpenWriter(dir, meta)
	if err != nil {
		b.Fatal(err)
	}
	v := vec(1, 4096)
	for i := 0; i < 2000; i++ {
		if err := w.Append(Row{ID: fmt.Sprint("pre", i), Region: "answer"}, v); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := w.Append(Row{ID: fmt.Sprint(i), Region: "answer"}, v); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	w.Close()
}
