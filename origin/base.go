package origin

import (
	"fmt"
	"strings"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/extract"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

// BaseReplayStats counts what BaseRecords did.
type BaseReplayStats struct {
	// Cut counts responses shortened at their first newline.
	Cut int `json:"cut"`
	// AnswerClipped counts answer spans that reached past the cut (clipped
	// to it); AnswerLost those left with nothing (then the answer region
	// is empty and the record gives no answer row).
	AnswerClipped int `json:"answer_clipped"`
	AnswerLost    int `json:"answer_lost"`
	// Retokenised counts records without response tokens, whose cut text
	// was encoded again.
	Retokenised int `json:"retokenised"`
}

// BaseRecords turns labelled responses of a chat model into records for
// the base model's teacher-forced pass (METHOD.md section 6, backward
// transfer): the prompt becomes "{question}\nAnswer:" (chat.FormatBase),
// the response is cut at its first newline, and its token ids are those of
// the original sample up to the first token whose text reaches the newline
// (a token that straddles the newline is dropped with it), decoded in the
// original prompt's context so that the ids are the ones the chat model
// produced. The answer span is clipped to the cut. Labels, ids and groups
// are kept. tok is the tokenizer both models share (the caller checks
// that they do).
func BaseRecords(tok *tokenizer.Tokenizer, recs []record.Labelled) ([]record.Labelled, BaseReplayStats, error) {
	var st BaseReplayStats
	out := make([]record.Labelled, 0, len(recs))
	for _, r := range recs {
		b := r
		b.Prompt = r.Question + chat.BaseSuffix
		b.PromptFormat = chat.FormatBase
		text := r.Response
		cut := strings.IndexByte(text, '\n')
		if cut >= 0 {
			st.Cut++
			text = text[:cut]
		}
		b.Response = text
		if len(r.ResponseTokens) > 0 {
			if cut >= 0 {
				format := r.PromptFormat
				if format == "" {
					format = chat.FormatChat
				}
				ptext := r.Prompt
				if ptext == "" {
					var err error
					if ptext, err = collect.PromptText(tok, r.Question, format); err != nil {
						return nil, st, fmt.Errorf("origin: record %q: %w", r.ID, err)
					}
				}
				offs, _ := extract.ResponseOffsets(tok, collect.PromptTokens(tok, ptext, format), r.ResponseTokens)
				n := 0
				for n < len(offs) && offs[n][1] <= cut {
					n++
				}
				b.ResponseTokens = append([]int(nil), r.ResponseTokens[:n]...)
			}
		} else if text != "" {
			st.Retokenised++
		}
		start, end := min(r.AnswerStart, len(text)), min(r.AnswerEnd, len(text))
		if end < r.AnswerEnd {
			if start < end {
				st.AnswerClipped++
			} else {
				st.AnswerLost++
			}
		}
		b.AnswerStart, b.AnswerEnd, b.AnswerText = start, end, text[start:end]
		out = append(out, b)
	}
	return out, st, nil
}
