// Package mmap maps a whole file read-only into memory.
//
// On Unix systems the file is memory-mapped (golang.org/x/sys/unix.Mmap), so
// that a multi-gigabyte weight file costs address space, not RAM, until its
// pages are touched. Elsewhere the file is read into memory instead; callers
// see the same API either way. The returned bytes must never be modified.
package mmap
