package record

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/hneurons/hneurons/internal/version"
)

// Provenance says how an output was made: which command, with which of its
// options that change the content, from which model and which inputs, by
// which program version. JSONL outputs carry it as their first line, feature
// stores in index.json, probes in probe.json. A resumed run compares its own
// provenance with the one the output carries (Check) and stops at the first
// difference, naming it.
type Provenance struct {
	// Command is the stage that wrote the file ("collect", "label", ...).
	Command string `json:"command"`
	// Options holds the options that change the content, keyed by their
	// command-line flag names, as canonical strings. Options that do not
	// change what is written (batch sizes, thread counts, progress) are not
	// recorded.
	Options map[string]string `json:"options"`
	// Model identifies the model the content came from (nil when none).
	Model *ModelRef `json:"model,omitempty"`
	// Inputs identify the input files by role.
	Inputs []Input `json:"inputs,omitempty"`
	// Version is the program version (compared).
	Version string `json:"version"`
	// Revision is the VCS revision of the binary (informational). No time
	// is recorded, so that the same run gives the same bytes.
	Revision string `json:"revision,omitempty"`
}

// ModelRef identifies a model: its weights' identity (model.Identity) and,
// for information, the path it was loaded from.
type ModelRef struct {
	Identity string `json:"identity"`
	Path     string `json:"path,omitempty"`
}

// Input identifies one input of a stage. Digest is "provenance:<hex>" for
// an input that hneurons wrote (the digest of its provenance, so a file that
// grew because the run that writes it was resumed keeps its identity),
// "sha256:<hex>" of the content for any other file, or "records:<hex>" of
// the records a library caller passed in.
type Input struct {
	Role   string `json:"role"`
	Path   string `json:"path,omitempty"`
	Digest string `json:"digest"`
}

// New returns a provenance for command with the given options, stamped with
// this program's version and revision.
func New(command string, options map[string]string) Provenance {
	if options == nil {
		options = map[string]string{}
	}
	return Provenance{Command: command, Options: options, Version: version.Version, Revision: version.Revision()}
}

// WithModel returns p with the model reference set.
func (p Provenance) WithModel(identity, path string) Provenance {
	p.Model = &ModelRef{Identity: identity, Path: path}
	return p
}

// WithInput returns p with one more input.
func (p Provenance) WithInput(in Input) Provenance {
	p.Inputs = append(slices.Clone(p.Inputs), in)
	return p
}

// Digest is the hex SHA-256 of the compared part of p: command, options,
// model identity, input roles and digests, and version (not paths,
// revision).
func (p *Provenance) Digest() string {
	type in struct{ Role, Digest string }
	c := struct {
		Command string
		Options map[string]string
		Model   string
		Inputs  []in
		Version string
	}{Command: p.Command, Options: p.Options, Version: p.Version}
	if p.Model != nil {
		c.Model = p.Model.Identity
	}
	for _, i := range p.Inputs {
		c.Inputs = append(c.Inputs, in{i.Role, i.Digest})
	}
	b, _ := json.Marshal(c) // map keys are sorted
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// MismatchError is Check's error: what differs between the provenance an
// output carries and the one a run would write.
type MismatchError struct {
	// File is the output's path.
	File string
	// What names the difference: "--seed", "model", "input dataset",
	// "command", "version".
	What string
	// Have is the value the file was written with, Want this run's.
	Have, Want string
}

func (e *MismatchError) Error() string {
	var what string
	switch {
	case strings.HasPrefix(e.What, "--"):
		what = fmt.Sprintf("was written with %s %s; this run has %s %s", e.What, orUnset(e.Have), e.What, orUnset(e.Want))
	case e.What == "model":
		what = fmt.Sprintf("was written from another model (%s); this run uses %s", e.Have, e.Want)
	case e.What == "command":
		what = fmt.Sprintf("was written by `hneurons %s`, not `hneurons %s`", e.Have, e.Want)
	case e.What == "version":
		what = fmt.Sprintf("was written by hneurons %s; this is hneurons %s, whose output may differ", e.Have, e.Want)
	default:
		what = fmt.Sprintf("was made from another %s (%s); this run's is %s", e.What, e.Have, e.Want)
	}
	return fmt.Sprintf("%s %s: resume with the same settings, or start afresh with --fresh (the existing output is discarded)", e.File, what)
}

func orUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}

// Check compares the provenance have, read from the output file, with want,
// this run's, and returns a *MismatchError naming the first difference
// (command, then options in name order, model, inputs by role, version).
func Check(file string, have, want *Provenance) error {
	mis := func(what, h, w string) error { return &MismatchError{File: file, What: what, Have: h, Want: w} }
	if have.Command != want.Command {
		return mis("command", have.Command, want.Command)
	}
	keys := slices.Sorted(maps.Keys(have.Options))
	for k := range want.Options {
		if _, ok := have.Options[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		if have.Options[k] != want.Options[k] {
			return mis("--"+k, have.Options[k], want.Options[k])
		}
	}
	hm, wm := modelString(have.Model), modelString(want.Model)
	if (have.Model == nil) != (want.Model == nil) || (have.Model != nil && have.Model.Identity != want.Model.Identity) {
		return mis("model", hm, wm)
	}
	hi := map[string]Input{}
	for _, i := range have.Inputs {
		hi[i.Role] = i
	}
	seen := map[string]bool{}
	for _, w := range want.Inputs {
		seen[w.Role] = true
		h, ok := hi[w.Role]
		if !ok {
			return mis("input "+w.Role, "(none)", inputString(w))
		}
		if h.Digest != w.Digest {
			return mis("input "+w.Role, inputString(h), inputString(w))
		}
	}
	for _, h := range have.Inputs {
		if !seen[h.Role] {
			return mis("input "+h.Role, inputString(h), "(none)")
		}
	}
	if have.Version != want.Version {
		return mis("version", have.Version, want.Version)
	}
	return nil
}

func modelString(m *ModelRef) string {
	if m == nil {
		return "(none)"
	}
	id := m.Identity
	if len(id) > 12 {
		id = id[:12]
	}
	if m.Path != "" {
		return fmt.Sprintf("%s, identity %s", m.Path, id)
	}
	return "identity " + id
}

func inputString(i Input) string {
	d := i.Digest
	if k := strings.IndexByte(d, ':'); k >= 0 && len(d) > k+13 {
		d = d[:k+13]
	}
	if i.Path != "" {
		return fmt.Sprintf("%s, %s", i.Path, d)
	}
	return d
}

// InputOf identifies the file at path as an input in the given role: by
// the digest of its provenance when it is a JSONL file hneurons wrote,
// else by the SHA-256 of its content.
func InputOf(role, path string) (Input, error) {
	p, err := ReadHeader(path)
	if err != nil {
		return Input{}, err
	}
	if p != nil {
		return Input{Role: role, Path: path, Digest: "provenance:" + p.Digest()}, nil
	}
	sum, err := HashFile(path)
	if err != nil {
		return Input{}, err
	}
	return Input{Role: role, Path: path, Digest: "sha256:" + sum}, nil
}

// HashFile returns the hex SHA-256 of a file's content.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("record: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("record: hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// RecordsInput identifies records a library caller passed in: the SHA-256
// of their JSON encodings, one per line.
func RecordsInput[T any](role string, recs []T) (Input, error) {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			return Input{}, fmt.Errorf("record: hashing %s record %d: %w", role, i, err)
		}
	}
	return Input{Role: role, Digest: "records:" + hex.EncodeToString(h.Sum(nil))}, nil
}

// headerKey is the only key of a JSONL file's provenance line.
const headerKey = "hneurons_provenance"

// header is the first line of a JSONL file hneurons writes.
type header struct {
	Provenance *Provenance `json:"hneurons_provenance"`
}

// HeaderLine returns p encoded as a JSONL provenance line (with its newline).
func HeaderLine(p *Provenance) ([]byte, error) {
	b, err := json.Marshal(header{p})
	if err != nil {
		return nil, fmt.Errorf("record: encoding provenance: %w", err)
	}
	return append(b, '\n'), nil
}

// ParseHeader returns the provenance of a JSONL line, or nil when the line
// is not a provenance line.
func ParseHeader(line []byte) *Provenance {
	t := bytes.TrimSpace(line)
	if !bytes.HasPrefix(t, []byte(`{"`+headerKey+`"`)) {
		return nil
	}
	var h header
	if err := json.Unmarshal(t, &h); err != nil || h.Provenance == nil {
		return nil
	}
	return h.Provenance
}

// IsHeader reports whether a JSONL line is a provenance line, so that
// readers of plain records (datasets) can skip it.
func IsHeader(line []byte) bool { return ParseHeader(line) != nil }

// ReadHeader returns the provenance on the first line of a JSONL file, nil
// when the file has none (or is not JSONL), and an error only when the file
// cannot be read.
func ReadHeader(path string) (*Provenance, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("record: %s is a folder, not a file", path)
	}
	br := bufio.NewReaderSize(f, 1<<16)
	line, err := br.ReadSlice('\n')
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("record: reading %s: %w", path, err)
	}
	if errors.Is(err, bufio.ErrBufferFull) {
		// A first line over 64 KiB: read it whole.
		rest, rerr := br.ReadBytes('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return nil, fmt.Errorf("record: reading %s: %w", path, rerr)
		}
		line = append(slices.Clone(line), rest...)
	}
	return ParseHeader(line), nil
}
