package train

import (
	"fmt"
	"math/rand/v2"
)

// Batcher fills the tokens and targets (both (B, T)) of training step step
// (1-based). A negative target is not counted in the loss. Batches must be a
// pure function of the step, so that a resumed run sees the same data.
type Batcher interface {
	Fill(step int, tokens, targets []int32)
}

// StreamBatcher cuts random windows of T+1 tokens out of one long token
// stream (pre-training text): every position predicts the next token.
type StreamBatcher struct {
	Stream []int32
	B, T   int
	Seed   uint64
}

// Fill implements Batcher.
func (s *StreamBatcher) Fill(step int, tokens, targets []int32) {
	rng := rand.New(rand.NewPCG(s.Seed, uint64(step)))
	for b := 0; b < s.B; b++ {
		s.window(rng, tokens[b*s.T:(b+1)*s.T], targets[b*s.T:(b+1)*s.T])
	}
}

func (s *StreamBatcher) window(rng *rand.Rand, tokens, targets []int32) {
	o := rng.IntN(len(s.Stream) - s.T)
	copy(tokens, s.Stream[o:o+s.T])
	copy(targets, s.Stream[o+1:o+s.T+1])
}

// ChatExample is one tokenised chat exchange; the loss counts the tokens
// from AnswerStart on (the assistant's answer and end-of-turn token).
type ChatExample struct {
	IDs         []int32
	AnswerStart int
}

// ChatBatcher mixes chat examples (loss on assistant tokens only, padded
// with Pad) with pre-training windows: the first round(B*ChatFraction) rows
// of each batch are chat examples.
type ChatBatcher struct {
	Examples     []ChatExample
	Text         *StreamBatcher
	ChatFraction float64
	Pad          int32
	Seed         uint64
}

// NewChatBatcher checks that every example fits in T tokens.
func NewChatBatcher(examples []ChatExample, text *StreamBatcher, frac float64, pad int32, seed uint64) (*ChatBatcher, error) {
	for i, e := range examples {
		if len(e.IDs)-1 > text.T || e.AnswerStart < 1 || e.AnswerStart >= len(e.IDs) {
			return nil, fmt.Errorf("train: chat example %d: %d tokens (answer at %d) do not fit %d positions", i, len(e.IDs), e.AnswerStart, text.T)
		}
	}
	if len(examples) == 0 {
		return nil, fmt.Errorf("train: no chat examples")
	}
	return &ChatBatcher{Examples: examples, Text: text, ChatFraction: frac, Pad: pad, Seed: seed}, nil
}

// Fill implements Batcher.
func (c *ChatBatcher) Fill(step int, tokens, targets []int32) {
	rng := rand.New(rand.NewPCG(c.Seed, uint64(step)))
	B, T := c.Text.B, c.Text.T
	nChat := int(float64(B)*c.ChatFraction + 0.5)
	for b := 0; b < B; b++ {
		tk, tg := tokens[b*T:(b+1)*T], targets[b*T:(b+1)*T]
		if b >= nChat {
			c.Text.window(rng, tk, tg)
			continue
		}
		e := c.Examples[rng.IntN(len(c.Examples))]
		n := len(e.IDs) - 1
		for t := 0; t < T; t++ {
			tk[t], tg[t] = c.Pad, -1
			if t < n {
				tk[t] = e.IDs[t]
				if t+1 >= e.AnswerStart {
					tg[t] = e.IDs[t+1]
				}
			}
		}
	}
}
