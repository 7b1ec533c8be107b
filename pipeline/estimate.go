package pipeline

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/tokenizer"
)

// Estimate is a dry run's forecast of a run's cost, from the model's size
// and speeds measured on this machine. The sizes are upper bounds (every
// response runs to max-new-tokens, every question is taken to be
// consistent and extracted); the times count the forward passes only, at
// those lengths (on the organism, where a forward pass is tiny, sampling
// and bookkeeping made collect take 1.6 times the estimate).
type Estimate struct {
	Questions    int     `json:"questions"`
	PromptTokens float64 `json:"mean_prompt_tokens"` // over the first 100 questions
	ModelBytes   int64   `json:"model_bytes"`
	Layers       int     `json:"layers"`
	DFF          int     `json:"d_ff"`
	// PrefillTPS is prefill tokens/s over one mean prompt; DecodeTPS the
	// decode tokens/s of collect.samples sequences decoded together.
	PrefillTPS float64 `json:"prefill_tokens_per_s"`
	DecodeTPS  float64 `json:"decode_tokens_per_s"`
	// Seconds and bytes by stage (collect, extract); the others are small.
	CollectSeconds float64 `json:"collect_s"`
	ExtractSeconds float64 `json:"extract_s"`
	ResponsesBytes int64   `json:"responses_bytes"`
	FeaturesBytes  int64   `json:"features_bytes"`
}

// bytesPerSample bounds one sample's JSON in responses.jsonl (text, token
// ids, finish reason): a fixed part and per token at most 7 bytes of id
// and comma plus the token's text. Measured on the organism: about 40 + 9
// per token.
const (
	sampleFixedBytes = 64
	sampleTokenBytes = 24
)

// EstimateCost loads the model, reads the dataset, measures prefill and
// decode speed for minTime each (generate.Bench) and forecasts the cost of
// the collect and extract stages, which dominate a run.
func EstimateCost(ctx context.Context, cfg Config, minTime time.Duration) (*Estimate, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	recs, _, err := datasets.Load(cfg.Dataset, datasets.Options{DedupeIDs: true})
	if err != nil {
		return nil, err
	}
	m, err := model.Load(cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("pipeline: model: %w", err)
	}
	defer m.Close()
	tok, err := tokenizer.Load(m.Path)
	if err != nil {
		return nil, fmt.Errorf("pipeline: model: %w", err)
	}
	k := cfg.Collect
	e := &Estimate{Questions: len(recs), Layers: m.Config.NLayers, DFF: m.Config.DFF}
	if k.MaxQuestions > 0 {
		e.Questions = min(e.Questions, k.MaxQuestions)
	}
	if e.ModelBytes, err = pathBytes(cfg.Model); err != nil {
		return nil, err
	}
	n := 0
	for _, q := range recs[:min(len(recs), 100)] {
		text, err := collect.PromptText(tok, q.Question, k.PromptFormat)
		if err != nil {
			return nil, err
		}
		e.PromptTokens += float64(len(collect.PromptTokens(tok, text, k.PromptFormat)))
		n++
	}
	if n > 0 {
		e.PromptTokens /= float64(n)
	}
	prompt := max(1, int(math.Round(e.PromptTokens)))
	if m.Config.MaxSeq > 0 {
		prompt = min(prompt, max(1, m.Config.MaxSeq-8))
	}
	gen := min(8, k.MaxNewTokens)
	if m.Config.MaxSeq > 0 {
		gen = max(1, min(gen, m.Config.MaxSeq-prompt))
	}
	b, err := generate.Bench(ctx, m.NewRunner(), prompt, gen, k.Samples, minTime)
	if err != nil {
		return nil, err
	}
	e.PrefillTPS, e.DecodeTPS = b.PrefillTokensPS, b.DecodeTokensPS
	q := float64(e.Questions)
	newTok := float64(k.MaxNewTokens)
	e.CollectSeconds = q * (e.PromptTokens/e.PrefillTPS + newTok*float64(k.Samples)/e.DecodeTPS)
	e.ExtractSeconds = q * (e.PromptTokens + newTok) / e.PrefillTPS
	e.ResponsesBytes = int64(q * float64(k.Samples) * (sampleFixedBytes + sampleTokenBytes*newTok))
	e.FeaturesBytes = int64(q) * int64(len(cfg.Extract.Regions)) * int64(e.Layers) * int64(e.DFF) * 4
	return e, nil
}

// pathBytes is the size of a file, or of every file under a folder.
func pathBytes(path string) (int64, error) {
	var total int64
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0 {
			st, err := os.Stat(p)
			if err != nil {
				return err
			}
			if st.Mode().IsRegular() {
				total += st.Size()
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("pipeline: model: %w", err)
	}
	return total, nil
}
