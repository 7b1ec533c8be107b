// Package world generates the model organism's synthetic world: fictional
// people with invented syllable names and a fixed set of attributes, their
// biographies in many paraphrases (pre-training text), chat-formatted
// question/answer pairs (instruction data, including abstention examples for
// fabricated people) and evaluation question sets (in-distribution,
// out-of-distribution and NonExist), together with the word-level tokenizer
// that the organism is saved with (a Hugging Face tokenizer.json).
//
// Everything is a pure function of a seed: the same Config gives the same
// world, byte for byte.
package world
