package train

import (
	"fmt"

	"github.com/hneurons/hneurons/internal/atomicfile"
	"github.com/hneurons/hneurons/safetensors"
)

// stTensor is one float32 tensor to write or read in safetensors format.
type stTensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// writeSafetensors writes tensors as F32 safetensors through the
// safetensors package (atomically: temporary file and rename).
func writeSafetensors(path string, tensors []stTensor, meta map[string]string) error {
	out := make([]safetensors.TensorToWrite, len(tensors))
	for i, t := range tensors {
		out[i] = safetensors.TensorToWrite{Name: t.Name, DType: safetensors.F32, Shape: t.Shape, F32: t.Data}
	}
	if err := safetensors.Create(path, out, meta); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// readSafetensors reads every tensor of a safetensors file as float32; the
// trainer's own files hold F32 only, and any other dtype is an error.
func readSafetensors(path string) (map[string]stTensor, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	out := make(map[string]stTensor, f.Len())
	for _, info := range f.Infos() {
		if info.DType != safetensors.F32 {
			return nil, fmt.Errorf("train: %s: tensor %s has dtype %s, want F32", path, info.Name, info.DType)
		}
		data, _, err := f.Float32s(info.Name)
		if err != nil {
			return nil, fmt.Errorf("train: %s: %w", path, err)
		}
		out[info.Name] = stTensor{Name: info.Name, Shape: info.Shape, Data: data}
	}
	return out, nil
}

// writeFileAtomic writes data to path atomically (internal/atomicfile).
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.WriteBytes(path, data); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}
