// Package chat renders a model's own chat template (the Jinja source found in
// tokenizer_config.json "chat_template" or GGUF "tokenizer.chat_template") and
// reports where every message's content lies in the rendered text.
//
// Rendering uses the pure-Go Jinja engine github.com/ardanlabs/jinja, with the
// globals Hugging Face transformers and llama.cpp give templates: messages,
// add_generation_prompt, bos_token, eos_token, raise_exception (surfaced as a
// *RaiseError carrying the template's message), strftime_now (driven by an
// injectable clock), an optional date_string, and any extra variables such as
// tools.
//
// # Content spans
//
// A neuron study needs exact token boundaries, so Render also returns the byte
// range of each message's content in the text. It renders the template twice:
// once with the real contents and once with a unique sentinel string in place
// of every non-empty content. The sentinel rendering is a skeleton
// P0 s P1 s ... Pn whose literal pieces P must reappear, in order, in the real
// rendering; the gaps between them are the contents as the template printed
// them, after any transformation it applied (for example Llama's and Gemma's
// "| trim", or DeepSeek-R1 dropping an assistant's <think> block). The match is
// exact: the pieces are placed at their leftmost and at their rightmost
// feasible positions, and when the two placements differ (a content contains
// text that also follows it in the template) the content itself, then its
// trimmed form, decides; if neither does, Render fails rather than guess.
//
// When a template branches on the content itself the skeleton no longer fits
// the real rendering; Render then falls back to finding each content (or its
// trimmed form) verbatim, in message order, and requires each to occur exactly
// once in the rest of the text. Rendered.Method says which way was used.
// Empty contents have no span.
//
// What this cannot verify: a template that adds literal text next to a
// content only for some contents (say, a prefix when the content starts with
// "Q") takes the same branch for the sentinel only by chance; when it does
// not, the skeleton usually fails to match and the verbatim search decides,
// but a coincidental match would put the added text inside the span. Spans
// whose text differs from the content are marked Transformed, so a caller
// that needs the content itself can check.
//
// # Fidelity to transformers
//
// The reference is Python's jinja2 as transformers configures it
// (trim_blocks, lstrip_blocks, a tojson built on json.dumps). Where the
// engine's built-ins differ, Parse adapts the template source, inside tags
// only: the filters tojson, trim and string are renamed to Python-exact
// replacements that Render supplies as variables (the engine consults
// variables for filters it lacks), every {{ expr }} prints through a filter
// that formats values as Python's str() does (None, floats, lists, dicts),
// and {% generation %} blocks become plain blocks. Known differences that
// remain: jinja2's Markup strings (a "|safe" string plus a plain string
// HTML-escapes the latter; meetkai functionary v3.1 with tools hits this),
// and Python exceptions on type errors (jinja2 fails on str + dict, the
// engine may not). testdata/reference.py renders every shared template with
// jinja2; the tests compare byte for byte.
package chat
