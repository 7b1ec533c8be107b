package origin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/safetensors"
)

// tinyHF writes a random tiny Llama as a Hugging Face folder and returns
// its path and config.
func tinyHF(t *testing.T, seed uint64) (string, model.Config) {
	t.Helper()
	cfg, err := model.Shape("stories260k")
	if err != nil {
		t.Fatal(err)
	}
	cfg.RopeLayout = model.RopeHalf // the layout WriteRandomHF writes
	dir := filepath.Join(t.TempDir(), fmt.Sprint("m", seed))
	if err := model.WriteRandomHF(dir, cfg, kernels.F32, seed); err != nil {
		t.Fatal(err)
	}
	return dir, cfg
}

// perturb rewrites the folder's weights with the given neurons' W_up rows
// and W_down columns replaced by their negation (cos -1: d = 2).
func perturb(t *testing.T, dir string, cfg model.Config, neurons []probe.Neuron) {
	t.Helper()
	p := filepath.Join(dir, "model.safetensors")
	f, err := safetensors.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	var out []safetensors.TensorToWrite
	for _, info := range f.Infos() {
		data, _, err := f.Float32s(info.Name)
		if err != nil {
			t.Fatal(err)
		}
		data = slices.Clone(data)
		for _, n := range neurons {
			switch info.Name {
			case fmt.Sprintf("model.layers.%d.mlp.up_proj.weight", n.Layer): // [F, D]
				for i := range cfg.DModel {
					data[n.Neuron*cfg.DModel+i] *= -1
				}
			case fmt.Sprintf("model.layers.%d.mlp.down_proj.weight", n.Layer): // [D, F]
				for i := range cfg.DModel {
					data[i*cfg.DFF+n.Neuron] *= -1
				}
			}
		}
		out = append(out, safetensors.TensorToWrite{Name: info.Name, DType: safetensors.F32, Shape: info.Shape, F32: data})
	}
	f.Close()
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.Create(p, out, nil); err != nil {
		t.Fatal(err)
	}
}

func load(t *testing.T, dir string) *model.Model {
	t.Helper()
	m, err := model.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestDriftOfModelAgainstItselfIsZero(t *testing.T) {
	dir, _ := tinyHF(t, 1)
	a, b := load(t, dir), load(t, dir)
	res, err := Drift(context.Background(), a, b, DriftOptions{HNeurons: []probe.Neuron{{Layer: 0, Neuron: 3}}, Permutations: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range res.Neurons {
		if n.Gate != 0 || n.Up != 0 || n.Down != 0 || n.Score != 0 {
			t.Fatalf("neuron %d/%d drifted against itself: %+v", n.Layer, n.Neuron, n)
		}
	}
}

func TestDriftRanksChangedNeuronsFirst(t *testing.T) {
	baseDir, cfg := tinyHF(t, 1)
	tunedDir, _ := tinyHF(t, 1)
	changed := []probe.Neuron{{Layer: 0, Neuron: 5}, {Layer: 2, Neuron: 17}, {Layer: 4, Neuron: 0}}
	perturb(t, tunedDir, cfg, changed)
	res, err := Drift(context.Background(), load(t, baseDir), load(t, tunedDir), DriftOptions{HNeurons: changed, Permutations: 2000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	N := len(res.Neurons)
	for _, c := range changed {
		n := res.Neurons[c.Layer*cfg.DFF+c.Neuron]
		// The three changed neurons share the three lowest ranks.
		if n.Rank > 2.0/float64(N-1)+1e-12 || n.Up < 1.999 || n.Down < 1.999 || n.Gate != 0 {
			t.Errorf("changed neuron %d/%d: %+v", c.Layer, c.Neuron, n)
		}
	}
	for _, n := range res.Neurons {
		if !n.H && (n.Up != 0 || n.Down != 0) {
			t.Fatalf("unchanged neuron %d/%d has drift %+v", n.Layer, n.Neuron, n)
		}
	}
	// The H-Neurons changed MORE: the one-sided tests that they changed less must not reject.
	if res.Permutation.P < 0.9 || !(float64(res.HMeanRank) < 0.01) {
		t.Errorf("mean rank %v, permutation p %v", res.HMeanRank, res.Permutation.P)
	}

	other, _ := model.Shape("stories260k")
	other.DFF *= 2
	m2, err := model.RandomInit(other, kernels.F32, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Drift(context.Background(), load(t, baseDir), m2, DriftOptions{}); err == nil {
		t.Error("models of different neuron layouts compared")
	}
}
