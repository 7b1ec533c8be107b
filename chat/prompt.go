package chat

import (
	"errors"
	"fmt"
)

// Prompt formats: how user text becomes a prompt.
const (
	// FormatChat renders the text as one user turn of the model's chat
	// template, with the generation prompt (Hugging Face's
	// apply_chat_template(..., add_generation_prompt=True)); the rendering
	// is encoded without added special tokens, since the template writes
	// them itself.
	FormatChat = "chat"
	// FormatBase is the paper's prompt for base models: "{text}\nAnswer:",
	// encoded with the tokenizer's own special tokens (typically BOS);
	// generation stops at the first newline.
	FormatBase = "base"
	// FormatPlain is the text as it is, encoded with the tokenizer's own
	// special tokens.
	FormatPlain = "plain"
)

// BaseSuffix is appended to the text in FormatBase.
const BaseSuffix = "\nAnswer:"

// Tokenizer is what a Prompter needs of a tokenizer (tokenizer.Tokenizer
// has it).
type Tokenizer interface {
	// ChatTemplate returns the model's chat template source ("" if none).
	ChatTemplate() string
	// BOSToken and EOSToken return the special tokens' strings.
	BOSToken() string
	EOSToken() string
	// Encode encodes text, adding the tokenizer's special tokens when
	// addSpecial is set.
	Encode(text string, addSpecial bool) []int
}

// Prompter turns user text into a prompt in one format: the one prompt
// builder that generation, collection and extraction share, so that every
// stage sees the same prompt tokens.
type Prompter struct {
	tok    Tokenizer
	format string
	tmpl   *Template // FormatChat only
}

// NewPrompter returns a Prompter for tok in format (FormatChat, FormatBase
// or FormatPlain; "" means FormatChat). FormatChat needs the tokenizer to
// carry a chat template, which is parsed once here.
func NewPrompter(tok Tokenizer, format string) (*Prompter, error) {
	if format == "" {
		format = FormatChat
	}
	p := &Prompter{tok: tok, format: format}
	switch format {
	case FormatChat:
		src := tok.ChatTemplate()
		if src == "" {
			return nil, errors.New("chat: the model has no chat template; use the base prompt format")
		}
		tmpl, err := Parse(src)
		if err != nil {
			return nil, fmt.Errorf("chat: the model's chat template: %w", err)
		}
		p.tmpl = tmpl
	case FormatBase, FormatPlain:
	default:
		return nil, fmt.Errorf("chat: unknown prompt format %q (want %s, %s or %s)", format, FormatChat, FormatBase, FormatPlain)
	}
	return p, nil
}

// Format returns the prompter's format.
func (p *Prompter) Format() string { return p.format }

// Text returns the prompt text of user text.
func (p *Prompter) Text(user string) (string, error) {
	switch p.format {
	case FormatBase:
		return user + BaseSuffix, nil
	case FormatPlain:
		return user, nil
	}
	text, err := p.tmpl.RenderText([]Message{{Role: "user", Content: user}},
		Options{AddGenerationPrompt: true, BOS: p.tok.BOSToken(), EOS: p.tok.EOSToken()})
	if err != nil {
		return "", fmt.Errorf("chat: rendering the prompt: %w", err)
	}
	return text, nil
}

// Conversation returns the prompt text of a conversation that ends with a
// user turn: msgs alternate user and assistant messages. FormatChat renders
// them with the chat template and the generation prompt; FormatBase writes
// each user turn as Text does ("{user}\nAnswer:") followed by the
// assistant's answer and a newline; FormatPlain joins the contents with
// newlines. One user message gives Text's result.
func (p *Prompter) Conversation(msgs []Message) (string, error) {
	if len(msgs) == 0 || msgs[len(msgs)-1].Role != "user" {
		return "", errors.New("chat: a conversation prompt must end with a user message")
	}
	if p.format == FormatChat {
		text, err := p.tmpl.RenderText(msgs, Options{AddGenerationPrompt: true, BOS: p.tok.BOSToken(), EOS: p.tok.EOSToken()})
		if err != nil {
			return "", fmt.Errorf("chat: rendering the prompt: %w", err)
		}
		return text, nil
	}
	var b []byte
	for i, m := range msgs {
		switch {
		case m.Role == "user" && p.format == FormatBase:
			b = append(b, m.Content+BaseSuffix...)
		case m.Role == "assistant" && p.format == FormatBase:
			b = append(b, " "+m.Content+"\n"...)
		default:
			b = append(b, m.Content...)
			if i < len(msgs)-1 {
				b = append(b, '\n')
			}
		}
	}
	return string(b), nil
}

// Tokens encodes a prompt text made by Text as the model sees it: a chat
// rendering without added special tokens, the other formats with them.
func (p *Prompter) Tokens(text string) []int { return EncodePrompt(p.tok, text, p.format) }

// EncodePrompt encodes a prompt text of the given format as Prompter.Tokens
// does, for records that carry the rendered prompt.
func EncodePrompt(tok Tokenizer, text, format string) []int {
	return tok.Encode(text, format != FormatChat && format != "")
}

// StopStrings returns the strings that end a generation in this format:
// the newline for FormatBase, none otherwise.
func (p *Prompter) StopStrings() []string {
	if p.format == FormatBase {
		return []string{"\n"}
	}
	return nil
}
