package generate_test

import (
	"context"
	"fmt"

	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/model"
)

// Ten sampled answers to one prompt: the prompt runs once, its cache is
// forked, and the ten sequences decode together; the same seed gives the
// same tokens.
func ExampleGenerateN() {
	cfg, _ := model.Shape("stories260k")
	m, err := model.RandomInit(cfg, kernels.F32, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	opt := generate.Options{
		SamplerOptions: generate.SamplerOptions{Temperature: 1, TopP: 0.9},
		MaxNewTokens:   8,
		Seed:           42,
	}
	prompt := []int{1, 100, 200}
	a, _ := generate.GenerateN(context.Background(), m.NewRunner(), prompt, 10, opt)
	b, _ := generate.GenerateN(context.Background(), m.NewRunner(), prompt, 10, opt)
	same := true
	for i := range a {
		same = same && fmt.Sprint(a[i].Tokens) == fmt.Sprint(b[i].Tokens)
	}
	fmt.Println(len(a), len(a[0].Tokens), a[0].Reason, same)
	// Output: 10 8 length true
}
