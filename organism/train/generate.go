package train

import "fmt"

// Greedy extends prompt by up to maxNew tokens, each the most likely next
// token, stopping after eos (not included in the result). It runs the full
// forward pass for every new token (no KV cache): fine for the organism's
// short prompts.
func Greedy[T Float](m *Model[T], prompt []int32, maxNew int, eos int32) ([]int32, error) {
	if len(prompt) == 0 {
		return nil, fmt.Errorf("train: empty prompt")
	}
	seq := append([]int32{}, prompt...)
	var out []int32
	for i := 0; i < maxNew && len(seq) <= m.Config.MaxSeq; i++ {
		ws, err := NewWorkspace[T](m.Config, 1, len(seq))
		if err != nil {
			return nil, err
		}
		if err := ws.Forward(m, seq); err != nil {
			return nil, err
		}
		V := m.Config.Vocab
		last := ws.logits[(len(seq)-1)*V : len(seq)*V]
		best := 0
		for j, v := range last {
			if v > last[best] {
				best = j
			}
		}
		if int32(best) == eos {
			break
		}
		out = append(out, int32(best))
		seq = append(seq, int32(best))
	}
	return out, nil
}
