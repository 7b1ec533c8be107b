package origin

import (
	"strings"
	"testing"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

func TestBaseRecordsCutAtNewline(t *testing.T) {
	tok, err := tokenizer.Load(sharedtest.Path(t, "models", "stories260K", "stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	q := "Who had the ball"
	ptext, err := collect.PromptText(tok, q, chat.FormatBase) // stands in for the chat model's prompt
	if err != nil {
		t.Fatal(err)
	}
	prompt := collect.PromptTokens(tok, ptext, chat.FormatBase)
	ids := tok.Encode("Lily had the ball.\nThen Tom came.", false)
	resp := generate.Decoder(tok, prompt)(ids)
	nl := strings.IndexByte(resp, '\n')
	if nl < 0 {
		t.Fatalf("no newline in %q", resp)
	}
	ai := strings.Index(resp, "ball.\nThen")
	rec := record.Labelled{ID: "a", Question: q, Prompt: ptext, PromptFormat: chat.FormatBase, Label: record.Hallucinated,
		Response: resp, ResponseTokens: ids, AnswerStart: ai, AnswerEnd: ai + len("ball.\nThen"), Group: "lily"}
	whole := record.Labelled{ID: "b", Question: q, Prompt: ptext, PromptFormat: chat.FormatBase, Label: record.Faithful,
		Response: "Lily", ResponseTokens: tok.Encode("Lily", false), AnswerStart: 0, AnswerEnd: 4}
	out, st, err := BaseRecords(tok, []record.Labelled{rec, whole})
	if err != nil {
		t.Fatal(err)
	}
	b := out[0]
	if b.Prompt != q+"\nAnswer:" || b.PromptFormat != chat.FormatBase || b.Label != rec.Label || b.Group != "lily" {
		t.Errorf("record %+v", b)
	}
	if b.Response != resp[:nl] || strings.Contains(b.Response, "\n") {
		t.Errorf("response %q, want %q", b.Response, resp[:nl])
	}
	dec := generate.Decoder(tok, prompt)(b.ResponseTokens)
	if strings.Contains(dec, "\n") || !strings.HasPrefix(resp[:nl], dec) || len(b.ResponseTokens) == 0 || len(b.ResponseTokens) >= len(ids) {
		t.Errorf("kept %d of %d tokens, decoding to %q", len(b.ResponseTokens), len(ids), dec)
	}
	if b.AnswerText != "ball." || st.AnswerClipped != 1 || st.Cut != 1 {
		t.Errorf("answer %q, stats %+v", b.AnswerText, st)
	}
	if out[1].Response != "Lily" || len(out[1].ResponseTokens) != len(whole.ResponseTokens) || out[1].AnswerText != "Lily" {
		t.Errorf("uncut record changed: %+v", out[1])
	}
}
