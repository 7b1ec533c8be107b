package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/hneurons/hneurons/internal/jsonpos"
)

// The OpenAI wire format (the subset hneurons serves) and its extension.
// Everything hneurons adds lives under an "hneurons" key, in requests and
// in responses, so it cannot collide with OpenAI's fields.

// Message is a chat message. Content is a string or an array of
// {"type": "text", "text": ...} parts (joined).
type Message struct {
	Role    string  `json:"role"`
	Content Content `json:"content"`
}

// Content is a message's text, decoded from a string or from text parts.
type Content string

// UnmarshalJSON accepts a string, null or an array of text parts.
func (c *Content) UnmarshalJSON(b []byte) error {
	s, err := decodeText(b, "messages[].content", true)
	*c = Content(s)
	return err
}

// Prompt is /v1/completions' "prompt": a string or an array of one string.
type Prompt string

// UnmarshalJSON accepts a string or an array of one string.
func (p *Prompt) UnmarshalJSON(b []byte) error {
	s, err := decodeText(b, "prompt", false)
	*p = Prompt(s)
	return err
}

// decodeText decodes a string, null, or an array of text parts (parts) or
// of one string (!parts); errors name field.
func decodeText(b []byte, field string, parts bool) (string, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		if !parts {
			var many []string
			if err := json.Unmarshal(b, &many); err != nil || len(many) != 1 {
				return "", &RequestError{Field: field, Msg: "want a string or an array of one string (token arrays and batches are not served)"}
			}
			return many[0], nil
		}
		var ps []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(b, &ps); err != nil {
			return "", &RequestError{Field: field, Msg: "want a string or an array of {type, text} parts"}
		}
		var sb strings.Builder
		for i, p := range ps {
			if p.Type != "text" {
				return "", &RequestError{Field: field, Msg: fmt.Sprintf("part %d has type %q; only text parts are served", i, p.Type)}
			}
			sb.WriteString(p.Text)
		}
		return sb.String(), nil
	}
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", &RequestError{Field: field, Msg: "want a string"}
	}
	if s == nil {
		return "", nil
	}
	return *s, nil
}

// Stop is the "stop" field: a string or an array of strings.
type Stop []string

// UnmarshalJSON accepts a string, null or an array of strings.
func (s *Stop) UnmarshalJSON(b []byte) error {
	var one *string
	if err := json.Unmarshal(b, &one); err == nil {
		if one != nil {
			*s = Stop{*one}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return &RequestError{Field: "stop", Msg: "want a string or an array of strings"}
	}
	*s = many
	return nil
}

// Options is the "hneurons" object of a request: the detector's settings
// for this request (unset fields take the server's).
type Options struct {
	// Policy is "annotate", "regenerate" or "abstain".
	Policy string `json:"policy,omitempty"`
	// Threshold flags an answer whose risk exceeds it, in [0, 1].
	Threshold *float64 `json:"threshold,omitempty"`
	// MaxRegenerations bounds the regenerate policy's new attempts.
	MaxRegenerations *int `json:"max_regenerations,omitempty"`
	// Alpha scales the H-Neurons' activations during generation (0
	// suppresses them, 1 leaves them), in [0, 10].
	Alpha *float64 `json:"alpha,omitempty"`
	// TokenRisks adds every token's risk contribution to the response.
	TokenRisks bool `json:"token_risks,omitempty"`
	// TopK keeps the K most likely tokens when sampling (0: all). The
	// top-level "top_k" (vLLM's and llama.cpp's name) takes precedence.
	TopK int `json:"top_k,omitempty"`
	// TokenIDs adds every choice's generated token ids ("token_ids"), as
	// the top-level "return_token_ids" does.
	TokenIDs bool `json:"token_ids,omitempty"`
	// Seed, when set, replaces the top-level seed, and FirstSample makes
	// choice i sample as choice FirstSample+i of a request with n >
	// FirstSample+i would: together they let a client split n samples of
	// one seed over requests of fewer choices (collect --endpoint-n) while
	// the top-level seed, which other servers read, differs per request.
	Seed        *int64 `json:"seed,omitempty"`
	FirstSample int    `json:"first_sample,omitempty"`
}

// StreamOptions is OpenAI's "stream_options".
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// Request is a chat or text completion request: Messages for
// /v1/chat/completions, Prompt for /v1/completions.
type Request struct {
	Model               string         `json:"model"`
	Messages            []Message      `json:"messages,omitempty"`
	Prompt              *Prompt        `json:"prompt,omitempty"`
	Temperature         *float64       `json:"temperature,omitempty"`
	TopP                *float64       `json:"top_p,omitempty"`
	N                   *int           `json:"n,omitempty"`
	MaxTokens           *int           `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int           `json:"max_completion_tokens,omitempty"`
	Stream              bool           `json:"stream,omitempty"`
	StreamOptions       *StreamOptions `json:"stream_options,omitempty"`
	Seed                *int64         `json:"seed,omitempty"`
	Stop                Stop           `json:"stop,omitempty"`
	// TopK, ReturnTokenIDs and AddSpecialTokens are vLLM's extensions of
	// the OpenAI request (llama.cpp's server reads top_k too), served here
	// under the same names so that one client request fits both servers:
	// top_k keeps the K most likely tokens (0: all); return_token_ids adds
	// each choice's generated token ids as "token_ids"; add_special_tokens
	// false encodes a /v1/completions prompt without the tokenizer's
	// special tokens (BOS), for a prompt whose chat template already wrote
	// them (default true, as vLLM's completions).
	TopK             *int     `json:"top_k,omitempty"`
	ReturnTokenIDs   bool     `json:"return_token_ids,omitempty"`
	AddSpecialTokens *bool    `json:"add_special_tokens,omitempty"`
	HNeurons         *Options `json:"hneurons,omitempty"`
}

// RequestError is a bad request: the field it is about and what is wrong.
type RequestError struct {
	Field, Msg string
}

func (e *RequestError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Limits bound what a request may ask for.
type Limits struct {
	MaxTokens  int // largest max_tokens (and the default)
	MaxN       int // largest n
	MaxStops   int // most stop strings
	MaxMessage int // most messages
}

// DecodeRequest parses a request body. chat selects the endpoint:
// messages are required for chat, prompt for text completions. Every error
// is a *RequestError naming the field.
func DecodeRequest(body []byte, chat bool, lim Limits) (*Request, error) {
	var r Request
	if err := json.Unmarshal(body, &r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, &RequestError{Field: te.Field, Msg: fmt.Sprintf("want %s, got JSON %s", te.Type, te.Value)}
		}
		var re *RequestError
		if errors.As(err, &re) {
			return nil, re
		}
		msg := jsonpos.Wrap(body, err).Error()
		return nil, &RequestError{Msg: "the body is not a valid request: " + msg}
	}
	if err := r.check(chat, lim); err != nil {
		return nil, err
	}
	return &r, nil
}

func (r *Request) check(chat bool, lim Limits) error {
	bad := func(field, f string, a ...any) error { return &RequestError{Field: field, Msg: fmt.Sprintf(f, a...)} }
	if chat {
		if len(r.Messages) == 0 {
			return bad("messages", "required: a non-empty array of messages")
		}
		if lim.MaxMessage > 0 && len(r.Messages) > lim.MaxMessage {
			return bad("messages", "%d messages, at most %d", len(r.Messages), lim.MaxMessage)
		}
		for i, m := range r.Messages {
			switch m.Role {
			case "system", "user", "assistant", "developer":
			default:
				return bad(fmt.Sprintf("messages[%d].role", i), "%q is not system, developer, user or assistant", m.Role)
			}
		}
		if r.Prompt != nil {
			return bad("prompt", "not a chat completion field (use messages)")
		}
	} else {
		if r.Prompt == nil {
			return bad("prompt", "required: a string")
		}
		if len(r.Messages) > 0 {
			return bad("messages", "not a text completion field (use prompt, or /v1/chat/completions)")
		}
	}
	if t := r.Temperature; t != nil && (math.IsNaN(*t) || *t < 0 || *t > 2) {
		return bad("temperature", "%v is outside [0, 2]", *t)
	}
	if p := r.TopP; p != nil && (math.IsNaN(*p) || *p <= 0 || *p > 1) {
		return bad("top_p", "%v is outside (0, 1]", *p)
	}
	if n := r.N; n != nil && (*n < 1 || (lim.MaxN > 0 && *n > lim.MaxN)) {
		return bad("n", "%d is outside [1, %d]", *n, lim.MaxN)
	}
	for _, f := range []struct {
		name string
		v    *int
	}{{"max_tokens", r.MaxTokens}, {"max_completion_tokens", r.MaxCompletionTokens}} {
		if f.v != nil && (*f.v < 1 || (lim.MaxTokens > 0 && *f.v > lim.MaxTokens)) {
			return bad(f.name, "%d is outside [1, %d]", *f.v, lim.MaxTokens)
		}
	}
	if k := r.TopK; k != nil && *k < 0 {
		return bad("top_k", "%d is negative", *k)
	}
	if r.AddSpecialTokens != nil && chat {
		return bad("add_special_tokens", "a /v1/completions field (the chat template writes the special tokens)")
	}
	if lim.MaxStops > 0 && len(r.Stop) > lim.MaxStops {
		return bad("stop", "%d stop strings, at most %d", len(r.Stop), lim.MaxStops)
	}
	for i, s := range r.Stop {
		if s == "" {
			return bad(fmt.Sprintf("stop[%d]", i), "empty")
		}
	}
	if o := r.HNeurons; o != nil {
		if _, err := ParsePolicy(o.Policy); o.Policy != "" && err != nil {
			return bad("hneurons.policy", "%v", err)
		}
		if t := o.Threshold; t != nil && (math.IsNaN(*t) || *t < 0 || *t > 1) {
			return bad("hneurons.threshold", "%v is outside [0, 1]", *t)
		}
		if k := o.MaxRegenerations; k != nil && (*k < 0 || *k > 8) {
			return bad("hneurons.max_regenerations", "%d is outside [0, 8]", *k)
		}
		if a := o.Alpha; a != nil && (math.IsNaN(*a) || *a < 0 || *a > 10) {
			return bad("hneurons.alpha", "%v is outside [0, 10]", *a)
		}
		if o.TopK < 0 {
			return bad("hneurons.top_k", "%d is negative", o.TopK)
		}
		if o.FirstSample < 0 {
			return bad("hneurons.first_sample", "%d is negative", o.FirstSample)
		}
	}
	return nil
}

// maxTokens returns the request's token limit: max_completion_tokens, else
// max_tokens, else def.
func (r *Request) maxTokens(def int) int {
	switch {
	case r.MaxCompletionTokens != nil:
		return *r.MaxCompletionTokens
	case r.MaxTokens != nil:
		return *r.MaxTokens
	}
	return def
}

// Usage is OpenAI's token usage.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Verdict is the "hneurons" object of a response choice.
type Verdict struct {
	// Risk is P(hallucination) of the answer, in [0, 1] (the running risk
	// of the answer so far in a streamed chunk).
	Risk float64 `json:"risk"`
	// Final marks the answer's risk (the last chunk of a stream).
	Final bool `json:"final,omitempty"`
	// The rest is set on the final verdict only.
	Flagged      bool        `json:"flagged,omitempty"`
	Threshold    float64     `json:"threshold,omitempty"`
	Policy       string      `json:"policy,omitempty"`
	Action       string      `json:"action,omitempty"`
	Attempts     int         `json:"attempts,omitempty"`
	AttemptRisks []float64   `json:"attempt_risks,omitempty"`
	Alpha        *float64    `json:"alpha,omitempty"`
	Answer       *AnswerSpan `json:"answer,omitempty"`
	Tokens       []TokenRisk `json:"tokens,omitempty"`
	// Original is the answer the abstain policy withheld.
	Original string `json:"original_content,omitempty"`
}

// AnswerSpan locates the answer in the returned text.
type AnswerSpan struct {
	Start  int    `json:"start"`
	End    int    `json:"end"`
	Text   string `json:"text"`
	Method string `json:"method"`
	Tokens int    `json:"tokens"`
}

// ChatMessage is a response message.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatChoice is a choice of a chat.completion.
type ChatChoice struct {
	Index        int         `json:"index"`
	Message      ChatMessage `json:"message"`
	Logprobs     *struct{}   `json:"logprobs"`
	FinishReason string      `json:"finish_reason"`
	// TokenIDs are the generated token ids (return_token_ids or
	// hneurons.token_ids), as vLLM returns them: without the stop token,
	// with the token that completed a stop string.
	TokenIDs []int    `json:"token_ids,omitzero"`
	HNeurons *Verdict `json:"hneurons,omitempty"`
}

// ChatCompletion is the non-streaming chat response.
type ChatCompletion struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Created           int64        `json:"created"`
	Model             string       `json:"model"`
	SystemFingerprint string       `json:"system_fingerprint"`
	Choices           []ChatChoice `json:"choices"`
	Usage             Usage        `json:"usage"`
}

// Delta is a streamed chunk's message part.
type Delta struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

// ChunkChoice is a choice of a chat.completion.chunk.
type ChunkChoice struct {
	Index        int       `json:"index"`
	Delta        Delta     `json:"delta"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason *string   `json:"finish_reason"`
	HNeurons     *Verdict  `json:"hneurons,omitempty"`
}

// ChatChunk is one server-sent event of a streamed chat completion.
type ChatChunk struct {
	ID                string        `json:"id"`
	Object            string        `json:"object"`
	Created           int64         `json:"created"`
	Model             string        `json:"model"`
	SystemFingerprint string        `json:"system_fingerprint"`
	Choices           []ChunkChoice `json:"choices"`
	Usage             *Usage        `json:"usage,omitempty"`
}

// TextChoice is a choice of a text_completion (streamed or not).
type TextChoice struct {
	Index        int       `json:"index"`
	Text         string    `json:"text"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason *string   `json:"finish_reason"`
	// TokenIDs are the generated token ids, as ChatChoice's (whole
	// responses only, not stream chunks).
	TokenIDs []int    `json:"token_ids,omitzero"`
	HNeurons *Verdict `json:"hneurons,omitempty"`
}

// TextCompletion is the /v1/completions response and its stream chunks.
type TextCompletion struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Created           int64        `json:"created"`
	Model             string       `json:"model"`
	SystemFingerprint string       `json:"system_fingerprint"`
	Choices           []TextChoice `json:"choices"`
	Usage             *Usage       `json:"usage,omitempty"`
}

// ErrorBody is OpenAI's error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong; Param names the request field.
type ErrorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}
