package tokenizer

import (
	"os"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
)

// benchText returns about 256 KB of English text (TruthfulQA questions and
// answers, CSV as is).
func benchText(b *testing.B) string {
	data, err := os.ReadFile(sharedtest.Path(b, "datasets", "truthfulqa", "TruthfulQA.csv"))
	if err != nil {
		b.Fatal(err)
	}
	return string(data[:min(len(data), 256<<10)])
}

func benchEncode(b *testing.B, vocab string, cold bool) {
	text := benchText(b)
	tk := loadShared(b, vocab)
	tk.Encode(text, false) // warm the word cache
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	n := 0
	cpu := startCPU()
	for range b.N {
		if cold {
			tk.resetCache()
		}
		n = len(tk.Encode(text, false))
	}
	cpu.report(b, len(text))
	b.ReportMetric(float64(len(text))/float64(n), "bytes/token")
}

// BenchmarkEncodeGPT2 is byte-level BPE (GPT-2 vocabulary, hand-written split)
// with the per-word cache warm, as in a long-running process.
func BenchmarkEncodeGPT2(b *testing.B) { benchEncode(b, "gpt-2", false) }

// BenchmarkEncodeGPT2Cold empties the word cache before every pass.
func BenchmarkEncodeGPT2Cold(b *testing.B) { benchEncode(b, "gpt-2", true) }

// BenchmarkEncodeDeepSeekLLM runs six regexp2 split patterns per text.
func BenchmarkEncodeDeepSeekLLM(b *testing.B) { benchEncode(b, "deepseek-llm", false) }

// BenchmarkEncodeSPM is SentencePiece BPE (Llama 2 vocabulary, merge by score).
func BenchmarkEncodeSPM(b *testing.B) { benchEncode(b, "llama-spm", false) }

// BenchmarkEncodeGPT2Regexp2 is BenchmarkEncodeGPT2 with the split done by
// regexp2 instead of the hand-written splitter (what the hand-written one saves).
func BenchmarkEncodeGPT2Regexp2(b *testing.B) {
	text := benchText(b)
	tk := loadShared(b, "gpt-2")
	m, err := newRegexMatcher(patGPT2NoTail)
	if err != nil {
		b.Fatal(err)
	}
	tk.pre = preSequence{&preSplit{m: m, beh: behIsolated}}
	tk.fast = fastMatcher(tk.pre)
	tk.Encode(text, false)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu := startCPU()
	for range b.N {
		tk.Encode(text, false)
	}
	cpu.report(b, len(text))
}

func (t *Tokenizer) resetCache() {
	switch m := t.model.(type) {
	case *bpeModel:
		m.cache = wordCache{}
	case *spmModel:
		m.cache = wordCache{}
	}
}

// BenchmarkSplit compares the hand-written GPT-2 and Llama 3 splitters with
// regexp2 running the same patterns.
func BenchmarkSplit(b *testing.B) {
	text := benchText(b)
	for _, c := range []struct {
		name string
		pat  string
		hand bool
	}{
		{"gpt2-hand", patGPT2, true}, {"gpt2-regexp2", patGPT2, false},
		{"llama3-hand", patLlama3, true}, {"llama3-regexp2", patLlama3, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			var m matcher
			var err error
			if c.hand {
				m, err = newMatcher(c.pat, true)
			} else {
				m, err = newRegexMatcher(c.pat)
			}
			if err != nil {
				b.Fatal(err)
			}
			var ms [][2]int
			b.SetBytes(int64(len(text)))
			cpu := startCPU()
			for range b.N {
				ms = m.matches(text, ms[:0])
			}
			cpu.report(b, len(text))
		})
	}
}

// BenchmarkEncodeSPMJSON is the Llama 2 vocabulary as a tokenizer.json
// (BPE with merges, byte fallback, Prepend/Replace normalizer) like Hugging
// Face's own Llama files.
func BenchmarkEncodeSPMJSON(b *testing.B) {
	text := benchText(b)
	tk, err := FromJSON(jsonFromGGUF(b, sharedtest.Path(b, "vocab", "ggml-vocab-llama-spm.gguf"), nil), nil)
	if err != nil {
		b.Fatal(err)
	}
	tk.Encode(text, false)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu := startCPU()
	for range b.N {
		tk.Encode(text, false)
	}
	cpu.report(b, len(text))
}
