// Package collect samples a model's answers to a set of questions: the first
// stage of the H-Neurons identification pipeline (METHOD.md section 1).
//
// Each question becomes one prompt: with the "chat" format, one user turn
// "{question} Respond with the answer only, without any explanation." rendered
// by the model's own chat template with the generation prompt; with the "base"
// format (base models and the origin study) the plain text
// "{question}\nAnswer:", encoded with the tokenizer's own special tokens, and
// generation stops at the first newline. The prompt is prefilled once and its
// KV cache is forked to every sample; the samples decode together, one
// batched forward call per step (generate.GenerateN). The paper's decoding is
// the default: temperature 1.0, top-p 0.9, top-k 50, at most 50 new tokens.
//
// Run writes one record.Collected per question to a JSONL file, in input
// order, each with a single write call, as soon as the question and every
// question before it are finished; the file's first line is its provenance
// (the sampling options, the chat template's hash, the model's identity and
// the questions' digest). It can be killed at any moment and rerun: it cuts
// a torn last line, skips the questions already written and continues; a
// rerun with other options, model or questions stops with an error that
// names the difference (Options.Fresh starts again). A question that cannot
// be asked (its prompt does not fit the context, or is empty) is skipped
// and counted (Stats.TooLong, Stats.EmptyPrompt), not fatal. Each question is sampled with its own seed derived from the run
// seed and the question id (QuestionSeed), so the file does not depend on
// the order of work, on the number of questions in flight, or on where a run
// was interrupted. Each sample keeps its token ids, which the extract stage
// uses for the teacher-forced pass (re-tokenising the text is not exact).
//
// With Options.Endpoint the samples come from an OpenAI-compatible server
// (vLLM, llama.cpp's server, `hneurons serve`) through package oaiclient:
// the prompt rendered here is sent as text to /v1/completions (the server
// applies no template of its own; add_special_tokens is false for chat
// prompts), one request per question with n = Samples and the question's
// seed, with retries, a rate limit and MaxInFlight questions at once. The
// token ids are the server's (Endpoint.TokenIDs "server") or the local
// tokenizer's encoding of its text ("retokenize", recorded in the
// provenance; not exact for extract). The provenance names the endpoint
// model instead of the weights' identity. Against `hneurons serve` on the
// same model the records equal a local run's: serve samples sequence i of
// a request with generate.NewSampler(opts, seed, i), as GenerateN does, and
// its batched forward calls give every row the same bits as unbatched ones
// on this project's kernels (tested on loopback).
//
// Sample text is stored as valid UTF-8: a sample cut by the token limit inside
// a character, or holding stray byte tokens, has each run of invalid bytes
// replaced by one U+FFFD (SanitizeText, strings.ToValidUTF8). Answer spans
// that later stages compute (label) are byte offsets into this sanitised
// text, and extract maps the response tokens onto it the same way.
package collect
