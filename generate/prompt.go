package generate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/tokenizer"
)

// Prompt turns user text into prompt token ids through the one prompt
// builder, chat.Prompter: raw (chat.FormatPlain), the text is encoded with
// the special tokens the tokenizer adds itself (typically BOS); with useChat
// (chat.FormatChat) it becomes one user message rendered by the model's chat
// template (with the generation prompt), encoded without adding special
// tokens, as Hugging Face's apply_chat_template does.
func Prompt(tok *tokenizer.Tokenizer, text string, useChat bool) ([]int, error) {
	format := chat.FormatPlain
	if useChat {
		format = chat.FormatChat
	}
	p, err := chat.NewPrompter(tok, format)
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	rendered, err := p.Text(text)
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	return p.Tokens(rendered), nil
}

// StopTokens returns the end-of-generation ids of a model: the tokenizer's
// EOS and EOG tokens and the model's generation defaults, without repeats.
func StopTokens(tok *tokenizer.Tokenizer, m *model.Model) []int {
	var ids []int
	if tok != nil {
		if id, ok := tok.EOS(); ok {
			ids = append(ids, id)
		}
		ids = append(ids, tok.EOG()...)
	}
	if m != nil {
		ids = append(ids, m.Gen.EOS...)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Decoder returns a Decode function for Options that drops special tokens
// and decodes the generated ids in the context of the prompt, so that the
// continuation keeps the leading space a SentencePiece decoder would strip
// from a first token: the text is Decode(prompt + ids) minus Decode(prompt)
// (or Decode(ids) when the first is not a prefix of the second).
func Decoder(tok *tokenizer.Tokenizer, prompt []int) func([]int) string {
	head := tok.Decode(prompt, true)
	buf := slices.Clone(prompt)
	return func(ids []int) string {
		buf = append(buf[:len(prompt)], ids...)
		full := tok.Decode(buf, true)
		if strings.HasPrefix(full, head) {
			return full[len(head):]
		}
		return tok.Decode(ids, true)
	}
}
