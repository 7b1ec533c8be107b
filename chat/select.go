package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// TemplateFromConfig returns the template source held in the raw JSON value
// of tokenizer_config.json's "chat_template". The value is either a string or
// a list of {"name": ..., "template": ...} objects; from a list it returns the
// entry called name, or the one called "default" when name is "".
func TemplateFromConfig(raw json.RawMessage, name string) (string, error) {
	trimmed := strings.TrimSpace(string(raw))
	if trimmed == "" || trimmed == "null" {
		return "", errors.New("chat: tokenizer_config chat_template: absent or null")
	}
	if trimmed[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("chat: tokenizer_config chat_template: %w", err)
		}
		if name != "" && name != "default" {
			return "", fmt.Errorf("chat: tokenizer_config chat_template: a single template, none named %q", name)
		}
		return s, nil
	}
	var list []struct {
		Name     *string `json:"name"`
		Template *string `json:"template"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return "", fmt.Errorf("chat: tokenizer_config chat_template: want a string or a list of {name, template}: %w", err)
	}
	want := name
	if want == "" {
		want = "default"
	}
	var names []string
	for i, e := range list {
		if e.Name == nil || e.Template == nil {
			return "", fmt.Errorf("chat: tokenizer_config chat_template[%d]: want both \"name\" and \"template\"", i)
		}
		if *e.Name == want {
			return *e.Template, nil
		}
		names = append(names, *e.Name)
	}
	return "", fmt.Errorf("chat: tokenizer_config chat_template: no template named %q (have %q)", want, names)
}

// TemplateNames lists the names of the templates in a list-valued
// chat_template, or returns ["default"] for a single string.
func TemplateNames(raw json.RawMessage) ([]string, error) {
	trimmed := strings.TrimSpace(string(raw))
	if strings.HasPrefix(trimmed, "\"") {
		return []string{"default"}, nil
	}
	var list []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("chat: tokenizer_config chat_template: want a string or a list of {name, template}: %w", err)
	}
	names := make([]string, len(list))
	for i, e := range list {
		names[i] = e.Name
	}
	return names, nil
}
