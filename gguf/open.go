package gguf

import (
	"strings"

	"github.com/hneurons/hneurons/internal/mmap"
)

// Open memory-maps the GGUF file at path read-only (reading it into memory
// where mmap is unavailable) and parses it. Errors name the file.
func Open(path string) (*File, error) {
	m, err := mmap.Open(path)
	if err != nil {
		return nil, &pathError{path, err}
	}
	f, err := Parse(m.Bytes())
	if err != nil {
		m.Close()
		return nil, &pathError{path, err}
	}
	f.closer = m.Close
	return f, nil
}

// pathError puts the file name into a parse error: "gguf: PATH: message".
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string {
	msg := strings.TrimPrefix(e.err.Error(), "mmap: ")
	return "gguf: " + e.path + ": " + strings.TrimPrefix(strings.TrimPrefix(msg, "gguf: "), e.path+": ")
}

func (e *pathError) Unwrap() error { return e.err }
