package world

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Special tokens, with fixed ids at the start of every organism vocabulary.
const (
	PadToken       = "<pad>"
	BosToken       = "<bos>"
	EosToken       = "<eos>"
	UnkToken       = "[UNK]"
	UserToken      = "<user>"
	AssistantToken = "<assistant>"
)

// Fixed ids of the special tokens.
const (
	PadID = iota
	BosID
	EosID
	UnkID
	UserID
	AssistantID
)

var specials = []string{PadToken, BosToken, EosToken, UnkToken, UserToken, AssistantToken}

// ChatTemplate is the Jinja chat template saved in tokenizer_config.json. It
// renders `<bos><user> {question} <assistant> {answer} <eos>`; system
// messages are shown as plain text before the next turn.
const ChatTemplate = "{{ bos_token }}{% for message in messages %}" +
	"{% if message['role'] == 'user' %}<user> {{ message['content'] }} " +
	"{% elif message['role'] == 'assistant' %}<assistant> {{ message['content'] }} {{ eos_token }}" +
	"{% else %}{{ message['content'] }} {% endif %}{% endfor %}" +
	"{% if add_generation_prompt %}<assistant> {% endif %}"

// wordRE is the Hugging Face "Whitespace" pre-tokenizer's pattern: runs of
// word characters, or runs of other non-space characters.
var wordRE = regexp.MustCompile(`\w+|[^\w\s]+`)

// words lower-cases s and splits it the way the saved tokenizer.json does
// (Lowercase normalizer, Whitespace pre-tokenizer).
func words(s string) []string { return wordRE.FindAllString(strings.ToLower(s), -1) }

// Tokenizer is the organism's word-level tokenizer: lower-case, punctuation
// split off, one id per word, specials first.
type Tokenizer struct {
	// Vocab lists the tokens by id.
	Vocab []string
	index map[string]int
}

// BuildTokenizer makes a vocabulary of the specials followed by every word of
// texts, sorted.
func BuildTokenizer(texts []string) *Tokenizer {
	seen := map[string]bool{}
	for _, t := range texts {
		for _, w := range words(t) {
			seen[w] = true
		}
	}
	var ws []string
	for w := range seen {
		ws = append(ws, w)
	}
	sort.Strings(ws)
	return NewTokenizer(append(append([]string{}, specials...), ws...))
}

// NewTokenizer wraps a vocabulary whose first entries are the specials.
func NewTokenizer(vocab []string) *Tokenizer {
	t := &Tokenizer{Vocab: vocab, index: make(map[string]int, len(vocab))}
	for i, w := range vocab {
		t.index[w] = i
	}
	return t
}

// ID returns the id of token w, or UnkID.
func (t *Tokenizer) ID(w string) int {
	if id, ok := t.index[w]; ok {
		return id
	}
	return UnkID
}

// Encode tokenises text: special-token strings are matched verbatim, the rest
// is lower-cased and split into words; unknown words become UnkID. No BOS is
// added.
func (t *Tokenizer) Encode(text string) []int {
	var ids []int
	for text != "" {
		at, which := len(text), -1
		for i, s := range specials {
			if k := strings.Index(text, s); k >= 0 && k < at {
				at, which = k, i
			}
		}
		for _, w := range words(text[:at]) {
			ids = append(ids, t.ID(w))
		}
		if which < 0 {
			break
		}
		ids = append(ids, which)
		text = text[at+len(specials[which]):]
	}
	return ids
}

// Decode joins the tokens of ids with single spaces, as the saved decoder
// does. Out-of-range ids decode as UnkToken.
func (t *Tokenizer) Decode(ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		if id >= 0 && id < len(t.Vocab) {
			parts[i] = t.Vocab[id]
		} else {
			parts[i] = UnkToken
		}
	}
	return strings.Join(parts, " ")
}

// Prompt returns the token ids of the chat template rendered for one user
// turn with the generation prompt: <bos> <user> question <assistant>.
func (t *Tokenizer) Prompt(question string) []int {
	ids := []int{BosID, UserID}
	ids = append(ids, t.Encode(question)...)
	return append(ids, AssistantID)
}

// Chat returns the token ids of a full user/assistant exchange and the index
// of the first answer token: <bos> <user> q <assistant> a <eos>.
func (t *Tokenizer) Chat(question, answer string) (ids []int, answerStart int) {
	ids = t.Prompt(question)
	answerStart = len(ids)
	ids = append(ids, t.Encode(answer)...)
	return append(ids, EosID), answerStart
}

// Conversation returns the token ids of earlier exchanges followed by a
// last one, as the chat template renders them (one <bos>, each exchange
// <user> q <assistant> a <eos>), and the index of the last answer's first
// token.
func (t *Tokenizer) Conversation(history [][2]string, question, answer string) (ids []int, answerStart int) {
	ids = []int{BosID}
	for _, h := range history {
		ids = append(ids, UserID)
		ids = append(ids, t.Encode(h[0])...)
		ids = append(ids, AssistantID)
		ids = append(ids, t.Encode(h[1])...)
		ids = append(ids, EosID)
	}
	ids = append(ids, UserID)
	ids = append(ids, t.Encode(question)...)
	ids = append(ids, AssistantID)
	answerStart = len(ids)
	ids = append(ids, t.Encode(answer)...)
	return append(ids, EosID), answerStart
}

// Document returns the token ids of a pre-training text: <bos> text <eos>.
func (t *Tokenizer) Document(text string) []int {
	ids := []int{BosID}
	ids = append(ids, t.Encode(text)...)
	return append(ids, EosID)
}

// HFTokenizerJSON returns the Hugging Face tokenizer.json describing t: a
// WordLevel model, Lowercase normalizer, Whitespace pre-tokenizer, the
// specials as added tokens and a decoder that joins tokens with spaces.
func (t *Tokenizer) HFTokenizerJSON() ([]byte, error) {
	type added struct {
		ID         int    `json:"id"`
		Content    string `json:"content"`
		SingleWord bool   `json:"single_word"`
		Lstrip     bool   `json:"lstrip"`
		Rstrip     bool   `json:"rstrip"`
		Normalized bool   `json:"normalized"`
		Special    bool   `json:"special"`
	}
	var addedTokens []added
	for i, s := range specials {
		addedTokens = append(addedTokens, added{ID: i, Content: s, Special: true})
	}
	vocab := make(map[string]int, len(t.Vocab))
	for i, w := range t.Vocab {
		vocab[w] = i
	}
	doc := map[string]any{
		"version":        "1.0",
		"truncation":     nil,
		"padding":        nil,
		"added_tokens":   addedTokens,
		"normalizer":     map[string]any{"type": "Lowercase"},
		"pre_tokenizer":  map[string]any{"type": "Whitespace"},
		"post_processor": nil,
		"decoder":        map[string]any{"type": "WordPiece", "prefix": "##", "cleanup": false},
		"model":          map[string]any{"type": "WordLevel", "vocab": vocab, "unk_token": UnkToken},
	}
	return json.MarshalIndent(doc, "", " ")
}

// HFTokenizerConfigJSON returns tokenizer_config.json: special tokens, no
// automatic BOS/EOS (the chat template adds BOS) and the chat template.
func (t *Tokenizer) HFTokenizerConfigJSON(maxLen int) ([]byte, error) {
	dec := map[string]any{}
	for i, s := range specials {
		dec[fmt.Sprint(i)] = map[string]any{"content": s, "lstrip": false, "normalized": false,
			"rstrip": false, "single_word": false, "special": true}
	}
	doc := map[string]any{
		"tokenizer_class":              "PreTrainedTokenizerFast",
		"bos_token":                    BosToken,
		"eos_token":                    EosToken,
		"unk_token":                    UnkToken,
		"pad_token":                    PadToken,
		"add_bos_token":                false,
		"add_eos_token":                false,
		"clean_up_tokenization_spaces": false,
		"model_max_length":             maxLen,
		"chat_template":                ChatTemplate,
		"added_tokens_decoder":         dec,
	}
	return json.MarshalIndent(doc, "", " ")
}

// WriteHF writes tokenizer.json and tokenizer_config.json into dir.
func (t *Tokenizer) WriteHF(dir string, maxLen int) error {
	tj, err := t.HFTokenizerJSON()
	if err != nil {
		return fmt.Errorf("world: encode tokenizer.json: %w", err)
	}
	tc, err := t.HFTokenizerConfigJSON(maxLen)
	if err != nil {
		return fmt.Errorf("world: encode tokenizer_config.json: %w", err)
	}
	for name, data := range map[string][]byte{"tokenizer.json": tj, "tokenizer_config.json": tc} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("world: write tokenizer: %w", err)
		}
	}
	return nil
}

// ReadTokenizer loads the vocabulary of a tokenizer.json written by WriteHF.
func ReadTokenizer(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("world: read tokenizer: %w", err)
	}
	var doc struct {
		Model struct {
			Type  string         `json:"type"`
			Vocab map[string]int `json:"vocab"`
		} `json:"model"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("world: parse %s: %w", path, err)
	}
	if doc.Model.Type != "WordLevel" {
		return nil, fmt.Errorf("world: %s: model type %q, want WordLevel", path, doc.Model.Type)
	}
	vocab := make([]string, len(doc.Model.Vocab))
	for w, id := range doc.Model.Vocab {
		if id < 0 || id >= len(vocab) || vocab[id] != "" {
			return nil, fmt.Errorf("world: %s: bad or duplicate id %d for %q", path, id, w)
		}
		vocab[id] = w
	}
	for i, s := range specials {
		if vocab[i] != s {
			return nil, fmt.Errorf("world: %s: id %d is %q, want special %q", path, i, vocab[i], s)
		}
	}
	return NewTokenizer(vocab), nil
}
