//go:build unix

package mmap

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile memory-maps size bytes of f read-only and shared.
func mapFile(f *os.File, size int) ([]byte, bool, error) {
	data, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

func unmap(data []byte) error { return unix.Munmap(data) }
