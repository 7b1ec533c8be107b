#!/usr/bin/env python3
"""Render shared/templates/*.jinja with Python's jinja2 as Hugging Face
transformers configures it, to give the Go chat package an independent
reference for templates and conversations that expected_renderings.jsonl
does not cover (tools, tool calls, None contents, white space, Unicode).

Usage (from the repository root):
    python3 chat/testdata/reference.py ../shared > chat/testdata/reference_renderings.jsonl

Templates: every templates/*.jinja, and the tokenizer.chat_template of every
vocab/*.gguf that has one (named "vocab/<file>" in the output; the string is
found by its key, which is enough for these files).

Environment as in transformers' chat template rendering: a sandboxed jinja2
environment with trim_blocks and lstrip_blocks, the loopcontrols extension,
a tojson filter built on json.dumps(ensure_ascii=False), raise_exception and
strftime_now globals. The clock is fixed at 2026-03-14 15:09:26 so the
output is reproducible. Written for this project; jinja2 3.1.6 was used.

Each output line: template, conversation, add_generation_prompt, bos_token,
eos_token, vars (extra variables, JSON), messages, and either expected (the
text) or raised (the raise_exception message) or error (another exception;
the Go test skips those).
"""

import datetime
import json
import os
import struct
import sys

import jinja2
import jinja2.ext
import jinja2.sandbox

NOW = datetime.datetime(2026, 3, 14, 15, 9, 26)


class Raised(Exception):
    pass


def raise_exception(message):
    raise Raised(message)


def strftime_now(fmt):
    return NOW.strftime(fmt)


def tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent,
                      separators=separators, sort_keys=sort_keys)


def environment():
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True,
        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city, e.g. Sarajevo"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"},
            },
            "required": ["city"],
        },
    },
}


def call(args):
    return [{"id": "call12345", "type": "function",
             "function": {"name": "get_weather", "arguments": args}}]


ARGS_DICT = {"city": "Sarajevo", "unit": "celsius"}
ARGS_STRING = '{"city": "Sarajevo", "unit": "celsius"}'

# name -> (messages, extra variables, add_generation_prompt)
CONVERSATIONS = {
    "single_user": ([{"role": "user", "content": "What is the capital of Bosnia and Herzegovina?"}], {}, True),
    "user_assistant": ([{"role": "user", "content": "Who wrote Hamlet?"},
                        {"role": "assistant", "content": "William Shakespeare"}], {}, False),
    "system_user_assistant": ([{"role": "system", "content": "You are terse."},
                               {"role": "user", "content": "Name a prime."},
                               {"role": "assistant", "content": "7"}], {}, False),
    "whitespace_unicode": ([{"role": "user", "content": "  Ça va? 東京は日本の首都ですか 👋 \n"},
                            {"role": "assistant", "content": "\n Oui — はい. \t"}], {}, False),
    "quotes_markup": ([{"role": "user", "content": "Say \"hi\" & <b>bold</b> {{ x }} {% raw %} \\n"},
                       {"role": "assistant", "content": "<think>\nplan\n</think>\n\nhi \"there\""}], {}, False),
    "multi_turn": ([{"role": "user", "content": "Which planet is largest?"},
                    {"role": "assistant", "content": "Jupiter"},
                    {"role": "user", "content": "I don't think that's right. Are you sure?"}], {}, True),
    "tools_args_dict": ([{"role": "user", "content": "Weather in Sarajevo?"},
                         {"role": "assistant", "content": "", "tool_calls": call(ARGS_DICT)},
                         {"role": "tool", "content": "{\"temperature\": 21}", "tool_call_id": "call12345", "name": "get_weather"},
                         {"role": "assistant", "content": "It is 21 degrees."}],
                        {"tools": [WEATHER_TOOL]}, False),
    "tools_args_string": ([{"role": "user", "content": "Weather in Sarajevo?"},
                           {"role": "assistant", "content": None, "tool_calls": call(ARGS_STRING)},
                           {"role": "tool", "content": "{\"temperature\": 21}", "tool_call_id": "call12345", "name": "get_weather"},
                           {"role": "assistant", "content": "It is 21 degrees."}],
                          {"tools": [WEATHER_TOOL]}, False),
    "tools_prompt": ([{"role": "system", "content": "Use tools when needed."},
                      {"role": "user", "content": "Weather in Sarajevo?"}],
                     {"tools": [WEATHER_TOOL]}, True),
    "firefunction_vars": ([{"role": "user", "content": "Weather in Sarajevo?"}],
                          {"functions": json.dumps([WEATHER_TOOL["function"]]), "datetime": "2026-03-14"}, True),
    "system_only_bad": ([{"role": "system", "content": "Only a system turn."}], {}, True),
}

TOKENS = {  # template file prefix -> (bos, eos)
    "Qwen": ("", "<|im_end|>"),
    "google": ("<bos>", "<eos>"),
    "meta-llama": ("<|begin_of_text|>", "<|eot_id|>"),
    "microsoft": ("<s>", "<|endoftext|>"),
    "mistralai": ("<s>", "</s>"),
    "deepseek": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "llama-cpp": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "NousResearch": ("<|begin_of_text|>", "<|im_end|>"),
    "fireworks": ("<|begin_of_text|>", "<|eot_id|>"),
    "meetkai": ("<|begin_of_text|>", "<|eot_id|>"),
    "CohereForAI": ("<BOS_TOKEN>", "<|END_OF_TURN_TOKEN|>"),
    "vocab/": ("<s>", "</s>"),
}


def gguf_template(path):
    """The tokenizer.chat_template string of a GGUF file, or None."""
    with open(path, "rb") as f:
        data = f.read()
    key = b"tokenizer.chat_template"
    i = data.find(key)
    if i < 0:
        return None
    j = i + len(key)
    vtype = struct.unpack("<I", data[j:j + 4])[0]
    if vtype != 8:  # GGUF string
        return None
    n = struct.unpack("<Q", data[j + 4:j + 12])[0]
    return data[j + 12:j + 12 + n].decode("utf-8")


def sources(shared):
    tdir = os.path.join(shared, "templates")
    for name in sorted(os.listdir(tdir)):
        if name.endswith(".jinja"):
            with open(os.path.join(tdir, name), encoding="utf-8") as f:
                yield name, f.read()
    vdir = os.path.join(shared, "vocab")
    for name in sorted(os.listdir(vdir)):
        if name.endswith(".gguf"):
            src = gguf_template(os.path.join(vdir, name))
            if src is not None:
                yield "vocab/" + name, src


def main():
    env = environment()
    for name, src in sources(sys.argv[1]):
        bos, eos = next(v for k, v in TOKENS.items() if name.startswith(k))
        tmpl = env.from_string(src)
        for conv, (messages, variables, agp) in CONVERSATIONS.items():
            rec = {"template": name, "conversation": conv, "add_generation_prompt": agp,
                   "bos_token": bos, "eos_token": eos, "vars": variables, "messages": messages}
            try:
                rec["expected"] = tmpl.render(messages=messages, add_generation_prompt=agp,
                                              bos_token=bos, eos_token=eos, **variables)
            except Raised as e:
                rec["raised"] = str(e)
            except Exception as e:  # noqa: BLE001 - recorded, skipped by the Go test
                rec["error"] = "%s: %s" % (type(e).__name__, e)
            print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main()
