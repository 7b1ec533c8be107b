package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/tokenizer"
)

// newTokenizeCmd builds the `hneurons tokenize` command.
func newTokenizeCmd() *cobra.Command {
	var model, text string
	var noSpecial, offsets bool
	cmd := &cobra.Command{
		Use:   "tokenize --model PATH --text TEXT",
		Short: "Print the token ids of a text as a JSON array",
		Long: "Tokenize TEXT with the tokenizer of PATH (a GGUF file, a Hugging Face folder or its\n" +
			"tokenizer.json) and print the ids as a JSON array. Special tokens written in the text\n" +
			"(such as <|im_start|>) are single tokens; BOS/EOS are added as the model's tokenizer\n" +
			"adds them unless --no-special is given. With --offsets, print one JSON object per token\n" +
			"instead: id, token spelling and byte range [start, end) in TEXT.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tk, err := tokenizer.Load(model)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if !offsets {
				b, err := json.Marshal(tokenizeNonNil(tk.Encode(text, !noSpecial)))
				if err != nil {
					return err
				}
				fmt.Fprintln(out, string(b))
				return nil
			}
			ids, offs := tk.EncodeWithOffsets(text, !noSpecial)
			enc := json.NewEncoder(out)
			enc.SetEscapeHTML(false)
			for i, id := range ids {
				rec := struct {
					ID    int    `json:"id"`
					Token string `json:"token"`
					Start int    `json:"start"`
					End   int    `json:"end"`
				}{id, tk.Token(id), offs[i][0], offs[i][1]}
				if err := enc.Encode(rec); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&model, "model", "", "GGUF file or Hugging Face tokenizer folder (required)")
	cmd.Flags().StringVar(&text, "text", "", "text to tokenize")
	cmd.Flags().BoolVar(&noSpecial, "no-special", false, "do not add BOS/EOS")
	cmd.Flags().BoolVar(&offsets, "offsets", false, "print id, token and byte range per line")
	cmd.MarkFlagRequired("model")
	return cmd
}

// tokenizeNonNil makes an empty result print as [] rather than null.
func tokenizeNonNil(ids []int) []int {
	if ids == nil {
		return []int{}
	}
	return ids
}
