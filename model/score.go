package model

import (
	"context"
	"fmt"
	"math"
)

// scoreChunk is how many tokens one Forward call of a scoring pass takes, to
// bound the [T, V] logits buffer (64 x 262,144 float32 = 64 MiB at most for
// today's vocabularies).
var scoreChunk = 64

// Logits runs tokens through the model from an empty cache (teacher
// forcing) and calls fn with the logits [V] of every position in order;
// row i predicts token i+1. The slice passed to fn is only valid during the
// call.
func (r *Runner) Logits(ctx context.Context, tokens []int, fn func(pos int, logits []float32) error) error {
	if len(tokens) == 0 {
		return fmt.Errorf("model: score: no tokens")
	}
	V := r.m.Config.Vocab
	cache := r.m.NewCache(len(tokens))
	for start := 0; start < len(tokens); start += scoreChunk {
		end := min(start+scoreChunk, len(tokens))
		lg, err := r.Forward(ctx, []Segment{{Cache: cache, Tokens: tokens[start:end]}}, true)
		if err != nil {
			return err
		}
		for i := 0; i < end-start; i++ {
			if err := fn(start+i, lg[i*V:(i+1)*V]); err != nil {
				return err
			}
		}
	}
	return nil
}

// LogProbs returns, for every token after the first, its natural-log
// probability given the tokens before it: [len(tokens)-1].
func (r *Runner) LogProbs(ctx context.Context, tokens []int) ([]float64, error) {
	out := make([]float64, 0, max(len(tokens)-1, 0))
	err := r.Logits(ctx, tokens, func(pos int, lg []float32) error {
		if pos+1 < len(tokens) {
			out = append(out, LogSoftmaxAt(lg, tokens[pos+1]))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LogSoftmaxAt returns log softmax(logits)[i], computed in float64.
func LogSoftmaxAt(logits []float32, i int) float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v))
	}
	var s float64
	for _, v := range logits {
		s += math.Exp(float64(v) - mx)
	}
	return float64(logits[i]) - mx - math.Log(s)
}
