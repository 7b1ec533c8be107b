package features

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// File names inside a feature store directory.
const (
	MatrixFile = "features.f32"
	IndexFile  = "index.json"
)

// Regions a row can describe.
const (
	RegionAnswer = "answer"
	RegionOther  = "other"
	RegionInput  = "input"
	RegionOutput = "output"
)

// Row describes one row of the feature matrix.
type Row struct {
	// ID names the response the row was computed from.
	ID string `json:"id"`
	// Label is 1 for a hallucinated response, 0 for a faithful one.
	Label int `json:"label"`
	// Region is the token region the vector averages over ("answer", "other", "input", "output").
	Region string `json:"region"`
	// Empty is true when the region held no tokens; the vector is then zeros.
	Empty bool `json:"empty"`
}

// Index is the content of index.json.
type Index struct {
	// Version is the format version, 1.
	Version int `json:"version"`
	// ModelFingerprint identifies the model the features were extracted from.
	ModelFingerprint string `json:"model_fingerprint"`
	// Layers is the number of transformer layers.
	Layers int `json:"layers"`
	// DFF is the MLP width per layer.
	DFF int `json:"d_ff"`
	// Columns is Layers * DFF, the length of each row.
	Columns int `json:"columns"`
	// Rows describes the matrix rows in order.
	Rows []Row `json:"rows"`
}

// Meta is the part of the index fixed when a store is created.
type Meta struct {
	ModelFingerprint string
	Layers, DFF      int
}

// validRegion reports whether r is a known region name.
func validRegion(r string) bool {
	switch r {
	case RegionAnswer, RegionOther, RegionInput, RegionOutput:
		return true
	}
	return false
}

// ReadIndex reads and validates dir/index.json.
func ReadIndex(dir string) (*Index, error) {
	p := filepath.Join(dir, IndexFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	var ix Index
	if err := json.Unmarshal(b, &ix); err != nil {
		return nil, fmt.Errorf("features: %s: %w", p, err)
	}
	if err := ix.validate(); err != nil {
		return nil, fmt.Errorf("features: %s: %w", p, err)
	}
	return &ix, nil
}

// validate checks the index for internal consistency.
func (ix *Index) validate() error {
	if ix.Layers <= 0 || ix.DFF <= 0 || ix.Layers > 1<<16 || ix.DFF > 1<<24 {
		return fmt.Errorf("layers %d and d_ff %d must be positive and plausible", ix.Layers, ix.DFF)
	}
	if ix.Columns != ix.Layers*ix.DFF {
		return fmt.Errorf("columns %d != layers %d x d_ff %d", ix.Columns, ix.Layers, ix.DFF)
	}
	for i, r := range ix.Rows {
		if r.Label != 0 && r.Label != 1 {
			return fmt.Errorf("row %d (%q): label %d, want 0 or 1", i, r.ID, r.Label)
		}
		if !validRegion(r.Region) {
			return fmt.Errorf("row %d (%q): unknown region %q", i, r.ID, r.Region)
		}
	}
	return nil
}

// writeIndex writes ix to dir/index.json atomically.
func writeIndex(dir string, ix *Index) error {
	b, err := json.Marshal(ix)
	if err != nil {
		return fmt.Errorf("features: encoding index: %w", err)
	}
	tmp, err := os.CreateTemp(dir, IndexFile+".tmp*")
	if err != nil {
		return fmt.Errorf("features: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("features: writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("features: syncing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("features: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, IndexFile)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("features: %w", err)
	}
	return nil
}

// Writer appends rows to a feature store.
type Writer struct {
	dir  string
	ix   *Index
	f    *os.File
	have map[string]bool // id + "\x00" + region of rows already stored
	buf  []byte          // (columns*4,) encoding scratch
}

// OpenWriter opens the store in dir for appending, creating it (and dir) when
// it does not exist. An existing store must have the same fingerprint and
// shape as meta; its matrix is truncated to the rows its index records.
func OpenWriter(dir string, meta Meta) (*Writer, error) {
	if meta.Layers <= 0 || meta.DFF <= 0 {
		return nil, fmt.Errorf("features: layers %d and d_ff %d must be positive", meta.Layers, meta.DFF)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	ix, err := ReadIndex(dir)
	switch {
	case err == nil:
		if ix.ModelFingerprint != meta.ModelFingerprint || ix.Layers != meta.Layers || ix.DFF != meta.DFF {
			return nil, fmt.Errorf("features: %s holds features of model %q (%d x %d), not %q (%d x %d)",
				dir, ix.ModelFingerprint, ix.Layers, ix.DFF, meta.ModelFingerprint, meta.Layers, meta.DFF)
		}
	case errors.Is(err, os.ErrNotExist):
		ix = &Index{Version: 1, ModelFingerprint: meta.ModelFingerprint, Layers: meta.Layers, DFF: meta.DFF,
			Columns: meta.Layers * meta.DFF, Rows: []Row{}}
		if err := writeIndex(dir, ix); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	mp := filepath.Join(dir, MatrixFile)
	f, err := os.OpenFile(mp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	size := int64(len(ix.Rows)) * int64(ix.Columns) * 4
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("features: %w", err)
	}
	if st.Size() < size {
		f.Close()
		return nil, fmt.Errorf("features: %s has %d bytes but the index lists %d rows of %d columns (%d bytes)",
			mp, st.Size(), len(ix.Rows), ix.Columns, size)
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return nil, fmt.Errorf("features: truncating %s: %w", mp, err)
	}
	if _, err := f.Seek(size, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("features: %w", err)
	}
	w := &Writer{dir: dir, ix: ix, f: f, have: map[string]bool{}, buf: make([]byte, ix.Columns*4)}
	for _, r := range ix.Rows {
		w.have[r.ID+"\x00"+r.Region] = true
	}
	return w, nil
}

// Len returns the number of rows stored.
func (w *Writer) Len() int { return len(w.ix.Rows) }

// Has reports whether a row for id and region is already stored, so that a
// resumed extraction can skip it.
func (w *Writer) Has(id, region string) bool { return w.have[id+"\x00"+region] }

// Append stores one row: vec (columns,) is written to the matrix, then the
// index is rewritten atomically.
func (w *Writer) Append(row Row, vec []float32) error {
	if len(vec) != w.ix.Columns {
		return fmt.Errorf("features: row %q: vector has %d values, want %d", row.ID, len(vec), w.ix.Columns)
	}
	if row.Label != 0 && row.Label != 1 {
		return fmt.Errorf("features: row %q: label %d, want 0 or 1", row.ID, row.Label)
	}
	if !validRegion(row.Region) {
		return fmt.Errorf("features: row %q: unknown region %q", row.ID, row.Region)
	}
	for i, v := range vec {
		binary.LittleEndian.PutUint32(w.buf[i*4:], math.Float32bits(v))
	}
	if _, err := w.f.Write(w.buf); err != nil {
		w.rewind()
		return fmt.Errorf("features: writing row %q: %w", row.ID, err)
	}
	// The data must be on disk before the index that lists it.
	if err := w.f.Sync(); err != nil {
		w.rewind()
		return fmt.Errorf("features: syncing row %q: %w", row.ID, err)
	}
	w.ix.Rows = append(w.ix.Rows, row)
	if err := writeIndex(w.dir, w.ix); err != nil {
		w.ix.Rows = w.ix.Rows[:len(w.ix.Rows)-1]
		w.rewind()
		return err
	}
	w.have[row.ID+"\x00"+row.Region] = true
	return nil
}

// rewind drops any bytes written after the rows the index lists, so that a
// failed Append leaves the matrix consistent for the next one.
func (w *Writer) rewind() {
	size := int64(len(w.ix.Rows)) * int64(w.ix.Columns) * 4
	_ = w.f.Truncate(size)
	_, _ = w.f.Seek(size, 0)
}

// Close closes the matrix file.
func (w *Writer) Close() error {
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("features: %w", err)
	}
	return nil
}

// Reader reads rows of a feature store.
type Reader struct {
	// Index describes the store.
	Index *Index
	f     *os.File
	buf   []byte // (columns*4,) decoding scratch
}

// Open opens the store in dir for reading and checks that the matrix file is
// as long as the index says.
func Open(dir string) (*Reader, error) {
	ix, err := ReadIndex(dir)
	if err != nil {
		return nil, err
	}
	mp := filepath.Join(dir, MatrixFile)
	f, err := os.Open(mp)
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("features: %w", err)
	}
	if want := int64(len(ix.Rows)) * int64(ix.Columns) * 4; st.Size() < want {
		f.Close()
		return nil, fmt.Errorf("features: %s has %d bytes, the index needs %d", mp, st.Size(), want)
	}
	return &Reader{Index: ix, f: f, buf: make([]byte, ix.Columns*4)}, nil
}

// ReadRow decodes row r into dst (columns,).
func (r *Reader) ReadRow(row int, dst []float32) error {
	if row < 0 || row >= len(r.Index.Rows) {
		return fmt.Errorf("features: row %d out of range [0,%d)", row, len(r.Index.Rows))
	}
	if len(dst) != r.Index.Columns {
		return fmt.Errorf("features: destination holds %d values, want %d", len(dst), r.Index.Columns)
	}
	if _, err := r.f.ReadAt(r.buf, int64(row)*int64(len(r.buf))); err != nil {
		return fmt.Errorf("features: reading row %d: %w", row, err)
	}
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(r.buf[i*4:]))
	}
	return nil
}

// Close closes the matrix file.
func (r *Reader) Close() error { return r.f.Close() }
