package serve

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/extract"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/label"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

// Choice accumulates one generated sequence (its tokens and their CETT
// rows) and scores it: a running risk while it grows, the answer's risk at
// the end. It is used by one goroutine.
type Choice struct {
	det    *Detector
	tok    *tokenizer.Tokenizer
	prompt []int
	// PromptText and Format are the rendered prompt and its chat format
	// (chat.FormatChat or chat.FormatPlain), as a record would carry them.
	PromptText, Format string
	// Stops are the request's stop strings: the text ends before the first
	// one (OpenAI's rule, and collect's), while Tokens keep the token that
	// completed it, as generate's do.
	Stops []string

	Tokens []int
	CETT   [][]float32 // [R][K]
	dec    func([]int) string
	text   string   // the decoding of Tokens
	offs   [][2]int // [R] running byte ranges of the tokens in text
	sent   string   // text already handed out by Delta
}

// NewChoice starts a choice continuing prompt, whose text is promptText in
// format.
func NewChoice(det *Detector, tok *tokenizer.Tokenizer, prompt []int, promptText, format string) *Choice {
	return &Choice{det: det, tok: tok, prompt: prompt, PromptText: promptText, Format: format, dec: generate.Decoder(tok, prompt)}
}

// Add appends a generated token and its CETT row.
func (c *Choice) Add(token int, cett []float32) {
	c.Tokens = append(c.Tokens, token)
	c.CETT = append(c.CETT, cett)
	s := c.dec(c.Tokens)
	start := 0
	for n := min(len(s), len(c.text)); start < n && s[start] == c.text[start]; start++ {
	}
	c.offs = append(c.offs, [2]int{start, len(s)})
	c.text = s
}

// Text returns the response text so far, valid UTF-8 (collect.SanitizeText),
// cut before the first stop string.
func (c *Choice) Text() string { return collect.SanitizeText(c.visible(true)) }

// visible returns the decoded text cut before the first stop string; with
// final unset it also holds back a tail that may be the start of one.
func (c *Choice) visible(final bool) string {
	t := c.text
	for _, stop := range c.Stops {
		if k := strings.Index(t, stop); stop != "" && k >= 0 {
			t = t[:k]
		}
	}
	if !final {
		for _, stop := range c.Stops {
			for n := min(len(stop)-1, len(t)); n > 0; n-- {
				if strings.HasSuffix(t, stop[:n]) {
					t = t[:len(t)-n]
					break
				}
			}
		}
	}
	return t
}

// Delta returns the text added since the last call, holding back a
// trailing incomplete UTF-8 character (final releases everything, with
// invalid bytes replaced). The deltas of a choice concatenate to Text.
func (c *Choice) Delta(final bool) string {
	t := c.visible(final)
	if !final {
		// Hold back an incomplete last character.
		for k := 1; k <= utf8.UTFMax && k <= len(t); k++ {
			if utf8.RuneStart(t[len(t)-k]) {
				if !utf8.FullRuneInString(t[len(t)-k:]) {
					t = t[:len(t)-k]
				}
				break
			}
		}
		if !utf8.ValidString(t) {
			return ""
		}
	}
	t = collect.SanitizeText(t)
	if !strings.HasPrefix(t, c.sent) {
		return "" // an earlier token's text changed: nothing safe to add
	}
	d := t[len(c.sent):]
	c.sent = t
	return d
}

// RunningRisk returns the risk of the answer span of the text so far (the
// content rule of label, as at the end) or, while the text is not valid
// UTF-8, of all its tokens.
func (c *Choice) RunningRisk() float64 {
	text := c.visible(true)
	s, e := 0, len(text)
	if utf8.ValidString(text) {
		s, e, _ = label.FindSpan(text, nil, false)
	}
	ts, te, ok := label.CharSpanToTokenSpan(c.offs, s, e)
	if !ok {
		ts, te = 0, 0
	}
	_, risk := c.det.Score(c.CETT[ts:te])
	return risk
}

// TokenRisk is one response token's share of the risk.
type TokenRisk struct {
	// ID is the token id; Text its text (its byte range of the response).
	ID         int    `json:"id"`
	Text       string `json:"text"`
	Start, End int    `json:"-"`
	// Score is the token's own logit term (w·CETT of the token); the
	// riskiest tokens have the largest.
	Score float64 `json:"score"`
	// Contribution is what the token adds to the answer's logit: Score
	// divided by the answer's token count inside the span, 0 outside.
	Contribution float64 `json:"contribution"`
	// InAnswer marks the answer span's tokens.
	InAnswer bool `json:"in_answer"`
}

// Assessment is a finished choice's risk.
type Assessment struct {
	Risk, Logit float64
	// AnswerStart and AnswerEnd are the answer span's byte offsets in the
	// response text; SpanMethod says how label found it.
	AnswerStart, AnswerEnd int
	AnswerText, SpanMethod string
	// AnswerTokens is the span's token count (0: empty, risk sigmoid(b)).
	AnswerTokens int
	Tokens       []TokenRisk
}

// Record returns the choice as the labelled record the offline chain reads:
// the prompt text and format, the response tokens and text, and the answer
// span label's FindSpan gives without gold answers (the content rule).
func (c *Choice) Record() record.Labelled {
	text := c.Text()
	s, e, method := label.FindSpan(text, nil, false)
	return record.Labelled{ID: "serve", Prompt: c.PromptText, PromptFormat: c.Format, Response: text,
		ResponseTokens: c.Tokens, AnswerStart: s, AnswerEnd: e, AnswerText: text[s:e], SpanMethod: method}
}

// Assess scores the finished choice: the answer span is mapped to tokens by
// extract.BuildSequence (the offline chain's code) and the risk is the
// probe's on the mean CETT of those tokens.
func (c *Choice) Assess() (Assessment, error) {
	rec := c.Record()
	sq, err := extract.BuildSequence(c.tok, rec)
	if err != nil {
		return Assessment{}, err
	}
	if sq.Prompt != len(c.prompt) || len(sq.Tokens)-sq.Prompt != len(c.Tokens) {
		return Assessment{}, fmt.Errorf("serve: the prompt re-encodes to %d tokens, generation had %d", sq.Prompt, len(c.prompt))
	}
	ts, te := sq.AnswerStart-sq.Prompt, sq.AnswerEnd-sq.Prompt
	a := Assessment{AnswerStart: rec.AnswerStart, AnswerEnd: rec.AnswerEnd, AnswerText: rec.AnswerText,
		SpanMethod: rec.SpanMethod, AnswerTokens: te - ts}
	a.Logit, a.Risk = c.det.Score(c.CETT[ts:te])
	a.Tokens = make([]TokenRisk, len(c.Tokens))
	text := rec.Response
	for i := range c.Tokens {
		o := sq.Offsets[i]
		lo, hi := min(o[0], len(text)), min(o[1], len(text))
		tr := TokenRisk{ID: c.Tokens[i], Text: text[lo:hi], Start: lo, End: hi, Score: c.det.TokenScore(c.CETT[i]), InAnswer: i >= ts && i < te}
		if tr.InAnswer {
			tr.Contribution = tr.Score / float64(te-ts)
		}
		a.Tokens[i] = tr
	}
	return a, nil
}
