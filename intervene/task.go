package intervene

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/compliance"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

// SuppressionTask is the task half of the paper's criterion for choosing
// the probe's C (METHOD.md section 4: "held-out accuracy + TriviaQA accuracy
// of the model with the selected neurons suppressed"): the model's accuracy
// on held-out factual questions (capability items, judged by alias match as
// the capability check is) when a candidate's H-Neurons are scaled by alpha
// 0. It implements probe.Task.
//
// The answers are decoded greedily (temperature 0), so the accuracy of a
// neuron set is a function of the set alone: the paper does not say how its
// TriviaQA accuracy was decoded, and a sampled accuracy would add sampling
// noise to the choice of C. Each answer has at most MaxNewTokens tokens (the
// paper's 50 by default); an item whose prompt does not fit the context
// counts as wrong, an answer the judge cannot place counts as wrong too (the
// accuracy is correct answers over all items). Results are cached by neuron
// set, since neighbouring Cs of a grid often select the same neurons.
type SuppressionTask struct {
	g     *generator
	items []compliance.Item
	cache map[string]TaskResult
	// Results lists every evaluation in order of first request.
	Results []TaskResult
}

// TaskResult is the accuracy with one neuron set suppressed.
type TaskResult struct {
	// Neurons is the number of neurons suppressed.
	Neurons int `json:"neurons"`
	// Correct of Items answered correctly; Accuracy = Correct / Items.
	Correct  int     `json:"correct"`
	Items    int     `json:"items"`
	Accuracy float64 `json:"accuracy"`
	// TooLong and Unjudged count the items that could not be asked and the
	// answers the judge could not place (both counted as wrong).
	TooLong  int `json:"too_long"`
	Unjudged int `json:"unjudged"`
}

// TaskOptions configure NewSuppressionTask.
type TaskOptions struct {
	// MaxNewTokens bounds each answer (default collect.PaperDecoding's 50).
	MaxNewTokens int
	// PromptFormat is chat.FormatChat (default) or chat.FormatBase.
	PromptFormat string
	// Batch is the number of items generated together (default 16).
	Batch int
}

// NewSuppressionTask returns the task on items, which must all be
// capability items (compliance.BuildCapability).
func NewSuppressionTask(m *model.Model, tok *tokenizer.Tokenizer, items []compliance.Item, o TaskOptions) (*SuppressionTask, error) {
	if len(items) == 0 {
		return nil, fmt.Errorf("intervene: the suppression task has no questions")
	}
	for i := range items {
		if items[i].Bench != compliance.Capability {
			return nil, fmt.Errorf("intervene: the suppression task takes capability items; %q is a %s item", items[i].ID, items[i].Bench)
		}
	}
	if o.MaxNewTokens == 0 {
		o.MaxNewTokens = collect.PaperDecoding.MaxNewTokens
	}
	if o.MaxNewTokens < 1 {
		return nil, fmt.Errorf("intervene: suppression task: max new tokens %d: want at least 1", o.MaxNewTokens)
	}
	opt := Options{Alphas: []float64{0}, PromptFormat: o.PromptFormat, Batch: o.Batch,
		Decoding: record.Decoding{Temperature: 0, TopK: 1, TopP: 1, MaxNewTokens: o.MaxNewTokens}}
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	g, err := newGenerator(m, tok, opt.withDefaults(m))
	if err != nil {
		return nil, err
	}
	return &SuppressionTask{g: g, items: items, cache: map[string]TaskResult{}}, nil
}

// setKey identifies a neuron set independently of its order.
func setKey(ns []Neuron) string {
	s := slices.Clone(ns)
	slices.SortFunc(s, func(a, b Neuron) int {
		if a.Layer != b.Layer {
			return a.Layer - b.Layer
		}
		return a.Neuron - b.Neuron
	})
	var b strings.Builder
	for _, n := range s {
		b.WriteString(strconv.Itoa(n.Layer))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(n.Neuron))
		b.WriteByte(',')
	}
	return b.String()
}

// Evaluate returns the accuracy on the task's items with the neurons of s
// scaled by alpha (0 suppresses; an empty set gives the unmodified model).
func (t *SuppressionTask) Evaluate(ctx context.Context, s Set, alpha float64) (TaskResult, error) {
	key := FormatAlpha(alpha) + "|" + setKey(s.Neurons)
	if r, ok := t.cache[key]; ok {
		return r, nil
	}
	if err := Apply(t.g.r, t.g.m, s, alpha); err != nil {
		return TaskResult{}, err
	}
	defer t.g.r.ClearScales()
	res := TaskResult{Neurons: len(s.Neurons), Items: len(t.items)}
	for lo := 0; lo < len(t.items); lo += t.g.opt.Batch {
		if err := ctx.Err(); err != nil {
			return TaskResult{}, err
		}
		recs, err := t.g.batch(ctx, t.items[lo:min(lo+t.g.opt.Batch, len(t.items))])
		if err != nil {
			return TaskResult{}, err
		}
		for _, r := range recs {
			switch {
			case r.TooLong:
				res.TooLong++
			case r.Judgement.Verdict == compliance.Correct:
				res.Correct++
			case r.Judgement.Verdict == compliance.Unjudged:
				res.Unjudged++
			}
		}
	}
	res.Accuracy = float64(res.Correct) / float64(res.Items)
	t.cache[key] = res
	t.Results = append(t.Results, res)
	return res, nil
}

// AccuracyWithSuppressed is probe.Task: the accuracy with the neurons
// scaled by 0.
func (t *SuppressionTask) AccuracyWithSuppressed(ctx context.Context, neurons []probe.Neuron) (float64, error) {
	s := Set{Name: KindHNeurons, Kind: KindHNeurons}
	for _, n := range neurons {
		s.Neurons = append(s.Neurons, Neuron{n.Layer, n.Neuron})
	}
	r, err := t.Evaluate(ctx, s, 0)
	if err != nil {
		return 0, err
	}
	return r.Accuracy, nil
}
