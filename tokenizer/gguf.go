package tokenizer

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/hneurons/hneurons/gguf"
)

// Metadata is the part of a GGUF file the tokenizer reads: typed metadata
// values by key, as *gguf.File provides them.
//
// Value returns uint8 ... int64, float32, float64, bool, string, or a typed
// slice ([]string, []float32, []int32, ...) for arrays.
type Metadata interface {
	Value(key string) (any, bool)
}

// GGUF token types (tokenizer.ggml.token_type).
const (
	ggufNormal      = 1
	ggufUnknown     = 2
	ggufControl     = 3
	ggufUserDefined = 4
	ggufUnused      = 5
	ggufByte        = 6
)

// Load reads a tokenizer from a GGUF file, a Hugging Face folder, or a
// tokenizer.json file (whose folder may also hold tokenizer_config.json).
func Load(path string) (*Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if st.IsDir() {
		return LoadHF(path)
	}
	if strings.HasSuffix(path, ".json") {
		return loadHFFiles(path, filepath.Join(filepath.Dir(path), "tokenizer_config.json"))
	}
	// The map is released below: gguf.Parse decodes metadata values into
	// fresh Go strings and slices, so nothing FromGGUF keeps points into it.
	f, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t, err := FromGGUF(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return t, nil
}

func mdString(md Metadata, key string) (string, bool) {
	v, ok := md.Value(key)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

func mdInt(md Metadata, key string) (int64, bool) {
	v, ok := md.Value(key)
	if !ok {
		return 0, false
	}
	return gguf.AsInt(v)
}

func mdBool(md Metadata, key string) (bool, bool) {
	v, ok := md.Value(key)
	if !ok {
		return false, false
	}
	b, ok := v.(bool)
	return b, ok
}

func mdStrings(md Metadata, key string) ([]string, bool) {
	v, ok := md.Value(key)
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case []string:
		return x, true
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

func mdFloats(md Metadata, key string) ([]float32, bool) {
	v, ok := md.Value(key)
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case []float32:
		return x, true
	case []float64:
		out := make([]float32, len(x))
		for i, e := range x {
			out[i] = float32(e)
		}
		return out, true
	}
	return nil, false
}

func mdInts(md Metadata, key string) ([]int32, bool) {
	v, ok := md.Value(key)
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case []int32:
		return x, true
	case []uint32:
		out := make([]int32, len(x))
		for i, e := range x {
			out[i] = int32(e)
		}
		return out, true
	case []int64:
		out := make([]int32, len(x))
		for i, e := range x {
			out[i] = int32(e)
		}
		return out, true
	case []uint8:
		out := make([]int32, len(x))
		for i, e := range x {
			out[i] = int32(e)
		}
		return out, true
	case []uint16:
		out := make([]int32, len(x))
		for i, e := range x {
			out[i] = int32(e)
		}
		return out, true
	case []int16:
		out := make([]int32, len(x))
		for i, e := range x {
			out[i] = int32(e)
		}
		return out, true
	case []uint64:
		out := make([]int32, len(x))
		for i, e := range x {
			out[i] = int32(e)
		}
		return out, true
	case []int8:
		out := make([]int32, len(x))
		for i, e := range x {
			out[i] = int32(e)
		}
		return out, true
	}
	return nil, false
}

// mdID reads an optional token id key; -1 when absent or out of range.
func mdID(md Metadata, key string, n int) int32 {
	v, ok := mdInt(md, key)
	if !ok || v < 0 || v >= int64(n) {
		return -1
	}
	return int32(v)
}

// ggufPre returns the split patterns (applied one after another, each
// isolating its matches) of a llama.cpp tokenizer.ggml.pre value.
func ggufPre(pre string) ([]string, bool) {
	switch pre {
	case "llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe", "chatglm-bpe", "bailingmoe", "llama4":
		return []string{patLlama3CPP}, true
	case "qwen2", "stablelm2", "hunyuan", "deepseek-r1-qwen", "megrez", "qwen35":
		return []string{patQwen2CPP}, true
	case "deepseek-llm":
		return []string{
			`[\r\n]`,
			`\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u1F7Dᾀ-ᾴᾶ-ᾼ\u1FBEῂ-ῄῆ-ῌῐ-\u1FD3ῖ-\u1FDBῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212A-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+`,
			`\s?[!-/:-~！-／：-～‘-‟　-。]+`,
			`\s+$`,
			`[一-龥ࠀ-一가-퟿]+`,
			`\p{N}+`,
		}, true
	case "deepseek-coder":
		return []string{`[\r\n]`, `\s?\p{L}+`, `\s?\p{P}+`, `[一-龥ࠀ-一가-퟿]+`, `\p{N}`}, true
	case "deepseek-v3":
		return []string{
			`\p{N}{1,3}`,
			`[一-龥぀-ゟ゠-ヿ]+`,
			"[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
		}, true
	case "falcon":
		return []string{"[\\p{P}\\$\\+<=>\\^~\\|`]+", patGPT2NoTail, `[0-9][0-9][0-9]`}, true
	case "gpt-2", "mpt", "olmo", "jais", "trillion", "granite-docling":
		return []string{patGPT2NoTail}, true
	case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b":
		return []string{patDigit, patGPT2NoTail}, true
	case "poro-chat", "bloom", "gpt3-finnish":
		return []string{` ?[^(\s|.,!?…。，、।۔،)]+`}, true
	case "viking":
		return []string{` ?[^(\s|.,!?…。，、।۔،)]+`, patDigit}, true
	case "tekken":
		return []string{`[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)`}, true
	case "", "default":
		return []string{`[\p{P}\$\+<=>\^~\|]+`, patGPT2NoTail, `\p{N}+`, `[0-9][0-9][0-9]`}, true
	}
	return []string{patGPT2NoTail}, false
}

// FromGGUF builds a tokenizer from GGUF metadata (tokenizer.ggml.*): model
// "llama" (SentencePiece BPE merged by score) or "gpt2" (byte-level BPE with
// the pre-tokenizer named by tokenizer.ggml.pre). CONTROL and USER_DEFINED
// tokens are matched in the text before the model runs, as llama.cpp does.
func FromGGUF(md Metadata) (*Tokenizer, error) {
	kind, ok := mdString(md, "tokenizer.ggml.model")
	if !ok {
		return nil, errors.New("tokenizer: gguf: no tokenizer.ggml.model")
	}
	tokens, ok := mdStrings(md, "tokenizer.ggml.tokens")
	if !ok || len(tokens) == 0 {
		return nil, errors.New("tokenizer: gguf: missing or empty tokenizer.ggml.tokens")
	}
	n := len(tokens)
	types, _ := mdInts(md, "tokenizer.ggml.token_type")
	if types != nil && len(types) != n {
		return nil, fmt.Errorf("tokenizer: gguf: %d token types for %d tokens", len(types), n)
	}
	typ := func(i int) int32 {
		if types == nil {
			return ggufNormal
		}
		return types[i]
	}
	t := &Tokenizer{vocab: tokens, bos: -1, eos: -1}
	vocab := make(map[string]int32, n)
	for i, s := range tokens {
		if _, dup := vocab[s]; !dup {
			vocab[s] = int32(i)
		}
	}
	t.ids = vocab
	t.special = map[int32]bool{}
	unk := mdID(md, "tokenizer.ggml.unknown_token_id", n)
	addSpacePrefix := true
	switch kind {
	case "llama":
		scores, ok := mdFloats(md, "tokenizer.ggml.scores")
		if !ok || len(scores) != n {
			return nil, fmt.Errorf("tokenizer: gguf: tokenizer.ggml.scores missing or not %d long", n)
		}
		if v, ok := mdBool(md, "tokenizer.ggml.add_space_prefix"); ok {
			addSpacePrefix = v
		}
		// only normal, user-defined and unknown pieces take part in merging
		mv := make(map[string]int32, n)
		for i, s := range tokens {
			switch typ(i) {
			case ggufControl, ggufByte, ggufUnused:
				continue
			}
			if _, dup := mv[s]; !dup {
				mv[s] = int32(i)
			}
		}
		sm := &spmModel{vocab: mv, scores: scores, unk: unk}
		sm.checkSplitSafe()
		for b := range 256 {
			sm.byteIDs[b] = -1
			if id, ok := vocab[byteTokenName(byte(b))]; ok {
				sm.byteIDs[b] = id
			}
		}
		if unk < 0 {
			if id, ok := vocab["<unk>"]; ok {
				sm.unk = id
			}
		}
		t.model = sm
		ns := normSequence{normReplace{old: " ", new: "▁"}}
		if addSpacePrefix {
			ns = append(ns, normPrepend{"▁"})
		}
		t.norm = ns
		dec := decSequence{decReplace{"▁", " "}, decByteFallback{}, decFuse{}}
		if addSpacePrefix {
			dec = append(dec, decStrip{" ", 1, 0})
		}
		t.dec = dec
		t.addBOS = true
	case "gpt2":
		merges, ok := mdStrings(md, "tokenizer.ggml.merges")
		if !ok {
			return nil, errors.New("tokenizer: gguf: gpt2 vocabulary without tokenizer.ggml.merges")
		}
		bm := &bpeModel{vocab: vocab, merges: make(map[uint64]merge, len(merges)), byteLevel: true, unk: unk}
		for r, line := range merges {
			sp := strings.IndexByte(line[min(1, len(line)):], ' ')
			if sp < 0 {
				return nil, fmt.Errorf("tokenizer: gguf: merge %d %q has no space", r, line)
			}
			sp += min(1, len(line))
			a, b := line[:sp], line[sp+1:]
			ia, oka := vocab[a]
			ib, okb := vocab[b]
			ic, okc := vocab[a+b]
			if !oka || !okb || !okc {
				continue // llama.cpp ignores merges of unknown pieces too
			}
			k := pairKey(ia, ib)
			if _, dup := bm.merges[k]; !dup {
				bm.merges[k] = merge{rank: int32(r), id: ic}
			}
		}
		bm.initBytes()
		pre, _ := mdString(md, "tokenizer.ggml.pre")
		pats, known := ggufPre(pre)
		if !known {
			slog.Warn("tokenizer: unknown tokenizer.ggml.pre; using the GPT-2 split", "pre", pre)
		}
		var seq preSequence
		for _, p := range pats {
			m, err := newMatcher(p, true)
			if err != nil {
				return nil, fmt.Errorf("tokenizer: gguf: pre %q: %w", pre, err)
			}
			seq = append(seq, &preSplit{m: m, beh: behIsolated})
		}
		t.pre = seq
		switch pre {
		case "llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe":
			bm.ignoreMerges = true
		}
		t.model = bm
		t.dec = decByteLevel{}
	default:
		return nil, fmt.Errorf("tokenizer: gguf: unsupported tokenizer.ggml.model %q (want llama or gpt2)", kind)
	}
	for i, s := range tokens {
		switch typ(i) {
		case ggufControl:
			t.special[int32(i)] = true
			if s != "" {
				t.added = append(t.added, addedToken{content: s, id: int32(i), special: true})
			}
		case ggufUserDefined:
			if s != "" {
				t.added = append(t.added, addedToken{content: s, id: int32(i)})
			}
		case ggufUnknown:
			t.special[int32(i)] = true
		}
	}
	ggufStripQuirks(md, t.added)
	t.bos = mdID(md, "tokenizer.ggml.bos_token_id", n)
	t.eos = mdID(md, "tokenizer.ggml.eos_token_id", n)
	if v, ok := mdBool(md, "tokenizer.ggml.add_bos_token"); ok {
		t.addBOS = v
	}
	if v, ok := mdBool(md, "tokenizer.ggml.add_eos_token"); ok {
		t.addEOS = v
	}
	t.chatTemplate, _ = mdString(md, "tokenizer.chat_template")
	t.finish()
	t.setPost()
	t.buildEOG(mdID(md, "tokenizer.ggml.eot_token_id", n), mdID(md, "tokenizer.ggml.eom_token_id", n))
	return t, nil
}

// ggufStripQuirks sets the whitespace-stripping flags that llama.cpp gives
// special tokens by model name, since GGUF does not store them: Phi-3's
// special tokens swallow the whitespace after them (except <unk>, <s> and
// <|endoftext|>); Jina v2's <mask> swallows the whitespace before it.
func ggufStripQuirks(md Metadata, added []addedToken) {
	name, _ := mdString(md, "general.name")
	name = strings.ToLower(name)
	pre, _ := mdString(md, "tokenizer.ggml.pre")
	switch {
	case strings.HasPrefix(pre, "jina-v2-"):
		for i := range added {
			if added[i].content == "<mask>" {
				added[i].lstrip = true
			}
		}
	case strings.Contains(name, "phi-3") || strings.Contains(name, "phi3"):
		for i := range added {
			switch added[i].content {
			case "<unk>", "<s>", "<|endoftext|>":
			default:
				added[i].rstrip = true
			}
		}
	}
}
