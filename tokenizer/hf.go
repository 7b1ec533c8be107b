package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/dlclark/regexp2/v2"
	"github.com/hneurons/hneurons/internal/jsonpos"
	"golang.org/x/text/unicode/norm"
)

// LoadHF reads a Hugging Face tokenizer folder: tokenizer.json and, when
// present, tokenizer_config.json (special tokens, add_bos_token,
// chat_template) and chat_template.jinja.
func LoadHF(dir string) (*Tokenizer, error) {
	return loadHFFiles(filepath.Join(dir, "tokenizer.json"), filepath.Join(dir, "tokenizer_config.json"))
}

// loadHFFiles reads a tokenizer.json file and an optional config file.
func loadHFFiles(tokenizerPath, configPath string) (*Tokenizer, error) {
	tj, err := os.ReadFile(tokenizerPath)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	cj, err := os.ReadFile(configPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	dir := filepath.Dir(tokenizerPath)
	// older repositories name BOS/EOS only in special_tokens_map.json
	if sm, err := os.ReadFile(filepath.Join(dir, "special_tokens_map.json")); err == nil {
		if cj, err = mergeSpecialMap(configPath, filepath.Join(dir, "special_tokens_map.json"), cj, sm); err != nil {
			return nil, err
		}
	}
	t, err := fromJSON(tokenizerPath, configPath, tj, cj)
	if err != nil {
		return nil, err
	}
	if t.chatTemplate == "" {
		if b, err := os.ReadFile(filepath.Join(dir, "chat_template.jinja")); err == nil {
			t.chatTemplate = string(b)
		}
	}
	// generation_config.json may list more end-of-generation ids (Llama 3
	// instruct: <|end_of_text|>, <|eom_id|>, <|eot_id|>)
	if b, err := os.ReadFile(filepath.Join(dir, "generation_config.json")); err == nil {
		gcPath := filepath.Join(dir, "generation_config.json")
		var gc struct {
			EOS json.RawMessage `json:"eos_token_id"`
		}
		if err := json.Unmarshal(b, &gc); err != nil {
			return nil, fmt.Errorf("tokenizer: %s: %w", gcPath, jsonpos.Wrap(b, err))
		}
		var one int
		var many []int
		if json.Unmarshal(gc.EOS, &one) == nil {
			many = []int{one}
		} else if !isNull(gc.EOS) && json.Unmarshal(gc.EOS, &many) != nil {
			return nil, fmt.Errorf("tokenizer: %s: eos_token_id: want a number or a list", gcPath)
		}
		for _, id := range many {
			t.addEOG(id)
		}
	}
	return t, nil
}

// mergeSpecialMap fills bos_token / eos_token missing from the config JSON
// with those of special_tokens_map.json.
// configName and mapName name the two files in errors.
func mergeSpecialMap(configName, mapName string, config, specialMap []byte) ([]byte, error) {
	c := map[string]json.RawMessage{}
	if len(config) > 0 {
		if err := json.Unmarshal(config, &c); err != nil {
			return nil, fmt.Errorf("tokenizer: %s: %w", configName, jsonpos.Wrap(config, err))
		}
	}
	var sm map[string]json.RawMessage
	if err := json.Unmarshal(specialMap, &sm); err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", mapName, jsonpos.Wrap(specialMap, err))
	}
	for _, k := range []string{"bos_token", "eos_token"} {
		if v, ok := c[k]; (!ok || isNull(v)) && sm[k] != nil {
			c[k] = sm[k]
		}
	}
	return json.Marshal(c)
}

// maxVocab bounds the ids a tokenizer.json may use (real vocabularies have
// up to a few hundred thousand), so that a corrupt id cannot allocate gigabytes.
const maxVocab = 1 << 21

// JSON shapes of tokenizer.json (only the fields we use).
type hfFile struct {
	AddedTokens   []hfAdded       `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         hfModel         `json:"model"`
}

type hfAdded struct {
	ID         int32  `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

type hfModel struct {
	Type                    string          `json:"type"`
	Vocab                   json.RawMessage `json:"vocab"`
	Merges                  json.RawMessage `json:"merges"`
	UnkToken                *string         `json:"unk_token"`
	ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
	FuseUnk                 bool            `json:"fuse_unk"`
	ByteFallback            bool            `json:"byte_fallback"`
	IgnoreMerges            bool            `json:"ignore_merges"`
	MaxInputCharsPerWord    int             `json:"max_input_chars_per_word"`
	Dropout                 *float64        `json:"dropout"`
}

// hfNode is any normalizer / pre-tokenizer / decoder / processor object.
type hfNode struct {
	Type string `json:"type"`
	// Sequence members
	Normalizers   []json.RawMessage `json:"normalizers"`
	Pretokenizers []json.RawMessage `json:"pretokenizers"`
	Decoders      []json.RawMessage `json:"decoders"`
	Processors    []json.RawMessage `json:"processors"`
	// Replace / Split
	Pattern  *hfPattern `json:"pattern"`
	Content  *string    `json:"content"`
	Behavior string     `json:"behavior"`
	Invert   bool       `json:"invert"`
	// Prepend
	Prepend string `json:"prepend"`
	// Strip
	StripLeft  *bool `json:"strip_left"`
	StripRight *bool `json:"strip_right"`
	Start      int   `json:"start"`
	Stop       int   `json:"stop"`
	// ByteLevel
	AddPrefixSpace *bool `json:"add_prefix_space"`
	UseRegex       *bool `json:"use_regex"`
	// Metaspace
	Replacement   string `json:"replacement"`
	PrependScheme string `json:"prepend_scheme"`
	Split         *bool  `json:"split"`
	// Digits
	IndividualDigits bool `json:"individual_digits"`
	// BertNormalizer
	Lowercase    *bool `json:"lowercase"`
	StripAccents *bool `json:"strip_accents"`
	// WordPiece decoder
	Prefix  string `json:"prefix"`
	Cleanup *bool  `json:"cleanup"`
	// TemplateProcessing
	Single        []map[string]hfTemplateItem `json:"single"`
	SpecialTokens map[string]struct {
		IDs []int32 `json:"ids"`
	} `json:"special_tokens"`
	// Roberta / Bert processing: ["</s>", 2]
	Sep []any `json:"sep"`
	Cls []any `json:"cls"`
}

type hfPattern struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

type hfTemplateItem struct {
	ID string `json:"id"`
}

func isNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}

// FromJSON builds a tokenizer from the bytes of tokenizer.json and, if not
// nil, tokenizer_config.json.
func FromJSON(tokenizerJSON, configJSON []byte) (*Tokenizer, error) {
	return fromJSON("tokenizer.json", "tokenizer_config.json", tokenizerJSON, configJSON)
}

// fromJSON is FromJSON with the names of the two files for its errors,
// which give the line and column of JSON syntax and type errors and name
// the entry (token, merge, id) of others.
func fromJSON(tjName, cjName string, tokenizerJSON, configJSON []byte) (*Tokenizer, error) {
	var f hfFile
	if err := json.Unmarshal(tokenizerJSON, &f); err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", tjName, jsonpos.Wrap(tokenizerJSON, err))
	}
	t := &Tokenizer{bos: -1, eos: -1}
	var err error
	// pre-tokenizer first: whether it is byte-level decides the model's symbols
	byteLevel := false
	if !isNull(f.PreTokenizer) {
		if t.pre, byteLevel, err = parsePre(f.PreTokenizer); err != nil {
			return nil, fmt.Errorf("tokenizer: %s: pre_tokenizer: %w", tjName, err)
		}
	}
	if !isNull(f.Normalizer) {
		if t.norm, err = parseNorm(f.Normalizer); err != nil {
			return nil, fmt.Errorf("tokenizer: %s: normalizer: %w", tjName, err)
		}
	}
	vocab, err := t.parseModel(&f.Model, byteLevel)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: model: %w", tjName, err)
	}
	n := 0
	for _, id := range vocab {
		n = max(n, int(id)+1)
	}
	for _, a := range f.AddedTokens {
		if a.ID < 0 {
			return nil, fmt.Errorf("tokenizer: %s: added token %q has id %d", tjName, a.Content, a.ID)
		}
		n = max(n, int(a.ID)+1)
	}
	if n > maxVocab {
		return nil, fmt.Errorf("tokenizer: %s: vocabulary of %d ids is too large", tjName, n)
	}
	// Real vocabularies are dense; allowing few holes keeps a tiny file from
	// allocating a table for an absurd id.
	if entries := len(vocab) + len(f.AddedTokens); n > 2*entries+1024 {
		return nil, fmt.Errorf("tokenizer: %s: %d tokens use ids up to %d; the vocabulary is mostly holes", tjName, entries, n-1)
	}
	t.vocab = make([]string, n)
	t.ids = make(map[string]int32, n)
	for s, id := range vocab {
		t.vocab[id] = s
		t.ids[s] = id
	}
	for _, a := range f.AddedTokens {
		t.vocab[a.ID] = a.Content
		t.added = append(t.added, addedToken{content: a.Content, id: a.ID, special: a.Special,
			lstrip: a.LStrip, rstrip: a.RStrip, singleWord: a.SingleWord})
	}
	if !isNull(f.Decoder) {
		if t.dec, err = parseDec(f.Decoder); err != nil {
			return nil, fmt.Errorf("tokenizer: %s: decoder: %w", tjName, err)
		}
	}
	t.finish()
	if !isNull(f.PostProcessor) {
		if err := t.parsePost(f.PostProcessor); err != nil {
			return nil, fmt.Errorf("tokenizer: %s: post_processor: %w", tjName, err)
		}
	}
	if len(configJSON) > 0 {
		if err := t.applyConfig(cjName, configJSON); err != nil {
			return nil, err
		}
	}
	if t.bos < 0 && len(t.prefix) > 0 && t.special[t.prefix[0]] {
		t.bos = t.prefix[0]
	}
	if t.eos < 0 && len(t.suffix) > 0 && t.special[t.suffix[len(t.suffix)-1]] {
		t.eos = t.suffix[len(t.suffix)-1]
	}
	if t.bos >= 0 {
		t.bosText = t.Token(int(t.bos))
	}
	if t.eos >= 0 {
		t.eosText = t.Token(int(t.eos))
	}
	t.addBOS = len(t.prefix) > 0 && t.bos >= 0 && t.prefix[0] == t.bos
	t.addEOS = len(t.suffix) > 0 && t.eos >= 0 && t.suffix[len(t.suffix)-1] == t.eos
	t.buildEOG()
	return t, nil
}

func (t *Tokenizer) parseModel(m *hfModel, byteLevel bool) (map[string]int32, error) {
	typ := m.Type
	if typ == "" { // old files omit the type
		switch {
		case !isNull(m.Merges):
			typ = "BPE"
		case m.ContinuingSubwordPrefix != nil:
			typ = "WordPiece"
		default:
			typ = "WordLevel"
		}
	}
	var vocab map[string]int32
	if isNull(m.Vocab) {
		return nil, fmt.Errorf("%s model has no vocab (want an object of token: id)", typ)
	}
	if err := json.Unmarshal(m.Vocab, &vocab); err != nil {
		return nil, fmt.Errorf("%s vocab: %w (want an object of token: id)", typ, err)
	}
	for s, id := range vocab {
		if id < 0 {
			return nil, fmt.Errorf("token %q has negative id %d", s, id)
		}
	}
	unk := int32(-1)
	if m.UnkToken != nil {
		if id, ok := vocab[*m.UnkToken]; ok {
			unk = id
		}
	}
	switch typ {
	case "BPE":
		if m.Dropout != nil && *m.Dropout > 0 {
			slog.Warn("tokenizer: BPE dropout ignored (deterministic encoding)", "dropout", *m.Dropout)
		}
		if (m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "") || (m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "") {
			return nil, errors.New("BPE continuing_subword_prefix / end_of_word_suffix are not supported")
		}
		bm := &bpeModel{vocab: vocab, byteLevel: byteLevel, byteFallback: m.ByteFallback,
			unk: unk, fuseUnk: m.FuseUnk, ignoreMerges: m.IgnoreMerges}
		pairs, err := parseMerges(m.Merges)
		if err != nil {
			return nil, err
		}
		bm.merges = make(map[uint64]merge, len(pairs))
		for r, p := range pairs {
			ia, oka := vocab[p[0]]
			ib, okb := vocab[p[1]]
			ic, okc := vocab[p[0]+p[1]]
			if !oka || !okb || !okc {
				return nil, fmt.Errorf("merge %d %q %q: piece not in vocab", r, p[0], p[1])
			}
			if _, dup := bm.merges[pairKey(ia, ib)]; !dup {
				bm.merges[pairKey(ia, ib)] = merge{rank: int32(r), id: ic}
			}
		}
		bm.initBytes()
		bm.splitSafe = !byteLevel && spaceSplitSafe(vocab)
		t.model = bm
	case "WordLevel":
		t.model = &wordLevelModel{vocab: vocab, unk: unk}
	case "WordPiece":
		prefix := "##"
		if m.ContinuingSubwordPrefix != nil {
			prefix = *m.ContinuingSubwordPrefix
		}
		maxChars := m.MaxInputCharsPerWord
		if maxChars <= 0 {
			maxChars = 100
		}
		t.model = &wordPieceModel{vocab: vocab, unk: unk, prefix: prefix, maxChars: maxChars}
	default:
		return nil, fmt.Errorf("unsupported model type %q (want BPE, WordLevel or WordPiece)", typ)
	}
	return vocab, nil
}

// parseMerges accepts both spellings: ["a b", ...] and [["a", "b"], ...].
func parseMerges(raw json.RawMessage) ([][2]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var strs []string
	if err := json.Unmarshal(raw, &strs); err == nil {
		out := make([][2]string, len(strs))
		for i, s := range strs {
			a, b, ok := strings.Cut(s, " ")
			if !ok {
				return nil, fmt.Errorf("merge %d %q has no space", i, s)
			}
			out[i] = [2]string{a, b}
		}
		return out, nil
	}
	var pairs [][]string
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, fmt.Errorf("merges: %w", err)
	}
	out := make([][2]string, len(pairs))
	for i, p := range pairs {
		if len(p) != 2 {
			return nil, fmt.Errorf("merge %d has %d parts, want 2", i, len(p))
		}
		out[i] = [2]string{p[0], p[1]}
	}
	return out, nil
}

func parseNode(raw json.RawMessage) (*hfNode, error) {
	var n hfNode
	if err := json.Unmarshal(raw, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

func parseNorm(raw json.RawMessage) (normalizer, error) {
	n, err := parseNode(raw)
	if err != nil {
		return nil, err
	}
	switch n.Type {
	case "Sequence":
		var seq normSequence
		for _, r := range n.Normalizers {
			if isNull(r) {
				continue
			}
			x, err := parseNorm(r)
			if err != nil {
				return nil, err
			}
			seq = append(seq, x)
		}
		return seq, nil
	case "NFC":
		return normUnicode{norm.NFC}, nil
	case "NFD":
		return normUnicode{norm.NFD}, nil
	case "NFKC":
		return normUnicode{norm.NFKC}, nil
	case "NFKD":
		return normUnicode{norm.NFKD}, nil
	case "Lowercase":
		return normLowercase{}, nil
	case "StripAccents":
		return normStripAccents{}, nil
	case "Strip":
		return normStrip{left: n.StripLeft == nil || *n.StripLeft, right: n.StripRight == nil || *n.StripRight}, nil
	case "Prepend":
		return normPrepend{n.Prepend}, nil
	case "Replace":
		if n.Pattern == nil || n.Content == nil {
			return nil, errors.New("Replace without pattern or content")
		}
		if n.Pattern.String != nil {
			return normReplace{old: *n.Pattern.String, new: *n.Content}, nil
		}
		if n.Pattern.Regex != nil {
			m, err := newRegexMatcher(*n.Pattern.Regex)
			if err != nil {
				return nil, err
			}
			return normReplace{new: *n.Content, re: m}, nil
		}
		return nil, errors.New("Replace pattern is neither String nor Regex")
	case "BertNormalizer":
		var seq normSequence
		lower := n.Lowercase == nil || *n.Lowercase
		if n.StripAccents != nil && *n.StripAccents || n.StripAccents == nil && lower {
			seq = append(seq, normUnicode{norm.NFD}, normStripAccents{})
		}
		if lower {
			seq = append(seq, normLowercase{})
		}
		return seq, nil
	case "Precompiled":
		slog.Warn("tokenizer: Precompiled (SentencePiece charsmap) normalizer approximated by NFKC")
		return normUnicode{norm.NFKC}, nil
	}
	return nil, fmt.Errorf("unsupported normalizer %q", n.Type)
}

func parseBehavior(s string) (splitBehavior, error) {
	switch strings.ToLower(s) {
	case "removed":
		return behRemoved, nil
	case "isolated", "":
		return behIsolated, nil
	case "mergedwithprevious":
		return behMergedWithPrevious, nil
	case "mergedwithnext":
		return behMergedWithNext, nil
	case "contiguous":
		return behContiguous, nil
	}
	return 0, fmt.Errorf("unknown split behavior %q", s)
}

func parseScheme(n *hfNode) (int, error) {
	switch n.PrependScheme {
	case "always":
		return prependAlways, nil
	case "first":
		return prependFirst, nil
	case "never":
		return prependNever, nil
	case "":
		if n.AddPrefixSpace != nil && !*n.AddPrefixSpace {
			return prependNever, nil
		}
		return prependAlways, nil
	}
	return 0, fmt.Errorf("unknown prepend_scheme %q", n.PrependScheme)
}

// parsePre returns the pre-tokenizer and whether it contains ByteLevel.
func parsePre(raw json.RawMessage) (preTokenizer, bool, error) {
	n, err := parseNode(raw)
	if err != nil {
		return nil, false, err
	}
	switch n.Type {
	case "Sequence":
		var seq preSequence
		bl := false
		for _, r := range n.Pretokenizers {
			if isNull(r) {
				continue
			}
			x, b, err := parsePre(r)
			if err != nil {
				return nil, false, err
			}
			bl = bl || b
			seq = append(seq, x)
		}
		return seq, bl, nil
	case "ByteLevel":
		p := &preByteLevel{addPrefixSpace: n.AddPrefixSpace == nil || *n.AddPrefixSpace, useRegex: n.UseRegex == nil || *n.UseRegex}
		if p.useRegex {
			p.m, _ = newMatcher(patGPT2, true)
		}
		return p, true, nil
	case "Split":
		if n.Pattern == nil {
			return nil, false, errors.New("Split without pattern")
		}
		beh, err := parseBehavior(n.Behavior)
		if err != nil {
			return nil, false, err
		}
		var m matcher
		switch {
		case n.Pattern.Regex != nil:
			m, err = newMatcher(*n.Pattern.Regex, beh == behIsolated && !n.Invert)
		case n.Pattern.String != nil:
			m, err = newRegexMatcher(regexp2.Escape(*n.Pattern.String))
		default:
			err = errors.New("Split pattern is neither String nor Regex")
		}
		if err != nil {
			return nil, false, err
		}
		return &preSplit{m: m, beh: beh, invert: n.Invert}, false, nil
	case "Metaspace":
		sch, err := parseScheme(n)
		if err != nil {
			return nil, false, err
		}
		repl := n.Replacement
		if repl == "" {
			repl = "▁"
		}
		return &preMetaspace{repl: repl, scheme: sch, split_: n.Split == nil || *n.Split}, false, nil
	case "Digits":
		return &preSplit{m: funcMatcher{f: unicode.IsNumber, single: n.IndividualDigits}, beh: behIsolated}, false, nil
	case "Whitespace":
		return &preSplit{m: whitespaceMatcher{}, beh: behRemoved, invert: true}, false, nil
	case "WhitespaceSplit":
		return &preSplit{m: funcMatcher{f: isSpace}, beh: behRemoved}, false, nil
	case "Punctuation":
		beh, err := parseBehavior(n.Behavior)
		if err != nil {
			return nil, false, err
		}
		return &preSplit{m: funcMatcher{f: isPunct, single: true}, beh: beh}, false, nil
	case "BertPreTokenizer":
		return preSequence{
			&preSplit{m: funcMatcher{f: isSpace}, beh: behRemoved},
			&preSplit{m: funcMatcher{f: isPunct, single: true}, beh: behIsolated},
		}, false, nil
	}
	return nil, false, fmt.Errorf("unsupported pre-tokenizer %q", n.Type)
}

func parseDec(raw json.RawMessage) (decoder, error) {
	n, err := parseNode(raw)
	if err != nil {
		return nil, err
	}
	switch n.Type {
	case "Sequence":
		var seq decSequence
		for _, r := range n.Decoders {
			if isNull(r) {
				continue
			}
			x, err := parseDec(r)
			if err != nil {
				return nil, err
			}
			seq = append(seq, x)
		}
		return seq, nil
	case "ByteLevel":
		return decByteLevel{}, nil
	case "ByteFallback":
		return decByteFallback{}, nil
	case "Fuse":
		return decFuse{}, nil
	case "Replace":
		if n.Pattern == nil || n.Pattern.String == nil || n.Content == nil {
			return nil, errors.New("Replace decoder needs a String pattern and content")
		}
		return decReplace{*n.Pattern.String, *n.Content}, nil
	case "Strip":
		c := " "
		if n.Content != nil {
			c = *n.Content
		}
		return decStrip{content: c, start: n.Start, stop: n.Stop}, nil
	case "Metaspace":
		sch, err := parseScheme(n)
		if err != nil {
			return nil, err
		}
		repl := n.Replacement
		if repl == "" {
			repl = "▁"
		}
		return decMetaspace{repl: repl, scheme: sch}, nil
	case "WordPiece":
		p := n.Prefix
		if p == "" {
			p = "##"
		}
		return decWordPiece{prefix: p, cleanup: n.Cleanup == nil || *n.Cleanup}, nil
	}
	return nil, fmt.Errorf("unsupported decoder %q", n.Type)
}

// parsePost reads the post-processor's single-sequence template.
func (t *Tokenizer) parsePost(raw json.RawMessage) error {
	n, err := parseNode(raw)
	if err != nil {
		return err
	}
	switch n.Type {
	case "Sequence":
		for _, r := range n.Processors {
			if isNull(r) {
				continue
			}
			if err := t.parsePost(r); err != nil {
				return err
			}
		}
	case "ByteLevel":
		// only trims offsets; ids are unchanged
	case "TemplateProcessing":
		t.prefix, t.suffix = nil, nil
		seen := false
		for _, item := range n.Single {
			if _, ok := item["Sequence"]; ok {
				seen = true
				continue
			}
			st, ok := item["SpecialToken"]
			if !ok {
				return errors.New("template item is neither Sequence nor SpecialToken")
			}
			spec, ok := n.SpecialTokens[st.ID]
			if !ok {
				return fmt.Errorf("template special token %q not listed in special_tokens", st.ID)
			}
			if seen {
				t.suffix = append(t.suffix, spec.IDs...)
			} else {
				t.prefix = append(t.prefix, spec.IDs...)
			}
		}
	case "RobertaProcessing", "BertProcessing":
		cls, err := postToken(n.Cls)
		if err != nil {
			return fmt.Errorf("%s cls: %w", n.Type, err)
		}
		sep, err := postToken(n.Sep)
		if err != nil {
			return fmt.Errorf("%s sep: %w", n.Type, err)
		}
		t.prefix, t.suffix = []int32{cls}, []int32{sep}
	default:
		return fmt.Errorf("unsupported post-processor %q", n.Type)
	}
	for _, id := range append(append([]int32(nil), t.prefix...), t.suffix...) {
		if id < 0 || int(id) >= len(t.vocab) {
			return fmt.Errorf("special id %d out of range", id)
		}
	}
	return nil
}

// postToken reads ["</s>", 2].
func postToken(v []any) (int32, error) {
	if len(v) != 2 {
		return 0, errors.New("want [token, id]")
	}
	f, ok := v[1].(float64)
	if !ok {
		return 0, errors.New("id is not a number")
	}
	return int32(f), nil
}

// applyConfig reads tokenizer_config.json (name names it in errors).
func (t *Tokenizer) applyConfig(name string, data []byte) error {
	var c map[string]json.RawMessage
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("tokenizer: %s: %w", name, jsonpos.Wrap(data, err))
	}
	tokenText := func(key string) (string, bool, error) {
		raw, ok := c[key]
		if !ok || isNull(raw) {
			return "", false, nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return s, true, nil
		}
		var obj struct {
			Content string `json:"content"`
		}
		if err := json.Unmarshal(raw, &obj); err != nil {
			return "", false, fmt.Errorf("tokenizer: %s: %s: want a string or {content}", name, key)
		}
		return obj.Content, true, nil
	}
	for _, k := range []struct {
		key  string
		id   *int32
		text *string
	}{{"bos_token", &t.bos, &t.bosText}, {"eos_token", &t.eos, &t.eosText}} {
		s, ok, err := tokenText(k.key)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		id, found := t.ids[s]
		if !found {
			slog.Warn("tokenizer: tokenizer_config.json names a token that is not in the vocabulary; ignored", "file", name, "key", k.key, "token", s)
			continue
		}
		*k.id = id
		*k.text = s
	}
	flag := func(key string) (bool, bool) {
		raw, ok := c[key]
		if !ok || isNull(raw) {
			return false, false
		}
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return false, false
		}
		return b, true
	}
	if v, ok := flag("add_bos_token"); ok && t.bos >= 0 {
		has := len(t.prefix) > 0 && t.prefix[0] == t.bos
		if v && !has {
			t.prefix = append([]int32{t.bos}, t.prefix...)
		} else if !v && has {
			t.prefix = t.prefix[1:]
		}
	}
	if v, ok := flag("add_eos_token"); ok && t.eos >= 0 {
		has := len(t.suffix) > 0 && t.suffix[len(t.suffix)-1] == t.eos
		if v && !has {
			t.suffix = append(t.suffix, t.eos)
		} else if !v && has {
			t.suffix = t.suffix[:len(t.suffix)-1]
		}
	}
	if raw, ok := c["chat_template"]; ok && !isNull(raw) {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			t.chatTemplate = s
		} else {
			var list []struct {
				Name     string `json:"name"`
				Template string `json:"template"`
			}
			if err := json.Unmarshal(raw, &list); err != nil {
				return fmt.Errorf("tokenizer: %s: chat_template: want a string or a list of {name, template}", name)
			}
			for i, e := range list {
				if e.Name == "default" || i == 0 {
					t.chatTemplate = e.Template
				}
				if e.Name == "default" {
					break
				}
			}
		}
	}
	return nil
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || (r > 127 && isUnicodeSpace(r))
}
