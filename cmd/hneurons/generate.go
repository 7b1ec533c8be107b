package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/tokenizer"
)

// generateOptions are the flags of `hneurons generate`.
type generateOptions struct {
	model       string
	prompt      string
	maxTokens   int
	temperature float64
	topK        int
	topP        float64
	seed        uint64
	chat        bool
	json        bool
}

// newGenerateCmd builds the `hneurons generate` command.
func newGenerateCmd() *cobra.Command {
	o := &generateOptions{}
	cmd := &cobra.Command{
		Use:   "generate --model PATH --prompt TEXT",
		Short: "Continue a prompt with a model and print the generated text",
		Long: `Generate continues a prompt and prints only the generated continuation.

The model is a GGUF file or a Hugging Face folder. Without --chat the prompt is
used as is (with BOS when the tokenizer adds one); with --chat it becomes a user
message in the model's chat template. --temperature 0 decodes greedily; unset
sampling flags take the model's generation defaults (greedy when it has none).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runGenerate(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.model, "model", "", modelUsage)
	f.StringVar(&o.prompt, "prompt", "", "prompt text")
	f.IntVarP(&o.maxTokens, "max-new-tokens", "n", 128, "most new tokens")
	f.Float64Var(&o.temperature, "temperature", 0, "sampling temperature (0: greedy)")
	f.IntVar(&o.topK, "top-k", 0, "sample from the K most likely tokens (0: all)")
	f.Float64Var(&o.topP, "top-p", 1, "sample from the smallest set of tokens with this much probability (1: all)")
	f.Uint64Var(&o.seed, "seed", defaultSeed, "random seed (the same seed gives the same text)")
	f.BoolVar(&o.chat, "chat", false, "wrap the prompt in the model's chat template")
	f.BoolVar(&o.json, "json", false, `print {"prompt_tokens": [...], "tokens": [...], "text": "..."}`)
	cmd.MarkFlagRequired("model")
	aliases(cmd, map[string]string{"max-tokens": "max-new-tokens"})
	return cmd
}

// openModel loads a model and its tokenizer from the same path.
func openModel(path string) (*model.Model, *tokenizer.Tokenizer, error) {
	m, err := model.Load(path)
	if err != nil {
		return nil, nil, err
	}
	tok, err := tokenizer.Load(m.Path) // the resolved file when path is a folder holding one GGUF
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return m, tok, nil
}

// validate checks the flags before the model is loaded.
func (o *generateOptions) validate() error {
	var c checks
	c.atLeast("max-new-tokens", o.maxTokens, 1)
	c.also(generate.SamplerOptions{Temperature: o.temperature, TopK: o.topK, TopP: o.topP}.Validate())
	return c.err()
}

func runGenerate(cmd *cobra.Command, o *generateOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	m, tok, err := openModel(o.model)
	if err != nil {
		return err
	}
	defer m.Close()
	prompt, err := generate.Prompt(tok, o.prompt, o.chat)
	if err != nil {
		return err
	}
	if len(prompt) == 0 {
		return fmt.Errorf("the prompt encodes to no tokens; give --prompt")
	}
	opt := generate.Options{
		SamplerOptions: generate.SamplerOptions{Temperature: o.temperature, TopK: o.topK, TopP: o.topP},
		MaxNewTokens:   o.maxTokens,
		Seed:           o.seed,
		StopTokens:     generate.StopTokens(tok, m),
		Decode:         generate.Decoder(tok, prompt),
	}
	fl := cmd.Flags()
	if !fl.Changed("temperature") {
		opt.Temperature = m.Gen.Temperature
	}
	if !fl.Changed("top-k") {
		opt.TopK = m.Gen.TopK
	}
	if !fl.Changed("top-p") && m.Gen.TopP > 0 {
		opt.TopP = m.Gen.TopP
	}
	out := cmd.OutOrStdout()
	if !o.json {
		// Stream: print the decoded text as it grows, holding back an
		// incomplete UTF-8 tail.
		var ids []int
		printed := 0
		decode := generate.Decoder(tok, prompt)
		opt.OnToken = func(_, t int) error {
			ids = append(ids, t)
			text := decode(ids)
			end := len(text)
			for end > printed && !utf8.ValidString(text[printed:end]) {
				end--
			}
			if end > printed {
				fmt.Fprint(out, text[printed:end])
				printed = end
			}
			return nil
		}
		res, err := generate.Generate(cmd.Context(), m.NewRunner(), prompt, opt)
		if err != nil {
			return err
		}
		if rest := res.Text; len(rest) > printed {
			fmt.Fprint(out, rest[printed:])
		}
		if !strings.HasSuffix(res.Text, "\n") {
			fmt.Fprintln(out)
		}
		return nil
	}
	res, err := generate.Generate(cmd.Context(), m.NewRunner(), prompt, opt)
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(struct {
		PromptTokens []int  `json:"prompt_tokens"`
		Tokens       []int  `json:"tokens"`
		Text         string `json:"text"`
	}{prompt, nonNil(res.Tokens), res.Text})
}

// nonNil makes an empty list print as [] rather than null.
func nonNil(ids []int) []int {
	if ids == nil {
		return []int{}
	}
	return ids
}
