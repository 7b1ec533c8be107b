//go:build !unix

package mmap

import (
	"errors"
	"os"
)

// mapFile reads size bytes of f into memory (no mmap on this platform).
func mapFile(f *os.File, size int) ([]byte, bool, error) {
	data, err := readFile(f, size)
	return data, false, err
}

func unmap([]byte) error { return errors.New("unmap without mmap") }
