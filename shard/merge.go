package shard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/internal/atomicfile"
	"github.com/hneurons/hneurons/record"
)

// Stats summarises a merge.
type Stats struct {
	// Shards is the number of shards joined.
	Shards int
	// Records counts the records (JSONL) or responses (feature stores)
	// written, Rows the feature rows (feature stores only).
	Records, Rows int
	// PerShard counts the records each shard held, by shard index.
	PerShard []int
	// Absent counts the input's ids that no shard holds: questions a
	// stage skipped (a prompt too long for the context, a collect run
	// with --max-questions) or, when a shard was not finished, its
	// unfinished part. It is a count, not an error.
	Absent int
}

// part is one shard's output as read.
type part struct {
	path string
	spec Spec
}

// checkParts checks that provs (one per path) are the provenances of the
// n shards of one run: each records a shard, all of the same count, every
// index once, and all are equal without the shard. It returns the
// unsharded provenance (the first shard's, without its shard) and the
// shards in path order.
func checkParts(paths []string, provs []*record.Provenance) (record.Provenance, []part, error) {
	if len(paths) == 0 {
		return record.Provenance{}, nil, errors.New("merge: no shards given")
	}
	var base record.Provenance
	parts := make([]part, len(paths))
	seen := map[int]string{}
	for k, p := range provs {
		if p == nil {
			return base, nil, fmt.Errorf("merge: %s has no provenance (not written by hneurons, or by a version before provenance)", paths[k])
		}
		s, stripped, err := Split(p)
		if err != nil {
			return base, nil, fmt.Errorf("merge: %s: %w", paths[k], err)
		}
		if s.Whole() {
			return base, nil, fmt.Errorf("merge: %s is not a shard (its provenance records no --shard)", paths[k])
		}
		if k == 0 {
			base = stripped
		} else {
			if s.Count != parts[0].spec.Count {
				return base, nil, fmt.Errorf("merge: %s is shard %s but %s is shard %s: the shards of one run share their count",
					paths[k], s, paths[0], parts[0].spec)
			}
			if err := record.Check(paths[k], &stripped, &base); err != nil {
				var mis *record.MismatchError
				if errors.As(err, &mis) {
					return base, nil, fmt.Errorf("merge: %s and %s are not shards of one run: %s differs (%s has %s, %s has %s)",
						paths[0], paths[k], mis.What, paths[0], orUnset(mis.Want), paths[k], orUnset(mis.Have))
				}
				return base, nil, fmt.Errorf("merge: %w", err)
			}
		}
		if prev, ok := seen[s.Index]; ok {
			return base, nil, fmt.Errorf("merge: shard %s given twice (%s and %s)", s, prev, paths[k])
		}
		seen[s.Index] = paths[k]
		parts[k] = part{path: paths[k], spec: s}
	}
	n := parts[0].spec.Count
	var missing []int
	for i := range n {
		if _, ok := seen[i]; !ok {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		return base, nil, fmt.Errorf("merge: shards %v of %d are missing (given: %d of them)", missing, n, len(paths))
	}
	return base, parts, nil
}

func orUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}

// InputOrder returns the ids of a stage's input in the order the stage
// handles them, for the stage whose (unsharded) provenance is p: the
// dataset's question ids (repeats dropped) for collect, the faithful or
// hallucinated records' ids (repeats dropped) for extract. The input is
// read from path, or, when path is empty, from the path p records; its
// digest must be the one p records, so that the order is the order of the
// input the shards read.
func InputOrder(p *record.Provenance, path string) ([]string, error) {
	role := map[string]string{"collect": "dataset", "extract": "labelled"}[p.Command]
	if role == "" {
		return nil, fmt.Errorf("merge: shards of `hneurons %s` cannot be merged (only collect and extract take --shard)", p.Command)
	}
	var want *record.Input
	for i := range p.Inputs {
		if p.Inputs[i].Role == role {
			want = &p.Inputs[i]
		}
	}
	if want == nil {
		return nil, fmt.Errorf("merge: the shards' provenance names no %s input", role)
	}
	if path == "" {
		path = want.Path
	}
	if path == "" {
		return nil, fmt.Errorf("merge: the shards' provenance records no path for their %s: give it with --input", role)
	}
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	var have record.Input
	switch p.Command {
	case "collect":
		recs, _, err := datasets.Load(path, datasets.Options{DedupeIDs: true})
		if err != nil {
			return nil, fmt.Errorf("merge: reading the shards' dataset: %w", err)
		}
		if have, err = record.RecordsInput("dataset", recs); err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		for _, r := range recs {
			add(r.ID)
		}
	case "extract":
		recs, _, err := record.ReadLabelled(path)
		if err != nil {
			return nil, fmt.Errorf("merge: reading the shards' labelled input: %w", err)
		}
		if have, err = record.InputOf("labelled", path); err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		for _, r := range recs {
			if r.Label == record.Faithful || r.Label == record.Hallucinated {
				add(r.ID)
			}
		}
	}
	if have.Digest != want.Digest {
		return nil, fmt.Errorf("merge: %s is not the %s the shards read (digest %s, the shards record %s)", path, role, have.Digest, want.Digest)
	}
	return ids, nil
}

// owner records where an id was met.
type owner struct {
	shard int // index into parts
}

// checkID checks that id, met in parts[k], belongs there, is in the input
// and was not met before.
func checkID(id string, k int, parts []part, inInput map[string]bool, met map[string]owner) error {
	if o, ok := met[id]; ok {
		if o.shard == k {
			return fmt.Errorf("merge: id %q is in %s twice", id, parts[k].path)
		}
		return fmt.Errorf("merge: id %q is in both %s and %s: the shards overlap", id, parts[o.shard].path, parts[k].path)
	}
	if s := parts[k].spec; Of(id, s.Count) != s.Index {
		return fmt.Errorf("merge: id %q is in %s (shard %s) but belongs to shard %d/%d", id, parts[k].path, s, Of(id, s.Count), s.Count)
	}
	if !inInput[id] {
		return fmt.Errorf("merge: id %q of %s is not in the input", id, parts[k].path)
	}
	met[id] = owner{shard: k}
	return nil
}

// MergeJSONL joins the JSONL outputs of a stage's shards (collect's
// records) into out, written atomically: the unsharded provenance on the
// first line, then each shard's record lines, byte for byte, in the order
// of order (the input's ids, InputOrder). See the package documentation
// for what it refuses.
func MergeJSONL(paths []string, order []string, out string) (Stats, error) {
	st := Stats{Shards: len(paths)}
	provs := make([]*record.Provenance, len(paths))
	for k, path := range paths {
		p, err := record.ReadHeader(path)
		if err != nil {
			return st, fmt.Errorf("merge: %w", err)
		}
		provs[k] = p
	}
	base, parts, err := checkParts(paths, provs)
	if err != nil {
		return st, err
	}
	inInput := make(map[string]bool, len(order))
	for _, id := range order {
		inInput[id] = true
	}
	met := map[string]owner{}
	lines := map[string][]byte{}
	st.PerShard = make([]int, len(parts))
	for k, pt := range parts {
		_, err := record.Scan(pt.path, func(line int, b []byte) error {
			var r struct {
				ID *string `json:"id"`
			}
			if err := json.Unmarshal(b, &r); err != nil || r.ID == nil || *r.ID == "" {
				return fmt.Errorf("merge: %s line %d: not a record with an \"id\"", pt.path, line)
			}
			if err := checkID(*r.ID, k, parts, inInput, met); err != nil {
				return err
			}
			if b[len(b)-1] != '\n' {
				b = append(b, '\n')
			}
			lines[*r.ID] = slices.Clone(b)
			st.PerShard[pt.spec.Index]++
			return nil
		})
		if err != nil {
			return st, err
		}
	}
	head, err := record.HeaderLine(&base)
	if err != nil {
		return st, fmt.Errorf("merge: %w", err)
	}
	err = atomicfile.Write(out, func(w io.Writer) error {
		if _, err := w.Write(head); err != nil {
			return err
		}
		for _, id := range order {
			b, ok := lines[id]
			if !ok {
				st.Absent++
				continue
			}
			if _, err := w.Write(b); err != nil {
				return err
			}
			st.Records++
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("merge: writing %s: %w", out, err)
	}
	return st, nil
}

// MergeFeatures joins the feature stores of extract's shards into a new
// store in out (an existing store there is replaced only when fresh): the
// unsharded provenance in its index, then each response's rows, with
// their values bit for bit, in the order of order (InputOrder). The shards
// must come from one model (fingerprint and shape). The merged store holds
// the rows an unsharded extract writes; their values equal its values bit
// for bit when each forward call held one response (--batch 1), because
// the engine's float32 sums change in the last bits with a batch's
// composition, which sharding changes.
func MergeFeatures(ctx context.Context, dirs []string, order []string, out string, fresh bool) (Stats, error) {
	st := Stats{Shards: len(dirs)}
	idx := make([]*features.Index, len(dirs))
	provs := make([]*record.Provenance, len(dirs))
	for k, dir := range dirs {
		ix, err := features.ReadIndex(dir)
		if err != nil {
			return st, fmt.Errorf("merge: %w", err)
		}
		idx[k], provs[k] = ix, ix.Provenance
	}
	base, parts, err := checkParts(dirs, provs)
	if err != nil {
		return st, err
	}
	for k, ix := range idx[1:] {
		if ix.ModelFingerprint != idx[0].ModelFingerprint || ix.Layers != idx[0].Layers || ix.DFF != idx[0].DFF {
			return st, fmt.Errorf("merge: %s holds features of model %q (%d x %d), %s of %q (%d x %d)",
				dirs[k+1], ix.ModelFingerprint, ix.Layers, ix.DFF, dirs[0], idx[0].ModelFingerprint, idx[0].Layers, idx[0].DFF)
		}
	}
	inInput := make(map[string]bool, len(order))
	for _, id := range order {
		inInput[id] = true
	}
	type loc struct{ shard, row int }
	rowsOf := map[string][]loc{}
	met := map[string]owner{}
	st.PerShard = make([]int, len(parts))
	for k, ix := range idx {
		for r, row := range ix.Rows {
			if _, ok := rowsOf[row.ID]; !ok || met[row.ID].shard != k {
				if err := checkID(row.ID, k, parts, inInput, met); err != nil {
					return st, err
				}
				st.PerShard[parts[k].spec.Index]++
			}
			rowsOf[row.ID] = append(rowsOf[row.ID], loc{k, r})
		}
	}
	if !fresh {
		if _, err := os.Stat(out); err == nil {
			if _, err := features.ReadIndex(out); err == nil {
				return st, fmt.Errorf("merge: %s already holds a feature store: remove it or pass --fresh", out)
			}
		}
	}
	readers := make([]*features.Reader, len(dirs))
	defer func() {
		for _, r := range readers {
			if r != nil {
				r.Close()
			}
		}
	}()
	for k, dir := range dirs {
		if readers[k], err = features.Open(dir); err != nil {
			return st, fmt.Errorf("merge: %w", err)
		}
	}
	w, err := features.OpenWriter(out, features.Meta{ModelFingerprint: idx[0].ModelFingerprint, Layers: idx[0].Layers,
		DFF: idx[0].DFF, Provenance: &base, Fresh: true})
	if err != nil {
		return st, fmt.Errorf("merge: %w", err)
	}
	defer func() {
		if w != nil {
			w.Close()
		}
	}()
	var rows []features.Row
	var vecs [][]float32
	for _, id := range order {
		locs, ok := rowsOf[id]
		if !ok {
			st.Absent++
			continue
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
		rows, vecs = rows[:0], vecs[:0]
		for _, l := range locs {
			v := make([]float32, idx[0].Columns)
			if err := readers[l.shard].ReadRow(l.row, v); err != nil {
				return st, fmt.Errorf("merge: %s: %w", dirs[l.shard], err)
			}
			rows = append(rows, idx[l.shard].Rows[l.row])
			vecs = append(vecs, v)
		}
		if err := w.AppendBatch(rows, vecs); err != nil {
			return st, fmt.Errorf("merge: %w", err)
		}
		st.Records++
		st.Rows += len(rows)
	}
	err = w.Close()
	w = nil
	if err != nil {
		return st, fmt.Errorf("merge: %w", err)
	}
	return st, nil
}
