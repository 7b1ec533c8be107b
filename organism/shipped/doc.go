// Package shipped holds the trained model organism that hneurons ships: the
// chat-tuned and the base model (Hugging Face Llama folders, float32
// safetensors, d_model 128, 4 layers, d_ff 512) embedded in the binary, plus a
// small sample of the organism world's question sets (in-distribution
// questions about held-out real people, and NonExist questions about
// fabricated people).
//
// model.Load reads folders, so Dir materialises the embedded files into a
// per-content cache folder once; Extract writes them to any folder. The
// README.md next to this file records how the weights were produced.
package shipped
