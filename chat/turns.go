package chat

import (
	"fmt"
	"strings"
)

// Turns is a prompt rendered for generation together with the same
// conversation completed by an assistant response.
type Turns struct {
	// Prompt is the prompt messages rendered with the generation prompt: the
	// text a model continues.
	Prompt string
	// PromptSpans are the content spans in Prompt.
	PromptSpans []Span
	// Full is the prompt messages plus the assistant response, rendered
	// without a generation prompt: the text as the model saw it in training.
	Full string
	// FullSpans are the content spans in Full (the response is message
	// len(prompt)).
	FullSpans []Span
	// Response is where the response's content lies in Full; Start == End
	// when the response is empty or the template does not print it.
	Response Span
	// ResponseFound reports whether the response's content was located in
	// Full (false for an empty response: Response then marks where the
	// template's assistant turn begins, if Full extends Prompt).
	ResponseFound bool
	// PromptIsPrefix reports whether Full begins with Prompt, so that the
	// prompt's tokens can be reused for scoring the response. Templates that
	// render a finished assistant turn differently from a generation prompt
	// (DeepSeek-R1 dropping <think>, Phi-3 appending eos, ...) break it.
	PromptIsPrefix bool
}

// RenderTurns renders prompt with the generation prompt, then prompt plus an
// assistant message holding response without it, and locates the response in
// the second text. opt.AddGenerationPrompt is ignored.
func (t *Template) RenderTurns(prompt []Message, response string, opt Options) (*Turns, error) {
	popt := opt
	popt.AddGenerationPrompt = true
	p, err := t.Render(prompt, popt)
	if err != nil {
		return nil, fmt.Errorf("chat: render prompt: %w", err)
	}
	full := append(append([]Message(nil), prompt...), Message{Role: "assistant", Content: response})
	fopt := opt
	fopt.AddGenerationPrompt = false
	f, err := t.Render(full, fopt)
	if err != nil {
		return nil, fmt.Errorf("chat: render prompt with response: %w", err)
	}
	out := &Turns{
		Prompt:         p.Text,
		PromptSpans:    p.Spans,
		Full:           f.Text,
		FullSpans:      f.Spans,
		PromptIsPrefix: strings.HasPrefix(f.Text, p.Text),
	}
	ri := len(prompt)
	rs := f.MessageSpans(ri)
	switch {
	case len(rs) == 1:
		out.Response, out.ResponseFound = rs[0], true
	case len(rs) > 1:
		return nil, fmt.Errorf("chat: the template prints the response %d times", len(rs))
	case response != "":
		return nil, fmt.Errorf("chat: the template does not print the assistant response")
	default:
		at := 0
		if out.PromptIsPrefix {
			at = len(p.Text)
		}
		out.Response = Span{Message: ri, Start: at, End: at}
	}
	return out, nil
}
