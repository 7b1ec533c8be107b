package extract

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/label"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

// Region boundaries with real vocabularies and real chat templates: the
// prompt tokens followed by the response tokens spell the template's own
// rendering of [user question, assistant response] up to the end of the
// response; the answer tokens are the smallest run of response tokens whose
// bytes cover the answer, and agree with the span the encoder's own offsets
// give; the answer text lies inside their decoding.
func TestRegionBoundaries(t *testing.T) {
	cases := []struct {
		vocab, template string // template "" = the vocabulary's own
	}{
		{"ggml-vocab-phi-3.gguf", ""},
		{"ggml-vocab-phi-3.gguf", "microsoft-Phi-3.5-mini-instruct.jinja"},
		{"ggml-vocab-gpt-2.gguf", "meta-llama-Llama-3.1-8B-Instruct.jinja"},
		{"ggml-vocab-gpt-2.gguf", "Qwen-Qwen2.5-7B-Instruct.jinja"},
		{"ggml-vocab-deepseek-llm.gguf", "meta-llama-Llama-3.2-3B-Instruct.jinja"},
		{"ggml-vocab-llama-spm.gguf", "mistralai-Mistral-Nemo-Instruct-2407.jinja"},
		{"ggml-vocab-falcon.gguf", "google-gemma-2-2b-it.jinja"},
	}
	answers := []struct{ response, answer string }{
		{"Shaquille O'Neal", "O'Neal"},
		{"It was Zoë Saldaña’s film «Avatar».", "Zoë Saldaña’s"},
		{"Shaquille", "Shaq"},              // ends inside a token
		{"The answer is 1,234 km.", "234"}, // starts inside a number
		{"東京都の京", "京都"},                    // multi-byte characters split across byte tokens
		{"Paris", "Paris"},
	}
	question := "Which one is it?"
	checkedFull, checkedEnc := 0, 0
	defer func() { t.Logf("checked %d full renderings and %d encoder spans", checkedFull, checkedEnc) }()
	for _, tc := range cases {
		tok, err := tokenizer.Load(sharedtest.Path(t, "vocab", tc.vocab))
		if err != nil {
			t.Fatal(err)
		}
		src := tok.ChatTemplate()
		if tc.template != "" {
			b, err := os.ReadFile(sharedtest.Path(t, "templates", tc.template))
			if err != nil {
				t.Fatal(err)
			}
			src = string(b)
		}
		tmpl, err := chat.Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		name := tc.vocab + "+" + tc.template
		for _, a := range answers {
			turns, err := tmpl.RenderTurns([]chat.Message{{Role: "user", Content: question + datasets.PromptSuffix}}, a.response,
				chat.Options{BOS: tok.BOSToken(), EOS: tok.EOSToken(), DateString: "26 Jul 2024"})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			prompt := collect.PromptTokens(tok, turns.Prompt, chat.FormatChat)
			// As if sampled: the response tokens, and the text collect keeps.
			resp := tok.Encode(a.response, false)
			text := generate.Decoder(tok, prompt)(resp)
			start := strings.Index(text, a.answer)
			if start < 0 {
				t.Fatalf("%s: %q decodes to %q without %q", name, a.response, text, a.answer)
			}
			rec := record.Labelled{ID: "x", Question: question, Label: record.Faithful, Prompt: turns.Prompt, PromptFormat: chat.FormatChat,
				Response: text, ResponseTokens: resp, AnswerStart: start, AnswerEnd: start + len(a.answer)}
			sq, err := BuildSequence(tok, rec)
			if err != nil {
				t.Fatal(err)
			}
			if sq.TextMismatch || !sq.AnswerFound || sq.Prompt != len(prompt) || len(sq.Tokens) != len(prompt)+len(resp) {
				t.Fatalf("%s %q: sequence %+v", name, a.response, sq)
			}

			// The whole sequence is the template's conversation, unclosed.
			if turns.PromptIsPrefix && turns.ResponseFound && !strings.HasPrefix(text, " ") {
				full := turns.Full[:turns.Response.End]
				checkedFull++
				if got := tok.Decode(sq.Tokens, false); got != full {
					t.Errorf("%s %q: tokens spell\n%q\nthe template renders\n%q", name, a.response, got, full)
				}
			}

			// The answer tokens cover the answer, and no smaller run does.
			ts, te := sq.AnswerStart-sq.Prompt, sq.AnswerEnd-sq.Prompt
			aEnd := start + len(a.answer)
			covers := func(i, j int) bool { return sq.Offsets[i][0] <= start && sq.Offsets[j-1][1] >= aEnd }
			if !covers(ts, te) || (te-ts > 1 && (covers(ts+1, te) || covers(ts, te-1))) {
				t.Errorf("%s %q: answer tokens [%d, %d) of %v (offsets %v) for bytes [%d, %d)", name, a.response, ts, te, resp, sq.Offsets, start, aEnd)
			}
			piece := text[sq.Offsets[ts][0]:sq.Offsets[te-1][1]]
			if !strings.Contains(piece, a.answer) {
				t.Errorf("%s %q: answer tokens spell %q, not containing %q", name, a.response, piece, a.answer)
			}
			// Independently: the encoder's offsets of the same text (when the
			// text encodes back to the same tokens; a SentencePiece text
			// without the leading space its decoder wrote) give the same span.
			ids, offs := tok.EncodeWithOffsets(text, false)
			if !equalInts(ids, resp) && strings.HasPrefix(text, " ") {
				ids, offs = tok.EncodeWithOffsets(text[1:], false)
				for i := range offs {
					offs[i][0]++
					offs[i][1]++
				}
			}
			if equalInts(ids, resp) {
				checkedEnc++
				ets, ete, ok := label.CharSpanToTokenSpan(offs, start, aEnd)
				if !ok || ets != ts || ete != te {
					t.Errorf("%s %q: encoder offsets give tokens [%d, %d), decoder offsets [%d, %d)", name, a.response, ets, ete, ts, te)
				}
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A response cut inside a character (the token limit, stray byte tokens)
// reaches extract through JSON, with each invalid byte replaced by U+FFFD;
// the offsets follow the replaced text.
func TestInvalidUTF8Response(t *testing.T) {
	tok, err := tokenizer.Load(sharedtest.Path(t, "vocab", "ggml-vocab-gpt-2.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	prompt := "Q?\nAnswer:"
	full := tok.Encode(" 東京 and 京都", false)
	ids := full[:len(full)-1] // cut inside the last character
	raw := generate.Decoder(tok, collect.PromptTokens(tok, prompt, chat.FormatBase))(ids)
	if utf8.ValidString(raw) {
		t.Fatalf("%q is valid UTF-8; pick a text whose last token is part of a character", raw)
	}
	// As collect stores it now (one U+FFFD per run of invalid bytes), and
	// as older records hold it (JSON: one U+FFFD per invalid byte).
	b, _ := json.Marshal(record.Labelled{Response: raw})
	var old record.Labelled
	if err := json.Unmarshal(b, &old); err != nil {
		t.Fatal(err)
	}
	if old.Response == strings.ToValidUTF8(raw, "\uFFFD") {
		t.Fatalf("%q: the two encodings agree; cut more than one byte", raw)
	}
	for _, text := range []string{strings.ToValidUTF8(raw, "\uFFFD"), old.Response} {
		invalidResponse(t, tok, prompt, ids, text)
	}
}

func invalidResponse(t *testing.T, tok *tokenizer.Tokenizer, prompt string, ids []int, text string) {
	t.Helper()
	rec := record.Labelled{Response: text}
	// The answer: the cut character, as JSON wrote it.
	start := strings.Index(rec.Response, "京都")
	if start >= 0 {
		t.Fatalf("%q still holds the whole last word", rec.Response)
	}
	start = strings.LastIndex(rec.Response, "京") + len("京")
	rec.ID, rec.Label, rec.Prompt, rec.PromptFormat, rec.ResponseTokens = "x", record.Faithful, prompt, chat.FormatBase, ids
	rec.AnswerStart, rec.AnswerEnd = start, len(rec.Response)
	sq, err := BuildSequence(tok, rec)
	if err != nil {
		t.Fatal(err)
	}
	if sq.TextMismatch || !sq.AnswerFound {
		t.Fatalf("response %q: mismatch %v, answer found %v", rec.Response, sq.TextMismatch, sq.AnswerFound)
	}
	last := sq.Offsets[len(sq.Offsets)-1]
	if last[1] != len(rec.Response) || sq.AnswerEnd != len(sq.Tokens) {
		t.Errorf("offsets %v for %q; answer tokens [%d, %d) of %d", sq.Offsets, rec.Response, sq.AnswerStart, sq.AnswerEnd, len(sq.Tokens))
	}
	// And the clean prefix keeps its offsets: " 東京" is the first tokens.
	if got := rec.Response[sq.Offsets[0][0]:sq.Offsets[0][1]]; !strings.HasPrefix(" 東京", got) {
		t.Errorf("first token covers %q", got)
	}
}

// sanitizedText gives strings.ToValidUTF8's text (per run) and
// encoding/json's (per byte), and its offsets split the text where the input
// splits between runs; inside a run of invalid bytes replaced by one
// U+FFFD, lo and hi are that replacement's start and end.
func TestSanitizedText(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "京", "\xe4", "\xba", "\xac", "\xff", " ", "é", "\xc3"}
	for n := 0; n < 2000; n++ {
		var b strings.Builder
		for k := rng.IntN(8); k >= 0; k-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		j, _ := json.Marshal(s)
		var viaJSON string
		json.Unmarshal(j, &viaJSON)
		for _, perByte := range []bool{false, true} {
			want := strings.ToValidUTF8(s, "\uFFFD")
			if perByte {
				want = viaJSON
			}
			got, lo, hi := sanitizedText(s, perByte)
			if got != want {
				t.Fatalf("%q per byte %v: %q, want %q", s, perByte, got, want)
			}
			for a := 0; a <= len(s); a++ {
				if lo[a] > hi[a] || hi[a] > len(got) || (a > 0 && lo[a] < lo[a-1]) {
					t.Fatalf("%q: offsets lo %v hi %v", s, lo, hi)
				}
				// Where a splits two independently sanitised halves, the
				// offsets point at the split.
				h1, _, _ := sanitizedText(s[:a], perByte)
				h2, _, _ := sanitizedText(s[a:], perByte)
				if h1+h2 == got && (lo[a] != len(h1) || hi[a] != len(h1)) {
					t.Fatalf("%q split at %d: lo %d hi %d, want %d", s, a, lo[a], hi[a], len(h1))
				}
				if !perByte && a > 0 && a < len(s) && lo[a] == lo[a-1] &&
					(got[lo[a]:hi[a]] != "\uFFFD" || utf8.ValidString(s[a-1:a+1])) {
					t.Fatalf("%q at %d inside a run: [%d, %d) of %q", s, a, lo[a], hi[a], got)
				}
			}
		}
	}
}
