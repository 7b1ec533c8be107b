package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/extract"
	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/probe"
)

// Config is every option of a run, as written in run.toml. Keys are the
// flag names of the stage commands (hneurons collect --top-p is
// [collect] top-p), so a run's config reads like the commands it chains.
// Fields tagged `key:"-"` change how fast a stage runs, not what it writes;
// they are left out of the stage keys (a change does not rerun anything).
type Config struct {
	// Model is the model under study: a GGUF file or a Hugging Face folder.
	Model string `toml:"model"`
	// Dataset is the question set, a dataset spec (see hneurons datasets).
	Dataset string `toml:"dataset"`
	// ModelName is recorded in every record (default: the model path).
	ModelName string `toml:"model-name"`
	// Seed drives sampling, the split, the probe folds, bootstrap and the
	// random-neuron baselines.
	Seed uint64 `toml:"seed"`

	Collect  CollectConfig  `toml:"collect"`
	Label    LabelConfig    `toml:"label"`
	Split    SplitConfig    `toml:"split"`
	Extract  ExtractConfig  `toml:"extract"`
	Train    TrainConfig    `toml:"train"`
	Eval     EvalConfig     `toml:"eval"`
	Transfer TransferConfig `toml:"transfer"`
	Report   ReportConfig   `toml:"report"`
}

// CollectConfig is the collect stage (hneurons collect).
type CollectConfig struct {
	Samples      int     `toml:"samples"`
	MaxQuestions int     `toml:"max-questions"`
	PromptFormat string  `toml:"prompt-format"`
	Temperature  float64 `toml:"temperature"`
	TopP         float64 `toml:"top-p"`
	TopK         int     `toml:"top-k"`
	MaxNewTokens int     `toml:"max-new-tokens"`
	Batch        int     `toml:"batch" key:"-"`
}

// LabelConfig is the label stage (hneurons label). Judge is rule, llm
// or organism (the model organism's judge: its "unknown" abstains).
type LabelConfig struct {
	Judge          string   `toml:"judge"`
	MinAgree       int      `toml:"min-agree"`
	RefusalCorrect bool     `toml:"refusal-correct"`
	JudgeURL       string   `toml:"judge-url"`
	JudgeModel     string   `toml:"judge-model"`
	JudgeKeyEnv    string   `toml:"judge-key-env" key:"-"`
	JudgeCache     string   `toml:"judge-cache" key:"-"`
	JudgeErrors    string   `toml:"judge-errors"`
	JudgeTimeout   Duration `toml:"judge-timeout" key:"-"`
	JudgeAttempts  int      `toml:"judge-attempts" key:"-"`
	JudgeWorkers   int      `toml:"judge-workers" key:"-"`
}

// SplitConfig is the split stage (hneurons split): TestSize questions, or
// TestFrac of them when TestSize is 0.
type SplitConfig struct {
	TestSize int      `toml:"test-size"`
	TestFrac float64  `toml:"test-frac"`
	Balance  bool     `toml:"balance"`
	Exclude  []string `toml:"exclude"`
}

// ExtractConfig is the extract stage (hneurons extract). Batch and
// BatchTokens are part of the key: they decide the summation order, so a
// store is bit-identical only with the same values.
type ExtractConfig struct {
	Regions     []string `toml:"regions"`
	Agg         string   `toml:"agg"`
	Batch       int      `toml:"batch"`
	BatchTokens int      `toml:"batch-tokens"`
}

// TrainConfig is the train stage (hneurons train). With an empty CGrid
// the probe is fitted with C.
type TrainConfig struct {
	Mode      string    `toml:"mode"`
	Penalty   string    `toml:"penalty"`
	C         float64   `toml:"C"`
	CGrid     []float64 `toml:"C-grid"`
	Folds     int       `toml:"folds"`
	Tol       float64   `toml:"tol"`
	Bootstrap int       `toml:"bootstrap"`
	Threads   int       `toml:"threads" key:"-"`
}

// EvalConfig is the eval stage (hneurons eval) on the test set.
type EvalConfig struct {
	BaselineSeeds int     `toml:"baseline-seeds"`
	Folds         int     `toml:"folds"`
	Baseline      string  `toml:"baseline"`
	BaselineC     float64 `toml:"baseline-C"`
	Bootstrap     int     `toml:"bootstrap"`
	Balance       bool    `toml:"balance"`
}

// TransferConfig is the transfer stage (hneurons transfer): the probe
// applied unchanged to BaseModel's CETT on the test set. An empty
// BaseModel leaves the stage out.
type TransferConfig struct {
	BaseModel     string `toml:"base-model"`
	BaselineSeeds int    `toml:"baseline-seeds"`
	Bootstrap     int    `toml:"bootstrap"`
	Balance       bool   `toml:"balance"`
	KeepFormat    bool   `toml:"keep-format"`
}

// ReportConfig is the report stage (hneurons report).
type ReportConfig struct {
	Enabled bool `toml:"enabled"`
}

// Duration is a time.Duration written in TOML as a string ("60s").
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// String returns the duration as Go writes it.
func (d Duration) String() string { return d.Duration.String() }

// Defaults returns the paper's settings (METHOD.md) where it gives them,
// and the demo's otherwise: 10 samples at temperature 1.0, top-p 0.9,
// top-k 50, at most 50 new tokens; a question kept only when every sample
// agrees; the rule judge; a balanced test set of a fifth of the questions;
// CETT on the answer and other regions, averaged; the L1 probe on 3-vs-1
// rows with C chosen by 5-fold cross-validated accuracy; 1,000 bootstrap
// resamples; 100 random-neuron baselines.
func Defaults() Config {
	d := collect.PaperDecoding
	return Config{
		Seed: 1,
		Collect: CollectConfig{Samples: 10, PromptFormat: chat.FormatChat, Temperature: d.Temperature, TopP: d.TopP, TopK: d.TopK,
			MaxNewTokens: d.MaxNewTokens, Batch: 1},
		Label: LabelConfig{Judge: JudgeRule, JudgeKeyEnv: "OPENAI_API_KEY", JudgeErrors: "fail",
			JudgeTimeout: Duration{60 * time.Second}, JudgeAttempts: 4, JudgeWorkers: 4},
		Split:    SplitConfig{TestFrac: 0.2, Balance: true},
		Extract:  ExtractConfig{Regions: []string{features.RegionAnswer, features.RegionOther}, Agg: string(extract.AggMean), Batch: 8, BatchTokens: 1024},
		Train:    TrainConfig{Mode: string(probe.ThreeVsOne), Penalty: string(probe.L1), C: 1, CGrid: []float64{0.03, 0.1, 0.3, 1, 3, 10}, Folds: 5, Tol: 1e-4, Bootstrap: 1000},
		Eval:     EvalConfig{BaselineSeeds: 100, Folds: 5, Baseline: probe.BaselineL2, BaselineC: 1, Bootstrap: 1000, Balance: true},
		Transfer: TransferConfig{BaselineSeeds: 20, Bootstrap: 1000, Balance: true},
		Report:   ReportConfig{Enabled: true},
	}
}

// The judges a run can use.
const (
	JudgeRule     = "rule"
	JudgeLLM      = "llm"
	JudgeOrganism = "organism"
)

// LoadConfig reads a run.toml over Defaults: keys the file leaves out keep
// their default. A key the config does not know is an error that names it
// (a misspelt option must not be silently ignored).
func LoadConfig(path string) (Config, error) {
	c := Defaults()
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("pipeline: %w", err)
	}
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return c, fmt.Errorf("pipeline: %s line %d: %s", path, pe.Position.Line, pe.Message)
		}
		return c, fmt.Errorf("pipeline: %s: %w", path, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		keys := make([]string, len(un))
		for i, k := range un {
			keys[i] = k.String()
		}
		return c, fmt.Errorf("pipeline: %s: unknown option %s (see hneurons run --help for the keys)", path, strings.Join(keys, ", "))
	}
	return c, nil
}

// Encode writes c as TOML (the run folder's run.toml).
func (c Config) Encode() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# hneurons run: the effective options of this run (keys are the stage commands' flag names)\n")
	if err := toml.NewEncoder(&buf).Encode(c); err != nil {
		return nil, fmt.Errorf("pipeline: encoding the config: %w", err)
	}
	return buf.Bytes(), nil
}

// Validate checks every option before any file is touched and reports
// every invalid one, by its key ("collect.top-p").
func (c Config) Validate() error {
	var errs []error
	bad := func(key string, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, a...)))
	}
	atLeast := func(key string, v, min int) {
		if v < min {
			bad(key, "%d: want at least %d", v, min)
		}
	}
	positive := func(key string, v float64) {
		if !(v > 0) || v > 1e300 {
			bad(key, "%v: want a finite number > 0", v)
		}
	}
	oneOf := func(key, v string, allowed ...string) {
		if !slices.Contains(allowed, v) {
			bad(key, "%q: want %s", v, strings.Join(allowed, " or "))
		}
	}
	if c.Model == "" {
		bad("model", "missing: name a GGUF file or a Hugging Face folder")
	}
	if c.Dataset == "" {
		bad("dataset", "missing: name a dataset spec (see hneurons datasets)")
	}
	k := c.Collect
	atLeast("collect.samples", k.Samples, 1)
	atLeast("collect.max-questions", k.MaxQuestions, 0)
	atLeast("collect.batch", k.Batch, 1)
	if err := c.collectOptions().Validate(); err != nil {
		bad("collect", "%v", err)
	}
	l := c.Label
	oneOf("label.judge", l.Judge, JudgeRule, JudgeLLM, JudgeOrganism)
	oneOf("label.judge-errors", l.JudgeErrors, "fail", "uncertain")
	atLeast("label.min-agree", l.MinAgree, 0)
	atLeast("label.judge-attempts", l.JudgeAttempts, 1)
	atLeast("label.judge-workers", l.JudgeWorkers, 1)
	if l.JudgeTimeout.Duration <= 0 {
		bad("label.judge-timeout", "%v: want a positive duration", l.JudgeTimeout)
	}
	if l.Judge == JudgeLLM && (l.JudgeURL == "" || l.JudgeModel == "") {
		bad("label.judge", "llm needs label.judge-url and label.judge-model")
	}
	s := c.Split
	atLeast("split.test-size", s.TestSize, 0)
	if s.TestSize == 0 && !(s.TestFrac > 0 && s.TestFrac < 1) {
		bad("split.test-frac", "%v: want a fraction strictly between 0 and 1 (or set split.test-size)", s.TestFrac)
	}
	if s.TestSize > 0 && s.TestFrac != 0 {
		bad("split.test-size", "%d with split.test-frac %v: give one of them (test-frac = 0)", s.TestSize, s.TestFrac)
	}
	e := c.Extract
	if _, err := extract.ParseAgg(e.Agg); err != nil {
		bad("extract.agg", "%v", err)
	}
	if len(e.Regions) == 0 {
		bad("extract.regions", "name at least one region")
	}
	for _, r := range e.Regions {
		if _, err := extract.RegionIndex(r); err != nil {
			bad("extract.regions", "%v", err)
		}
	}
	atLeast("extract.batch", e.Batch, 1)
	atLeast("extract.batch-tokens", e.BatchTokens, 1)
	t := c.Train
	mode, err := probe.ParseMode(t.Mode)
	if err != nil {
		bad("train.mode", "%v", err)
	}
	if _, err := probe.ParsePenalty(t.Penalty); err != nil {
		bad("train.penalty", "%v", err)
	}
	if len(t.CGrid) == 0 {
		positive("train.C", t.C)
	}
	for _, v := range t.CGrid {
		positive("train.C-grid", v)
	}
	positive("train.tol", t.Tol)
	atLeast("train.folds", t.Folds, 2)
	atLeast("train.bootstrap", t.Bootstrap, 0)
	atLeast("train.threads", t.Threads, 0)
	if mode == probe.ThreeVsOne && err == nil && !(slices.Contains(e.Regions, features.RegionAnswer) && slices.Contains(e.Regions, features.RegionOther)) {
		bad("extract.regions", "%v: train.mode 3-vs-1 needs the answer and other regions", e.Regions)
	}
	if !slices.Contains(e.Regions, features.RegionAnswer) {
		bad("extract.regions", "%v: every metric is computed on answer rows; include answer", e.Regions)
	}
	v := c.Eval
	atLeast("eval.baseline-seeds", v.BaselineSeeds, 0)
	atLeast("eval.folds", v.Folds, 2)
	atLeast("eval.bootstrap", v.Bootstrap, 0)
	oneOf("eval.baseline", v.Baseline, probe.BaselineL2, probe.BaselineProbe)
	positive("eval.baseline-C", v.BaselineC)
	atLeast("transfer.baseline-seeds", c.Transfer.BaselineSeeds, 0)
	atLeast("transfer.bootstrap", c.Transfer.Bootstrap, 0)
	return errors.Join(errs...)
}

// keyOptions returns the options of one config section that change what
// its stage writes, by key, as canonical strings (fields tagged key:"-"
// are left out).
func keyOptions(section any) map[string]string {
	out := map[string]string{}
	v := reflect.ValueOf(section)
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Tag.Get("key") == "-" {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		out[name] = canonical(v.Field(i).Interface())
	}
	return out
}

// canonical writes an option value as one string: floats as their
// shortest exact decimal, lists comma-separated.
func canonical(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []float64:
		parts := make([]string, len(x))
		for i, f := range x {
			parts[i] = canonical(f)
		}
		return strings.Join(parts, ",")
	case []string:
		return strings.Join(x, ",")
	default:
		return fmt.Sprint(x)
	}
}

// Changes lists the options of c that differ from Defaults, as
// "key = value (default d)" lines, in config order.
func (c Config) Changes() []string {
	d := Defaults()
	var out []string
	cmp := func(prefix string, have, def any) {
		h, w := keyOptionsAll(have), keyOptionsAll(def)
		for _, k := range fieldKeys(have) {
			if h[k] != w[k] {
				out = append(out, fmt.Sprintf("%s%s = %s (default %s)", prefix, k, orNone(h[k]), orNone(w[k])))
			}
		}
	}
	top := func(c Config) struct {
		ModelName string `toml:"model-name"`
		Seed      uint64 `toml:"seed"`
	} {
		return struct {
			ModelName string `toml:"model-name"`
			Seed      uint64 `toml:"seed"`
		}{c.ModelName, c.Seed}
	}
	cmp("", top(c), top(d))
	cmp("collect.", c.Collect, d.Collect)
	cmp("label.", c.Label, d.Label)
	cmp("split.", c.Split, d.Split)
	cmp("extract.", c.Extract, d.Extract)
	cmp("train.", c.Train, d.Train)
	cmp("eval.", c.Eval, d.Eval)
	cmp("transfer.", c.Transfer, d.Transfer)
	cmp("report.", c.Report, d.Report)
	return out
}

func orNone(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// keyOptionsAll is keyOptions with the key:"-" fields included.
func keyOptionsAll(section any) map[string]string {
	out := map[string]string{}
	v := reflect.ValueOf(section)
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("toml"), ",")
		out[name] = canonical(v.Field(i).Interface())
	}
	return out
}

// fieldKeys returns a section's keys in field order.
func fieldKeys(section any) []string {
	t := reflect.TypeOf(section)
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i], _, _ = strings.Cut(t.Field(i).Tag.Get("toml"), ",")
	}
	return keys
}

// Set applies "key=value" settings over c, keys as in run.toml
// ("collect.samples=4", "train.C-grid=[0.1, 1]", "seed=2"): the value is
// read as a TOML value, or as a string when it is not one.
func (c *Config) Set(settings []string) error {
	for _, kv := range settings {
		key, val, ok := strings.Cut(kv, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || key == "" {
			return fmt.Errorf("--set %q: want key=value (a run.toml key, such as collect.samples=4)", kv)
		}
		// Decode into a copy, so that a failed try leaves c as it was.
		try := *c
		md, err := toml.Decode(key+" = "+val, &try)
		if err != nil {
			try = *c
			var qerr error
			if md, qerr = toml.Decode(key+" = "+strconv.Quote(val), &try); qerr != nil {
				return fmt.Errorf("--set %s: %w", key, err)
			}
		}
		if un := md.Undecoded(); len(un) > 0 {
			return fmt.Errorf("--set %s: unknown option (see hneurons run --help for the keys)", key)
		}
		*c = try
	}
	return nil
}
