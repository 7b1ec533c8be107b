package train

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func tinyStream(n int) []int32 {
	// A learnable periodic sequence over the tiny vocabulary.
	s := make([]int32, n)
	for i := range s {
		s[i] = int32((i*3 + i/7) % 11)
	}
	return s
}

func tinyOptions(dir string, steps int) Options {
	o := DefaultOptions("base")
	o.Steps, o.Batch, o.Seq = steps, 4, 8
	o.LR, o.MinLR, o.Warmup = 1e-2, 1e-3, 3
	o.CheckpointDir = dir
	o.LogEvery = 0
	return o
}

func TestTrainLossFallsAndResumeIsExact(t *testing.T) {
	c := tinyConfig()
	data := &StreamBatcher{Stream: tinyStream(500), B: 4, T: 8, Seed: 9}

	straight, _ := NewModel[float32](c, 1, 0.02)
	dirA := t.TempDir()
	o := tinyOptions(dirA, 60)
	o.LogPath = filepath.Join(dirA, "loss.jsonl")
	res, err := Train(context.Background(), straight, data, o)
	if err != nil {
		t.Fatal(err)
	}
	first, last := res.Records[0].Loss, res.Records[len(res.Records)-1].Loss
	t.Logf("tiny run: loss %.3f -> %.3f", first, last)
	if math.Abs(first-math.Log(11)) > 0.1 {
		t.Errorf("initial loss %.3f, want about ln(11) = %.3f", first, math.Log(11))
	}
	if last > 0.5*first {
		t.Errorf("loss fell only from %.3f to %.3f", first, last)
	}
	if _, ok := StageDone(dirA, "base"); !ok {
		t.Error("final checkpoint not marked completed")
	}

	// Interrupted run: 25 steps (checkpoint every 10 -> resumes from 20),
	// then a new call continues to 60.
	dirB := t.TempDir()
	resumed, _ := NewModel[float32](c, 1, 0.02)
	o = tinyOptions(dirB, 60)
	o.CheckpointEvery = 10
	o.LogPath = filepath.Join(dirB, "loss.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	stopAt := &stopBatcher{inner: data, stop: 26, cancel: cancel}
	if _, err := Train(ctx, resumed, stopAt, o); err != context.Canceled {
		t.Fatalf("interrupted run returned %v", err)
	}
	fresh, _ := NewModel[float32](c, 1, 0.02) // weights come from the checkpoint
	res, err = Train(context.Background(), fresh, data, o)
	if err != nil {
		t.Fatal(err)
	}
	logged := map[int]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(must(os.ReadFile(o.LogPath)))), "\n") {
		var r LogRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		logged[r.Step]++
	}
	for s := 1; s <= 60; s++ {
		if logged[s] != 1 {
			t.Errorf("step %d logged %d times after the resume", s, logged[s])
		}
	}
	if res.StartStep != 20 {
		t.Errorf("resumed after step %d, want 20", res.StartStep)
	}
	if !slices.Equal(fresh.Params, straight.Params) {
		t.Error("resumed run differs from the uninterrupted run")
	}
	if _, err := os.Stat(filepath.Join(dirB, CheckpointName("base", 10), "optimizer.safetensors")); !os.IsNotExist(err) {
		t.Error("old checkpoint kept its optimiser state")
	}
	if _, err := LoadHF(filepath.Join(dirB, CheckpointName("base", 10))); err != nil {
		t.Errorf("old checkpoint not loadable: %v", err)
	}
}

// stopBatcher cancels the context when asked for step stop.
type stopBatcher struct {
	inner  Batcher
	stop   int
	cancel func()
}

func (s *stopBatcher) Fill(step int, tokens, targets []int32) {
	if step == s.stop-1 {
		s.cancel()
	}
	s.inner.Fill(step, tokens, targets)
}

func TestAdamWMatchesFormula(t *testing.T) {
	ts := []Tensor{{Name: "w", Off: 0, Size: 2, Decay: true}, {Name: "n", Off: 2, Size: 1}}
	p := []float32{0.5, -1, 2}
	o := NewAdamW(3, 0.9, 0.95, 1e-8, 0.1)
	gs := [][]float32{{0.1, -0.2, 0.3}, {-0.05, 0.4, 0.1}}
	// float64 reference
	ref := []float64{0.5, -1, 2}
	m, v := make([]float64, 3), make([]float64, 3)
	for s, g := range gs {
		o.Update(ts, p, g, 0.01)
		for i := range ref {
			m[i] = 0.9*m[i] + 0.1*float64(g[i])
			v[i] = 0.95*v[i] + 0.05*float64(g[i])*float64(g[i])
			mh := m[i] / (1 - math.Pow(0.9, float64(s+1)))
			vh := v[i] / (1 - math.Pow(0.95, float64(s+1)))
			wd := 0.1
			if i == 2 {
				wd = 0
			}
			ref[i] -= 0.01 * (mh/(math.Sqrt(vh)+1e-8) + wd*ref[i])
		}
	}
	for i := range ref {
		if math.Abs(float64(p[i])-ref[i]) > 1e-6 {
			t.Errorf("param %d = %v, want %v", i, p[i], ref[i])
		}
	}
}

func TestSchedule(t *testing.T) {
	s := Schedule{Peak: 1, Min: 0.1, Warmup: 10, Total: 110}
	for _, c := range []struct {
		step int
		want float64
	}{{1, 0.1}, {10, 1}, {60, 0.55}, {110, 0.1}, {200, 0.1}} {
		if got := s.LR(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("LR(%d) = %v, want %v", c.step, got, c.want)
		}
	}
}

func TestChatBatcherMasksPrompt(t *testing.T) {
	text := &StreamBatcher{Stream: tinyStream(100), B: 2, T: 8, Seed: 1}
	ex := ChatExample{IDs: []int32{1, 4, 7, 8, 5, 9, 2}, AnswerStart: 5}
	cb, err := NewChatBatcher([]ChatExample{ex}, text, 0.5, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	tokens, targets := make([]int32, 16), make([]int32, 16)
	cb.Fill(1, tokens, targets)
	if want := []int32{1, 4, 7, 8, 5, 9, 0, 0}; !slices.Equal(tokens[:8], want) {
		t.Errorf("chat row tokens %v, want %v", tokens[:8], want)
	}
	if want := []int32{-1, -1, -1, -1, 9, 2, -1, -1}; !slices.Equal(targets[:8], want) {
		t.Errorf("chat row targets %v, want %v", targets[:8], want)
	}
	for i := 8; i < 16; i++ {
		if targets[i] < 0 {
			t.Fatalf("text row has masked target at %d", i)
		}
	}
	long := ChatExample{IDs: make([]int32, 20), AnswerStart: 3}
	if _, err := NewChatBatcher([]ChatExample{long}, text, 0.5, 0, 3); err == nil {
		t.Error("accepted an example longer than the sequence")
	}
}

func TestSafetensorsRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"short":  {1, 2},
		"len":    {255, 255, 255, 255, 0, 0, 0, 0},
		"json":   append([]byte{4, 0, 0, 0, 0, 0, 0, 0}, "{{{{"...),
		"dtype":  append([]byte{54, 0, 0, 0, 0, 0, 0, 0}, `{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`...),
		"bounds": append([]byte{54, 0, 0, 0, 0, 0, 0, 0}, `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`...),
	}
	for name, data := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		if _, err := readSafetensors(p); err == nil {
			t.Errorf("%s: accepted a bad file", name)
		}
	}
	good := []stTensor{{Name: "x", Shape: []int{2, 1}, Data: []float32{1.5, -2}}}
	p := filepath.Join(dir, "good")
	if err := writeSafetensors(p, good, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	got, err := readSafetensors(p)
	if err != nil || !slices.Equal(got["x"].Data, good[0].Data) {
		t.Errorf("round trip: %v %v", got, err)
	}
}

func TestReadHFConfigRejectsOtherModels(t *testing.T) {
	dir := t.TempDir()
	c := tinyConfig()
	data, _ := c.HFConfigJSON()
	p := filepath.Join(dir, "config.json")
	os.WriteFile(p, data, 0o644)
	got, err := ReadHFConfig(p)
	if err != nil || got != c {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	for _, bad := range []string{
		`{"model_type":"llama","tie_word_embeddings":true,"num_attention_heads":2,"num_key_value_heads":1,"hidden_size":8}`,
		`{"model_type":"gemma2","tie_word_embeddings":true}`,
		`{"model_type":"llama","tie_word_embeddings":true,"hidden_size":9,"num_attention_heads":2,"vocab_size":3,"num_hidden_layers":1,"intermediate_size":4,"max_position_embeddings":4,"rope_theta":1,"rms_norm_eps":1}`,
		`not json`,
	} {
		os.WriteFile(p, []byte(bad), 0o644)
		if _, err := ReadHFConfig(p); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
