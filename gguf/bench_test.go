package gguf

import (
	"os"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
)

// BenchmarkParseStories260K measures parsing the real stories260K GGUF file
// (metadata with a 512-token vocabulary and 48 tensors) from memory.
func BenchmarkParseStories260K(b *testing.B) {
	data, err := os.ReadFile(sharedtest.Path(b, "models", "stories260K", "stories260K.gguf"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
