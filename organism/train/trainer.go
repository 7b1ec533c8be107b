package train

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Options configure one training stage.
type Options struct {
	// Stage names the stage ("base", "chat"); checkpoints are
	// CheckpointDir/{Stage}-step-{N}.
	Stage string
	// Steps is the total number of optimiser steps of the stage.
	Steps int
	// Batch (B) sequences of Seq (T) tokens per step.
	Batch, Seq int
	// Schedule: linear warm-up to LR over Warmup steps, cosine to MinLR.
	LR, MinLR float64
	Warmup    int
	// AdamW hyper-parameters; WeightDecay is decoupled and skips norms.
	Beta1, Beta2, Eps, WeightDecay float64
	// Clip is the global gradient-norm limit (0: none).
	Clip float64
	// CheckpointEvery steps a checkpoint is written (0: only at the end).
	CheckpointEvery int
	// CheckpointDir holds the checkpoints; empty disables them and resuming.
	CheckpointDir string
	// LogPath is the JSONL loss log (appended to); empty disables it.
	LogPath string
	// LogEvery steps a line is logged with slog (the JSONL log gets every step).
	LogEvery int
	// SaveExtra, if set, writes more files (the tokenizer) into every
	// checkpoint folder.
	SaveExtra func(dir string) error
}

// DefaultOptions returns AdamW (0.9, 0.95, 1e-8, weight decay 0.1),
// clipping at 1 and a JSONL log line per step, for the stage name given.
func DefaultOptions(stage string) Options {
	return Options{Stage: stage, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, Clip: 1, LogEvery: 25}
}

// LogRecord is one line of the JSONL loss log.
type LogRecord struct {
	Stage    string  `json:"stage"`
	Step     int     `json:"step"`
	Loss     float64 `json:"loss"`
	Tokens   int     `json:"tokens"` // counted targets
	LR       float64 `json:"lr"`
	GradNorm float64 `json:"grad_norm"`
	StepSec  float64 `json:"step_s"`
}

// trainerState is trainer_state.json in a checkpoint.
type trainerState struct {
	Stage     string  `json:"stage"`
	Step      int     `json:"step"`
	Steps     int     `json:"steps"`
	AdamStep  int     `json:"adam_step"`
	Loss      float64 `json:"loss"`
	Completed bool    `json:"completed"`
}

// Result summarises a finished stage.
type Result struct {
	// StartStep is the step the stage resumed after (0 for a fresh run).
	StartStep int
	// Records are the log records of the steps run in this call.
	Records []LogRecord
}

// Train runs one stage on m (updated in place) with batches from data. If
// CheckpointDir holds checkpoints of this stage it resumes from the latest,
// restoring the weights and the optimiser state; batches are a function of
// the step, so a resumed run continues exactly. A cancelled context stops
// after the current step and returns ctx.Err() (without a checkpoint).
func Train(ctx context.Context, m *Model[float32], data Batcher, o Options) (*Result, error) {
	if o.Steps < 1 || o.Batch < 1 || o.Seq < 1 {
		return nil, fmt.Errorf("train: stage %q: steps %d, batch %d, seq %d must be positive", o.Stage, o.Steps, o.Batch, o.Seq)
	}
	ws, err := NewWorkspace[float32](m.Config, o.Batch, o.Seq)
	if err != nil {
		return nil, err
	}
	opt := NewAdamW(len(m.Params), o.Beta1, o.Beta2, o.Eps, o.WeightDecay)
	res := &Result{}
	if o.CheckpointDir != "" {
		dir, st, err := latestCheckpoint(o.CheckpointDir, o.Stage)
		if err != nil {
			return nil, err
		}
		if dir != "" {
			if err := loadCheckpoint(dir, m, opt); err != nil {
				return nil, err
			}
			res.StartStep = st.Step
			slog.Info("resumed", "stage", o.Stage, "checkpoint", dir, "step", st.Step)
		}
	}
	var logf *os.File
	if o.LogPath != "" {
		if err := trimLog(o.LogPath, o.Stage, res.StartStep); err != nil {
			return nil, err
		}
		if logf, err = os.OpenFile(o.LogPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err != nil {
			return nil, fmt.Errorf("train: loss log: %w", err)
		}
		defer logf.Close()
	}
	sched := Schedule{Peak: o.LR, Min: o.MinLR, Warmup: o.Warmup, Total: o.Steps}
	tokens := make([]int32, o.Batch*o.Seq)  // (B, T)
	targets := make([]int32, o.Batch*o.Seq) // (B, T)
	grads := make([]float32, len(m.Params))
	start := time.Now()
	for step := res.StartStep + 1; step <= o.Steps; step++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		t0 := time.Now()
		data.Fill(step, tokens, targets)
		if err := ws.Forward(m, tokens); err != nil {
			return res, fmt.Errorf("train: step %d: %w", step, err)
		}
		loss, count, err := ws.Loss(targets)
		if err != nil {
			return res, fmt.Errorf("train: step %d: %w", step, err)
		}
		clear(grads)
		ws.Backward(m, grads)
		norm := clipGrads(grads, o.Clip)
		lr := sched.LR(step)
		opt.Update(m.Tensors, m.Params, grads, lr)
		rec := LogRecord{Stage: o.Stage, Step: step, Loss: loss, Tokens: count, LR: lr, GradNorm: norm, StepSec: time.Since(t0).Seconds()}
		res.Records = append(res.Records, rec)
		if logf != nil {
			line, _ := json.Marshal(rec)
			if _, err := logf.Write(append(line, '\n')); err != nil {
				return res, fmt.Errorf("train: loss log: %w", err)
			}
		}
		if o.LogEvery > 0 && (step%o.LogEvery == 0 || step == o.Steps) {
			done := step - res.StartStep
			eta := time.Since(start) / time.Duration(done) * time.Duration(o.Steps-step)
			slog.Info("train", "stage", o.Stage, "step", step, "of", o.Steps, "loss", fmt.Sprintf("%.4f", loss),
				"lr", fmt.Sprintf("%.2e", lr), "grad_norm", fmt.Sprintf("%.3f", norm), "step_s", fmt.Sprintf("%.2f", rec.StepSec), "eta", eta.Round(time.Second))
		}
		if o.CheckpointDir != "" && (step == o.Steps || (o.CheckpointEvery > 0 && step%o.CheckpointEvery == 0)) {
			st := trainerState{Stage: o.Stage, Step: step, Steps: o.Steps, AdamStep: opt.Step, Loss: loss, Completed: step == o.Steps}
			if err := saveCheckpoint(o.CheckpointDir, m, opt, st, o.SaveExtra); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// CheckpointName is the folder name of stage's checkpoint after step.
func CheckpointName(stage string, step int) string { return fmt.Sprintf("%s-step-%06d", stage, step) }

// saveCheckpoint writes an HF folder plus optimizer.safetensors and
// trainer_state.json atomically (into a temporary folder, then renamed), and
// drops the optimiser state of the stage's older checkpoints (their weights
// stay, for emergence studies).
func saveCheckpoint(root string, m *Model[float32], opt *AdamW, st trainerState, extra func(string) error) error {
	final := filepath.Join(root, CheckpointName(st.Stage, st.Step))
	tmp := final + ".partial"
	os.RemoveAll(tmp)
	if err := SaveHF(tmp, m); err != nil {
		return err
	}
	if extra != nil {
		if err := extra(tmp); err != nil {
			return fmt.Errorf("train: checkpoint extra files: %w", err)
		}
	}
	ts := append(tensorsOf(m.Tensors, opt.M, ".adam_m"), tensorsOf(m.Tensors, opt.V, ".adam_v")...)
	if err := writeSafetensors(filepath.Join(tmp, "optimizer.safetensors"), ts, nil); err != nil {
		return err
	}
	data, _ := json.MarshalIndent(st, "", "  ")
	if err := writeFileAtomic(filepath.Join(tmp, "trainer_state.json"), data); err != nil {
		return err
	}
	os.RemoveAll(final)
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	olds, err := listCheckpoints(root, st.Stage)
	if err != nil {
		return err
	}
	for _, step := range olds {
		if step < st.Step {
			os.Remove(filepath.Join(root, CheckpointName(st.Stage, step), "optimizer.safetensors"))
		}
	}
	return nil
}

// listCheckpoints returns the steps of stage's checkpoints under root,
// ascending.
func listCheckpoints(root, stage string) ([]int, error) {
	entries, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("train: checkpoints: %w", err)
	}
	var steps []int
	prefix := stage + "-step-"
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(e.Name(), prefix)); err == nil {
			steps = append(steps, n)
		}
	}
	sort.Ints(steps)
	return steps, nil
}

// latestCheckpoint returns the newest resumable checkpoint of stage (one
// that still has its optimiser state), or "" when there is none.
func latestCheckpoint(root, stage string) (string, trainerState, error) {
	steps, err := listCheckpoints(root, stage)
	if err != nil {
		return "", trainerState{}, err
	}
	for i := len(steps) - 1; i >= 0; i-- {
		dir := filepath.Join(root, CheckpointName(stage, steps[i]))
		if _, err := os.Stat(filepath.Join(dir, "optimizer.safetensors")); err != nil {
			continue
		}
		st, err := readState(dir)
		if err != nil {
			return "", trainerState{}, err
		}
		return dir, st, nil
	}
	return "", trainerState{}, nil
}

func readState(dir string) (trainerState, error) {
	var st trainerState
	data, err := os.ReadFile(filepath.Join(dir, "trainer_state.json"))
	if err != nil {
		return st, fmt.Errorf("train: checkpoint state: %w", err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("train: %s/trainer_state.json: %w", dir, err)
	}
	return st, nil
}

// loadCheckpoint restores weights and optimiser state from dir.
func loadCheckpoint(dir string, m *Model[float32], opt *AdamW) error {
	c, err := ReadHFConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return err
	}
	if c != m.Config {
		return fmt.Errorf("train: checkpoint %s has config %+v, the run has %+v", dir, c, m.Config)
	}
	st, err := readState(dir)
	if err != nil {
		return err
	}
	if err := loadInto(filepath.Join(dir, "model.safetensors"), m.Tensors, m.Params, ""); err != nil {
		return err
	}
	if err := loadInto(filepath.Join(dir, "optimizer.safetensors"), m.Tensors, opt.M, ".adam_m"); err != nil {
		return err
	}
	if err := loadInto(filepath.Join(dir, "optimizer.safetensors"), m.Tensors, opt.V, ".adam_v"); err != nil {
		return err
	}
	opt.Step = st.AdamStep
	return nil
}

// StageDone reports whether root holds a completed checkpoint of stage and
// returns its folder.
func StageDone(root, stage string) (string, bool) {
	steps, err := listCheckpoints(root, stage)
	if err != nil || len(steps) == 0 {
		return "", false
	}
	dir := filepath.Join(root, CheckpointName(stage, steps[len(steps)-1]))
	st, err := readState(dir)
	return dir, err == nil && st.Completed
}

// trimLog drops from the JSONL loss log the records of stage after step
// (steps run after the checkpoint a run resumes from), so that a resumed
// run's log has each step once.
func trimLog(path, stage string, step int) error {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("train: loss log: %w", err)
	}
	var kept []byte
	dropped := false
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var r LogRecord
		if json.Unmarshal([]byte(line), &r) == nil && r.Stage == stage && r.Step > step {
			dropped = true
			continue
		}
		kept = append(kept, line...)
	}
	if !dropped {
		return nil
	}
	return writeFileAtomic(path, kept)
}
