package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/internal/atomicfile"
	"github.com/hneurons/hneurons/internal/version"
	"github.com/hneurons/hneurons/record"
)

// StampsDir is the folder of a run that holds one stamp per stage.
const StampsDir = "stamps"

// Stamp records what one stage was run with and what it left: its key (a
// digest of its options, the identities of the models and the dataset it
// reads, and the keys of the stages it depends on), the options
// themselves (to say which one changed), whether it finished, and the
// identity of every output (to notice an output replaced or removed since).
type Stamp struct {
	Stage string `json:"stage"`
	Key   string `json:"key"`
	// Options are the stage's options by key; "upstream:STAGE" entries
	// hold the keys of the stages it reads, "model", "base-model" and
	// "dataset" the identities of those inputs.
	Options  map[string]string `json:"options"`
	Complete bool              `json:"complete"`
	Outputs  []Output          `json:"outputs,omitempty"`
	Version  string            `json:"version"`
}

// Output identifies one output of a stage: a file by its record.InputOf
// digest and size, a feature store by features.InputOf.
type Output struct {
	Path   string `json:"path"` // relative to the run folder
	Digest string `json:"digest"`
	Size   int64  `json:"size,omitempty"`
}

// keyOf returns the digest of a stage's key options.
func keyOf(stage string, opts map[string]string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", stage, version.Version)
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		fmt.Fprintf(h, "%s=%s\x00", k, opts[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func stampPath(dir, stage string) string { return filepath.Join(dir, StampsDir, stage+".json") }

// readStamp returns a stage's stamp, nil when there is none.
func readStamp(dir, stage string) (*Stamp, error) {
	b, err := os.ReadFile(stampPath(dir, stage))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	var s Stamp
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("pipeline: %s: %w (remove it, or rerun with --fresh)", stampPath(dir, stage), err)
	}
	return &s, nil
}

func writeStamp(dir string, s *Stamp) error {
	if err := os.MkdirAll(filepath.Join(dir, StampsDir), 0o755); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	if err := atomicfile.WriteBytes(stampPath(dir, s.Stage), append(b, '\n')); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	return nil
}

// identify returns the identity of one output (a file or a feature store)
// relative to dir.
func identify(dir, rel string) (Output, error) {
	p := filepath.Join(dir, rel)
	st, err := os.Stat(p)
	if err != nil {
		return Output{}, fmt.Errorf("pipeline: output %w", err)
	}
	if st.IsDir() {
		in, err := features.InputOf(rel, p)
		if err != nil {
			return Output{}, err
		}
		return Output{Path: rel, Digest: in.Digest}, nil
	}
	in, err := record.InputOf(rel, p)
	if err != nil {
		return Output{}, err
	}
	return Output{Path: rel, Digest: in.Digest, Size: st.Size()}, nil
}

// outputsCurrent reports whether every output a stamp lists is still there
// unchanged, and if not, which one is not.
func outputsCurrent(dir string, s *Stamp) (bool, string) {
	for _, o := range s.Outputs {
		now, err := identify(dir, o.Path)
		if err != nil {
			return false, o.Path + " is missing"
		}
		if now != o {
			return false, o.Path + " changed since the stage wrote it"
		}
	}
	return true, ""
}

// changed names the first option that differs between a stamp and this
// run's options, as "--seed 1 -> 2" (or "upstream collect" when an earlier
// stage was rerun).
func changed(have, want map[string]string) string {
	keys := slices.Sorted(maps.Keys(have))
	for k := range want {
		if _, ok := have[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		h, w := have[k], want[k]
		if h == w {
			continue
		}
		if up, ok := strings.CutPrefix(k, "upstream:"); ok {
			return "stage " + up + " was rerun or changed"
		}
		if k == "model" || k == "base-model" || k == "dataset" {
			return "the " + k + " changed"
		}
		return fmt.Sprintf("%s %s -> %s", k, orNone(h), orNone(w))
	}
	return "the program version changed"
}

// readJSON decodes the JSON file at path into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("pipeline: %s: %w", path, err)
	}
	return nil
}
