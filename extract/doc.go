// Package extract computes CETT features: per-neuron contributions to the MLP
// output over token regions of teacher-forced responses (METHOD.md section 3),
// and writes them to a feature store (package features) for the probe.
//
// For layer l, token t and neuron j, with z_t the down_proj input and h_t the
// MLP output (before any post-MLP norm),
//
//	CETT[l,t,j] = |z_t[j]| * ||W_down[:, j]||_2 / (||h_t||_2 + 1e-8)
//
// aggregated by mean (or max) over the token positions of a region into one
// L x d_ff vector per (response, region). Regions:
//
//	input   the prompt tokens
//	output  the response tokens
//	answer  the response tokens that carry the answer span
//	other   every position outside the answer span (input and the rest of output)
//
// # The teacher-forced sequence
//
// A response is replayed as the prompt tokens followed by the response tokens
// exactly as they were sampled (record.Labelled.ResponseTokens, from collect).
// The prompt tokens are the record's rendered prompt encoded as collect
// encoded it (collect.PromptTokens), so both stages see the same ids. The
// response is NOT closed: no end-of-turn or EOS token is appended (collect
// never keeps the stop token), so the output region holds exactly the sampled
// tokens. For the base prompt format the response tokens include the token
// that carried the stopping newline (the text ends before it).
//
// The answer span, given as byte offsets in the response text, is mapped to
// response tokens through each token's byte range in that text: the response
// is decoded incrementally in the context of the prompt (as collect decoded
// it, generate.Decoder), token i covering the bytes between the decodings of
// the first i and the first i+1 tokens; label.CharSpanToTokenSpan then keeps
// every token that overlaps the span, so tokens straddling a boundary count
// as answer tokens. A span that covers no token gives an empty answer region,
// stored as an empty (zero) row, not an error. collect stores responses as
// valid UTF-8, each run of invalid bytes (a character cut by the token limit)
// replaced by one U+FFFD, and the span offsets count in that text; the token
// byte ranges are mapped onto it the same way (and onto JSON's one U+FFFD per
// invalid byte, for records collected before collect sanitised).
//
// # Cost
//
// The Extractor runs Runner.Prefill (no output projection). Its tap keeps a
// view of the current layer's z from MLPPost (the model leaves z unchanged
// until the layer's MLPOut taps return, so nothing is copied), and when h
// arrives adds each token's |z| row scaled by 1/(||h_t|| + 1e-8) into one
// accumulator per
// (response, class), where the classes input, answer and output-without-answer
// partition the positions, so each token is accumulated once whatever regions
// are wanted. The four regions are combined from the three classes, and the
// column norms of W_down applied, once per response. Nothing is allocated
// per forward call once the buffers have grown.
package extract
