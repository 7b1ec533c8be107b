package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
)

// scan reads r line by line, calling fn with every non-blank line ended by
// a newline (1-based line numbers). It returns the byte length of the input
// up to and including the last newline, and the last line when it has no
// newline (nil when the input ends with one).
func scan(r io.Reader, name string, fn func(line int, b []byte) error) (valid int64, tail []byte, lines int, err error) {
	br := bufio.NewReaderSize(r, 1<<16)
	for n := 1; ; n++ {
		b, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(bytes.TrimSpace(b)) > 0 {
				return valid, b, n, nil
			}
			return valid, nil, n - 1, nil
		}
		if err != nil {
			return valid, nil, n, fmt.Errorf("record: %s line %d: %w", name, n, err)
		}
		if len(bytes.TrimSpace(b)) > 0 {
			if err := fn(n, b); err != nil {
				return valid, nil, n, err
			}
		}
		valid += int64(len(b))
	}
}

// Scan reads a JSONL file that this run only reads (an input): fn gets
// every non-blank record line with its 1-based number, and the provenance
// line, when the file starts with one, is returned instead. A last line
// without a newline is a record like any other; only when it is not valid
// JSON (a line still being written by a stage that appends to the file) is
// it skipped, with a warning. A missing file is an error.
func Scan(path string, fn func(line int, b []byte) error) (*Provenance, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	defer f.Close()
	return ScanReader(f, path, fn)
}

// ScanReader is Scan on a reader; name is used in errors.
func ScanReader(r io.Reader, name string, fn func(line int, b []byte) error) (*Provenance, error) {
	var prov *Provenance
	first := true
	each := func(line int, b []byte) error {
		if first {
			first = false
			if p := ParseHeader(b); p != nil {
				prov = p
				return nil
			}
		}
		return fn(line, b)
	}
	_, tail, n, err := scan(r, name, each)
	if err != nil {
		return prov, err
	}
	if tail != nil {
		if !json.Valid(tail) {
			slog.Warn("record: skipping an incomplete last line (is the stage that writes this file still running?)", "file", name, "line", n)
			return prov, nil
		}
		if err := each(n, tail); err != nil {
			return prov, err
		}
	}
	return prov, nil
}

// decodeRecord decodes one record line into v and checks its id.
func decodeRecord(name string, line int, b []byte, v any, id func() string) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("record: %s line %d: %w", name, line, err)
	}
	if id() == "" {
		return fmt.Errorf("record: %s line %d: record has no \"id\"", name, line)
	}
	return nil
}

// EachCollected calls fn with every Collected record of a JSONL file, in
// order, and returns the file's provenance (nil when it has none). A line
// that is not a record with an id is an error naming the line.
func EachCollected(path string, fn func(line int, c Collected) error) (*Provenance, error) {
	return Scan(path, func(line int, b []byte) error {
		var c Collected
		if err := decodeRecord(path, line, b, &c, func() string { return c.ID }); err != nil {
			return err
		}
		return fn(line, c)
	})
}

// ReadCollected reads every Collected record of a JSONL file.
func ReadCollected(path string) ([]Collected, *Provenance, error) {
	var out []Collected
	p, err := EachCollected(path, func(_ int, c Collected) error {
		out = append(out, c)
		return nil
	})
	return out, p, err
}

// ReadLabelled reads every Labelled record of a JSONL file and returns them
// with the file's provenance (nil when it has none).
func ReadLabelled(path string) ([]Labelled, *Provenance, error) {
	var out []Labelled
	p, err := Scan(path, func(line int, b []byte) error {
		var l Labelled
		if err := decodeRecord(path, line, b, &l, func() string { return l.ID }); err != nil {
			return err
		}
		out = append(out, l)
		return nil
	})
	return out, p, err
}

// Log is a JSONL file that a run appends to, one Write call per line, so
// that an interrupted run leaves at most one torn last line, which the next
// OpenLog repairs. It is not safe for concurrent use.
type Log struct {
	f    *os.File
	path string
	buf  []byte
}

// OpenLog opens path for appending, creating it when absent. fn gets every
// complete non-blank line already in the file. The last line, when it has
// no newline, was torn by an interrupted write: it is kept (and given its
// newline) when it is valid JSON and fn accepts it, else cut off.
func OpenLog(path string, fn func(line int, b []byte) error) (*Log, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	fail := func(err error) (*Log, error) {
		f.Close()
		return nil, err
	}
	valid, tail, n, err := scan(f, path, fn)
	if err != nil {
		return fail(err)
	}
	keep := valid
	if tail != nil {
		if json.Valid(tail) && fn(n, tail) == nil {
			keep += int64(len(tail))
		} else {
			slog.Warn("record: cutting a torn last line (no newline) left by an interrupted run", "file", path, "line", n)
			tail = nil
		}
	}
	if err := f.Truncate(keep); err != nil {
		return fail(fmt.Errorf("record: truncating %s: %w", path, err))
	}
	if _, err := f.Seek(keep, io.SeekStart); err != nil {
		return fail(fmt.Errorf("record: %s: %w", path, err))
	}
	if tail != nil {
		if _, err := f.Write([]byte{'\n'}); err != nil {
			return fail(fmt.Errorf("record: writing %s: %w", path, err))
		}
	}
	return &Log{f: f, path: path}, nil
}

// Path returns the file's path.
func (l *Log) Path() string { return l.path }

// Append writes v as one JSON line with a single Write.
func (l *Log) Append(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("record: encoding a record for %s: %w", l.path, err)
	}
	l.buf = append(append(l.buf[:0], b...), '\n')
	if _, err := l.f.Write(l.buf); err != nil {
		return fmt.Errorf("record: writing %s: %w", l.path, err)
	}
	return nil
}

// Sync makes what was appended durable.
func (l *Log) Sync() error {
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("record: syncing %s: %w", l.path, err)
	}
	return nil
}

// Close syncs and closes the file.
func (l *Log) Close() error {
	serr := l.f.Sync()
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("record: closing %s: %w", l.path, err)
	}
	if serr != nil {
		return fmt.Errorf("record: syncing %s: %w", l.path, serr)
	}
	return nil
}

// Appender is a resumable record output: a Log whose first line is the
// provenance of the run that writes it.
type Appender struct {
	*Log
}

// OpenAppender opens the record file at path for a run with provenance
// prov and returns the ids of the records already in it. A new (or empty)
// file gets prov as its first line. An existing file must start with a
// provenance that Check finds equal to prov, else the error (a
// *MismatchError) names the difference; a file with records but no
// provenance is refused too. With fresh, an existing file is discarded
// first. Every record line must be a JSON object with a string "id".
func OpenAppender(path string, prov Provenance, fresh bool) (*Appender, map[string]bool, error) {
	if fresh {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("record: starting afresh: %w", err)
		}
	}
	done := map[string]bool{}
	var have *Provenance
	first, records := true, 0
	log, err := OpenLog(path, func(line int, b []byte) error {
		if first {
			first = false
			if have = ParseHeader(b); have != nil {
				return nil
			}
		}
		var r struct {
			ID *string `json:"id"`
		}
		if err := json.Unmarshal(b, &r); err != nil || r.ID == nil {
			return fmt.Errorf("record: %s line %d: not a record with an \"id\"", path, line)
		}
		done[*r.ID] = true
		records++
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	switch {
	case have == nil && records > 0:
		log.Close()
		return nil, nil, fmt.Errorf("record: %s holds %d records but no provenance line (written by hneurons before %s, or by hand), so a resume cannot be checked: start afresh with --fresh, or write to another file",
			path, records, prov.Version)
	case have == nil:
		line, err := HeaderLine(&prov)
		if err == nil {
			_, err = log.f.Write(line)
		}
		if err == nil {
			err = log.Sync()
		}
		if err != nil {
			log.Close()
			return nil, nil, fmt.Errorf("record: writing the provenance of %s: %w", path, err)
		}
	default:
		if err := Check(path, have, &prov); err != nil {
			log.Close()
			return nil, nil, err
		}
	}
	return &Appender{log}, done, nil
}
