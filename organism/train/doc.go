// Package train trains the model organism: a small Llama-style transformer
// (token embedding tied to the output, RMSNorm, RoPE attention in the Hugging
// Face rotate-half layout, SwiGLU MLP) with hand-written backward passes,
// AdamW, a warm-up + cosine schedule, gradient clipping, resumable
// checkpoints and a JSONL loss log, and saves it as a Hugging Face Llama
// folder (config.json, model.safetensors, generation_config.json).
//
// The math is generic over float32 and float64: training runs in float32, and
// the gradient check runs the very same code in float64 against finite
// differences.
//
// Dimension names used in shape comments throughout the package:
//
//	B batch (sequences), T time (tokens per sequence), N = B*T rows,
//	C model width (hidden_size), H heads, D = C/H head width,
//	F MLP width (intermediate_size), V vocabulary, L layers.
package train
