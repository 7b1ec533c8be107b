// Package model loads open-weight transformer language models (Hugging Face
// folders and GGUF files) and runs them: batched prefill and decoding over a
// KV cache, teacher-forced scoring, and neuron-level access to the MLP.
//
// Families differ by configuration, not by code: every model runs through one
// block forward (Runner.Forward) switched by Config fields such as PostNorms,
// QKNorm, SlidingLayers, AttnSoftcap and EmbedScale. Each family's loader only
// maps hyper-parameters onto a Config and tensor names onto one internal
// scheme (the GGUF names: blk.N.ffn_down.weight and so on).
//
// Dimension names used in shape comments:
//
//	T    tokens in one forward call (all segments together)
//	D    model width (d_model)
//	F    MLP width (d_ff, the number of neurons per layer)
//	H    query heads, Hkv key/value heads, Dh head size
//	V    vocabulary size
//	L    layers, S cached positions of one sequence
//
// Typical use:
//
//	m, err := model.Load(path)          // GGUF file or HF folder; Close when done
//	r := m.NewRunner()                  // one per goroutine: buffers, taps, scales
//	c := m.NewCache(len(prompt) + 64)   // one per sequence; Fork to branch
//	logits, err := r.Forward(ctx, []model.Segment{{Cache: c, Tokens: prompt}}, false)
//	lp, err := r.LogProbs(ctx, tokens)  // teacher forcing
//	err = r.Prefill(ctx, segs)          // taps and caches only, no logits
//
// Package generate builds sampling, N sequences per prompt and stop rules on
// top of Runner.Forward.
//
// The tap (see Tap and Runner.SetScale) exposes, per layer, the down_proj input
// z [T, F] (TransformerLens blocks.{l}.mlp.hook_post) and the MLP output
// h [T, D] (blocks.{l}.hook_mlp_out, before any post-MLP norm), and scales z
// per neuron before down_proj. With no tap and no scale attached the cost is a
// nil check per layer.
package model
