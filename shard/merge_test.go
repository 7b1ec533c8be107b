package shard_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/extract"
	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/shard"
	"github.com/hneurons/hneurons/tokenizer"
)

// fixture is a small real run: stories260K asked 12 questions (3 samples of
// at most 8 tokens each), unsharded and as 3 shards.
type fixture struct {
	m     *model.Model
	tok   *tokenizer.Tokenizer
	dir   string
	ds    string // dataset path
	recs  []datasets.Record
	whole string   // unsharded collect output
	parts []string // shard outputs, shard i at index i
}

var small = collect.Options{Samples: 3, PromptFormat: chat.FormatBase, Seed: 7,
	Decoding: record.Decoding{Temperature: 1, TopP: 0.9, TopK: 50, MaxNewTokens: 8}}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	path := sharedtest.Path(t, "models", "stories260K", "stories260K.gguf")
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	tok, err := tokenizer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{m: m, tok: tok, dir: t.TempDir()}
	// A dataset whose ids are not in shard order, with a repeated id (the
	// first is kept, by the unsharded run and by the merge).
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	names := []string{"Lily", "Tom", "Sue", "Max", "Ben", "Anna", "Tim", "Mia", "Sam", "Lucy", "Jack", "Zoe"}
	for k, name := range names {
		enc.Encode(datasets.Record{ID: fmt.Sprintf("s%02d", (k*7)%12), Question: "What did " + name + " find in the park", Answers: []string{name}})
		if k == 4 {
			enc.Encode(datasets.Record{ID: "s00", Question: "What did Lily find in the park", Answers: []string{"Lily"}})
		}
	}
	f.ds = filepath.Join(f.dir, "questions.jsonl")
	if err := os.WriteFile(f.ds, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if f.recs, _, err = datasets.Load(f.ds, datasets.Options{DedupeIDs: true}); err != nil {
		t.Fatal(err)
	}
	if len(f.recs) != 12 {
		t.Fatalf("%d questions loaded", len(f.recs))
	}
	ctx := context.Background()
	run := func(out string, s shard.Spec) {
		opt := small
		opt.Input, opt.Shard = record.Input{Path: f.ds}, s
		if _, err := collect.Run(ctx, m, tok, f.recs, out, opt); err != nil {
			t.Fatal(err)
		}
	}
	f.whole = filepath.Join(f.dir, "whole.jsonl")
	run(f.whole, shard.Spec{})
	for i := range 3 {
		f.parts = append(f.parts, filepath.Join(f.dir, fmt.Sprintf("part%d.jsonl", i)))
		run(f.parts[i], shard.Spec{Index: i, Count: 3})
	}
	return f
}

func mergeCollected(t *testing.T, f *fixture, paths []string, out string) (shard.Stats, error) {
	t.Helper()
	p, err := record.ReadHeader(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	_, base, err := shard.Split(p)
	if err != nil {
		t.Fatal(err)
	}
	order, err := shard.InputOrder(&base, "")
	if err != nil {
		return shard.Stats{}, err
	}
	return shard.MergeJSONL(paths, order, out)
}

func TestCollectShardsMerge(t *testing.T) {
	f := newFixture(t)
	// Each shard holds its own ids only, and records its shard.
	total := 0
	for i, p := range f.parts {
		recs, prov, err := record.ReadCollected(p)
		if err != nil {
			t.Fatal(err)
		}
		if prov.Options["shard"] != fmt.Sprintf("%d/3", i) {
			t.Fatalf("%s: provenance shard %q", p, prov.Options["shard"])
		}
		for _, r := range recs {
			if shard.Of(r.ID, 3) != i {
				t.Fatalf("%s holds %s of shard %d", p, r.ID, shard.Of(r.ID, 3))
			}
		}
		if len(recs) == 0 || len(recs) == 12 {
			t.Fatalf("shard %d holds %d of 12 questions: a test of nothing", i, len(recs))
		}
		total += len(recs)
	}
	if total != 12 {
		t.Fatalf("the shards hold %d questions, want 12", total)
	}
	// Merged in any order of the arguments: the unsharded file, byte for
	// byte (provenance line included).
	out := filepath.Join(f.dir, "merged.jsonl")
	st, err := mergeCollected(t, f, []string{f.parts[2], f.parts[0], f.parts[1]}, out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 12 || st.Absent != 0 {
		t.Fatalf("merge stats %+v", st)
	}
	want, _ := os.ReadFile(f.whole)
	got, _ := os.ReadFile(out)
	if !bytes.Equal(got, want) {
		t.Fatalf("merged file differs from the unsharded run's:\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(string(got), `"shard"`) {
		t.Fatal("the merged provenance still names a shard")
	}

	// Refusals.
	refuse := func(name string, paths []string, wantErr string) {
		t.Helper()
		_, err := mergeCollected(t, f, paths, filepath.Join(f.dir, "refused.jsonl"))
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s: err = %v, want one containing %q", name, err, wantErr)
		}
		if _, serr := os.Stat(filepath.Join(f.dir, "refused.jsonl")); serr == nil {
			t.Errorf("%s: a refused merge wrote its output", name)
		}
	}
	refuse("missing shard", f.parts[:2], "shards [2] of 3 are missing")
	refuse("repeated shard", []string{f.parts[0], f.parts[1], f.parts[1], f.parts[2]}, "given twice")
	refuse("not a shard", []string{f.whole, f.parts[1]}, "is not a shard")

	// A shard of another seed: provenance differs other than by the shard.
	other := filepath.Join(f.dir, "seed8.jsonl")
	opt := small
	opt.Seed, opt.Input, opt.Shard = 8, record.Input{Path: f.ds}, shard.Spec{Index: 1, Count: 3}
	if _, err := collect.Run(context.Background(), f.m, f.tok, f.recs, other, opt); err != nil {
		t.Fatal(err)
	}
	refuse("other seed", []string{f.parts[0], other, f.parts[2]}, "--seed differs")
	// Shards of another count.
	four := filepath.Join(f.dir, "four.jsonl")
	opt.Seed, opt.Shard = small.Seed, shard.Spec{Index: 3, Count: 4}
	if _, err := collect.Run(context.Background(), f.m, f.tok, f.recs, four, opt); err != nil {
		t.Fatal(err)
	}
	refuse("other count", []string{f.parts[0], four, f.parts[2]}, "share their count")

	// An overlap: a record of shard 0 copied into shard 1's file.
	lines0 := strings.SplitAfter(string(mustRead(t, f.parts[0])), "\n")
	over := filepath.Join(f.dir, "overlap.jsonl")
	if err := os.WriteFile(over, append(mustRead(t, f.parts[1]), lines0[1]...), 0o644); err != nil {
		t.Fatal(err)
	}
	refuse("overlap", []string{f.parts[0], over, f.parts[2]}, "the shards overlap")
	// The same record moved (not copied) into the wrong shard.
	less := filepath.Join(f.dir, "less.jsonl")
	if err := os.WriteFile(less, []byte(lines0[0]+strings.Join(lines0[2:], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	refuse("wrong shard", []string{less, over, f.parts[2]}, "belongs to shard 0/3")
	// A record repeated within its own shard.
	twice := filepath.Join(f.dir, "twice.jsonl")
	if err := os.WriteFile(twice, append(mustRead(t, f.parts[0]), lines0[1]...), 0o644); err != nil {
		t.Fatal(err)
	}
	refuse("repeat", []string{twice, f.parts[1], f.parts[2]}, "twice")

	// The dataset changed since the shards read it: the order cannot be trusted.
	if err := os.WriteFile(f.ds, append(mustRead(t, f.ds), `{"id":"new","question":"q","answers":[]}`+"\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	refuse("changed input", f.parts, "is not the dataset the shards read")
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// labelled turns collected records into labelled ones (the first sample,
// the whole response as the answer span, labels alternating, one record
// left unlabelled), written as a JSONL file.
func labelled(t *testing.T, f *fixture) string {
	t.Helper()
	col, _, err := record.ReadCollected(f.whole)
	if err != nil {
		t.Fatal(err)
	}
	var recs []record.Labelled
	for k, c := range col {
		s := c.Samples[0]
		lab := []string{record.Faithful, record.Hallucinated, record.Faithful, record.LabelUncertain}[k%4]
		recs = append(recs, record.Labelled{ID: c.ID, Question: c.Question, Answers: c.Answers, Prompt: c.Prompt, PromptFormat: c.PromptFormat,
			Label: lab, Response: s.Text, ResponseTokens: s.Tokens, AnswerStart: 0, AnswerEnd: len(s.Text), AnswerText: s.Text})
	}
	p := filepath.Join(f.dir, "labelled.jsonl")
	prov := record.New("label", nil)
	if err := record.WriteJSONL(p, &prov, recs); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExtractShardsMerge(t *testing.T) {
	f := newFixture(t)
	lab := labelled(t, f)
	recs, _, err := record.ReadLabelled(lab)
	if err != nil {
		t.Fatal(err)
	}
	in, err := record.InputOf("labelled", lab)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, batch := range []int{1, 8} {
		t.Run(fmt.Sprintf("batch%d", batch), func(t *testing.T) {
			dir := t.TempDir()
			run := func(out string, s shard.Spec) {
				if _, err := extract.Run(ctx, f.m, f.tok, recs, out, extract.Options{Batch: batch, Input: in, Shard: s}); err != nil {
					t.Fatal(err)
				}
			}
			whole := filepath.Join(dir, "whole")
			run(whole, shard.Spec{})
			var parts []string
			for i := range 3 {
				parts = append(parts, filepath.Join(dir, fmt.Sprint("part", i)))
				run(parts[i], shard.Spec{Index: i, Count: 3})
			}
			ix, err := features.ReadIndex(parts[1])
			if err != nil {
				t.Fatal(err)
			}
			if ix.Provenance.Options["shard"] != "1/3" || len(ix.Rows) == 0 {
				t.Fatalf("shard 1: provenance %v, %d rows", ix.Provenance.Options, len(ix.Rows))
			}
			_, base, err := shard.Split(ix.Provenance)
			if err != nil {
				t.Fatal(err)
			}
			order, err := shard.InputOrder(&base, "")
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "merged")
			st, err := shard.MergeFeatures(ctx, []string{parts[1], parts[2], parts[0]}, order, out, false)
			if err != nil {
				t.Fatal(err)
			}
			if st.Records != 9 || st.Rows != 36 {
				t.Fatalf("merge stats %+v (want 9 responses of 12 labelled, 4 regions each)", st)
			}
			wi, _ := os.ReadFile(filepath.Join(whole, features.IndexFile))
			gi, _ := os.ReadFile(filepath.Join(out, features.IndexFile))
			if !bytes.Equal(wi, gi) {
				t.Fatalf("merged index.json differs from the unsharded one:\n%s\nwant\n%s", gi, wi)
			}
			wm, _ := os.ReadFile(filepath.Join(whole, features.MatrixFile))
			gm, _ := os.ReadFile(filepath.Join(out, features.MatrixFile))
			if len(wm) != 36*5*172*4 {
				t.Fatalf("the unsharded matrix has %d bytes", len(wm))
			}
			switch {
			case bytes.Equal(wm, gm):
			case batch == 1:
				t.Fatal("merged features.f32 differs from the unsharded one with one response per forward call")
			default:
				// Batches of other composition may change the last bits of the
				// float32 sums; the values must still agree closely.
				if len(gm) != len(wm) {
					t.Fatalf("merged matrix has %d bytes, want %d", len(gm), len(wm))
				}
				for k := 0; k < len(wm); k += 4 {
					a := math.Float32frombits(binary.LittleEndian.Uint32(wm[k:]))
					b := math.Float32frombits(binary.LittleEndian.Uint32(gm[k:]))
					if d := math.Abs(float64(a - b)); d > 1e-5*math.Max(1, math.Abs(float64(a))) {
						t.Fatalf("value %d: merged %g, unsharded %g", k/4, b, a)
					}
				}
				t.Logf("batch %d: merged values are close but not bit-equal to the unsharded run's", batch)
			}
			// A second merge into the same folder needs fresh.
			if _, err := shard.MergeFeatures(ctx, parts, order, out, false); err == nil || !strings.Contains(err.Error(), "already holds") {
				t.Fatalf("merge over a store: %v", err)
			}
			if _, err := shard.MergeFeatures(ctx, parts[:2], order, filepath.Join(dir, "x"), false); err == nil || !strings.Contains(err.Error(), "missing") {
				t.Fatalf("missing shard: %v", err)
			}
			// Another aggregation: provenance differs other than by the shard.
			maxed := filepath.Join(dir, "max1")
			if _, err := extract.Run(ctx, f.m, f.tok, recs, maxed, extract.Options{Batch: batch, Agg: extract.AggMax, Input: in, Shard: shard.Spec{Index: 1, Count: 3}}); err != nil {
				t.Fatal(err)
			}
			if _, err := shard.MergeFeatures(ctx, []string{parts[0], maxed, parts[2]}, order, filepath.Join(dir, "y"), false); err == nil || !strings.Contains(err.Error(), "--agg differs") {
				t.Fatalf("other --agg: %v", err)
			}
		})
	}
}
