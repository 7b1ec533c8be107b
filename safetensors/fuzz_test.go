package safetensors

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// FuzzParseHeader feeds arbitrary bytes to Parse (what Open runs on a file's
// mapped bytes): it must never panic nor allocate more than a small multiple
// of the input, every error must give a file offset, and whatever it accepts
// must describe tensors that tile the data section.
func FuzzParseHeader(f *testing.F) {
	var buf bytes.Buffer
	if err := Write(&buf, randomTensors(rand.New(rand.NewPCG(1, 1)), 4), map[string]string{"k": "v"}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	if b, err := os.ReadFile(filepath.Join("testdata", "numpy_written.safetensors")); err == nil {
		f.Add(b)
	}
	f.Add(rawFile(`{}`, 0))
	f.Add(rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8))
	f.Add(rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BOOL","shape":[0],"data_offsets":[8,8]}}`, 8))
	f.Add(rawFile(`{"a":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,8]}}`, 8))
	f.Add(rawFile(`{"__metadata__":{"a":"b"},"x":{"dtype":"I8","shape":[],"data_offsets":[0,1]}}`, 1))
	f.Add([]byte{255, 255, 255, 255, 255, 255, 255, 255, '{', '}'})
	f.Fuzz(func(t *testing.T, data []byte) {
		var file *File
		var err error
		if n := allocated(func() { file, err = Parse(data) }); n > 64*uint64(len(data))+1<<16 {
			t.Fatalf("Parse of %d bytes allocated %d bytes", len(data), n)
		}
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "safetensors: ") || !strings.Contains(msg, "offset") {
				t.Fatalf("error %q does not say where", msg)
			}
			return
		}
		var total int64
		for _, name := range file.Names() {
			b, info, err := file.Data(name)
			if err != nil {
				t.Fatalf("accepted tensor %q has no data: %v", name, err)
			}
			if int64(len(b)) != info.Elements()*int64(info.DType.Size()) {
				t.Fatalf("tensor %q: %d bytes for %d elements of %s", name, len(b), info.Elements(), info.DType)
			}
			total += int64(len(b))
			if info.DType.IsFloat() && info.Elements() < 1<<16 {
				if _, _, err := file.Float32s(name); err != nil {
					t.Fatalf("tensor %q: %v", name, err)
				}
			}
		}
		if file.DataOffset()+total != int64(len(data)) {
			t.Fatalf("tensors cover %d bytes of a %d-byte data section", total, int64(len(data))-file.DataOffset())
		}
	})
}

// FuzzIndex feeds arbitrary model.safetensors.index.json contents to
// parseIndex (what OpenDir runs on the index): errors name the file, and an
// accepted index lists each shard once, sorted, as a plain file name that
// cannot leave the model folder.
func FuzzIndex(f *testing.F) {
	f.Add([]byte(`{"metadata":{"total_size":16},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}}`))
	f.Add([]byte(`{"weight_map":{"a":"../x.safetensors"}}`))
	f.Add([]byte(`{"weight_map":{}}`))
	f.Add([]byte("{\n  \"weight_map\": {\"a\": 3}\n}"))
	f.Add([]byte(`{"weight_map":{"a":"C:\\x"}}`))
	const path = "dir/model.safetensors.index.json"
	f.Fuzz(func(t *testing.T, raw []byte) {
		idx, shards, err := parseIndex(path, raw)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "safetensors: "+path+": ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if !slices.IsSorted(shards) || len(slices.Compact(slices.Clone(shards))) != len(shards) {
			t.Fatalf("shards %q not sorted and unique", shards)
		}
		for _, sh := range shards {
			if filepath.Base(sh) != sh || sh == "." || sh == ".." || filepath.IsAbs(sh) || strings.ContainsAny(sh, `/\`) {
				t.Fatalf("shard %q is not a plain file name", sh)
			}
		}
		for name, sh := range idx.WeightMap {
			if _, ok := slices.BinarySearch(shards, sh); !ok {
				t.Fatalf("tensor %q: shard %q not among %q", name, sh, shards)
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
