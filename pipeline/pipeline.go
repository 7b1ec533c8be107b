package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/internal/atomicfile"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

// The stages, in order. Transfer runs only when transfer.base-model is
// set, report only when report.enabled.
const (
	StageCollect  = "collect"
	StageLabel    = "label"
	StageSplit    = "split"
	StageExtract  = "extract"
	StageTrain    = "train"
	StageEval     = "eval"
	StageTransfer = "transfer"
	StageReport   = "report"
)

// Stages lists the stage names in the order they run.
var Stages = []string{StageCollect, StageLabel, StageSplit, StageExtract, StageTrain, StageEval, StageTransfer, StageReport}

// ConfigFile is the effective config a run keeps in its folder.
const ConfigFile = "run.toml"

// Options control one execution of a run (not what it computes).
type Options struct {
	// Dir is the run folder (created when missing).
	Dir string
	// From, when set, reruns this stage and every later one even when
	// current; the earlier stages must be current.
	From string
	// Until, when set, stops after this stage.
	Until string
	// Fresh reruns every stage from scratch, discarding earlier outputs.
	Fresh bool
	// Progress, when set, is called with a stage name and items done of
	// total (total 0 when unknown).
	Progress func(stage string, done, total int)
}

// Action is what a run does with one stage.
type Action string

// The actions of a plan.
const (
	ActionSkip   Action = "skip"   // current: outputs and options unchanged
	ActionRun    Action = "run"    // never run here
	ActionResume Action = "resume" // started with these options and stopped
	ActionRedo   Action = "redo"   // options, inputs or outputs changed: from scratch
	ActionOff    Action = "off"    // not configured, or after --until
)

// Step is one stage of a plan: what will be done and why.
type Step struct {
	Stage  string `json:"stage"`
	Action Action `json:"action"`
	Reason string `json:"reason,omitempty"`
	// Elapsed is the time the stage took (Run only).
	Elapsed time.Duration `json:"elapsed_ns,omitempty"`
}

// Validate checks the run folder, From and Until.
func (o Options) Validate() error {
	var errs []error
	if o.Dir == "" {
		errs = append(errs, errors.New("--out: missing: name the run folder"))
	}
	for _, f := range []struct{ flag, v string }{{"from", o.From}, {"until", o.Until}} {
		if f.v != "" && !slices.Contains(Stages, f.v) {
			errs = append(errs, fmt.Errorf("--%s %q: want one of %s", f.flag, f.v, strings.Join(Stages, ", ")))
		}
	}
	if o.From != "" && o.Until != "" && slices.Index(Stages, o.From) > slices.Index(Stages, o.Until) {
		errs = append(errs, fmt.Errorf("--from %s comes after --until %s", o.From, o.Until))
	}
	return errors.Join(errs...)
}

// runner holds what the stages of one execution share: the config, the
// run folder, and the models, loaded when a stage first needs them.
type runner struct {
	cfg Config
	opt Options

	m        *model.Model
	tok      *tokenizer.Tokenizer
	modelID  string
	base     *model.Model
	baseID   string
	datasetD string
	ids      map[string]string // stage -> identity of its outputs (key and output digests)
}

func (r *runner) path(name ...string) string {
	return filepath.Join(append([]string{r.opt.Dir}, name...)...)
}

func (r *runner) progress(stage string, done, total int) {
	if r.opt.Progress != nil {
		r.opt.Progress(stage, done, total)
	}
}

func (r *runner) close() {
	if r.m != nil {
		r.m.Close()
	}
	if r.base != nil {
		r.base.Close()
	}
}

// model loads the model under study and its tokenizer.
func (r *runner) model() error {
	if r.m != nil {
		return nil
	}
	m, err := model.Load(r.cfg.Model)
	if err != nil {
		return fmt.Errorf("pipeline: model: %w", err)
	}
	tok, err := tokenizer.Load(m.Path)
	if err != nil {
		m.Close()
		return fmt.Errorf("pipeline: model: %w", err)
	}
	id, err := m.Identity()
	if err != nil {
		m.Close()
		return fmt.Errorf("pipeline: model: %w", err)
	}
	r.m, r.tok, r.modelID = m, tok, id
	return nil
}

// baseModel loads the transfer stage's base model.
func (r *runner) baseModel() error {
	if r.base != nil {
		return nil
	}
	m, err := model.Load(r.cfg.Transfer.BaseModel)
	if err != nil {
		return fmt.Errorf("pipeline: transfer.base-model: %w", err)
	}
	id, err := m.Identity()
	if err != nil {
		m.Close()
		return fmt.Errorf("pipeline: transfer.base-model: %w", err)
	}
	r.base, r.baseID = m, id
	return nil
}

// datasetDigest identifies the dataset: the digest of its file (or, for
// a generated set such as nonexist:N, its spec).
func (r *runner) datasetDigest() (string, error) {
	if r.datasetD != "" {
		return r.datasetD, nil
	}
	format, path := datasets.ParseSpec(r.cfg.Dataset)
	if format == "nonexist" {
		r.datasetD = "spec:" + r.cfg.Dataset
		return r.datasetD, nil
	}
	in, err := record.InputOf("dataset", path)
	if err != nil {
		return "", fmt.Errorf("pipeline: dataset: %w", err)
	}
	r.datasetD = format + ":" + in.Digest
	return r.datasetD, nil
}

// keyOptions returns the options a stage's key covers: its section's, the
// identities of the models and dataset it reads, and its upstream stages'.
func (r *runner) keyOptions(s *stage) (map[string]string, error) {
	opts := s.options(r.cfg)
	for _, need := range s.needs {
		switch need {
		case "model":
			if err := r.model(); err != nil {
				return nil, err
			}
			opts["model"] = r.modelID
		case "base-model":
			if err := r.baseModel(); err != nil {
				return nil, err
			}
			opts["base-model"] = r.baseID
		case "dataset":
			d, err := r.datasetDigest()
			if err != nil {
				return nil, err
			}
			opts["dataset"] = d
		}
	}
	for _, up := range s.upstream {
		if !r.cfg.enabled(up) {
			continue
		}
		id, ok := r.ids[up]
		if !ok {
			return nil, fmt.Errorf("pipeline: stage %s needs stage %s, which has not run here (run without --from/--until, or with --from %s)", s.name, up, up)
		}
		opts["upstream:"+up] = id
	}
	return opts, nil
}

// decide returns what to do with a stage and its key options.
func (r *runner) decide(s *stage, idx, from int) (Step, map[string]string, error) {
	step := Step{Stage: s.name}
	if !r.cfg.enabled(s.name) {
		step.Action, step.Reason = ActionOff, "not configured"
		return step, nil, nil
	}
	opts, err := r.keyOptions(s)
	if err != nil {
		return step, nil, err
	}
	key := keyOf(s.name, opts)
	st, err := readStamp(r.opt.Dir, s.name)
	if err != nil {
		return step, nil, err
	}
	current := false
	why := ""
	switch {
	case st == nil:
		why = "not run yet"
	case st.Key != key:
		why = changed(st.Options, opts)
	case !st.Complete:
		why = "interrupted"
	default:
		current, why = outputsCurrent(r.opt.Dir, st)
	}
	switch {
	case from >= 0 && idx < from:
		if !current {
			return step, nil, fmt.Errorf("pipeline: --from %s: the earlier stage %s is not current (%s); run it first (leave out --from)", Stages[from], s.name, why)
		}
		step.Action, step.Reason = ActionSkip, "before --from"
	case r.opt.Fresh:
		step.Action, step.Reason = ActionRedo, "--fresh"
	case from >= 0:
		step.Action, step.Reason = ActionRedo, "--from "+Stages[from]
	case current:
		step.Action, step.Reason = ActionSkip, "current"
	case st == nil:
		step.Action, step.Reason = ActionRun, why
	case st.Key == key && !st.Complete:
		step.Action, step.Reason = ActionResume, why
	default:
		step.Action, step.Reason = ActionRedo, why
	}
	return step, opts, nil
}

// stageID is the identity a stage passes on to the stages that read it:
// its key and the digests of its outputs.
func stageID(s *Stamp) string {
	h := sha256.New()
	h.Write([]byte(s.Key))
	for _, o := range s.Outputs {
		fmt.Fprintf(h, "\x00%s=%s", o.Path, o.Digest)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Plan returns what Run would do with every stage and why, without
// running anything (it loads the models, to identify them).
func Plan(ctx context.Context, cfg Config, opt Options) ([]Step, error) {
	return execute(ctx, cfg, opt, true)
}

// Run runs the stages in order, skipping those whose outputs and options
// are current, resuming an interrupted one and redoing (from scratch) one
// whose options, inputs or outputs changed, together with every stage
// after it. The effective config is written to the run folder's run.toml.
// Cancelling ctx stops the current stage where it can be resumed.
func Run(ctx context.Context, cfg Config, opt Options) ([]Step, error) {
	return execute(ctx, cfg, opt, false)
}

func execute(ctx context.Context, cfg Config, opt Options, dry bool) ([]Step, error) {
	if err := errors.Join(cfg.Validate(), opt.Validate()); err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, opt: opt, ids: map[string]string{}}
	defer r.close()
	from, until := -1, len(Stages)-1
	if opt.From != "" {
		from = slices.Index(Stages, opt.From)
	}
	if opt.Until != "" {
		until = slices.Index(Stages, opt.Until)
	}
	if !dry {
		if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
		b, err := cfg.Encode()
		if err != nil {
			return nil, err
		}
		if err := atomicfile.WriteBytes(r.path(ConfigFile), b); err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
	}
	var steps []Step
	redo := false // a stage before this one was (re)run: the later ones follow
	for i, s := range allStages() {
		if i > until {
			steps = append(steps, Step{Stage: s.name, Action: ActionOff, Reason: "after --until " + Stages[until]})
			continue
		}
		step, opts, err := r.decide(s, i, from)
		if err != nil {
			return steps, err
		}
		if dry {
			if redo && step.Action == ActionSkip {
				step.Action, step.Reason = ActionRedo, "an earlier stage reruns"
			}
			if step.Action != ActionOff && step.Action != ActionSkip {
				redo = true
			}
			// The stages after one that would rerun get their upstream
			// identity from the old stamp: good enough for a plan.
			if st, _ := readStamp(opt.Dir, s.name); st != nil {
				r.ids[s.name] = stageID(st)
			} else if step.Action != ActionOff {
				r.ids[s.name] = "planned"
			}
			steps = append(steps, step)
			continue
		}
		if step.Action == ActionOff {
			steps = append(steps, step)
			continue
		}
		if step.Action == ActionSkip {
			st, err := readStamp(opt.Dir, s.name)
			if err != nil {
				return steps, err
			}
			r.ids[s.name] = stageID(st)
			slog.Info("stage current, skipped", "stage", s.name)
			steps = append(steps, step)
			continue
		}
		slog.Info("stage", "stage", s.name, "action", step.Action, "why", step.Reason)
		key := keyOf(s.name, opts)
		st := &Stamp{Stage: s.name, Key: key, Options: opts, Version: versionString()}
		if err := writeStamp(opt.Dir, st); err != nil {
			return steps, err
		}
		start := time.Now()
		r.progress(s.name, 0, 0)
		if err := s.run(r, ctx, step.Action == ActionRedo); err != nil {
			return steps, fmt.Errorf("pipeline: stage %s: %w", s.name, err)
		}
		step.Elapsed = time.Since(start)
		for _, out := range s.outputs {
			o, err := identify(opt.Dir, out)
			if err != nil {
				return steps, fmt.Errorf("pipeline: stage %s: %w", s.name, err)
			}
			st.Outputs = append(st.Outputs, o)
		}
		st.Complete = true
		if err := writeStamp(opt.Dir, st); err != nil {
			return steps, err
		}
		r.ids[s.name] = stageID(st)
		steps = append(steps, step)
	}
	return steps, nil
}
