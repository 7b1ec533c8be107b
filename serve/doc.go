// Package serve is the live hallucination detector: an OpenAI-compatible
// HTTP server (chat and text completions, streaming as server-sent events,
// model list, health, Prometheus metrics, a chat page) that scores every
// answer it generates with an H-Neuron probe.
//
// The risk of a choice is the probe's probability P(hallucination) =
// sigmoid(w·x + b) on the answer tokens' CETT vector x, exactly as the
// offline chain (label's answer span, extract's mean CETT over it, the
// probe) computes it, but read from the forward passes that generated the
// tokens: a tap on the engine's runner (model.Tap) keeps, for every
// generated token, the CETT values of the probe's neurons only. No second
// pass runs. Because the mean CETT is linear in the positions, the logit
// splits into per-token contributions, which responses can carry.
//
// Generation runs in one engine goroutine that batches continuously:
// every step admits waiting requests (their prompts prefill in the same
// forward call as the running sequences' next tokens) and drops finished
// or disconnected ones, so concurrent requests share decode steps.
// Requests with a neuron scale (alpha on the H-Neurons) run in their own
// forward call of the step, one per distinct alpha.
//
// Sampling is collect's: choice i of a request samples with
// generate.NewSampler(opts, seed, i) (offset by hneurons.first_sample), the
// stop rules and token limit are generate's, and the forward calls give a
// sequence the same logits whatever else shares its batch on this
// project's kernels, so a request with collect's prompt text, seed and
// decoding returns collect's samples (collect --endpoint relies on it).
// vLLM's request extensions top_k, return_token_ids and add_special_tokens
// are read under their names.
package serve
