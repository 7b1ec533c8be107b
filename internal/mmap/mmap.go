package mmap

import (
	"fmt"
	"io"
	"os"
)

// Map is a read-only view of a whole file. Its zero value is an empty,
// closed map.
type Map struct {
	data   []byte // (file size) bytes; nil once closed
	mapped bool   // data came from mmap and must be unmapped
	path   string
}

// Open maps the file at path read-only. An empty file gives an empty map.
func Open(path string) (*Map, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("mmap: %s: not a regular file", path)
	}
	size := st.Size()
	if size == 0 {
		return &Map{data: []byte{}, path: path}, nil
	}
	if int64(int(size)) != size {
		return nil, fmt.Errorf("mmap: %s: file of %d bytes is too large for this platform", path, size)
	}
	data, mapped, err := mapFile(f, int(size))
	if err != nil {
		return nil, fmt.Errorf("mmap: %s: %w", path, err)
	}
	return &Map{data: data, mapped: mapped, path: path}, nil
}

// Bytes returns the file contents. The slice is valid until Close and must
// not be modified (writing to it faults on Unix).
func (m *Map) Bytes() []byte { return m.data }

// Len returns the file size in bytes.
func (m *Map) Len() int { return len(m.data) }

// Path returns the path the map was opened from.
func (m *Map) Path() string { return m.path }

// Mapped reports whether the bytes are memory-mapped (as opposed to read
// into memory).
func (m *Map) Mapped() bool { return m.mapped }

// Close releases the mapping. Slices returned by Bytes must not be used
// afterwards. Closing twice is harmless.
func (m *Map) Close() error {
	if m == nil || m.data == nil {
		return nil
	}
	data, mapped := m.data, m.mapped
	m.data, m.mapped = nil, false
	if mapped {
		if err := unmap(data); err != nil {
			return fmt.Errorf("mmap: %s: %w", m.path, err)
		}
	}
	return nil
}

// readFile reads size bytes of f into memory; the fallback where mmap is
// unavailable, kept here so that every platform compiles and tests it.
func readFile(f *os.File, size int) ([]byte, error) {
	data := make([]byte, size) // (file size) bytes
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, err
	}
	return data, nil
}
