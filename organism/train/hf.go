package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// SaveHF writes m as a Hugging Face Llama folder: config.json,
// model.safetensors (float32, HF tensor names) and generation_config.json.
// The tokenizer files are the caller's.
func SaveHF[T Float](dir string, m *Model[T]) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	cfg, err := m.Config.HFConfigJSON()
	if err != nil {
		return fmt.Errorf("train: config.json: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, "config.json"), cfg); err != nil {
		return err
	}
	gen, _ := json.MarshalIndent(map[string]any{
		"bos_token_id": m.Config.BosID, "eos_token_id": m.Config.EosID, "do_sample": false, "max_new_tokens": 8,
	}, "", "  ")
	if err := writeFileAtomic(filepath.Join(dir, "generation_config.json"), gen); err != nil {
		return err
	}
	return writeSafetensors(filepath.Join(dir, "model.safetensors"), tensorsOf(m.Tensors, m.Params, ""), map[string]string{"format": "pt"})
}

// LoadHF reads a folder written by SaveHF (config.json and
// model.safetensors) into a float32 model.
func LoadHF(dir string) (*Model[float32], error) {
	c, err := ReadHFConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	ts, n := Layout(c)
	m := &Model[float32]{Config: c, Tensors: ts, Params: make([]float32, n)}
	if err := loadInto(filepath.Join(dir, "model.safetensors"), ts, m.Params, ""); err != nil {
		return nil, err
	}
	return m, nil
}

// tensorsOf views flat (laid out by ts) as float32 safetensors tensors, with
// suffix appended to each name.
func tensorsOf[T Float](ts []Tensor, flat []T, suffix string) []stTensor {
	out := make([]stTensor, len(ts))
	for i, t := range ts {
		d := make([]float32, t.Size)
		for j := range d {
			d[j] = float32(flat[t.Off+j])
		}
		out[i] = stTensor{Name: t.Name + suffix, Shape: t.Shape, Data: d}
	}
	return out
}

// loadInto fills flat (laid out by ts) from the safetensors file at path,
// requiring every tensor (name+suffix) with the right shape.
func loadInto[T Float](path string, ts []Tensor, flat []T, suffix string) error {
	got, err := readSafetensors(path)
	if err != nil {
		return err
	}
	var missing []string
	for _, t := range ts {
		st, ok := got[t.Name+suffix]
		if !ok {
			missing = append(missing, t.Name+suffix)
			continue
		}
		if !slices.Equal(st.Shape, t.Shape) {
			return fmt.Errorf("train: %s: tensor %s has shape %v, want %v", path, t.Name+suffix, st.Shape, t.Shape)
		}
		for j, v := range st.Data {
			flat[t.Off+j] = T(v)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("train: %s: missing tensors %v", path, missing)
	}
	return nil
}
