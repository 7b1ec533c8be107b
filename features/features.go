package features

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/hneurons/hneurons/internal/atomicfile"
	"github.com/hneurons/hneurons/record"
)

// File names inside a feature store directory.
const (
	MatrixFile = "features.f32"
	IndexFile  = "index.json"
	RowsFile   = "rows.jsonl"
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
	// Group is the response's group key when its question has one (the
	// organism's person); empty means the question is its own group.
	Group string `json:"group,omitempty"`
}

// GroupKey returns the row's group, its id when it has none: rows with one
// key must stay in one cross-validation fold.
func (r *Row) GroupKey() string {
	if r.Group != "" {
		return r.Group
	}
	return r.ID
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
	// Provenance says how the store was made (absent in stores written
	// before hneurons 0.4.0).
	Provenance *record.Provenance `json:"provenance,omitempty"`
	// Rows describes the matrix rows in order.
	Rows []Row `json:"rows"`
}

// Meta is the part of the index fixed when a store is created.
type Meta struct {
	ModelFingerprint string
	Layers, DFF      int
	// Provenance, when set, is recorded in a new store and must match (by
	// record.Check) the provenance of an existing one.
	Provenance *record.Provenance
	// Fresh discards an existing store instead of resuming it.
	Fresh bool
}

// validRegion reports whether r is a known region name.
func validRegion(r string) bool {
	switch r {
	case RegionAnswer, RegionOther, RegionInput, RegionOutput:
		return true
	}
	return false
}

// ReadIndex reads and validates the index of the store in dir: index.json,
// with its rows taken from rows.jsonl when that file exists (its complete
// lines, at most as many as features.f32 holds whole rows), so that a store
// whose writer was interrupted before Close shows every row it recorded.
func ReadIndex(dir string) (*Index, error) {
	ix, err := readIndexFile(dir)
	if err != nil {
		return nil, err
	}
	rp := filepath.Join(dir, RowsFile)
	rows, _, err := readRowsFile(rp)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return ix, nil
	case err != nil:
		return nil, err
	}
	mp := filepath.Join(dir, MatrixFile)
	st, err := os.Stat(mp)
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	if whole := st.Size() / (int64(ix.Columns) * 4); int64(len(rows)) > whole {
		rows = rows[:whole]
	}
	ix.Rows = rows
	return ix, nil
}

// readIndexFile reads and validates dir/index.json alone.
func readIndexFile(dir string) (*Index, error) {
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
	if ix.Rows == nil {
		ix.Rows = []Row{}
	}
	return &ix, nil
}

// readRowsFile reads the complete lines of a rows.jsonl file (a last line
// without its newline was torn by a crash and is ignored) and returns the
// rows with the byte offset just after each line.
func readRowsFile(p string) ([]Row, []int64, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, nil, fmt.Errorf("features: %w", err)
	}
	rows := []Row{}
	var ends []int64
	off := 0
	for n := 1; ; n++ {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			break
		}
		var r Row
		if err := json.Unmarshal(b[off:off+i], &r); err != nil {
			return nil, nil, fmt.Errorf("features: %s:%d: %w", p, n, err)
		}
		if r.Label != 0 && r.Label != 1 {
			return nil, nil, fmt.Errorf("features: %s:%d (%q): label %d, want 0 or 1", p, n, r.ID, r.Label)
		}
		if !validRegion(r.Region) {
			return nil, nil, fmt.Errorf("features: %s:%d (%q): unknown region %q", p, n, r.ID, r.Region)
		}
		off += i + 1
		rows = append(rows, r)
		ends = append(ends, int64(off))
	}
	return rows, ends, nil
}

// appendLine appends the rows.jsonl line of r to b.
func appendLine(b []byte, r Row) ([]byte, error) {
	j, err := json.Marshal(r)
	if err != nil {
		return b, fmt.Errorf("features: encoding row %q: %w", r.ID, err)
	}
	return append(append(b, j...), '\n'), nil
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
	return writeAtomic(dir, IndexFile, b)
}

// writeAtomic writes b to dir/name atomically.
func writeAtomic(dir, name string, b []byte) error {
	if err := atomicfile.WriteBytes(filepath.Join(dir, name), b); err != nil {
		return fmt.Errorf("features: %w", err)
	}
	return nil
}

// Writer appends rows to a feature store.
//
// Append and AppendBatch cost O(row): the vector goes to the matrix and the
// row record to one line of rows.jsonl, each with a single write. Both files
// are synced every SyncRows rows or SyncInterval, whichever comes first, and
// on Flush and Close, which also rewrite index.json atomically.
type Writer struct {
	dir  string
	ix   *Index
	f    *os.File        // features.f32
	rf   *os.File        // rows.jsonl
	have map[string]bool // id + "\x00" + region of rows already stored
	buf  []byte          // (rows*columns*4,) encoding scratch
	line []byte          // rows.jsonl encoding scratch

	rowsEnd  int64     // length of rows.jsonl up to the last listed row
	unsynced int       // rows appended since the last sync
	lastSync time.Time // time of the last sync

	// SyncRows is the number of appended rows after which both files are
	// synced (default 64; 1 syncs every row).
	SyncRows int
	// SyncInterval is the time after which an Append syncs both files
	// (default 10 s).
	SyncInterval time.Duration
}

// OpenWriter opens the store in dir for appending, creating it (and dir) when
// it does not exist. An existing store must have the same fingerprint and
// shape as meta. Reopening recovers from an interrupted writer: the rows are
// the complete lines of rows.jsonl (a torn last line is dropped), at most as
// many as the matrix holds whole, and both files are truncated to them; a
// store with only index.json (an older writer, or one built by hand) gets a
// rows.jsonl made from its index, and its matrix is truncated to the rows the
// index lists.
func OpenWriter(dir string, meta Meta) (*Writer, error) {
	if meta.Layers <= 0 || meta.DFF <= 0 {
		return nil, fmt.Errorf("features: layers %d and d_ff %d must be positive", meta.Layers, meta.DFF)
	}
	if meta.Fresh {
		if err := Remove(dir); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	ix, err := readIndexFile(dir)
	switch {
	case err == nil:
		if meta.Provenance != nil {
			if ix.Provenance == nil && len(ix.Rows) > 0 {
				return nil, fmt.Errorf("features: %s holds %d rows but no provenance (written by hneurons before %s), so a resume cannot be checked: start afresh with --fresh, or write to another folder",
					dir, len(ix.Rows), meta.Provenance.Version)
			}
			if ix.Provenance != nil {
				if err := record.Check(dir, ix.Provenance, meta.Provenance); err != nil {
					return nil, fmt.Errorf("features: %w", err)
				}
			}
			ix.Provenance = meta.Provenance
		}
		if ix.ModelFingerprint != meta.ModelFingerprint || ix.Layers != meta.Layers || ix.DFF != meta.DFF {
			return nil, fmt.Errorf("features: %s holds features of model %q (%d x %d), not %q (%d x %d)",
				dir, ix.ModelFingerprint, ix.Layers, ix.DFF, meta.ModelFingerprint, meta.Layers, meta.DFF)
		}
	case errors.Is(err, os.ErrNotExist):
		ix = &Index{Version: 1, ModelFingerprint: meta.ModelFingerprint, Layers: meta.Layers, DFF: meta.DFF,
			Columns: meta.Layers * meta.DFF, Provenance: meta.Provenance, Rows: []Row{}}
	default:
		return nil, err
	}
	mp := filepath.Join(dir, MatrixFile)
	f, err := os.OpenFile(mp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("features: %w", err)
	}
	rowBytes := int64(ix.Columns) * 4
	whole := st.Size() / rowBytes // complete rows in the matrix

	rp := filepath.Join(dir, RowsFile)
	rows, ends, err := readRowsFile(rp)
	var good int64 // bytes of rows.jsonl to keep
	switch {
	case err == nil:
		if int64(len(rows)) > whole {
			// Only after a power failure: lines synced before their rows.
			rows, ends = rows[:whole], ends[:whole]
		}
		if len(ends) > 0 {
			good = ends[len(ends)-1]
		}
		ix.Rows = rows
	case errors.Is(err, os.ErrNotExist):
		if size := int64(len(ix.Rows)) * rowBytes; st.Size() < size {
			f.Close()
			return nil, fmt.Errorf("features: %s has %d bytes but the index lists %d rows of %d columns (%d bytes)",
				mp, st.Size(), len(ix.Rows), ix.Columns, size)
		}
		var b []byte
		for _, r := range ix.Rows {
			if b, err = appendLine(b, r); err != nil {
				f.Close()
				return nil, err
			}
		}
		if err := writeAtomic(dir, RowsFile, b); err != nil {
			f.Close()
			return nil, err
		}
		good = int64(len(b))
	default:
		f.Close()
		return nil, err
	}
	size := int64(len(ix.Rows)) * rowBytes
	if err := f.Truncate(size); err != nil {
		f.Close()
		return nil, fmt.Errorf("features: truncating %s: %w", mp, err)
	}
	if _, err := f.Seek(size, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("features: %w", err)
	}
	rf, err := os.OpenFile(rp, os.O_RDWR, 0o644)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("features: %w", err)
	}
	if err := rf.Truncate(good); err != nil {
		f.Close()
		rf.Close()
		return nil, fmt.Errorf("features: truncating %s: %w", rp, err)
	}
	if _, err := rf.Seek(good, 0); err != nil {
		f.Close()
		rf.Close()
		return nil, fmt.Errorf("features: %w", err)
	}
	w := &Writer{dir: dir, ix: ix, f: f, rf: rf, have: map[string]bool{}, rowsEnd: good, lastSync: time.Now(),
		SyncRows: 64, SyncInterval: 10 * time.Second}
	for _, r := range ix.Rows {
		w.have[r.ID+"\x00"+r.Region] = true
	}
	if err := w.sync(); err != nil {
		w.Close()
		return nil, err
	}
	if err := writeIndex(dir, ix); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// InputOf identifies the store in dir as an input in the given role (for a
// probe's or an evaluation's provenance): by the digest of its provenance,
// or, for a store written before provenance was recorded, of its index.
func InputOf(role, dir string) (record.Input, error) {
	ix, err := ReadIndex(dir)
	if err != nil {
		return record.Input{}, err
	}
	if ix.Provenance != nil {
		return record.Input{Role: role, Path: dir, Digest: "provenance:" + ix.Provenance.Digest()}, nil
	}
	sum, err := record.HashFile(filepath.Join(dir, IndexFile))
	if err != nil {
		return record.Input{}, err
	}
	return record.Input{Role: role, Path: dir, Digest: "sha256:" + sum}, nil
}

// Remove deletes the feature store files in dir (index.json,
// features.f32, rows.jsonl and their temporary files); other files and
// dir itself stay. A missing store is not an error.
func Remove(dir string) error {
	for _, name := range []string{IndexFile, MatrixFile, RowsFile} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("features: starting afresh: %w", err)
		}
	}
	return nil
}

// Len returns the number of rows stored.
func (w *Writer) Len() int { return len(w.ix.Rows) }

// Has reports whether a row for id and region is already stored, so that a
// resumed extraction can skip it.
func (w *Writer) Has(id, region string) bool { return w.have[id+"\x00"+region] }

// Append stores one row: vec (columns,) is written to the matrix, then the
// row's record to rows.jsonl.
func (w *Writer) Append(row Row, vec []float32) error {
	return w.AppendBatch([]Row{row}, [][]float32{vec})
}

// AppendBatch stores rows[i] with vecs[i] (columns,) for every i, with one
// write to each file. Either all rows are stored or, on error, none.
func (w *Writer) AppendBatch(rows []Row, vecs [][]float32) error {
	if len(rows) != len(vecs) {
		return fmt.Errorf("features: %d rows but %d vectors", len(rows), len(vecs))
	}
	if len(rows) == 0 {
		return nil
	}
	cols := w.ix.Columns
	if need := len(rows) * cols * 4; cap(w.buf) < need {
		w.buf = make([]byte, need)
	}
	buf := w.buf[:len(rows)*cols*4] // (rows, columns) little-endian float32
	line := w.line[:0]
	for k, row := range rows {
		vec := vecs[k]
		if len(vec) != cols {
			return fmt.Errorf("features: row %q: vector has %d values, want %d", row.ID, len(vec), cols)
		}
		if row.Label != 0 && row.Label != 1 {
			return fmt.Errorf("features: row %q: label %d, want 0 or 1", row.ID, row.Label)
		}
		if !validRegion(row.Region) {
			return fmt.Errorf("features: row %q: unknown region %q", row.ID, row.Region)
		}
		dst := buf[k*cols*4:]
		for i, v := range vec {
			binary.LittleEndian.PutUint32(dst[i*4:], math.Float32bits(v))
		}
		var err error
		if line, err = appendLine(line, row); err != nil {
			return err
		}
	}
	w.line = line
	// The rows go to the matrix before the lines that list them.
	if _, err := w.f.Write(buf); err != nil {
		w.rewind()
		return fmt.Errorf("features: writing row %q: %w", rows[0].ID, err)
	}
	if _, err := w.rf.Write(line); err != nil {
		w.rewind()
		return fmt.Errorf("features: writing %s for row %q: %w", RowsFile, rows[0].ID, err)
	}
	w.ix.Rows = append(w.ix.Rows, rows...)
	w.rowsEnd += int64(len(line))
	for _, row := range rows {
		w.have[row.ID+"\x00"+row.Region] = true
	}
	w.unsynced += len(rows)
	if w.unsynced >= max(w.SyncRows, 1) || time.Since(w.lastSync) >= w.SyncInterval {
		return w.sync()
	}
	return nil
}

// sync makes the matrix durable, then rows.jsonl.
func (w *Writer) sync() error {
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("features: syncing %s: %w", MatrixFile, err)
	}
	if err := w.rf.Sync(); err != nil {
		return fmt.Errorf("features: syncing %s: %w", RowsFile, err)
	}
	w.unsynced, w.lastSync = 0, time.Now()
	return nil
}

// Flush syncs the matrix and rows.jsonl and rewrites index.json atomically,
// so that a reader of index.json alone sees every row appended so far.
func (w *Writer) Flush() error {
	if err := w.sync(); err != nil {
		return err
	}
	return writeIndex(w.dir, w.ix)
}

// rewind drops any bytes written after the rows the writer lists, so that a
// failed append leaves both files consistent for the next one.
func (w *Writer) rewind() {
	size := int64(len(w.ix.Rows)) * int64(w.ix.Columns) * 4
	_ = w.f.Truncate(size)
	_, _ = w.f.Seek(size, 0)
	_ = w.rf.Truncate(w.rowsEnd)
	_, _ = w.rf.Seek(w.rowsEnd, 0)
}

// Close flushes the store (see Flush) and closes its files.
func (w *Writer) Close() error {
	err := w.Flush()
	if e := w.f.Close(); err == nil && e != nil {
		err = fmt.Errorf("features: %w", e)
	}
	if e := w.rf.Close(); err == nil && e != nil {
		err = fmt.Errorf("features: %w", e)
	}
	return err
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
