package safetensors

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseHeader feeds arbitrary bytes to Parse: it must never panic, and
// whatever it accepts must describe tensors that lie inside the data.
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
		file, err := Parse(data)
		if err != nil {
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
