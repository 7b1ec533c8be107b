package mmap

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenMatchesFileContents(t *testing.T) {
	dir := t.TempDir()
	want := make([]byte, 3*4096+17)
	for i := range want {
		want[i] = byte(i*7 + i>>8)
	}
	path := filepath.Join(dir, "f.bin")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Bytes(), want) || m.Len() != len(want) || m.Path() != path {
		t.Fatalf("mapped contents differ from the file (len %d, want %d)", m.Len(), len(want))
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if m.Bytes() != nil {
		t.Fatal("Bytes after Close should be nil")
	}

	// The read-into-memory fallback gives the same bytes.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := readFile(f, len(want))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("readFile: err %v, equal %v", err, bytes.Equal(got, want))
	}
	if _, err := readFile(f, 1); err == nil {
		t.Fatal("readFile past the end should fail")
	}
}

func TestOpenEmptyAndErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Open(empty)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 0 {
		t.Fatalf("empty file: len %d", m.Len())
	}
	m.Close()
	if _, err := Open(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing file: no error")
	}
	if _, err := Open(dir); err == nil {
		t.Fatal("directory: no error")
	}
}
