package record

// Sample is one sampled response of a Collected record.
type Sample struct {
	// Text is the decoded response (valid UTF-8: collect replaces each run
	// of invalid bytes by one U+FFFD).
	Text string `json:"text"`
	// Tokens are the response's token ids, when the collector kept them.
	Tokens []int `json:"tokens,omitempty"`
	// FinishReason is "stop" (end of turn) or "length" (token limit), when known.
	FinishReason string `json:"finish_reason,omitempty"`
}

// Finish reasons (Sample.FinishReason).
const (
	FinishStop   = "stop"
	FinishLength = "length"
)

// Decoding records the sampling settings of a collection.
type Decoding struct {
	Temperature  float64 `json:"temperature"`
	TopP         float64 `json:"top_p"`
	TopK         int     `json:"top_k"`
	MaxNewTokens int     `json:"max_new_tokens"`
}

// Collected is the record collect writes: one question, its rendered prompt
// and its sampled responses.
type Collected struct {
	// ID is the dataset's question id.
	ID string `json:"id"`
	// Question is the question text.
	Question string `json:"question"`
	// Answers are the gold aliases (empty when none is correct, e.g. NonExist).
	Answers []string `json:"answers"`
	// Source names the dataset format the question came from.
	Source string `json:"source,omitempty"`
	// Group is the question's group key when the dataset gives one (the
	// organism's person): questions of one group are never split between
	// train and test, nor between cross-validation folds.
	Group string `json:"group,omitempty"`
	// Prompt is the exact prompt text the model saw (chat template rendered).
	Prompt string `json:"prompt"`
	// PromptFormat names how the prompt was made (e.g. "chat", "base").
	PromptFormat string `json:"prompt_format"`
	// Samples are the sampled responses, in sampling order.
	Samples []Sample `json:"samples"`
	// Model names the model (path or name).
	Model string `json:"model"`
	// Seed is the sampling seed.
	Seed uint64 `json:"seed"`
	// Decoding holds the sampling settings, when recorded.
	Decoding *Decoding `json:"decoding,omitempty"`
}

// Verdict is one judgement of one response.
type Verdict string

// Verdicts.
const (
	True      Verdict = "true"      // the response answers correctly
	False     Verdict = "false"     // the response answers wrongly
	Uncertain Verdict = "uncertain" // the response declines or hedges
)

// Judgement records one sample's verdict and who gave it.
type Judgement struct {
	// Verdict is true, false or uncertain.
	Verdict Verdict `json:"verdict"`
	// Judge names the judge: "rule", "llm:<model>" or "uncertainty-rule".
	Judge string `json:"judge"`
	// Alias is the gold alias the rule judge matched, if any.
	Alias string `json:"alias,omitempty"`
	// Note carries a judge's remark (e.g. an error met with --judge-errors uncertain).
	Note string `json:"note,omitempty"`
}

// Labels (Labelled.Label).
const (
	Faithful     = "faithful"
	Hallucinated = "hallucinated"
	// LabelUncertain marks a question whose judgements disagree or include
	// an uncertain response; it is kept in the file but not used for training.
	LabelUncertain = "uncertain"
)

// Labelled is the record label writes: one question with its judgements,
// label, representative response and answer span.
type Labelled struct {
	ID           string   `json:"id"`
	Question     string   `json:"question"`
	Answers      []string `json:"answers"`
	Source       string   `json:"source,omitempty"`
	Group        string   `json:"group,omitempty"`
	Model        string   `json:"model,omitempty"`
	Prompt       string   `json:"prompt,omitempty"`
	PromptFormat string   `json:"prompt_format,omitempty"`
	// Judgements holds one judgement per sample, in sample order.
	Judgements []Judgement `json:"judgements"`
	// Agree is the number of judgements with the majority verdict.
	Agree int `json:"agree"`
	// Consistent is true when no judgement is uncertain and Agree >= MinAgree.
	Consistent bool `json:"consistent"`
	// Label is faithful, hallucinated or uncertain.
	Label string `json:"label"`
	// Response is the representative response text.
	Response string `json:"response"`
	// ResponseIndex is the sample index of Response.
	ResponseIndex int `json:"response_index"`
	// ResponseTokens are the representative sample's tokens, when known.
	ResponseTokens []int `json:"response_tokens,omitempty"`
	// AnswerStart and AnswerEnd are the answer span's BYTE offsets in Response.
	AnswerStart int `json:"answer_start"`
	AnswerEnd   int `json:"answer_end"`
	// AnswerText is Response[AnswerStart:AnswerEnd].
	AnswerText string `json:"answer_text"`
	// SpanMethod says how the span was found: gold-alias, content-rule or fallback-all.
	SpanMethod string `json:"span_method"`
}

// GroupKey returns the record's group (its question id when it has none).
func (l *Labelled) GroupKey() string {
	if l.Group != "" {
		return l.Group
	}
	return l.ID
}

// Usable reports whether the record has a faithful or hallucinated label.
func (l *Labelled) Usable() bool { return l.Label == Faithful || l.Label == Hallucinated }
