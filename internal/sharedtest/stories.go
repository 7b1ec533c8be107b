package sharedtest

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// StoriesContinuation is one reference greedy continuation of the
// stories260K model, as listed in ../shared/models/stories260K/README.md
// (produced there by llama.cpp, an independent implementation).
type StoriesContinuation struct {
	Prompt string // the prompt, without BOS
	// Text is the whole decoded text after BOS, prompt included, as the
	// README prints it after "<s>" (it starts with the space SentencePiece
	// puts before the first word).
	Text string
	// Continuation is Text without " "+Prompt: the 64 generated tokens.
	Continuation string
}

var storiesPrompt = regexp.MustCompile("^\\d+\\. prompt `(.*)`$")

// Stories reads the reference continuations from the stories260K README,
// skipping the test when the file is absent and failing it when the README's
// layout is not the expected one.
func Stories(tb testing.TB) []StoriesContinuation {
	tb.Helper()
	data, err := os.ReadFile(Path(tb, "models", "stories260K", "README.md"))
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var out []StoriesContinuation
	for i := 0; i < len(lines); i++ {
		m := storiesPrompt.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		j := i + 1
		for j < len(lines) && lines[j] != "```" {
			j++
		}
		k := j + 1
		for k < len(lines) && lines[k] != "```" {
			k++
		}
		if k >= len(lines) {
			tb.Fatalf("sharedtest: stories260K README: no code block after prompt %q", m[1])
		}
		text, ok := strings.CutPrefix(strings.Join(lines[j+1:k], "\n"), "<s>")
		cont, ok2 := strings.CutPrefix(text, " "+m[1])
		if !ok || !ok2 {
			tb.Fatalf("sharedtest: stories260K README: block for %q does not start with <s> and the prompt", m[1])
		}
		out = append(out, StoriesContinuation{Prompt: m[1], Text: text, Continuation: cont})
		i = k
	}
	if len(out) == 0 {
		tb.Fatal("sharedtest: stories260K README lists no reference continuation")
	}
	return out
}
