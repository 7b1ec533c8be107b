package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hneurons/hneurons/internal/jsonpos"
)

// IndexFile is the name of the shard index of a sharded Hugging Face model.
const IndexFile = "model.safetensors.index.json"

// SingleFile is the name of an unsharded Hugging Face model's weights.
const SingleFile = "model.safetensors"

// Set is one namespace of tensors spread over one or more safetensors files
// (the shards of a model). Tensor data stay valid until Close.
type Set struct {
	dir    string
	files  []*File          // in shard order
	byName map[string]*File // tensor name -> the file holding it
	names  []string         // sorted
}

// OpenDir opens the model weights in dir: the shards listed by
// model.safetensors.index.json when present, else model.safetensors, else
// every *.safetensors file in the folder. A tensor may appear in only one
// file; with an index, every tensor it lists must be in the file it names.
func OpenDir(dir string) (*Set, error) {
	index := filepath.Join(dir, IndexFile)
	if _, err := os.Stat(index); err == nil {
		return openIndexed(dir, index)
	}
	single := filepath.Join(dir, SingleFile)
	if _, err := os.Stat(single); err == nil {
		return OpenFiles(dir, single)
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", dir, err)
	}
	if len(paths) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("safetensors: %w", err)
		}
		return nil, fmt.Errorf("safetensors: %s: no %s, %s or *.safetensors files", dir, IndexFile, SingleFile)
	}
	slices.Sort(paths)
	return OpenFiles(dir, paths...)
}

// OpenFiles opens the given safetensors files as one namespace. dir is only
// used in error messages and may be "".
func OpenFiles(dir string, paths ...string) (*Set, error) {
	s := &Set{dir: dir, byName: map[string]*File{}}
	for _, p := range paths {
		f, err := Open(p)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.files = append(s.files, f)
		for _, name := range f.Names() {
			if other, dup := s.byName[name]; dup {
				s.Close()
				return nil, fmt.Errorf("safetensors: tensor %q is in both %s and %s", name, other.Path(), p)
			}
			s.byName[name] = f
			s.names = append(s.names, name)
		}
	}
	slices.Sort(s.names)
	return s, nil
}

// indexJSON is the part of model.safetensors.index.json we use.
type indexJSON struct {
	WeightMap map[string]string `json:"weight_map"`
}

// parseIndex decodes the shard index at path index, held in raw, and returns
// it with its sorted shard file names, each checked to be a plain file name.
func parseIndex(index string, raw []byte) (*indexJSON, []string, error) {
	var idx indexJSON
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, nil, fmt.Errorf("safetensors: %s: %w", index, jsonpos.Wrap(raw, err))
	}
	if len(idx.WeightMap) == 0 {
		return nil, nil, fmt.Errorf("safetensors: %s: empty or missing weight_map", index)
	}
	var shards []string
	seen := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(idx.WeightMap)) {
		shard := idx.WeightMap[name]
		if shard == "" || shard == "." || filepath.IsAbs(shard) || strings.Contains(shard, "..") || strings.ContainsAny(shard, `/\`) {
			return nil, nil, fmt.Errorf("safetensors: %s: tensor %q: shard name %q must be a plain file name in the folder", index, name, shard)
		}
		if !seen[shard] {
			seen[shard] = true
			shards = append(shards, shard)
		}
	}
	slices.Sort(shards)
	return &idx, shards, nil
}

func openIndexed(dir, index string) (*Set, error) {
	raw, err := os.ReadFile(index)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	idx, shards, err := parseIndex(index, raw)
	if err != nil {
		return nil, err
	}
	paths := make([]string, len(shards))
	for i, sh := range shards {
		paths[i] = filepath.Join(dir, sh)
		if _, err := os.Stat(paths[i]); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("safetensors: %s names shard %s, which is missing", index, paths[i])
		}
	}
	s, err := OpenFiles(dir, paths...)
	if err != nil {
		return nil, err
	}
	names := slices.Sorted(maps.Keys(idx.WeightMap))
	for _, name := range names {
		want := filepath.Join(dir, idx.WeightMap[name])
		f, ok := s.byName[name]
		if !ok {
			s.Close()
			return nil, fmt.Errorf("safetensors: %s: tensor %q should be in %s but is in no shard", index, name, want)
		}
		if f.Path() != want {
			s.Close()
			return nil, fmt.Errorf("safetensors: %s: tensor %q should be in %s but is in %s", index, name, want, f.Path())
		}
	}
	return s, nil
}

// Close closes every file of the set.
func (s *Set) Close() error {
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.Close())
	}
	s.files = nil
	return errors.Join(errs...)
}

// Files returns the paths of the files in the set, in shard order.
func (s *Set) Files() []string {
	out := make([]string, len(s.files))
	for i, f := range s.files {
		out[i] = f.Path()
	}
	return out
}

// Names returns every tensor name in the set, sorted.
func (s *Set) Names() []string { return slices.Clone(s.names) }

// Tensor returns the description of the named tensor.
func (s *Set) Tensor(name string) (Info, bool) {
	f, ok := s.byName[name]
	if !ok {
		return Info{}, false
	}
	return f.Tensor(name)
}

// FileOf returns the path of the file holding the named tensor.
func (s *Set) FileOf(name string) (string, bool) {
	f, ok := s.byName[name]
	if !ok {
		return "", false
	}
	return f.Path(), true
}

// Data returns the raw bytes of the named tensor (a read-only slice of its
// file's mapping) and its description.
func (s *Set) Data(name string) ([]byte, Info, error) {
	f, ok := s.byName[name]
	if !ok {
		return nil, Info{}, fmt.Errorf("safetensors: %s: no tensor %q in any of %d files", s.dir, name, len(s.files))
	}
	return f.Data(name)
}

// Float32s returns the named tensor converted to a new float32 slice.
func (s *Set) Float32s(name string) ([]float32, Info, error) {
	f, ok := s.byName[name]
	if !ok {
		return nil, Info{}, fmt.Errorf("safetensors: %s: no tensor %q in any of %d files", s.dir, name, len(s.files))
	}
	return f.Float32s(name)
}

// Metadata returns the "__metadata__" maps of all files merged (later shards
// win on conflicting keys); nil when none has any.
func (s *Set) Metadata() map[string]string {
	var out map[string]string
	for _, f := range s.files {
		for k, v := range f.Metadata() {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}
