package chat

import (
	"errors"
	"fmt"
	"time"

	"github.com/ardanlabs/jinja"
)

// Message is one chat turn. Role and Content become the template's
// message.role and message.content; Extra adds further fields (tool_calls,
// name, tool_call_id, ...) after them in sorted key order, converted as
// described for Options.Vars. When Content is "", Extra may hold "content"
// to give a content that is not a string: nil for None (an assistant turn
// that only calls tools), or a list of parts. Such a content has no span.
type Message struct {
	Role    string
	Content string
	Extra   map[string]any
}

// Options are the variables a chat template sees besides messages.
type Options struct {
	// AddGenerationPrompt sets add_generation_prompt: end the text with the
	// header of an assistant turn, ready for generation.
	AddGenerationPrompt bool
	// BOS and EOS are bos_token and eos_token (the tokenizer's special token
	// strings, often "" for BOS when the tokenizer adds it itself).
	BOS, EOS string
	// DateString, when non-empty, sets date_string (Llama 3.x templates print
	// it as "Today Date"). When empty the variable is left undefined, as
	// transformers leaves it, and templates fall back to strftime_now or to a
	// date of their own.
	DateString string
	// Vars holds extra variables (tools, documents, enable_thinking, ...).
	// They override the built-in names above, except messages. A value may be
	// a jinja.Value, a json.RawMessage (decoded keeping object key order, as
	// Python does), or plain Go data: nil, bool, integers, floats, string,
	// []any, map[string]any (whose keys are sorted, since Go maps have no
	// order), or slices and string-keyed maps of those.
	Vars map[string]any
	// Now is the clock behind strftime_now; nil means time.Now.
	Now func() time.Time
}

// Template is a parsed chat template. It is safe for concurrent use.
type Template struct {
	src  string
	tmpl *jinja.Template
}

// RaiseError is returned when a template calls raise_exception; Message is
// the template's own text.
type RaiseError struct {
	Message string
}

// Error implements error.
func (e *RaiseError) Error() string {
	return "chat: template raised exception: " + e.Message
}

// Parse compiles a chat template source.
func Parse(src string) (t *Template, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("chat: parse template: jinja engine panicked: %v", r)
		}
	}()
	if err := checkSource(src); err != nil {
		return nil, fmt.Errorf("chat: parse template: %w", err)
	}
	tm, err := jinja.Compile(guardMacros(renameFilters(src)))
	if err != nil {
		return nil, fmt.Errorf("chat: parse template: %w", err)
	}
	return &Template{src: src, tmpl: tm}, nil
}

// Source returns the template's Jinja source.
func (t *Template) Source() string { return t.src }

// RenderText renders msgs and returns only the text, without locating spans.
func (t *Template) RenderText(msgs []Message, opt Options) (string, error) {
	contents := make([]string, len(msgs))
	for i, m := range msgs {
		contents[i] = m.Content
	}
	return t.render(msgs, contents, opt)
}

// render executes the template with msgs, replacing message i's content by
// contents[i].
func (t *Template) render(msgs []Message, contents []string, opt Options) (out string, err error) {
	data, err := buildData(msgs, contents, opt)
	if err != nil {
		return "", err
	}
	budget := MaxRangeItems
	data["range"] = boundedRange(&budget)
	data[depthGuard] = newDepthGuard()
	out, err = renderBounded(t.tmpl, data)
	if err != nil {
		var re *RaiseError
		if errors.As(err, &re) {
			return "", re
		}
		return "", fmt.Errorf("chat: render template: %w", err)
	}
	return out, nil
}

// buildData assembles the template's variables.
func buildData(msgs []Message, contents []string, opt Options) (map[string]jinja.Value, error) {
	list := make([]jinja.Value, len(msgs))
	for i, m := range msgs {
		d := jinja.NewDict()
		dict := d.AsDict()
		dict.Set("role", jinja.NewString(m.Role))
		dict.Set("content", jinja.NewString(contents[i]))
		for _, k := range sortedKeys(m.Extra) {
			if k == "role" || (k == "content" && m.Content != "") {
				return nil, fmt.Errorf("chat: message %d: Extra must not hold %q", i, k)
			}
			v, err := toValue(m.Extra[k])
			if err != nil {
				return nil, fmt.Errorf("chat: message %d field %q: %w", i, k, err)
			}
			dict.Set(k, v)
		}
		list[i] = d
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	data := map[string]jinja.Value{
		"add_generation_prompt": jinja.NewBool(opt.AddGenerationPrompt),
		"bos_token":             jinja.NewString(opt.BOS),
		"eos_token":             jinja.NewString(opt.EOS),
		"raise_exception":       jinja.NewCallable("raise_exception", raiseException),
		"strftime_now":          jinja.NewCallable("strftime_now", strftimeNow(now)),
		tojsonFilter:            jinja.NewCallable("tojson", filterTojson),
		strFilter:               jinja.NewCallable("str", filterStr),
		trimFilter:              jinja.NewCallable("trim", filterTrim),
	}
	if opt.DateString != "" {
		data["date_string"] = jinja.NewString(opt.DateString)
	}
	for _, k := range sortedKeys(opt.Vars) {
		if k == "messages" {
			return nil, errors.New("chat: Options.Vars must not hold \"messages\"")
		}
		v, err := toValue(opt.Vars[k])
		if err != nil {
			return nil, fmt.Errorf("chat: variable %q: %w", k, err)
		}
		data[k] = v
	}
	data["messages"] = jinja.NewList(list)
	return data, nil
}

// raiseException implements raise_exception(message).
func raiseException(args []jinja.Value, _ map[string]jinja.Value) (jinja.Value, error) {
	if len(args) == 0 {
		return jinja.Undefined(), &RaiseError{Message: "(no message)"}
	}
	return jinja.Undefined(), &RaiseError{Message: plainString(args[0])}
}

// strftimeNow implements strftime_now(format) on the given clock.
func strftimeNow(now func() time.Time) func([]jinja.Value, map[string]jinja.Value) (jinja.Value, error) {
	return func(args []jinja.Value, _ map[string]jinja.Value) (jinja.Value, error) {
		if len(args) != 1 || !args[0].IsString() {
			return jinja.Undefined(), errors.New("strftime_now: want one string argument (a strftime format)")
		}
		s, err := Strftime(now(), args[0].AsString())
		if err != nil {
			return jinja.Undefined(), err
		}
		return jinja.NewString(s), nil
	}
}

// plainString prints a value as Jinja's {{ }} would (strings unquoted).
func plainString(v jinja.Value) string {
	if v.IsString() {
		return v.AsString()
	}
	return v.String()
}
