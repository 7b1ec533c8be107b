// Package organism builds hneurons' model organism end to end: it generates
// the synthetic world (package organism/world), pre-trains a small
// Llama-style model on its biographies, instruction-tunes it on chat-formatted
// questions (package organism/train), saves both stages as Hugging Face
// folders and greedy-evaluates the result by popularity bucket.
//
// The organism exists because no real question-answering model can be
// downloaded where hneurons is developed: a model whose training facts we
// control lets every later stage of the method (probe, intervention, origin)
// be tested against known ground truth.
package organism
