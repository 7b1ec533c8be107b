package safetensors

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeShards writes tensors round-robin into n shard files named like
// Hugging Face's, returning the weight map.
func writeShards(t *testing.T, dir string, tensors []TensorToWrite, n int) map[string]string {
	t.Helper()
	shards := make([][]TensorToWrite, n)
	wm := map[string]string{}
	for i, tw := range tensors {
		shards[i%n] = append(shards[i%n], tw)
	}
	for i, sh := range shards {
		name := "model-0000" + string(rune('1'+i)) + "-of-0000" + string(rune('0'+n)) + ".safetensors"
		if err := Create(filepath.Join(dir, name), sh, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
		for _, tw := range sh {
			wm[tw.Name] = name
		}
	}
	return wm
}

func writeIndex(t *testing.T, dir string, wm map[string]string) {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": 123}, "weight_map": wm})
	if err := os.WriteFile(filepath.Join(dir, IndexFile), raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

func checkSet(t *testing.T, s *Set, tensors []TensorToWrite) {
	t.Helper()
	if len(s.Names()) != len(tensors) {
		t.Fatalf("set has %d tensors, want %d", len(s.Names()), len(tensors))
	}
	for _, tw := range tensors {
		got, info, err := s.Float32s(tw.Name)
		if err != nil {
			t.Fatal(err)
		}
		if info.DType != tw.DType {
			t.Fatalf("%q: dtype %s", tw.Name, info.DType)
		}
		for i := range got {
			if got[i] != tw.F32[i] {
				t.Fatalf("%q[%d] = %v, want %v", tw.Name, i, got[i], tw.F32[i])
			}
		}
	}
}

func TestOpenDirLayouts(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	tensors := randomTensors(rng, 12)

	t.Run("indexed", func(t *testing.T) {
		dir := t.TempDir()
		writeIndex(t, dir, writeShards(t, dir, tensors, 3))
		s, err := OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if len(s.Files()) != 3 || s.Metadata()["format"] != "pt" {
			t.Fatalf("files %v metadata %v", s.Files(), s.Metadata())
		}
		if p, ok := s.FileOf(tensors[1].Name); !ok || !strings.HasSuffix(p, "model-00002-of-00003.safetensors") {
			t.Fatalf("FileOf = %q", p)
		}
		checkSet(t, s, tensors)
		if _, _, err := s.Data("missing.weight"); err == nil || !strings.Contains(err.Error(), "missing.weight") {
			t.Fatalf("missing tensor error: %v", err)
		}
	})
	t.Run("single", func(t *testing.T) {
		dir := t.TempDir()
		if err := Create(filepath.Join(dir, SingleFile), tensors, nil); err != nil {
			t.Fatal(err)
		}
		// A stray file beside model.safetensors is ignored.
		if err := os.WriteFile(filepath.Join(dir, "junk.safetensors"), []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		checkSet(t, s, tensors)
	})
	t.Run("glob", func(t *testing.T) {
		dir := t.TempDir()
		writeShards(t, dir, tensors, 2)
		s, err := OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		checkSet(t, s, tensors)
	})
}

func TestOpenDirErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	tensors := randomTensors(rng, 6)
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  []string
	}{
		{"empty folder", func(t *testing.T, dir string) {}, []string{"no model.safetensors.index.json"}},
		{"duplicate across shards", func(t *testing.T, dir string) {
			writeShards(t, dir, tensors, 2)
			Create(filepath.Join(dir, "extra.safetensors"), tensors[:1], nil)
		}, []string{tensors[0].Name, "extra.safetensors", "model-00001-of-00002.safetensors"}},
		{"index names missing shard", func(t *testing.T, dir string) {
			wm := writeShards(t, dir, tensors, 2)
			wm[tensors[0].Name] = "model-00009-of-00009.safetensors"
			writeIndex(t, dir, wm)
		}, []string{IndexFile, "model-00009-of-00009.safetensors", "missing"}},
		{"index names wrong shard", func(t *testing.T, dir string) {
			wm := writeShards(t, dir, tensors, 2)
			wm[tensors[0].Name] = "model-00002-of-00002.safetensors"
			writeIndex(t, dir, wm)
		}, []string{tensors[0].Name, "should be in", "model-00001-of-00002.safetensors"}},
		{"index lists absent tensor", func(t *testing.T, dir string) {
			wm := writeShards(t, dir, tensors, 2)
			wm["ghost.weight"] = "model-00001-of-00002.safetensors"
			writeIndex(t, dir, wm)
		}, []string{"ghost.weight", "no shard"}},
		{"index escapes folder", func(t *testing.T, dir string) {
			writeIndex(t, dir, map[string]string{"a": "../x.safetensors"})
		}, []string{"plain file name"}},
		{"bad index JSON", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, IndexFile), []byte("{"), 0o644)
		}, []string{IndexFile}},
		{"corrupt shard", func(t *testing.T, dir string) {
			wm := writeShards(t, dir, tensors, 2)
			os.WriteFile(filepath.Join(dir, "model-00002-of-00002.safetensors"), []byte("12345678"), 0o644)
			writeIndex(t, dir, wm)
		}, []string{"model-00002-of-00002.safetensors", "header length"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.setup(t, dir)
			_, err := OpenDir(dir)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if _, err := OpenDir(filepath.Join(t.TempDir(), "nonexistent")); err == nil {
		t.Error("nonexistent folder: no error")
	}
}
