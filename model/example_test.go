package model_test

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/hneurons/hneurons/model"
)

// Reading neuron activations with a tap while running a sequence, and
// suppressing neurons with a scale vector.
func Example() {
	m, err := model.Load(filepath.Join("testdata", "tiny", "llama"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	r := m.NewRunner()
	tokens := []int{1, 17, 42, 5}

	// z of the last layer, [T, F], copied out of the runner's buffer.
	last := m.Config.NLayers - 1
	var z []float32
	remove := r.AddTap(&model.Tap{MLPPost: func(layer int, act []float32, rows int) {
		if layer == last {
			z = append(z[:0], act[:rows*m.Config.DFF]...)
		}
	}})
	if err := r.Prefill(context.Background(), []model.Segment{{Cache: m.NewCache(len(tokens)), Tokens: tokens}}); err != nil {
		fmt.Println(err)
		return
	}
	remove()
	fmt.Println(model.ActName(model.HookMLPPost, last), len(z) == len(tokens)*m.Config.DFF)

	// Silence neuron 3 of layer 0 and score the sequence.
	scale := make([]float32, m.Config.DFF)
	for i := range scale {
		scale[i] = 1
	}
	scale[3] = 0
	if err := r.SetScale(0, scale); err != nil {
		fmt.Println(err)
		return
	}
	lp, err := r.LogProbs(context.Background(), tokens)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(lp))
	// Output:
	// blocks.1.mlp.hook_post true
	// 3
}
