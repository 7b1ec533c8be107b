package train

import (
	"encoding/json"
	"fmt"
	"os"
)

// Config is the architecture of an organism model.
type Config struct {
	Vocab     int     // V
	Dim       int     // C
	Layers    int     // L
	Heads     int     // H; key/value heads equal query heads
	FF        int     // F
	MaxSeq    int     // longest sequence (max_position_embeddings)
	RopeTheta float64 // RoPE base
	NormEps   float64 // RMSNorm epsilon
	BosID     int     // bos_token_id
	EosID     int     // eos_token_id
}

// Validate reports a configuration the model cannot run.
func (c Config) Validate() error {
	switch {
	case c.Vocab < 1 || c.Dim < 1 || c.Layers < 1 || c.Heads < 1 || c.FF < 1 || c.MaxSeq < 1:
		return fmt.Errorf("train: non-positive size in config %+v", c)
	case c.Dim%c.Heads != 0 || (c.Dim/c.Heads)%2 != 0:
		return fmt.Errorf("train: hidden size %d must split into %d heads of even width", c.Dim, c.Heads)
	case c.RopeTheta <= 0 || c.NormEps <= 0:
		return fmt.Errorf("train: rope_theta %g and rms_norm_eps %g must be positive", c.RopeTheta, c.NormEps)
	}
	return nil
}

// hfConfig is the subset of a Hugging Face Llama config.json the organism
// writes and reads.
type hfConfig struct {
	Architectures         []string `json:"architectures"`
	ModelType             string   `json:"model_type"`
	HiddenSize            int      `json:"hidden_size"`
	IntermediateSize      int      `json:"intermediate_size"`
	NumHiddenLayers       int      `json:"num_hidden_layers"`
	NumAttentionHeads     int      `json:"num_attention_heads"`
	NumKeyValueHeads      int      `json:"num_key_value_heads"`
	HeadDim               int      `json:"head_dim"`
	HiddenAct             string   `json:"hidden_act"`
	RMSNormEps            float64  `json:"rms_norm_eps"`
	RopeTheta             float64  `json:"rope_theta"`
	MaxPositionEmbeddings int      `json:"max_position_embeddings"`
	TieWordEmbeddings     bool     `json:"tie_word_embeddings"`
	VocabSize             int      `json:"vocab_size"`
	BosTokenID            int      `json:"bos_token_id"`
	EosTokenID            int      `json:"eos_token_id"`
	TorchDtype            string   `json:"torch_dtype"`
	AttentionBias         bool     `json:"attention_bias"`
	MLPBias               bool     `json:"mlp_bias"`
	InitializerRange      float64  `json:"initializer_range"`
}

// HFConfigJSON returns the Hugging Face config.json of c.
func (c Config) HFConfigJSON() ([]byte, error) {
	return json.MarshalIndent(hfConfig{
		Architectures: []string{"LlamaForCausalLM"}, ModelType: "llama",
		HiddenSize: c.Dim, IntermediateSize: c.FF, NumHiddenLayers: c.Layers,
		NumAttentionHeads: c.Heads, NumKeyValueHeads: c.Heads, HeadDim: c.Dim / c.Heads,
		HiddenAct: "silu", RMSNormEps: c.NormEps, RopeTheta: c.RopeTheta,
		MaxPositionEmbeddings: c.MaxSeq, TieWordEmbeddings: true, VocabSize: c.Vocab,
		BosTokenID: c.BosID, EosTokenID: c.EosID, TorchDtype: "float32", InitializerRange: 0.02,
	}, "", "  ")
}

// ReadHFConfig reads a config.json written by HFConfigJSON (or any Llama
// config without grouped-query attention and with tied embeddings).
func ReadHFConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("train: read config: %w", err)
	}
	var h hfConfig
	if err := json.Unmarshal(data, &h); err != nil {
		return Config{}, fmt.Errorf("train: parse %s: %w", path, err)
	}
	if h.ModelType != "llama" || !h.TieWordEmbeddings || (h.NumKeyValueHeads != 0 && h.NumKeyValueHeads != h.NumAttentionHeads) {
		return Config{}, fmt.Errorf("train: %s: want a llama model with tied embeddings and no grouped-query attention", path)
	}
	c := Config{Vocab: h.VocabSize, Dim: h.HiddenSize, Layers: h.NumHiddenLayers, Heads: h.NumAttentionHeads,
		FF: h.IntermediateSize, MaxSeq: h.MaxPositionEmbeddings, RopeTheta: h.RopeTheta, NormEps: h.RMSNormEps,
		BosID: h.BosTokenID, EosID: h.EosTokenID}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
