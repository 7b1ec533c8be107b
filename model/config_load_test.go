package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/gguf"
)

// hfConfigWith returns the config.json of a tiny family with keys replaced
// (a nil value removes the key).
func hfConfigWith(t *testing.T, family string, keys map[string]any) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "tiny", family, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range keys {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The MLP activation comes from the key the family's Hugging Face model
// reads (hidden_activation for Gemma 2 and 3, with gelu_pytorch_tanh as
// default; hidden_act for the others, with silu as default), an explicit
// value is honoured, and a value the engine does not run is an error that
// names the file, the key and the value, never another activation.
func TestHFActivation(t *testing.T) {
	const path = "dir/config.json"
	for _, tc := range []struct {
		family          string
		act, activation any // hidden_act, hidden_activation (nil: absent)
		want            Activation
		err             string // wanted in the error ("" for none)
	}{
		{"llama", "silu", nil, ActSiLU, ""},
		{"llama", "swish", nil, ActSiLU, ""},
		{"llama", nil, nil, ActSiLU, ""},
		{"llama", "gelu_pytorch_tanh", nil, ActGELUTanh, ""},
		{"llama", "gelu_new", nil, ActGELUTanh, ""},
		{"llama", "silu", "gelu_pytorch_tanh", ActSiLU, ""}, // Llama reads hidden_act only
		{"llama", "relu", nil, 0, `hidden_act "relu"`},
		{"llama", "gelu", nil, 0, `hidden_act "gelu"`}, // exact (erf) GELU: not run by the engine
		{"qwen2", "gelu_tanh", nil, 0, `hidden_act "gelu_tanh"`},
		{"gemma2", "gelu_pytorch_tanh", "gelu_pytorch_tanh", ActGELUTanh, ""},
		{"gemma2", "gelu", "gelu_pytorch_tanh", ActGELUTanh, ""},
		{"gemma2", nil, nil, ActGELUTanh, ""},
		{"gemma2", "gelu", nil, ActGELUTanh, ""}, // Gemma2 reads hidden_activation only
		{"gemma2", "gelu_pytorch_tanh", "silu", ActSiLU, ""},
		{"gemma3", "gelu_pytorch_tanh", "relu", 0, `hidden_activation "relu"`},
		{"gemma3", "gelu_pytorch_tanh", "", 0, `hidden_activation ""`},
	} {
		name := tc.family + " " + strings.ReplaceAll(strings.TrimSpace(strings.Join([]string{anyString(tc.act), anyString(tc.activation)}, " ")), " ", "/")
		data := hfConfigWith(t, tc.family, map[string]any{"hidden_act": tc.act, "hidden_activation": tc.activation})
		_, c, err := parseHFConfig(path, data)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case tc.err == "" && c.Act != tc.want:
			t.Errorf("%s: activation %v, want %v", name, c.Act, tc.want)
		case tc.err != "" && err == nil:
			t.Errorf("%s: no error (activation %v)", name, c.Act)
		case tc.err != "" && !(strings.Contains(err.Error(), path) && strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %q does not name %s and %s", name, err, path, tc.err)
		}
	}
}

func anyString(v any) string {
	if v == nil {
		return "-"
	}
	return v.(string)
}

// Out-of-range config.json values are refused by name, with the file.
func TestHFConfigRefusesBadValues(t *testing.T) {
	const path = "dir/config.json"
	for _, tc := range []struct {
		family string
		keys   map[string]any
		want   string
	}{
		{"llama", map[string]any{"rms_norm_eps": 0}, "norm epsilon must be positive"},
		{"llama", map[string]any{"rms_norm_eps": -1e-5}, "norm epsilon must be positive"},
		{"gemma2", map[string]any{"query_pre_attn_scalar": 0}, "query scale must be positive and finite, got +Inf"},
		{"gemma2", map[string]any{"query_pre_attn_scalar": -4}, "query scale must be positive and finite, got NaN"},
		{"gemma2", map[string]any{"attn_logit_softcapping": -2}, "attention soft-cap must be 0 (none) or positive"},
		{"gemma2", map[string]any{"final_logit_softcapping": -5}, "final soft-cap must be 0 (none) or positive"},
	} {
		_, _, err := parseHFConfig(path, hfConfigWith(t, tc.family, tc.keys))
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: error %v, want one naming %s and saying %q", tc.family, tc.keys, err, path, tc.want)
		}
	}
}

// Out-of-range GGUF metadata is refused by name, with the file, before any
// tensor is looked at.
func TestGGUFConfigRefusesBadValues(t *testing.T) {
	for _, tc := range []struct {
		key  string
		val  float32
		want string
	}{
		{"gemma2.attention.layer_norm_rms_epsilon", 0, "norm epsilon must be positive and finite, got 0"},
		{"gemma2.attn_logit_softcapping", -50, "attention soft-cap must be 0 (none) or positive and finite, got -50"},
		{"gemma2.final_logit_softcapping", -30, "final soft-cap must be 0 (none) or positive and finite, got -30"},
	} {
		w := gguf.NewWriter()
		for _, kv := range []struct {
			k string
			v any
		}{
			{"general.architecture", "gemma2"},
			{"gemma2.embedding_length", uint32(32)},
			{"gemma2.block_count", uint32(2)},
			{"gemma2.feed_forward_length", uint32(32)},
			{"gemma2.attention.head_count", uint32(4)},
			{"gemma2.vocab_size", uint32(64)},
			{tc.key, tc.val},
		} {
			if err := w.Add(kv.k, kv.v); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join(t.TempDir(), "bad.gguf")
		if err := w.WriteFile(path); err != nil {
			t.Fatal(err)
		}
		m, err := Load(path)
		if err == nil {
			m.Close()
		}
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s = %g: error %v, want one naming %s and saying %q", tc.key, tc.val, err, path, tc.want)
		}
	}
}

// Every GGUF architecture the loader accepts has its activation listed.
func TestGGUFActivationEveryFamily(t *testing.T) {
	for arch, want := range map[string]Activation{"llama": ActSiLU, "mistral": ActSiLU, "qwen2": ActSiLU, "qwen3": ActSiLU,
		"phi3": ActSiLU, "gemma2": ActGELUTanh, "gemma3": ActGELUTanh} {
		if got, err := ggufActivation(arch); err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", arch, got, err, want)
		}
	}
	if _, err := ggufActivation("gpt2"); err == nil || !strings.Contains(err.Error(), `"gpt2"`) {
		t.Errorf("gpt2: error %v", err)
	}
}
