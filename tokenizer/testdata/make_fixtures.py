#!/usr/bin/python3
"""Writes the small hand-checked tokenizer.json fixtures used by tokenizer_test.go.

The expected ids in the tests were worked out by hand from these vocabularies
and merge lists. The GPT-2 byte-to-unicode table is written out here
independently of the Go code. Run from tokenizer/: /usr/bin/python3 testdata/make_fixtures.py
"""
import json

# GPT-2 byte-to-unicode table
bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
cs = bs[:]
n = 0
for b in range(256):
    if b not in bs:
        bs.append(b)
        cs.append(256 + n)
        n += 1
b2u = {b: chr(c) for b, c in zip(bs, cs)}

# Byte-level BPE: id of each byte token is the byte value; four merges.
vocab = {b2u[b]: b for b in range(256)}
vocab.update({"Ġt": 256, "he": 257, "Ġthe": 258, "in": 259})
doc = {
    "version": "1.0",
    "added_tokens": [{"id": 260, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                      "rstrip": False, "normalized": False, "special": True}],
    "normalizer": None,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
    "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
              "vocab": vocab, "merges": ["Ġ t", "h e", "Ġt he", "i n"]},
}
json.dump(doc, open("testdata/bpe_bytelevel.json", "w"), ensure_ascii=False, indent=1)

# SentencePiece-style BPE: Metaspace pre-tokenizer, byte fallback <0xNN> = 3 + byte.
v = {"<unk>": 0, "<s>": 1, "</s>": 2}
for b in range(256):
    v["<0x%02X>" % b] = 3 + b
v.update({"▁": 259, "h": 260, "i": 261, "▁h": 262, "▁hi": 263, "!": 264})
special = lambda i, c: {"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
                        "normalized": False, "special": True}
doc = {
    "version": "1.0",
    "added_tokens": [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
    "normalizer": None,
    "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
    "post_processor": {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
    "decoder": {"type": "Sequence", "decoders": [
        {"type": "ByteFallback"},
        {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}]},
    "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
              "vocab": v, "merges": [["▁", "h"], ["▁h", "i"]]},
}
json.dump(doc, open("testdata/spm_metaspace.json", "w"), ensure_ascii=False, indent=1)

# WordLevel with the Whitespace pre-tokenizer (the model organism's format).
doc = {
    "version": "1.0",
    "added_tokens": [special(0, "[UNK]"), special(5, "[EOS]")],
    "normalizer": None,
    "pre_tokenizer": {"type": "Whitespace"},
    "post_processor": None,
    "decoder": None,
    "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "the": 1, "cat": 2, "sat": 3, ".": 4, "[EOS]": 5},
              "unk_token": "[UNK]"},
}
json.dump(doc, open("testdata/wordlevel.json", "w"), ensure_ascii=False, indent=1)

cfg = {"add_bos_token": True, "add_eos_token": False,
       "bos_token": {"content": "<s>", "lstrip": False, "normalized": False, "rstrip": False, "single_word": False},
       "eos_token": "</s>",
       "chat_template": [{"name": "default", "template": "{{ messages }}"}, {"name": "tool_use", "template": "x"}]}
json.dump(cfg, open("testdata/spm_config.json", "w"), indent=1)
