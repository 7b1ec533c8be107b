// Package tokenizer turns text into the token ids a real model was trained on,
// and back, byte for byte as the model's reference tokenizer does.
//
// A Tokenizer is loaded from a Hugging Face folder (tokenizer.json plus the
// optional tokenizer_config.json, see LoadHF and FromJSON) or from the
// tokenizer.ggml.* metadata of a GGUF file (FromGGUF). Load picks between the
// two from the path.
//
// Supported models: byte-level BPE (GPT-2, Llama 3, Qwen2, DeepSeek, Falcon,
// StarCoder, MPT, Refact ... with each family's pre-tokenizer split rules),
// SentencePiece-style BPE (Metaspace "▁", byte fallback <0xNN>, and the
// llama.cpp merge-by-score algorithm for GGUF "llama" vocabularies) and
// WordLevel. Encoding runs: added/special tokens are cut out first, then the
// normalizer, the pre-tokenizer (splitting into words), the model (merging
// each word, with a per-word cache) and the post-processor (BOS/EOS).
//
// EncodeWithOffsets reports each token's byte range in the input text, and
// StreamDecoder turns ids into text one at a time during generation, holding
// back incomplete UTF-8 sequences.
//
// FromGGUF takes any Metadata, such as the *gguf.File that Load opens
// (gguf.Parse on a memory map reads the header only, never the weights) and
// closes once the tokenizer is built. GGUF vocabularies follow
// llama.cpp: CONTROL and USER_DEFINED tokens are matched in the text,
// tokenizer.ggml.pre selects the split patterns, and the whitespace-stripping
// that llama.cpp gives Phi-3's special tokens by model name is reproduced.
//
// The common pre-tokenizer patterns (GPT-2, Llama 3, Qwen2, single digits)
// are hand-written splitters checked against github.com/dlclark/regexp2/v2,
// which runs every other pattern.
package tokenizer
