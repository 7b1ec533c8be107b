package gguf

import (
	"bytes"
	"encoding/binary"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
)

// FuzzParse feeds arbitrary bytes to Parse (what Open and model.Load run on a
// file's mapped bytes). It must never panic nor allocate more than a small
// multiple of the input; every error must say at which offset; whatever it
// accepts must have in-bounds tensors, and its metadata must survive the
// Writer: re-encoding every value gives back the original bytes.
func FuzzParse(f *testing.F) {
	valid := smallFile(f)
	f.Add(valid)
	all, _ := allTypesWriter(f)
	if b, err := all.Bytes(); err == nil {
		f.Add(b)
	}
	if b, err := os.ReadFile("testdata/python_written.gguf"); err == nil {
		f.Add(b)
	}
	if p, ok := sharedtest.Optional("models", "stories260K", "stories260K.gguf"); ok {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 4096)])
	} else {
		f.Log("stories260K.gguf absent: its header is not among the seeds")
	}
	// Mutations of the small file: each 8-byte field set to extreme values,
	// and truncations.
	for at := 4; at+8 <= len(valid) && at < 400; at += 24 {
		for _, v := range []uint64{0, 1 << 63, ^uint64(0)} {
			m := bytes.Clone(valid)
			binary.LittleEndian.PutUint64(m[at:], v)
			f.Add(m)
		}
	}
	for _, n := range []int{0, 4, 8, 23, 24, 100, len(valid) - 1} {
		f.Add(valid[:n])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var file *File
		var err error
		if n := allocated(func() { file, err = Parse(data) }); n > 64*uint64(len(data))+1<<16 {
			t.Fatalf("Parse of %d bytes allocated %d bytes", len(data), n)
		}
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "gguf: ") || !strings.Contains(msg, "offset") {
				t.Fatalf("error %q does not say where", msg)
			}
			return
		}
		for _, ti := range file.Tensors {
			b, _, err := file.TensorData(ti.Name)
			if err != nil {
				t.Fatalf("accepted tensor %q has no data: %v", ti.Name, err)
			}
			size, _ := ti.Bytes()
			if uint64(len(b)) != size || ti.Offset%file.Alignment != 0 {
				t.Fatalf("tensor %q: %d bytes (want %d) at offset %d", ti.Name, len(b), size, ti.Offset)
			}
		}
		// Re-encode the header prefix and metadata: the encoding has no
		// freedom, so it must equal the input bytes.
		w := &Writer{Version: file.Version}
		prefix := []byte(Magic)
		prefix = binary.LittleEndian.AppendUint32(prefix, file.Version)
		prefix = binary.LittleEndian.AppendUint64(prefix, uint64(len(file.Tensors)))
		prefix = binary.LittleEndian.AppendUint64(prefix, uint64(len(file.Keys())))
		for _, k := range file.Keys() {
			v, _ := file.Value(k)
			if err := w.Add(k, v); err != nil {
				t.Fatalf("Writer rejects accepted metadata %q: %v", k, err)
			}
			prefix = appendString(prefix, k)
			prefix, _ = encodeValue(prefix, v, 0)
		}
		if !bytes.Equal(prefix, data[:min(len(prefix), len(data))]) {
			t.Fatalf("metadata re-encodes to different bytes")
		}
		for _, ti := range file.Tensors {
			b, _, _ := file.TensorData(ti.Name)
			if err := w.AddTensor(ti.Name, ti.Type, ti.Dims, b); err != nil {
				t.Fatalf("Writer rejects accepted tensor %q: %v", ti.Name, err)
			}
		}
		out, err := w.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("re-written file does not parse: %v", err)
		}
		if len(again.Keys()) != len(file.Keys()) || len(again.Tensors) != len(file.Tensors) {
			t.Fatal("re-written file lost entries")
		}
		for _, ti := range file.Tensors {
			b1, _, _ := file.TensorData(ti.Name)
			b2, _, err := again.TensorData(ti.Name)
			if err != nil || !bytes.Equal(b1, b2) {
				t.Fatalf("tensor %q changed in the re-written file (%v)", ti.Name, err)
			}
		}
	})
}

// allocated runs fn and returns the bytes it allocated on the heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
