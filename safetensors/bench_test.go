package safetensors

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkParse measures header parsing and validation of a file with
// 2,000 small tensors (the header of a large sharded model is this size).
func BenchmarkParse(b *testing.B) {
	var tensors []TensorToWrite
	for i := range 2000 {
		tensors = append(tensors, TensorToWrite{Name: fmt.Sprintf("model.layers.%d.mlp.down_proj.weight", i), DType: BF16, Shape: []int{2, 2}, F32: []float32{1, 2, 3, 4}})
	}
	var buf bytes.Buffer
	if err := Write(&buf, tensors, map[string]string{"format": "pt"}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkToFloat32BF16 measures widening 1 Mi bfloat16 values.
func BenchmarkToFloat32BF16(b *testing.B) {
	src := make([]byte, 2<<20)
	dst := make([]float32, 1<<20)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if err := ToFloat32(dst, src, BF16); err != nil {
			b.Fatal(err)
		}
	}
}
