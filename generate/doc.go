// Package generate samples text from a model: greedy decoding, temperature,
// top-k and top-p sampling with a seeded PCG generator (the same seed gives
// the same tokens), stop tokens and stop strings, a token limit, streaming,
// and several sequences per prompt (the prompt runs once; its KV cache is
// forked to every sequence, and the sequences decode in one batched forward
// call per step).
package generate
