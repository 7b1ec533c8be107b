package collect

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

func stories(t *testing.T) (*model.Model, *tokenizer.Tokenizer) {
	t.Helper()
	path := sharedtest.Path(t, "models", "stories260K", "stories260K.gguf")
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	tok, err := tokenizer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m, tok
}

var questions = []datasets.Record{
	{ID: "q1", Question: "Who had a red ball", Answers: []string{"Lily"}},
	{ID: "q2", Question: "What did Tom see in the park", Answers: []string{"a dog", "dog"}},
	{ID: "q3", Question: "Where did the little bird fly", Answers: []string{"home"}},
	{ID: "q1", Question: "a repeated id is dropped", Answers: []string{"x"}},
	{ID: "q4", Question: "What was the name of the cat", Answers: []string{"Max"}},
	{ID: "q5", Question: "Who was sad", Answers: []string{"Sue"}},
	{ID: "q6", Question: "What did mom say", Answers: nil},
}

var small = Options{Samples: 3, PromptFormat: chat.FormatBase, Seed: 7,
	Decoding: record.Decoding{Temperature: 1, TopP: 0.9, TopK: 50, MaxNewTokens: 12}}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) == 0 || !record.IsHeader([]byte(lines[0])) {
		t.Fatalf("%s does not start with its provenance", path)
	}
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // SplitAfter's empty tail after the last newline
	}
	return lines[1:] // the records
}

// A run cancelled after k records, with a torn line appended, and rerun with
// another batch size, gives the same bytes as one uninterrupted run.
func TestResumeIdentical(t *testing.T) {
	m, tok := stories(t)
	dir := t.TempDir()
	full := filepath.Join(dir, "full.jsonl")
	st, err := Run(context.Background(), m, tok, questions, full, small)
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 6 || st.Duplicates != 1 || st.Samples != 18 {
		t.Fatalf("stats %+v", st)
	}
	want, _ := os.ReadFile(full)

	part := filepath.Join(dir, "part.jsonl")
	for _, k := range []int{2, 4} {
		ctx, cancel := context.WithCancel(context.Background())
		opt := small
		opt.Batch = 2
		opt.Progress = func(p Progress) {
			if p.Done+p.Skipped >= k {
				cancel()
			}
		}
		_, err := Run(ctx, m, tok, questions, part, opt)
		cancel()
		// Questions already in flight may finish and be written after the
		// cancel; then the run may end without an error.
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run at %d: err %v", k, err)
		}
		got, _ := os.ReadFile(part)
		if n := bytes.Count(got, []byte("\n")); n < k || !bytes.HasPrefix(want, got) {
			t.Fatalf("after cancelling at %d: %d lines, prefix of the full run: %v", k, n, bytes.HasPrefix(want, got))
		}
		// A kill in the middle of a write leaves a torn line.
		f, err := os.OpenFile(part, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(`{"id":"q5","question":"Who w`)
		f.Close()
	}
	opt := small
	opt.Batch = 3
	st, err = Run(context.Background(), m, tok, questions, part, opt)
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped < 2 || st.Skipped+st.Written != 6 {
		t.Errorf("resumed stats %+v", st)
	}
	got, _ := os.ReadFile(part)
	if !bytes.Equal(got, want) {
		t.Errorf("resumed file differs from the uninterrupted run:\n%s\nwant\n%s", got, want)
	}

	// Every record: base prompt, samples stop before the first newline, the
	// tokens are the sample's, the text is what they decode to.
	_, err = record.EachCollected(full, func(line int, c record.Collected) error {
		if c.Prompt != c.Question+"\nAnswer:" || c.PromptFormat != chat.FormatBase || len(c.Samples) != 3 {
			t.Errorf("line %d: prompt %q format %q samples %d", line, c.Prompt, c.PromptFormat, len(c.Samples))
		}
		for i, s := range c.Samples {
			if strings.Contains(s.Text, "\n") || len(s.Tokens) == 0 || len(s.Tokens) > 12 {
				t.Errorf("line %d sample %d: %q, %d tokens", line, i, s.Text, len(s.Tokens))
			}
			dec := tok.Decode(s.Tokens, true)
			if !strings.HasPrefix(strings.TrimLeft(dec, " "), strings.TrimLeft(s.Text, " ")) {
				t.Errorf("line %d sample %d: tokens decode to %q, text %q", line, i, dec, s.Text)
			}
			if s.FinishReason == "length" && len(s.Tokens) != 12 {
				t.Errorf("line %d sample %d: length stop after %d tokens", line, i, len(s.Tokens))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A question's samples depend on the run seed and its id, not on its place
// in the input; MaxQuestions takes a prefix of the input.
func TestOrderIndependent(t *testing.T) {
	m, tok := stories(t)
	dir := t.TempDir()
	fwd, rev := filepath.Join(dir, "fwd.jsonl"), filepath.Join(dir, "rev.jsonl")
	qs := slices.Clone(questions[:3])
	if _, err := Run(context.Background(), m, tok, qs, fwd, small); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(qs)
	opt := small
	opt.MaxQuestions = 2
	if _, err := Run(context.Background(), m, tok, qs, rev, opt); err != nil {
		t.Fatal(err)
	}
	a, b := readLines(t, fwd), readLines(t, rev)
	if len(b) != 2 {
		t.Fatalf("MaxQuestions 2 wrote %d lines", len(b))
	}
	if b[0] != a[2] || b[1] != a[1] {
		t.Errorf("records depend on the input order:\n%s%s\nvs\n%s%s", b[0], b[1], a[2], a[1])
	}
	if QuestionSeed(7, "q1") == QuestionSeed(7, "q2") || QuestionSeed(7, "q1") == QuestionSeed(8, "q1") {
		t.Error("question seeds collide")
	}
	opt.Seed = 8
	other := filepath.Join(dir, "seed8.jsonl")
	if _, err := Run(context.Background(), m, tok, qs[:1], other, opt); err != nil {
		t.Fatal(err)
	}
	if readLines(t, other)[0] == b[0] {
		t.Error("another seed gave the same samples")
	}
}

// The chat format renders the model's own template with the paper's suffix
// (Phi-3's template from a real vocabulary, with a random tiny model of that
// vocabulary size), and the end-of-turn token ends a sample without being
// kept.
func TestChatPrompt(t *testing.T) {
	tok, err := tokenizer.Load(sharedtest.Path(t, "vocab", "ggml-vocab-phi-3.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	q := "Who wrote 'Hamlet'?"
	text, err := PromptText(tok, q, chat.FormatChat)
	if err != nil {
		t.Fatal(err)
	}
	// The phi-3 GGUF's template: {{bos_token}}<|user|>\n{content}<|end|>\n<|assistant|>\n
	want := "<s><|user|>\nWho wrote 'Hamlet'? Respond with the answer only, without any explanation.<|end|>\n<|assistant|>\n"
	if text != want {
		t.Fatalf("chat prompt %q, want %q", text, want)
	}
	ids := PromptTokens(tok, text, chat.FormatChat)
	user, _ := tok.TokenID("<|user|>")
	if bos, _ := tok.BOS(); ids[0] != bos || ids[1] != user {
		t.Errorf("prompt tokens start %v, want the template's BOS (%d) once, then <|user|> (%d)", ids[:3], bos, user)
	}

	cfg, err := model.Shape("stories260k")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Vocab = tok.VocabSize()
	m, err := model.RandomInit(cfg, kernels.F32, 3)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Samples: 4, Seed: 1, Decoding: record.Decoding{Temperature: 1, TopK: 0, TopP: 1, MaxNewTokens: 30}}
	c, err := NewCollector(m, tok, opt)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.One(context.Background(), datasets.Record{ID: "h", Question: q, Answers: []string{"Shakespeare"}})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Prompt != want || rec.PromptFormat != chat.FormatChat || rec.Decoding.MaxNewTokens != 30 {
		t.Errorf("record %+v", rec)
	}
	eog := tok.EOG()
	for i, s := range rec.Samples {
		for _, id := range s.Tokens {
			if slices.Contains(eog, id) {
				t.Errorf("sample %d keeps an end-of-generation token %d", i, id)
			}
		}
		if (s.FinishReason == "length") != (len(s.Tokens) == 30) {
			t.Errorf("sample %d: %d tokens, finish %q", i, len(s.Tokens), s.FinishReason)
		}
	}
	if _, err := PromptText(tok, q, "nope"); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestSanitizeText(t *testing.T) {
	for in, want := range map[string]string{
		"abc":             "abc",
		"Tokyo 東\xe4\xba": "Tokyo 東\uFFFD",
		"\xff\xfea\xc3":   "\uFFFDa\uFFFD",
		"é\x80é":          "é\uFFFDé",
	} {
		if got := SanitizeText(in); got != want {
			t.Errorf("SanitizeText(%q) = %q, want %q", in, got, want)
		}
	}
}

// Samples are stored as valid UTF-8: the decoding of their tokens with each
// run of invalid bytes replaced by one U+FFFD. A random model sampling
// uniformly over the Phi-3 vocabulary (SentencePiece with byte tokens) emits
// stray bytes.
func TestSamplesValidUTF8(t *testing.T) {
	tok, err := tokenizer.Load(sharedtest.Path(t, "vocab", "ggml-vocab-phi-3.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := model.Shape("stories260k")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Vocab = tok.VocabSize()
	m, err := model.RandomInit(cfg, kernels.F32, 5)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Samples: 16, Seed: 3, PromptFormat: chat.FormatChat,
		Decoding: record.Decoding{Temperature: 1, TopK: 0, TopP: 1, MaxNewTokens: 64}}
	c, err := NewCollector(m, tok, opt)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.One(context.Background(), datasets.Record{ID: "u", Question: "Who wrote Hamlet?"})
	if err != nil {
		t.Fatal(err)
	}
	prompt := PromptTokens(tok, rec.Prompt, chat.FormatChat)
	invalid := 0
	for i, s := range rec.Samples {
		raw := generate.Decoder(tok, prompt)(s.Tokens)
		if !utf8.ValidString(raw) {
			invalid++
		}
		if !utf8.ValidString(s.Text) || s.Text != strings.ToValidUTF8(raw, "\uFFFD") {
			t.Errorf("sample %d: text %q, tokens decode to %q", i, s.Text, raw)
		}
	}
	t.Logf("%d of %d samples decoded to invalid UTF-8", invalid, len(rec.Samples))
	if invalid == 0 {
		t.Error("no sample held invalid UTF-8; pick another seed so the test exercises sanitising")
	}
}
