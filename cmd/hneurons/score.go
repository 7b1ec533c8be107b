package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/tokenizer"
)

// scoreOptions are the flags of `hneurons score`.
type scoreOptions struct {
	model  string
	text   string
	tokens string
}

// newScoreCmd builds the `hneurons score` command.
func newScoreCmd() *cobra.Command {
	o := &scoreOptions{}
	cmd := &cobra.Command{
		Use:   "score --model PATH (--text TEXT | --tokens ID,ID,...)",
		Short: "Print the log-probability of every token of a text under the model",
		Long: `Score runs a token sequence through the model (teacher forcing) and prints
{"tokens": [...], "logprobs": [...]}: the token ids (for --text, with BOS when
the tokenizer adds one; --tokens as given) and, for every token after the
first, its natural-log probability given the tokens before it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runScore(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.model, "model", "", "model file (GGUF) or Hugging Face folder (required)")
	f.StringVar(&o.text, "text", "", "text to score")
	f.StringVar(&o.tokens, "tokens", "", "comma-separated token ids to score")
	cmd.MarkFlagRequired("model")
	cmd.MarkFlagsMutuallyExclusive("text", "tokens")
	cmd.MarkFlagsOneRequired("text", "tokens")
	return cmd
}

func runScore(cmd *cobra.Command, o *scoreOptions) error {
	m, err := model.Load(o.model)
	if err != nil {
		return err
	}
	defer m.Close()
	var ids []int
	if cmd.Flags().Changed("tokens") {
		for _, f := range strings.Split(o.tokens, ",") {
			id, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return fmt.Errorf("--tokens: %q is not a token id", f)
			}
			ids = append(ids, id)
		}
	} else {
		tok, err := tokenizer.Load(m.Path)
		if err != nil {
			return err
		}
		ids = tok.Encode(o.text, true)
	}
	if len(ids) == 0 {
		return fmt.Errorf("nothing to score")
	}
	lp, err := m.NewRunner().LogProbs(cmd.Context(), ids)
	if err != nil {
		return err
	}
	return json.NewEncoder(cmd.OutOrStdout()).Encode(struct {
		Tokens   []int     `json:"tokens"`
		LogProbs []float64 `json:"logprobs"`
	}{ids, lp})
}
